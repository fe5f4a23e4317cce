"""Conformance: the local engine fails where AWS fails, with the error AWS documents.

Each test runs small state machines on moto's interpreter with the project's bridges installed
(og.local.moto_bridge, og.local.aws_limits), as `og` runs the real ones."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto_sfn import MotoSfn, moto_with_bridges

from og.local import aws_limits, moto_bridge

REGION = "ap-southeast-1"
PASS_END = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


class Sfn(MotoSfn):
    def run(self, arn: str, payload: dict[str, Any], name: str | None = None) -> dict[str, Any]:
        started = self.sfn.start_execution(
            stateMachineArn=arn, name=name or uuid.uuid4().hex, input=json.dumps(payload)
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            desc: dict[str, Any] = self.sfn.describe_execution(executionArn=started["executionArn"])
            if desc["status"] != "RUNNING":
                return desc
            time.sleep(0.05)
        raise TimeoutError(arn)

    def last_events(self, execution_arn: str) -> list[dict[str, Any]]:
        """The last two events, last first. moto answers with the whole history in one page
        (AWS: pages of at most 1,000); a paginator would read all 25,000 once a page."""
        events = self.sfn.get_execution_history(executionArn=execution_arn)["events"]
        return list(reversed(events[-2:]))


@pytest.fixture
def sfn() -> Iterator[Sfn]:
    with moto_with_bridges():
        yield Sfn()


def _task(function_arn: str, **fields: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function_arn, "Payload": {"day.$": "$.day"}},
        "End": True,
        **fields,
    }


# --- a JSONPath that matches nothing: States.Runtime ---------------------------------------------
def test_a_path_in_parameters_that_matches_nothing_fails_the_execution(sfn: Sfn) -> None:
    calls: list[Any] = []
    fn = sfn.function("planner", lambda event, ctx: calls.append(event) or {"date": "x"})
    arn = sfn.machine({"StartAt": "T", "States": {"T": _task(fn)}})

    failed = sfn.run(arn, {})
    done = sfn.run(arn, {"day": "2026-12-14"})

    assert (failed["status"], failed["error"]) == ("FAILED", "States.Runtime")
    assert "'$.day'" in failed["cause"]
    assert done["status"] == "SUCCEEDED"
    assert calls == [{"day": "2026-12-14"}]  # the failed one never called the function


def test_a_path_in_result_selector_that_matches_nothing_fails_the_execution(sfn: Sfn) -> None:
    fn = sfn.function("planner", lambda event, ctx: {"date": "2026-12-14"})
    arn = sfn.machine(
        {"StartAt": "T", "States": {"T": _task(fn, ResultSelector={"n.$": "$.Payload.moves"})}}
    )
    good = sfn.machine(
        {"StartAt": "T", "States": {"T": _task(fn, ResultSelector={"d.$": "$.Payload.date"})}}
    )

    failed = sfn.run(arn, {"day": "d"})

    assert (failed["status"], failed["error"]) == ("FAILED", "States.Runtime")
    assert "$.Payload.moves" in failed["cause"]
    assert json.loads(sfn.run(good, {"day": "d"})["output"]) == {"d": "2026-12-14"}


def test_execution_start_time_is_iso_text_at_the_virtual_start(sfn: Sfn) -> None:
    arn = sfn.machine(
        {
            "StartAt": "P",
            "States": {
                "P": {"Type": "Pass", "Parameters": {"t.$": "$$.Execution.StartTime"}, "End": True}
            },
        }
    )
    moto_bridge.set_now(datetime(2026, 12, 14, 1, 0, tzinfo=UTC))

    out = sfn.run(arn, {})

    assert out["status"] == "SUCCEEDED"
    assert json.loads(out["output"]) == {"t": "2026-12-14T01:00:00.000Z"}


# --- execution names: 1-80 characters, no whitespace, brackets, wildcards, specials ---------------
@pytest.mark.parametrize(
    "name",
    ["x" * 81, "Ana Lima-2026-12-14-nudge", "a\tb", "a\x00b", "a\x85b", "a\u00a0b"]
    + [f"a{c}b" for c in '[]<>{}?*"#%\\^|~`$&,;:/'],
)
def test_start_execution_refuses_a_name_aws_refuses(sfn: Sfn, name: str) -> None:
    arn = sfn.machine(PASS_END)

    with pytest.raises(ClientError) as err:
        sfn.sfn.start_execution(stateMachineArn=arn, name=name, input="{}")

    assert err.value.response["Error"]["Code"] == "InvalidName"
    assert sfn.sfn.list_executions(stateMachineArn=arn)["executions"] == []


def test_start_execution_takes_a_name_aws_takes(sfn: Sfn) -> None:
    arn = sfn.machine(PASS_END)

    for name in ("x" * 80, "José-2026-12-14-nudge", "c_1.2-2026-12-14-step_due"):
        assert sfn.run(arn, {}, name=name)["status"] == "SUCCEEDED"

    assert len(sfn.sfn.list_executions(stateMachineArn=arn)["executions"]) == 3


def test_a_start_execution_task_with_a_bad_name_fails_as_in_aws(sfn: Sfn) -> None:
    child = sfn.machine(PASS_END)
    parent = sfn.machine(
        {
            "StartAt": "S",
            "States": {
                "S": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::states:startExecution",
                    "Parameters": {"StateMachineArn": child, "Name.$": "$.name", "Input": {}},
                    "End": True,
                }
            },
        }
    )

    failed = sfn.run(parent, {"name": "Ana Lima-2026-12-14-nudge"})

    assert failed["status"] == "FAILED"
    assert failed["error"] == "StepFunctions.InvalidNameException"
    assert sfn.sfn.list_executions(stateMachineArn=child)["executions"] == []


# --- task-token callbacks ---------------------------------------------------------------------
def test_task_callbacks_over_aws_sizes_are_refused_and_the_task_keeps_waiting(sfn: Sfn) -> None:
    tokens: list[str] = []
    fn = sfn.function("flag", lambda event, ctx: tokens.append(event["token"]) or {})
    arn = sfn.machine(
        {
            "StartAt": "W",
            "States": {
                "W": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {"FunctionName": fn, "Payload": {"token.$": "$$.Task.Token"}},
                    "End": True,
                }
            },
        }
    )
    execution = sfn.sfn.start_execution(stateMachineArn=arn, name="wait", input="{}")[
        "executionArn"
    ]
    while not tokens:
        time.sleep(0.05)
    token = tokens[0]
    too_big = json.dumps({"note": "é" * (aws_limits.TASK_OUTPUT_LIMIT // 2)})  # 2 bytes each

    refused = [
        lambda: sfn.sfn.send_task_success(taskToken=token, output=too_big),
        lambda: sfn.sfn.send_task_failure(taskToken=token, error="E" * 257),
        lambda: sfn.sfn.send_task_failure(taskToken=token, cause="c" * 32_769),
        lambda: sfn.sfn.send_task_heartbeat(taskToken="t" * 2049),
    ]
    for call in refused:
        with pytest.raises(ClientError) as err:
            call()
        assert err.value.response["Error"]["Code"] == "ValidationException"
    assert sfn.sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"

    fits = json.dumps({"note": "n" * (aws_limits.TASK_OUTPUT_LIMIT - 20)})
    sfn.sfn.send_task_success(taskToken=token, output=fits)
    while sfn.sfn.describe_execution(executionArn=execution)["status"] == "RUNNING":
        time.sleep(0.05)
    assert sfn.sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"


# --- Lambda invoke payloads ---------------------------------------------------------------------
def test_lambda_invoke_payload_limits_sync_and_async(sfn: Sfn) -> None:
    seen: list[int] = []
    sfn.function("echo", lambda event, ctx: seen.append(len(event["x"])) or {})
    over_async = json.dumps({"x": "a" * aws_limits.ASYNC_PAYLOAD_LIMIT})
    under_async = json.dumps({"x": "a" * (aws_limits.ASYNC_PAYLOAD_LIMIT - 10)})
    over_sync = json.dumps({"x": "a" * aws_limits.SYNC_PAYLOAD_LIMIT})

    for payload, kind in ((over_async, "Event"), (over_sync, "RequestResponse")):
        with pytest.raises(ClientError) as err:
            sfn.aws_lambda.invoke(FunctionName="echo", InvocationType=kind, Payload=payload)
        assert err.value.response["Error"]["Code"] == "RequestTooLargeException"
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert seen == []

    sfn.aws_lambda.invoke(FunctionName="echo", InvocationType="Event", Payload=under_async)
    sfn.aws_lambda.invoke(FunctionName="echo", Payload=over_async)  # fits 6 MB synchronously
    assert seen == [aws_limits.ASYNC_PAYLOAD_LIMIT - 10, aws_limits.ASYNC_PAYLOAD_LIMIT]


# --- the 25,000-event history -------------------------------------------------------------------
def _loop(turns_path: str) -> dict[str, Any]:
    """Count $.n up to the number at `turns_path`: 3 events per turn (Pass entered/exited, and
    the Choice's two events every turn), plus ExecutionStarted and the last events."""
    return {
        "StartAt": "More",
        "States": {
            "More": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericLessThanPath": turns_path, "Next": "Add"}],
                "Default": "Done",
            },
            "Add": {
                "Type": "Pass",
                "Parameters": {"n.$": "States.MathAdd($.n, 1)", "turns.$": "$.turns"},
                "Next": "More",
            },
            "Done": {"Type": "Succeed"},
        },
    }


