"""Bridge 11, journey slots: at most JOURNEY_SLOTS executions run at once; a parked one holds
none; one that fails or raises gives its slot back; a queued one is RUNNING and not parked.
Small state machines on moto's interpreter with the project's bridges, as `og` runs the real
ones (the real tick: tests/e2e/test_journey_slots.py)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication
from moto.stepfunctions.parser.models import stepfunctions_parser_backends
from moto_sfn import MotoSfn, moto_with_bridges

from og.local import engine, journey_slots
from og.local.template import ACCOUNT, REGION

SLOTS = 3


class Sfn(MotoSfn):
    def flow(self, name: str, states: dict[str, Any]) -> str:
        """A state machine of `states`, starting at the first."""
        return self.machine({"StartAt": next(iter(states)), "States": states}, name)

    def start(self, machine_arn: str, payload: dict[str, Any] | None = None) -> str:
        return str(
            self.sfn.start_execution(
                stateMachineArn=machine_arn, name=uuid.uuid4().hex, input=json.dumps(payload or {})
            )["executionArn"]
        )

    def status(self, execution_arn: str) -> str:
        return str(self.sfn.describe_execution(executionArn=execution_arn)["status"])

    def finished(self, execution_arns: list[str], timeout_s: float = 60) -> list[str]:
        """Each execution's final status, once none is RUNNING."""
        until(lambda: all(self.status(a) != "RUNNING" for a in execution_arns), timeout_s)
        return [self.status(a) for a in execution_arns]


def until(condition: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the executions never got there")
        time.sleep(0.02)


def moto_execution(execution_arn: str) -> Any:
    backend = stepfunctions_parser_backends[ACCOUNT][REGION]
    return next(
        e for m in backend.state_machines for e in m.executions if e.exec_arn == execution_arn
    )


@pytest.fixture
def sfn(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sfn]:
    monkeypatch.setattr(journey_slots, "JOURNEY_SLOTS", SLOTS)
    with moto_with_bridges():
        journey_slots.reset()
        yield Sfn()


def _task(function_arn: str, **fields: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function_arn, "Payload": {}},
        "End": True,
        **fields,
    }


def _parked_task(function_arn: str) -> dict[str, Any]:
    return _task(
        function_arn,
        Resource="arn:aws:states:::lambda:invoke.waitForTaskToken",
        Parameters={"FunctionName": function_arn, "Payload": {"token.$": "$$.Task.Token"}},
    )


class Gate:
    """A handler that holds its execution (and its slot) until opened."""

    def __init__(self) -> None:
        self.entered, self.opened = threading.Event(), threading.Event()

    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        self.entered.set()
        self.opened.wait(60)
        return {}


def test_no_more_executions_run_at_once_than_there_are_slots(sfn: Sfn) -> None:
    """Counted inside the executions' one task: each call lasts a moment, so without the bound
    the twelve executions, started together, overlap (the count then exceeds the slots)."""
    lock = threading.Lock()
    inside, most = [0], [0]

    def counting(event: Any, context: Any) -> dict[str, Any]:
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.05)
        with lock:
            inside[0] -= 1
        return {}

    machine = sfn.flow("journey", {"T": _task(sfn.function("work", counting))})

    statuses = sfn.finished([sfn.start(machine) for _ in range(12)])

    assert statuses == ["SUCCEEDED"] * 12
    assert 1 < most[0] <= SLOTS


def test_parked_executions_hold_no_slot_and_take_one_again_when_answered(sfn: Sfn) -> None:
    tokens: list[str] = []
    fn = sfn.function("flag", lambda event, ctx: tokens.append(event["token"]) or {})
    machine = sfn.flow("journey", {"Flag": _parked_task(fn)})

    started = [sfn.start(machine) for _ in range(4 * SLOTS)]
    until(lambda: len(tokens) == 4 * SLOTS)  # every one of them reached its flag
    assert [sfn.status(a) for a in started] == ["RUNNING"] * len(started)
    assert all(engine._parked(moto_execution(a)) for a in started)
    for token in tokens:
        sfn.sfn.send_task_success(taskToken=token, output="{}")

    assert sfn.finished(started) == ["SUCCEEDED"] * len(started)


