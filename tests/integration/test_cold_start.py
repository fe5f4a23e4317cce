"""A cold start pays only for what its path uses: every AWS client a request builds comes from
boto3's default session (a new session's first client reads botocore's endpoint and model files
again, about 0.15 s each), and a function that never talks to Slack or Google never imports their
clients (docs/benchmark.md, section 6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from og import wiring

REGION = "ap-southeast-1"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """moto's AWS, the cloud wiring, and the boto3 sessions opened from here on."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "OG_LIST_BUCKET": "og-list-source",
        "OG_RULES_BUCKET": "og-rules-source",
        "OG_CONFIG_PATH": "/og/config/",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OG_BACKEND", raising=False)
    monkeypatch.delenv("OG_HOME", raising=False)
    with mock_aws():
        boto3.setup_default_session()
        boto3.client("ssm").put_parameter(
            Name="/og/config/timezone", Value="Asia/Singapore", Type="String"
        )
        boto3.client("secretsmanager").create_secret(
            Name="og/webhook/secret", SecretString="s3cret"
        )
        opened: list[Any] = []
        original = boto3.session.Session.__init__

        def counted(self: Any, *args: Any, **kwargs: Any) -> None:
            opened.append(self)
            original(self, *args, **kwargs)

        monkeypatch.setattr(boto3.session.Session, "__init__", counted)
        wiring.reset()
        try:
            yield opened
        finally:
            wiring.reset()


def test_enrolls_first_request_opens_no_boto3_session_of_its_own(cloud: list[Any]) -> None:
    """What enroll's first request builds: the config (SSM), the webhook secret (Secrets
    Manager) and the idempotency store (DynamoDB)."""
    a = wiring.adapters()

    assert a.config.entries() == {"timezone": ("Asia/Singapore", "/og/config/timezone")}
    assert a.secrets.get("og/webhook/secret") == "s3cret"
    store = a.idempotency()
    assert store.table_name == "og-idempotency"  # type: ignore[attr-defined]
    assert store.client.meta.region_name == REGION  # type: ignore[attr-defined]
    assert cloud == []


def test_config_and_secrets_are_still_read_once_per_environment(cloud: list[Any]) -> None:
    a = wiring.adapters()
    a.config.entries()
    a.secrets.get("og/webhook/secret")
    boto3.client("ssm").put_parameter(
        Name="/og/config/timezone", Value="Europe/Paris", Type="String", Overwrite=True
    )
    boto3.client("secretsmanager").put_secret_value(
        SecretId="og/webhook/secret", SecretString="rotated"
    )

    assert a.config.entries()["timezone"][0] == "Asia/Singapore"
    assert a.secrets.get("og/webhook/secret") == "s3cret"
    assert cloud == []


def test_enroll_loads_no_slack_or_google_client_before_it_needs_one() -> None:
    """A fresh interpreter as a new enroll environment: the handler's import and the adapters
    its first request builds load neither slack_sdk nor googleapiclient (the sheet loads the
    Google client when it is first written)."""
    root = Path(__file__).resolve().parents[2]
    probe = (
        "import sys, app\n"
        "from og.wiring import adapters\n"
        "a = adapters()\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(loaded & {'slack_sdk', 'googleapiclient', 'httplib2', 'moto', 'yaml'}))\n"
        "print(type(a.chat).__name__, type(a.sheet).__name__)\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OG_")},
        "PYTHONPATH": f"{root / 'src'}{os.pathsep}{root / 'functions' / 'enroll'}",
        "OG_LIST_BUCKET": "og-list-source",
        "OG_RULES_BUCKET": "og-rules-source",
        "AWS_DEFAULT_REGION": REGION,
    }
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["[]", "SlackWebChat GoogleSheet"]


# What no function's import loads: boto3 comes with the adapters its first request builds;
# jinja2 and holidays with the first template or send window; slack_sdk with the first Slack
# request or post; powertools' parser not at all.
_NEVER_AT_IMPORT = {
    "boto3",
    "jinja2",
    "holidays",
    "slack_sdk",
    "aws_lambda_powertools.utilities.parser",
}
# Functions whose events are not pydantic models: their import loads no pydantic.
_NO_PYDANTIC = {"alarm_to_slack", "done_handler", "drive_sync", "intake_ses_parser", "ses_feedback"}
_FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))


@pytest.mark.parametrize("function", _FUNCTIONS)
def test_a_cold_import_loads_only_what_every_request_needs(function: str) -> None:
    """A fresh interpreter as a new execution environment (docs/benchmark.md, section 6)."""
    probe = "import json, sys, app\nprint(json.dumps(sorted(sys.modules)))\n"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OG_")},
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT / 'functions' / function}",
        "OG_LIST_BUCKET": "og-list-source",
        "OG_RULES_BUCKET": "og-rules-source",
        "AWS_DEFAULT_REGION": REGION,
    }
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out))
    assert loaded & _NEVER_AT_IMPORT == set()
    assert ("pydantic" in loaded) is (function not in _NO_PYDANTIC)