def test_an_execution_past_25000_history_events_fails_with_states_runtime(sfn: Sfn) -> None:
    arn = sfn.machine(_loop("$.turns"))
    # ExecutionStarted, then 4 events a turn, then Choice (2), Succeed (2), ExecutionSucceeded.
    exact_turns = (aws_limits.HISTORY_LIMIT - 6) // 4  # 24,996 events

    fits = sfn.run(arn, {"n": 0, "turns": exact_turns})
    loops = sfn.run(arn, {"n": 0, "turns": 10**9})

    assert fits["status"] == "SUCCEEDED"
    [last, _] = sfn.last_events(fits["executionArn"])
    assert (last["id"], last["type"]) == (6 + 4 * exact_turns, "ExecutionSucceeded")
    assert (loops["status"], loops["error"]) == ("FAILED", "States.Runtime")
    assert loops["cause"] == aws_limits.HISTORY_CAUSE
    [last, before] = sfn.last_events(loops["executionArn"])
    assert (last["id"], last["type"]) == (aws_limits.HISTORY_LIMIT, "ExecutionFailed")
    assert last["executionFailedEventDetails"] == {
        "error": "States.Runtime",
        "cause": aws_limits.HISTORY_CAUSE,
    }
    assert before["id"] == aws_limits.HISTORY_LIMIT - 1
    assert before["type"] != "ExecutionFailed"


