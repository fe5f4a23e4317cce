"""Step Functions' 256 KiB payload limit on the local engine fails the way AWS documents it.

AWS: "Maximum input or output size for a task, state, or execution: 262,144 bytes of data as a
UTF-8 encoded string"; `States.DataLimitExceeded` is raised when a task's result, a state's
output, or a state's input after `Parameters` is larger, and "States.ALL ... cannot catch the
States.DataLimitExceeded terminal error". Each test runs a tiny state machine on moto's
interpreter with the project's bridges (og.local.moto_bridge, og.local.limits)."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from og.local import moto_bridge
from og.local.limits import PAYLOAD_LIMIT_BYTES, payload_bytes
from og.local.template import REGION

ROLE = "arn:aws:iam::123456789012:role/og-limits"
TWO_BYTES = "é"  # two bytes in UTF-8; `\u00e9` (six) in json.dumps' default ASCII output


def as_sent(value: Any) -> str:
    """JSON text as AWS measures it: compact, UTF-8 (json.dumps' default escapes `é` as six)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def sized(size: int, key: str = "a") -> dict[str, str]:
    """A JSON object whose compact UTF-8 text is exactly `size` bytes."""
    fill = size - payload_bytes({key: ""})
    value = TWO_BYTES * (fill // 2) + "x" * (fill % 2)
    out = {key: value}
    assert payload_bytes(out) == size
    return out


class Sfn:
    def __init__(self) -> None:
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.calls: dict[str, int] = {}

    def machine(self, definition: dict[str, Any]) -> str:
        arn: str = self.sfn.create_state_machine(
            name=f"m{time.monotonic_ns()}", definition=json.dumps(definition), roleArn=ROLE
        )["stateMachineArn"]
        return arn

    def function(self, name: str, returns: Any) -> str:
        """A Lambda function run in-process that returns `returns` and counts its calls."""

        def handler(event: dict[str, Any], context: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return returns

        moto_bridge.register_handler(name, handler)
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as z:
            z.writestr("app.py", "")
        arn: str = boto3.client("lambda", region_name=REGION).create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": code.getvalue()},
        )["FunctionArn"]
        return arn

    def run(self, machine: str, payload: dict[str, Any]) -> dict[str, Any]:
        """describe_execution once the execution has finished, plus its history's event types
        and entered states."""
        arn = self.sfn.start_execution(stateMachineArn=machine, input=as_sent(payload))[
            "executionArn"
        ]
        deadline = time.monotonic() + 60
        while (desc := self.sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            assert time.monotonic() < deadline, "execution still running after 60 s"
            time.sleep(0.05)
        events = self.sfn.get_execution_history(executionArn=arn)["events"]
        desc["types"] = [e["type"] for e in events]
        desc["entered"] = [
            e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
        ]
        return desc


@pytest.fixture
def sfn() -> Iterator[Sfn]:
    moto_bridge.apply()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        boto3.client("iam", region_name=REGION).create_role(
            RoleName="og-limits", AssumeRolePolicyDocument="{}"
        )
        yield Sfn()


def pass_machine(**state: Any) -> dict[str, Any]:
    return {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True, **state}}}


def assert_data_limit_exceeded(desc: dict[str, Any], state: str) -> None:
    assert desc["status"] == "FAILED"
    assert desc["error"] == "States.DataLimitExceeded"
    assert f"'{state}'" in desc["cause"]
    assert "exceeding the maximum number of bytes service limit" in desc["cause"]


def test_start_execution_refuses_input_over_the_limit_and_starts_nothing(sfn: Sfn) -> None:
    machine = sfn.machine(pass_machine())

    at_limit = sfn.run(machine, sized(PAYLOAD_LIMIT_BYTES))
    with pytest.raises(ClientError) as refused:
        sfn.sfn.start_execution(
            stateMachineArn=machine, input=as_sent(sized(PAYLOAD_LIMIT_BYTES + 1))
        )

    assert at_limit["status"] == "SUCCEEDED"
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "Value at 'input'" in refused.value.response["Error"]["Message"]
    assert "262144" in refused.value.response["Error"]["Message"]
    assert len(sfn.sfn.list_executions(stateMachineArn=machine)["executions"]) == 1


def test_state_output_counts_the_utf8_bytes_of_compact_json(sfn: Sfn) -> None:
    """262,144 bytes pass (moto alone refused them, and counted `é` as six bytes)."""
    fits = sfn.run(sfn.machine(pass_machine(Result=sized(PAYLOAD_LIMIT_BYTES))), {})
    over = sfn.run(
        sfn.machine(
            {
                "StartAt": "P",
                "States": {
                    "P": {"Type": "Pass", "Result": sized(PAYLOAD_LIMIT_BYTES + 1), "Next": "Q"},
                    "Q": {"Type": "Pass", "End": True},
                },
            }
        ),
        {},
    )

    assert fits["status"] == "SUCCEEDED"
    assert json.loads(fits["output"]) == sized(PAYLOAD_LIMIT_BYTES)
    assert_data_limit_exceeded(over, "P")
    assert over["entered"] == ["P"]
    assert "PassStateExited" not in over["types"]


def catching_task(function_arn: str, catch: list[str], **task: Any) -> dict[str, Any]:
    return {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function_arn, "Payload.$": "$"},
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "IntervalSeconds": 1}],
                "Catch": [{"ErrorEquals": catch, "Next": "Handled"}],
                "End": True,
                **task,
            },
            "Handled": {"Type": "Pass", "End": True},
        },
    }


