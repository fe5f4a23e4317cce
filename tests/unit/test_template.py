"""template.yaml is what SAM deploys: AWS's own linter must accept it, and the build sheet's
numbers and rules must hold in it."""

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from og.local.template import load_yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("template", ["template.yaml", "ses-inbound.yaml"])
def test_cfn_lint_is_clean(template: str):
    result = subprocess.run(
        [
            shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or "cfn-lint",
            str(ROOT / template),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


TEMPLATE: dict[str, Any] = load_yaml(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
GLOBALS: dict[str, Any] = TEMPLATE["Globals"]["Function"]


def _of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {k: v.get("Properties", {}) for k, v in RESOURCES.items() if v["Type"] == kind}


FUNCTIONS = _of_type("AWS::Serverless::Function")
# Memory (MB) and timeout (s) per function, from the build sheet; task Lambdas default 256/30.
SIZES = {
    "og-guide": (512, 60),
    "og-sender": (256, 30),
    "og-done-handler": (256, 15),
    "og-enroll": (256, 15),
    "og-drive-sync": (256, 30),
    "og-intake-ses-parser": (256, 30),
    "og-digest": (256, None),
    "og-summary": (512, None),
}
# Actions with no resource-level permissions: the only ones allowed on Resource "*".
WILDCARD_OK = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
}


def _tag_name(value: Any) -> str:
    return getattr(value, "name", "")


def test_every_function_is_python314_arm64_outside_a_vpc_without_xray():
    assert GLOBALS["Runtime"] == "python3.14" and GLOBALS["Architectures"] == ["arm64"]
    assert "Tracing" not in GLOBALS or GLOBALS["Tracing"] == "PassThrough"
    for name, fn in FUNCTIONS.items():
        assert "Runtime" not in fn and "Architectures" not in fn, name
        assert "VpcConfig" not in fn and fn.get("Tracing", "PassThrough") == "PassThrough", name


def test_memory_and_timeouts_follow_the_build_sheet():
    for fn in FUNCTIONS.values():
        memory = fn.get("MemorySize", GLOBALS["MemorySize"])
        timeout = fn.get("Timeout", GLOBALS["Timeout"])
        if _tag_name(timeout) == "Ref":  # a parameter (the sender's): its default
            timeout = TEMPLATE["Parameters"][timeout.value]["Default"]
        want_memory, want_timeout = SIZES.get(fn["FunctionName"], (256, None))
        assert memory == want_memory, fn["FunctionName"]
        if want_timeout is not None:
            assert timeout == want_timeout, fn["FunctionName"]


def test_each_function_has_its_own_role_and_a_seven_day_log_group():
    for lid, fn in FUNCTIONS.items():
        assert "Role" not in fn and fn.get("Policies"), f"{lid}: SAM makes one role per function"
        group = fn["LoggingConfig"]["LogGroup"]
        assert _tag_name(group) == "Ref", lid
        group_props = RESOURCES[group.value]["Properties"]
        assert group_props["RetentionInDays"] == 7, lid
        assert group_props["LogGroupName"] == f"/aws/lambda/{fn['FunctionName']}", lid
    for lid, sm in _of_type("AWS::Serverless::StateMachine").items():
        group = sm["Logging"]["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]
        assert RESOURCES[group.value.split(".")[0]]["Properties"]["RetentionInDays"] == 7, lid


def _statements() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for lid, res in RESOURCES.items():
        props = res.get("Properties", {})
        for policy in props.get("Policies", []):
            doc = policy.get("PolicyDocument", policy)
            for st in doc.get("Statement", []) if isinstance(doc, dict) else []:
                found.append((lid, st))
    return found


def test_wildcard_resources_only_for_actions_without_resource_level_permissions():
    statements = _statements()
    assert statements
    for lid, st in statements:
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        if "*" in resources:
            assert set(actions) <= WILDCARD_OK, (lid, st.get("Sid"), actions)
        assert not any(a.endswith(":*") or a == "*" for a in actions), (lid, actions)


def test_schedules_run_in_the_business_timezone():
    schedules = {p["Name"]: p for p in _of_type("AWS::Scheduler::Schedule").values()}
    assert schedules["og-daily-tick"]["ScheduleExpression"] == "cron(0 9 * * ? *)"
    for name, s in schedules.items():
        tz = s["ScheduleExpressionTimezone"]
        assert _tag_name(tz) == "Ref" and tz.value == "BusinessTimezone", name
    assert TEMPLATE["Parameters"]["BusinessTimezone"]["Default"] == "Asia/Singapore"


def test_tables_keys_and_on_demand():
    keys = {
        p["TableName"]: [(k["AttributeName"], k["KeyType"]) for k in p["KeySchema"]]
        for p in _of_type("AWS::DynamoDB::Table").values()
    }
    assert keys["og-sends"] == [("customer_id", "HASH"), ("send_key", "RANGE")]
    assert keys["og-state"] == [("customer_id", "HASH")]
    assert keys["og-audit"] == [("customer_id", "HASH"), ("ts", "RANGE")]
    assert keys["og-sends-archive"] == [("customer_id", "HASH"), ("journey_send_key", "RANGE")]
    for props in _of_type("AWS::DynamoDB::Table").values():
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert "TimeToLiveSpecification" not in props or props["TableName"] == "og-idempotency"


def test_buckets_are_private_with_the_build_sheet_lifecycle():
    buckets = {k: v for k, v in _of_type("AWS::S3::Bucket").items()}
    for lid, props in buckets.items():
        block = props["PublicAccessBlockConfiguration"]
        assert all(
            block[k]
            for k in (
                "BlockPublicAcls",
                "BlockPublicPolicy",
                "IgnorePublicAcls",
                "RestrictPublicBuckets",
            )
        ), lid
    for lid in ("ListSourceBucket", "RulesSourceBucket"):
        assert buckets[lid]["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {r["Id"]: r for r in buckets["ListSourceBucket"]["LifecycleConfiguration"]["Rules"]}
    assert rules["archive-the-list"]["Transitions"][0]["TransitionInDays"] == 90
    assert rules["archive-the-list"]["ExpirationInDays"] == 2557  # 7 years
    raw = buckets["RawMimeBucket"]["LifecycleConfiguration"]["Rules"][0]
    assert raw["Transitions"][0]["TransitionInDays"] == 30 and raw["ExpirationInDays"] == 2557


def test_every_function_log_group_feeds_the_error_metric():
    filtered = {p["LogGroupName"].value for p in _of_type("AWS::Logs::MetricFilter").values()}
    groups = {fn["LoggingConfig"]["LogGroup"].value for fn in FUNCTIONS.values()}
    assert groups <= filtered


def test_alarms_and_budget_exist():
    alarms = {p["AlarmName"] for p in _of_type("AWS::CloudWatch::Alarm").values()}
    assert {
        "og-daily-tick-failed",
        "og-guide-failures",
        "og-sender-failure-rate",
        "og-signature-verification-failures",
        "og-ses-bounce-rate",
    } <= alarms
    (budget,) = _of_type("AWS::Budgets::Budget").values()
    assert budget["Budget"]["BudgetLimit"] == {"Amount": 15, "Unit": "USD"}
    thresholds = sorted(
        n["Notification"]["Threshold"] for n in budget["NotificationsWithSubscribers"]
    )
    assert thresholds == [80, 100]
    topics = {p.get("TopicName") for p in _of_type("AWS::SNS::Topic").values()}
    assert "og-cost-alarm" in topics


def test_the_guide_knows_the_senders_timeout_from_the_same_parameter():
    sender = RESOURCES["SenderFunction"]["Properties"]["Timeout"]
    passed = GLOBALS["Environment"]["Variables"]["OG_SEND_TIMEOUT_SECONDS"]
    assert _tag_name(sender) == _tag_name(passed) == "Ref"
    assert sender.value == passed.value == "SenderTimeoutSeconds"


def test_intake_failures_after_retries_land_in_a_queue_with_an_alarm():
    intake = RESOURCES["IntakeSesParserFunction"]["Properties"]
    invoke = intake["EventInvokeConfig"]
    on_failure = invoke["DestinationConfig"]["OnFailure"]
    assert invoke["MaximumRetryAttempts"] == 2
    assert on_failure["Type"] == "SQS"
    assert _tag_name(on_failure["Destination"]) == "GetAtt"
    assert on_failure["Destination"].value == "IntakeFailedQueue.Arn"
    queue = RESOURCES["IntakeFailedQueue"]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["QueueName"] == "og-intake-failed"
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    sends = [
        st
        for lid, st in _statements()
        if lid == "IntakeSesParserFunction" and st["Action"] == "sqs:SendMessage"
    ]
    assert [st["Resource"].value for st in sends] == ["IntakeFailedQueue.Arn"]
    [alarm] = [
        p
        for p in _of_type("AWS::CloudWatch::Alarm").values()
        if p.get("Namespace") == "AWS/SQS" and p["AlarmName"] == "og-intake-failed"
    ]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"][0]["Value"].value == "IntakeFailedQueue.QueueName"
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["AlarmActions"][0].value == "AlarmTopic"
    # Every other function's alarm style: notifications go to the one alarm topic.
    assert all(
        p["AlarmActions"][0].value == "AlarmTopic"
        for p in _of_type("AWS::CloudWatch::Alarm").values()
    )


def test_the_guide_may_tell_the_owner_once_about_broken_documents():
    allowed = {
        (st["Sid"], action)
        for lid, st in _statements()
        if lid == "GuideFunction"
        for action in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])
    }
    assert ("ReportDocumentProblemsOnce", "dynamodb:PutItem") in allowed  # the Once claim
    assert ("SlackBotToken", "secretsmanager:GetSecretValue") in allowed


def test_done_handler_may_invoke_itself_and_keeps_what_failed_after_an_answer():
    done = FUNCTIONS["DoneHandlerFunction"]
    statements = {s["Sid"]: s for p in done["Policies"] for s in p["Statement"]}
    invoke = statements["InvokeItselfAfterAnswering"]
    assert invoke["Action"] == "lambda:InvokeFunction"
    assert str(invoke["Resource"].value).endswith(":function:og-done-handler")
    assert done["FunctionName"] == "og-done-handler"
    config = done["EventInvokeConfig"]
    assert config["MaximumRetryAttempts"] == 2
    on_failure = config["DestinationConfig"]["OnFailure"]
    assert on_failure["Type"] == "SQS"
    queue = str(on_failure["Destination"].value).split(".")[0]
    assert RESOURCES[queue]["Type"] == "AWS::SQS::Queue"
    alarms = {p["AlarmName"]: p for p in _of_type("AWS::CloudWatch::Alarm").values()}
    assert alarms["og-after-answer-failed"]["AlarmActions"]