def test_a_queued_execution_is_running_and_not_parked(
    sfn: Sfn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Waiting for a slot to start, and waiting for one after its callback came: RUNNING to
    DescribeExecution and ListExecutions as in AWS, and not parked to the engine's settle."""
    monkeypatch.setattr(journey_slots, "JOURNEY_SLOTS", 1)
    journey_slots.reset()
    tokens: list[str] = []
    flag = sfn.flow(
        "flagged",
        {"Flag": _parked_task(sfn.function("flag", lambda e, c: tokens.append(e["token"])))},
    )
    gate = Gate()
    busy = sfn.flow("busy", {"T": _task(sfn.function("busy", gate))})

    answered = sfn.start(flag)
    until(lambda: engine._parked(moto_execution(answered)))
    holder = sfn.start(busy)
    gate.entered.wait(60)
    queued = sfn.start(busy)
    sfn.sfn.send_task_success(taskToken=tokens[0], output="{}")
    until(lambda: journey_slots.moving(answered))

    listed = sfn.sfn.list_executions(stateMachineArn=busy)["executions"]
    assert {e["executionArn"]: e["status"] for e in listed}[queued] == "RUNNING"
    for arn in (answered, queued):
        assert sfn.status(arn) == "RUNNING"
        assert not engine._parked(moto_execution(arn))
    assert engine._events(moto_execution(answered))[-1]["type"] == "TaskSubmitted"  # not on yet
    assert engine._events(moto_execution(queued)) == []  # not started yet
    gate.opened.set()
    assert sfn.finished([holder, queued, answered]) == ["SUCCEEDED"] * 3


def test_failed_executions_give_their_slot_back(sfn: Sfn) -> None:
    machine = sfn.flow("failing", {"F": {"Type": "Fail", "Error": "Broken"}})

    assert sfn.finished([sfn.start(machine) for _ in range(2 * SLOTS)]) == ["FAILED"] * 2 * SLOTS
    ok = sfn.flow("ok", {"P": {"Type": "Pass", "End": True}})
    assert sfn.finished([sfn.start(ok) for _ in range(SLOTS)]) == ["SUCCEEDED"] * SLOTS


def test_an_execution_whose_worker_raises_gives_its_slot_back(
    sfn: Sfn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception inside moto ends the execution's worker thread (moto leaves it RUNNING)."""
    original = BaseExecutionWorkerCommunication.terminated

    def terminated(self: BaseExecutionWorkerCommunication) -> None:
        if self.execution.state_machine.name == "crashing":
            raise RuntimeError("moto broke")
        original(self)

    crashes: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: crashes.append(args.exc_value))
    monkeypatch.setattr(BaseExecutionWorkerCommunication, "terminated", terminated)
    crashing = sfn.flow("crashing", {"P": {"Type": "Pass", "End": True}})
    for _ in range(SLOTS):
        sfn.start(crashing)
    until(lambda: len(crashes) == SLOTS)

    assert all(str(crash) == "moto broke" for crash in crashes)
    ok = sfn.flow("ok", {"P": {"Type": "Pass", "End": True}})
    assert sfn.finished([sfn.start(ok) for _ in range(SLOTS)]) == ["SUCCEEDED"] * SLOTS


def test_no_execution_waits_for_another_here(sfn: Sfn) -> None:
    """Why only the tick needs no slot: a `.sync` StartExecution, the one way an execution waits
    for another, fails in moto 5.2.5. Should an upgrade or a bridge make it run, the execution
    it waits for must need no slot (or a parent holding the last one waits forever)."""
    child = sfn.flow("child", {"P": {"Type": "Pass", "End": True}})
    parent = sfn.flow(
        "parent",
        {
            "Run": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": child, "Input": {}},
                "End": True,
            }
        },
    )

    started = sfn.start(parent)

    assert sfn.finished([started]) == ["FAILED"]
    failed = sfn.sfn.describe_execution(executionArn=started)
    assert failed["error"] == "States.Runtime"
    assert failed["cause"].endswith(" 'ExecutionArn'")