def test_task_result_over_the_limit_is_not_retried_or_caught_by_states_all(sfn: Sfn) -> None:
    function = sfn.function("big-result", "x" * PAYLOAD_LIMIT_BYTES)

    desc = sfn.run(sfn.machine(catching_task(function, ["States.ALL"])), {})

    assert_data_limit_exceeded(desc, "lambda")  # AWS names the integration's service here
    assert sfn.calls == {"big-result": 1}
    assert "Handled" not in desc["entered"]


def test_task_result_over_the_limit_is_caught_when_named(sfn: Sfn) -> None:
    function = sfn.function("big-result", "x" * PAYLOAD_LIMIT_BYTES)

    desc = sfn.run(sfn.machine(catching_task(function, ["States.DataLimitExceeded"])), {})

    assert desc["status"] == "SUCCEEDED"
    assert desc["entered"] == ["Call", "Handled"]
    assert json.loads(desc["output"])["Error"] == "States.DataLimitExceeded"
    assert sfn.calls == {"big-result": 1}


def test_state_input_after_parameters_over_the_limit_fails_before_the_call(sfn: Sfn) -> None:
    """Two copies of a 140 KB field: the input fits, the task's parameters do not."""
    function = sfn.function("small-result", {"ok": True})
    definition = catching_task(function, ["States.ALL"])
    definition["States"]["Call"]["Parameters"]["Payload.$"] = "States.Array($.s, $.s)"
    half = {"s": "y" * 140_000}

    desc = sfn.run(sfn.machine(definition), half)

    assert_data_limit_exceeded(desc, "Call")
    assert sfn.calls == {}
    assert "Handled" not in desc["entered"]


def distributed_map(child: dict[str, Any]) -> dict[str, Any]:
    return {
        "StartAt": "EachItem",
        "States": {
            "EachItem": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": {"Bucket": "og-limits", "Key": "items.json"},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Child",
                    "States": {"Child": {"Type": "Pass", "End": True, **child}},
                },
                "ResultPath": None,
                "End": True,
            }
        },
    }


def test_distributed_map_fails_on_its_aggregated_result_after_the_children_ran(sfn: Sfn) -> None:
    """300 children of 1 KB each: every child fits, their results together do not, even with
    `ResultPath: null`; a child that outputs {} keeps the Map's result small."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="og-limits", CreateBucketConfiguration={"LocationConstraint": REGION})
    items = [{"n": i, "pad": "z" * 1000} for i in range(300)]
    s3.put_object(Bucket="og-limits", Key="items.json", Body=json.dumps(items).encode())

    whole = sfn.run(sfn.machine(distributed_map({})), {"day": "2026-12-01"})
    empty = sfn.run(sfn.machine(distributed_map({"OutputPath": None})), {"day": "2026-12-01"})

    assert_data_limit_exceeded(whole, "EachItem")
    assert "MapRunSucceeded" in whole["types"]  # the children ran before the Map failed
    assert "MapStateSucceeded" not in whole["types"]
    assert empty["status"] == "SUCCEEDED"
    assert json.loads(empty["output"]) == {"day": "2026-12-01"}
    for desc in (whole, empty):
        run = sfn.sfn.list_map_runs(executionArn=desc["executionArn"])["mapRuns"][0]
        counts = sfn.sfn.describe_map_run(mapRunArn=run["mapRunArn"])["itemCounts"]
        assert (counts["succeeded"], counts["failed"]) == (300, 0)
