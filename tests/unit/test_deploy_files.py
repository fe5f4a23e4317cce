"""The deploy path: Slack manifest, CI workflow and samconfig say what the README says."""

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_slack_manifest_scopes_and_interactivity():
    manifest = yaml.safe_load((ROOT / "deploy" / "slack-app-manifest.yaml").read_text())
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == [
        "chat:write",
        "commands",
        "im:write",
    ]
    interactivity = manifest["settings"]["interactivity"]
    assert interactivity["is_enabled"] is True
    assert interactivity["request_url"] == "DONE_HANDLER_URLslack/interactions"
    [command] = manifest["features"]["slash_commands"]
    assert (command["command"], command["url"]) == ("/og", "DONE_HANDLER_URLslack/commands")


def test_deploy_workflow_uses_oidc_and_no_stored_keys():
    text = (ROOT / ".github" / "workflows" / "deploy.yml").read_text()
    workflow = yaml.safe_load(text)
    assert workflow["permissions"]["id-token"] == "write"
    steps = workflow["jobs"]["deploy"]["steps"]
    creds = next(s for s in steps if "configure-aws-credentials" in s.get("uses", ""))
    assert "role-to-assume" in creds["with"]
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    runs = " ".join(s.get("run", "") for s in steps)
    assert "sam build" in runs and "sam deploy" in runs and "ses-inbound.yaml" in runs
    assert workflow["jobs"]["deploy"]["needs"] == "test"


def test_samconfig_pins_region_and_schedule_timezone():
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())["default"]
    assert config["global"]["parameters"]["region"] == "ap-southeast-1"
    overrides = config["deploy"]["parameters"]["parameter_overrides"]
    assert "BusinessTimezone=Asia/Singapore" in overrides