# --- tasks handed to moto's backends directly (og.local.direct_calls) ---------------------------
def test_a_lambda_task_gets_the_invoke_answer_and_a_raised_error_by_its_type(sfn: Sfn) -> None:
    def check(event: dict[str, Any], ctx: Any) -> dict[str, Any]:
        if event["day"] == "bad":
            raise ValueError("no such day")
        return {"date": event["day"]}

    fn = sfn.function("check", check)
    caught = [{"ErrorEquals": ["ValueError"], "ResultPath": "$.err", "Next": "Caught"}]
    arn = sfn.machine(
        {
            "StartAt": "T",
            "States": {
                "T": _task(fn, Catch=caught),
                "Caught": {"Type": "Pass", "End": True},
            },
        }
    )

    good = json.loads(sfn.run(arn, {"day": "2026-12-14"})["output"])
    bad = json.loads(sfn.run(arn, {"day": "bad"})["output"])

    assert good["StatusCode"] == 200 and good["Payload"] == {"date": "2026-12-14"}
    assert "FunctionError" not in good
    assert bad["err"]["Error"] == "ValueError"
    cause = json.loads(bad["err"]["Cause"])
    assert (cause["errorType"], cause["errorMessage"]) == ("ValueError", "no such day")


def test_a_lambda_task_on_a_missing_function_fails_with_lambdas_error_code(sfn: Sfn) -> None:
    arn = sfn.machine({"StartAt": "T", "States": {"T": _task("og-not-deployed")}})

    failed = sfn.run(arn, {"day": "d"})

    assert (failed["status"], failed["error"]) == ("FAILED", "Lambda.ResourceNotFoundException")
    assert "Status Code: 404" in failed["cause"]


def test_a_lambda_answer_over_6_mb_fails_the_task_as_lambda_does(sfn: Sfn) -> None:
    fn = sfn.function("huge", lambda event, ctx: "x" * aws_limits.SYNC_PAYLOAD_LIMIT)
    arn = sfn.machine({"StartAt": "T", "States": {"T": _task(fn)}})

    failed = sfn.run(arn, {"day": "d"})

    assert (failed["status"], failed["error"]) == ("FAILED", "Function.ResponseSizeTooLarge")


def test_a_start_execution_task_is_refused_a_name_already_used_as_in_aws(sfn: Sfn) -> None:
    child = sfn.machine(PASS_END)
    start = {
        "Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution",
        "Parameters": {"StateMachineArn": child, "Name": "c-1-2026-12-14-step_due", "Input.$": "$"},
        "ResultPath": None,
        "End": True,
    }
    parent = sfn.machine({"StartAt": "S", "States": {"S": start}})

    first = sfn.run(parent, {"move": 1})
    # The journey has finished: the same name is refused even with the same input (AWS returns
    # the execution only while it runs).
    again = sfn.run(parent, {"move": 1})

    assert first["status"] == "SUCCEEDED"
    assert (again["status"], again["error"]) == (
        "FAILED",
        "StepFunctions.ExecutionAlreadyExistsException",
    )
    assert "Status Code: 400; Error Code: ExecutionAlreadyExists" in again["cause"]
    [journey] = sfn.sfn.list_executions(stateMachineArn=child)["executions"]
    assert journey["name"] == "c-1-2026-12-14-step_due"
    assert json.loads(
        sfn.sfn.describe_execution(executionArn=journey["executionArn"])["input"]
    ) == {"move": 1}
