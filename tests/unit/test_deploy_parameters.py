"""scripts/deploy_parameters.py: what the deploy workflow hands `sam deploy`, and what it says
when a repository variable is missing."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "deploy_parameters.py"
VARIABLES = {
    "OG_DEPLOY_ROLE_ARN": "arn:aws:iam::123456789012:role/og-deploy",
    "OG_SENDER_IDENTITY": "harbourhearth.example",
    "OG_SENDER_ADDRESS": 'Harbour "&" Hearth <hello@harbourhearth.example>',
    "OG_BUSINESS_NAME": "Harbour & Hearth",
    "OG_OWNER_SLACK_ID": "U0123ABCD",
    "OG_INTAKE_RECIPIENT": "onboarding@welcome.harbourhearth.example",
    "OG_ALARM_EMAIL": "",
    "OG_BUSINESS_TIMEZONE": "",
}


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploy_parameters", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


deploy_parameters = _load()


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env={"PATH": "/usr/bin:/bin"} | env,
        capture_output=True,
        text=True,
        check=False,
    )


def as_sam_reads(line: str) -> tuple[str, str]:
    """sam's reading of one `Key="value"` argument: the quotes wrap the value, `\\"` is a quote."""
    m = re.fullmatch(r'([A-Za-z0-9]+)="((?:[^"\\]|\\.)*)"', line)
    assert m, line
    return m[1], m[2].replace('\\"', '"')


def test_samconfig_parameters_survive_and_the_variables_are_added_whole() -> None:
    out = run("overrides", env=VARIABLES)

    assert out.returncode == 0, out.stderr
    params = dict(as_sam_reads(line) for line in out.stdout.splitlines())
    assert params == {
        "BusinessTimezone": "Asia/Singapore",
        "HolidayCalendar": "SG",
        "MapMaxConcurrency": "5",
        "SenderIdentity": "harbourhearth.example",
        "SenderAddress": 'Harbour "&" Hearth <hello@harbourhearth.example>',
        "BusinessName": "Harbour & Hearth",
        "OwnerSlackId": "U0123ABCD",
    }
    assert out.stderr == ""


def test_a_variable_overrides_samconfig_and_an_empty_optional_one_does_not() -> None:
    env = VARIABLES | {"OG_BUSINESS_TIMEZONE": "Europe/London", "OG_ALARM_EMAIL": "ops@hh.example"}

    params, warnings = deploy_parameters.overrides(env, ROOT / "samconfig.toml")

    assert params["BusinessTimezone"] == "Europe/London"
    assert params["AlarmEmail"] == "ops@hh.example"
    assert params["HolidayCalendar"] == "SG" and warnings == []
    params, _ = deploy_parameters.overrides(VARIABLES, ROOT / "samconfig.toml")
    assert "AlarmEmail" not in params  # the template's default: no alarm email


def test_a_quoted_samconfig_value_keeps_its_spaces(tmp_path: Path) -> None:
    samconfig = tmp_path / "samconfig.toml"
    samconfig.write_text(
        "[default.deploy.parameters]\n"
        'parameter_overrides = [\'WeekendDays="Fri, Sat"\', "QuietHours=21:00-08:00"]\n'
    )

    params, _ = deploy_parameters.overrides(VARIABLES, samconfig)

    assert params["WeekendDays"] == "Fri, Sat" and params["QuietHours"] == "21:00-08:00"
    assert 'WeekendDays="Fri, Sat"' in deploy_parameters.quoted(params)


def test_every_missing_variable_is_named_before_anything_is_deployed() -> None:
    env = VARIABLES | {"OG_BUSINESS_NAME": "", "OG_OWNER_SLACK_ID": "  "}
    del env["OG_INTAKE_RECIPIENT"]

    for command, named in (
        ("check", ["OG_BUSINESS_NAME", "OG_OWNER_SLACK_ID", "OG_INTAKE_RECIPIENT"]),
        ("overrides", ["OG_BUSINESS_NAME", "OG_OWNER_SLACK_ID"]),  # the main stack's only
    ):
        out = run(command, env=env)

        assert out.returncode == 1
        assert out.stdout == ""
        errors = out.stderr.splitlines()
        assert [e.split()[2] for e in errors] == named
        assert all(e.startswith("::error::repository variable ") for e in errors)
        assert all("Settings > Secrets and variables > Actions > Variables" in e for e in errors)
    assert run("check", env=VARIABLES).returncode == 0


@pytest.mark.parametrize(
    ("quota", "brake", "warned"),
    [(10, "0", True), (50, "0", True), (109, "0", True), (110, "5", False), (1000, "5", False)],
)
def test_the_brake_is_set_once_the_concurrency_quota_allows_it(
    quota: int, brake: str, warned: bool
) -> None:
    out = run("overrides", "--concurrency-quota", str(quota), env=VARIABLES)

    assert out.returncode == 0
    params = dict(as_sam_reads(line) for line in out.stdout.splitlines())
    assert params["ReservedConcurrencyBrake"] == brake
    assert params["HolidayCalendar"] == "SG"
    assert ("Service Quotas > AWS Lambda > Concurrent executions" in out.stderr) is warned
    assert out.stderr.startswith("::warning::") is warned


def test_a_value_sam_cannot_carry_is_refused() -> None:
    out = run("overrides", env=VARIABLES | {"OG_BUSINESS_NAME": "Harbour\\Hearth"})

    assert out.returncode == 1 and out.stdout == ""
    assert "BusinessName: a backslash" in out.stderr


def test_the_workflow_checks_the_variables_then_deploys_with_the_scripts_overrides() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    test, deploy = workflow["jobs"]["test"], workflow["jobs"]["deploy"]
    steps = deploy["steps"]
    runs = [s.get("run", "") for s in steps]
    check = next(i for i, r in enumerate(runs) if "deploy_parameters.py check" in r)
    creds = next(i for i, s in enumerate(steps) if "configure-aws-credentials" in s.get("uses", ""))
    [main] = [r for r in runs if "sam deploy" in r]

    assert test["strategy"]["matrix"]["python-version"] == ["3.11", "3.14"]
    assert "matrix.python-version" in str(test["steps"])
    assert deploy["needs"] == "test"
    assert check < creds
    assert set(deploy_parameters.REQUIRED) | set(deploy_parameters.OPTIONAL) == {
        k for k in deploy["env"] if k.startswith("OG_")
    }
    assert all(
        deploy["env"][k] == f"${{{{ vars.{k} }}}}" for k in deploy["env"] if k != "AWS_REGION"
    )
    assert "deploy_parameters.py overrides --concurrency-quota" in main
    assert '--parameter-overrides "${overrides[@]}"' in main
    assert "vars." not in main  # every value goes through the script's quoting
