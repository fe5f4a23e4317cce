"""A first deploy that works: what template.yaml and ses-inbound.yaml must say for AWS to accept
them on a fresh account and for the alarms to see what goes wrong (issue 8's review list)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from og.local.template import load_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE: dict[str, Any] = load_yaml(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
PARAMETERS: dict[str, Any] = TEMPLATE["Parameters"]


def _of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in RESOURCES.items() if v["Type"] == kind}


def _statements() -> list[tuple[str, dict[str, Any]]]:
    return [
        (lid, st)
        for lid, res in _of_type("AWS::Serverless::Function").items()
        for policy in res["Properties"]["Policies"]
        for st in policy.get("Statement", [])
    ]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- the error metric sees what the functions really log --------------------------------------
_CONDITION = re.compile(r'\(\$\.([\w.]+) = "([^"]*)"\)')


def matches(pattern: str, line: str) -> bool:
    """CloudWatch Logs' JSON filter pattern, for the one shape the template uses:
    `{ ($.a = "x") || ($.b.c = "y") ... }`."""
    body = pattern.strip()
    assert body.startswith("{") and body.endswith("}"), pattern
    conditions = [c.strip() for c in body[1:-1].split("||")]
    parsed = [_CONDITION.fullmatch(c) for c in conditions]
    assert all(parsed), pattern
    try:
        event = json.loads(line)
    except ValueError:
        return False  # a JSON pattern never matches a line that is not JSON
    for m in parsed:
        assert m is not None
        value: Any = event
        for part in m[1].split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value == m[2]:
            return True
    return False


def _powertools_lines() -> dict[str, str]:
    stream = io.StringIO()
    logger = Logger(service="og-metric-filter-test", stream=stream, level="INFO")
    lines = {}

    def take(name: str) -> None:
        lines[name] = stream.getvalue().strip().splitlines()[-1]

    logger.info("send", extra={"customer": "Errol Timeout", "detail": "error-free"})
    take("info about a customer called Errol Timeout")
    logger.warning("not an SES notification", extra={"sns_message": "ERROR timeout"})
    take("a warning")
    logger.error("drive-sync: some files were not mirrored")
    take("logger.error")
    try:
        raise TimeoutError("Slack did not answer")
    except TimeoutError:
        logger.exception("post failed")
    take("logger.exception")
    logger.critical("giving up")
    take("logger.critical")
    return lines


# Lambda's own lines in the JSON log format: an unhandled exception, and the report of an
# invocation that timed out (the platform.report record carries its status).
UNHANDLED = json.dumps(
    {
        "timestamp": "2026-12-10T01:00:00Z",
        "level": "ERROR",
        "message": {"errorMessage": "boom", "errorType": "KeyError", "stackTrace": []},
        "requestId": "r-1",
    }
)
TIMED_OUT = json.dumps(
    {
        "time": "2026-12-10T01:00:30.000Z",
        "type": "platform.report",
        "record": {"requestId": "r-2", "metrics": {"durationMs": 30000.0}, "status": "timeout"},
    }
)
SUCCEEDED = TIMED_OUT.replace('"timeout"', '"success"')


def test_every_error_metric_filter_counts_error_and_timeout_lines_and_nothing_else() -> None:
    filters = [r["Properties"] for r in _of_type("AWS::Logs::MetricFilter").values()]
    patterns = {f["FilterPattern"] for f in filters}
    assert len(patterns) == 1, "every function's log group is filtered alike"
    [pattern] = patterns
    lines = _powertools_lines()

    counted = {name for name, line in lines.items() if matches(pattern, line)}

    assert counted == {"logger.error", "logger.exception", "logger.critical"}
    assert json.loads(lines["logger.error"])["level"] == "ERROR"  # powertools' own spelling
    assert matches(pattern, UNHANDLED) and matches(pattern, TIMED_OUT)
    assert not matches(pattern, SUCCEEDED)
    assert not matches(pattern, "2026-12-10 error timeout throttled")  # plain text
    assert {f["MetricTransformations"][0]["MetricName"] for f in filters} == {
        "ErrorThrottleTimeoutLogLines"
    }


# --- alarms ------------------------------------------------------------------------------------
def _alarms() -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in _of_type("AWS::CloudWatch::Alarm").values()
    }


def test_a_failed_customer_journey_raises_an_alarm() -> None:
    alarm = _alarms()["og-customer-journey-failed"]
    stats = {
        m["MetricStat"]["Metric"]["MetricName"]: m["MetricStat"]
        for m in alarm["Metrics"]
        if "MetricStat" in m
    }
    [expression] = [m for m in alarm["Metrics"] if m.get("ReturnData")]

    assert set(stats) == {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"}
    for stat in stats.values():
        assert stat["Metric"]["Namespace"] == "AWS/States"
        [dimension] = stat["Metric"]["Dimensions"]
        assert dimension["Name"] == "StateMachineArn"
        assert dimension["Value"].value == "CustomerJourneyStateMachine"
        assert stat["Stat"] == "Sum"
    assert expression["Expression"] == "failed + timedout + aborted"
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["TreatMissingData"] == "notBreaching"
    assert [a.value for a in alarm["AlarmActions"]] == ["AlarmTopic"]


def test_a_failing_intake_function_raises_an_alarm() -> None:
    alarm = _alarms()["og-intake-errors"]

    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Lambda", "Errors")
    [dimension] = alarm["Dimensions"]
    assert dimension["Value"].value == "IntakeSesParserFunction"
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert [a.value for a in alarm["AlarmActions"]] == ["AlarmTopic"]
    # The queue alarm after the retries stays as it was.
    assert _alarms()["og-intake-failed"]["Namespace"] == "AWS/SQS"


# --- records survive the stack ------------------------------------------------------------------
KEPT_TABLES = {"og-sends", "og-send-days", "og-state", "og-audit", "og-sends-archive", "og-flags"}


def test_every_record_is_retained_and_the_tables_are_recoverable() -> None:
    tables = {r["Properties"]["TableName"]: r for r in _of_type("AWS::DynamoDB::Table").values()}
    buckets = _of_type("AWS::S3::Bucket")

    assert set(tables) == KEPT_TABLES | {"og-idempotency"}
    for name in KEPT_TABLES:
        table = tables[name]
        assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
        recovery = table["Properties"]["PointInTimeRecoverySpecification"]
        assert recovery == {"PointInTimeRecoveryEnabled": True}, name
    # Hour-long enroll records: the one table that goes with the stack.
    assert "DeletionPolicy" not in tables["og-idempotency"]
    assert set(buckets) == {
        "ListSourceBucket",
        "RulesSourceBucket",
        "RawMimeBucket",
        "StaticBucket",
    }
    for lid, bucket in buckets.items():
        assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain"), (
            lid
        )


# --- parameters that become /og/config values ---------------------------------------------------
def test_no_parameter_can_deploy_an_empty_config_value() -> None:
    """AWS::SSM::Parameter rejects an empty Value only while the stack is being changed (and
    rolls it back); a parameter constraint makes CloudFormation refuse the empty value before
    anything is touched, naming the parameter."""
    fed = {}
    for res in _of_type("AWS::SSM::Parameter").values():
        value = res["Properties"]["Value"]
        if getattr(value, "name", "") == "Ref":
            fed[value.value] = res["Properties"]["Name"]

    assert set(fed) == {
        "BusinessName",
        "BusinessTimezone",
        "QuietHours",
        "WeekendDays",
        "HolidayCalendar",
        "SenderAddress",
        "OwnerSlackId",
    }
    for name, key in fed.items():
        spec = PARAMETERS[name]
        pattern = spec.get("AllowedPattern")
        assert spec.get("MinLength", 0) >= 1 or (pattern and not re.fullmatch(pattern, "")), name
        assert "ConstraintDescription" in spec, name
        default = str(spec["Default"])
        assert default and (pattern is None or re.fullmatch(pattern, default)), (name, key)
    assert re.fullmatch(PARAMETERS["OwnerSlackId"]["AllowedPattern"], "U0123ABCD")
    assert not re.fullmatch(PARAMETERS["OwnerSlackId"]["AllowedPattern"], "@ana")


# --- grants -------------------------------------------------------------------------------------
def test_secrets_are_matched_by_secrets_managers_six_character_suffix() -> None:
    """Secrets Manager names a secret's ARN `<name>-` and six random characters; `-*` would also
    grant `og/slack/bot-token-old` or any secret whose name merely starts the same."""
    arns = [
        str(r.value)
        for _, st in _statements()
        if st["Action"] == "secretsmanager:GetSecretValue"
        for r in _listed(st["Resource"])
        if getattr(r, "name", "") == "Sub"
    ]
    assert len(arns) >= 10
    for arn in arns:
        assert re.search(r":secret:og/[\w/-]+-\?{6}$", arn), arn


def test_config_is_read_from_the_path_and_its_children() -> None:
    readers = [(lid, st) for lid, st in _statements() if st["Action"] == "ssm:GetParametersByPath"]
    functions = set(_of_type("AWS::Serverless::Function"))

    assert {lid for lid, _ in readers} == functions
    for lid, st in readers:
        resources = sorted(str(r.value).rsplit(":", 1)[1] for r in _listed(st["Resource"]))
        assert resources == ["parameter/og/config", "parameter/og/config/*"], lid


@pytest.mark.parametrize("function", ["SenderFunction", "SummaryFunction"])
def test_email_is_sent_with_ses_v2_send_email_only(function: str) -> None:
    """SesEmailSender calls SES v2 SendEmail (raw content included), which IAM authorises as
    ses:SendEmail; nothing calls v1 SendRawEmail."""
    adapter = (ROOT / "src" / "og" / "adapters" / "aws" / "ses_sender.py").read_text()
    assert 'client("sesv2")' in adapter and "send_raw_email" not in adapter
    ses = [st for lid, st in _statements() if lid == function and "ses:" in str(st["Action"])]
    assert [st["Action"] for st in ses] == ["ses:SendEmail"]


# --- the public URLs' brake ---------------------------------------------------------------------
def test_the_brake_is_off_by_default_so_a_fresh_account_can_deploy() -> None:
    brake = PARAMETERS["ReservedConcurrencyBrake"]
    public = {
        lid
        for lid, res in _of_type("AWS::Serverless::Function").items()
        if res["Properties"].get("FunctionUrlConfig", {}).get("AuthType") == "NONE"
    }

    assert brake["Default"] == 0 and brake["MinValue"] == 0
    # Lambda keeps 100 unreserved: even the largest brake leaves a 1,000 quota plenty.
    assert 1000 - 2 * brake["MaxValue"] >= 100 + 800
    assert public == {"EnrollFunction", "DoneHandlerFunction"}
    for lid in public:
        reserved = RESOURCES[lid]["Properties"]["ReservedConcurrentExecutions"]
        assert reserved.name == "If" and reserved.value[0] == "HasConcurrencyBrake"
    others = set(_of_type("AWS::Serverless::Function")) - public
    assert not any("ReservedConcurrentExecutions" in RESOURCES[o]["Properties"] for o in others)


# --- SES inbound --------------------------------------------------------------------------------
def test_the_intake_address_is_on_the_subdomain_whose_mx_points_at_ses() -> None:
    inbound = load_yaml(ROOT / "ses-inbound.yaml")["Parameters"]["IntakeRecipient"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [mx_domain] = set(
        re.findall(r"MX\s+record of the receiving subdomain \(e\.g\. `([\w.-]+)`\)", readme)
    )

    domain = inbound["Default"].split("@")[1]

    assert domain == mx_domain != "your-company.com"
    assert re.fullmatch(inbound["AllowedPattern"], inbound["Default"])
    assert not re.fullmatch(inbound["AllowedPattern"], "welcome.your-company.com")


def test_drive_sync_failing_for_an_hour_raises_an_alarm() -> None:
    alarm = _alarms()["og-drive-sync-failed"]

    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Lambda", "Errors")
    [dimension] = alarm["Dimensions"]
    assert dimension["Value"].value == "DriveSyncFunction"
    assert (alarm["Period"], alarm["Threshold"]) == (3600, 4)  # more than one run's errors
    assert [a.value for a in alarm["AlarmActions"]] == ["AlarmTopic"]
