"""The daily tick's Distributed Map in batches of EXPRESS children (the real daily-tick ASL as
template.yaml deploys it, run by og tick's LocalStack): every move's journey started once under
its name, a tick run again the same day starting none, a start that keeps failing reported.

What stands in, and why: the guide is a stub that writes `n` move rows (the real CSV writer) and
the customer-journey machine is a single Succeed state, as in test_tick_payload.py: the Map, its
batches and their `states:startExecution` calls are what these tests are about, and a real
journey costs ~25 ms of CPU here."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from moto.core.exceptions import AWSError
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from og.local import map_children, moto_bridge
from og.local.engine import JOURNEY_MACHINE, TICK_MACHINE
from og.local.stack import LocalStack
from og.logic.moves import to_csv

from .support import ROOT, Home
from .test_tick_payload import move_rows

DAY = date(2026, 12, 1)
MOVES = 120  # three batches: 50, 50 and 20
NAMES = sorted(row["execution_name"] for row in move_rows(MOVES))
TICK_ASL = json.loads((ROOT / "statemachines/daily-tick.asl.json").read_text())
BATCH = TICK_ASL["States"]["StartJourneys"]["ItemBatcher"]["MaxItemsPerBatch"]


@pytest.fixture
def stack(make_home: Callable[..., Home]) -> Iterator[LocalStack]:
    """og tick's stack over an example home, its guide writing MOVES rows for DAY."""
    home = make_home([])
    with home.stack() as s:
        engine = s.engine
        engine.client("stepfunctions").update_state_machine(
            stateMachineArn=engine.machine_arns[JOURNEY_MACHINE],
            definition=json.dumps(
                {"StartAt": "Started", "States": {"Started": {"Type": "Succeed"}}}
            ),
        )
        key = f"moves/{DAY.isoformat()}.csv"

        def guide(event: dict[str, Any], context: Any) -> dict[str, Any]:
            engine.put_object("ListSourceBucket", key, to_csv(move_rows(MOVES)).encode())
            return {
                "date": DAY.isoformat(),
                "closed_because": None,
                "moves_bucket": engine.template.buckets["ListSourceBucket"],
                "moves_key": key,
                "move_count": MOVES,
                "customer_count": MOVES,
                "new_problems": [],
                "new_problem_count": 0,
            }

        moto_bridge.register_handler(engine.template.functions["GuideFunction"].name, guide)
        yield s


def journey_names(stack: LocalStack) -> list[str]:
    return sorted(e["name"] for e in stack.engine.executions(JOURNEY_MACHINE))


def map_run(stack: LocalStack, tick_name: str) -> dict[str, Any]:
    sfn = stack.engine.client("stepfunctions")
    [tick] = [e for e in stack.engine.executions(TICK_MACHINE) if e["name"] == tick_name]
    [run] = sfn.list_map_runs(executionArn=tick["executionArn"])["mapRuns"]
    return dict(sfn.describe_map_run(mapRunArn=run["mapRunArn"]))


def test_a_tick_of_more_moves_than_a_batch_starts_every_journey_once_by_its_name(
    stack: LocalStack, start_attempts: list[tuple[str, str]]
) -> None:
    assert BATCH == 50 and MOVES > 2 * BATCH

    report = stack.tick(DAY)

    assert report.ok, report.error
    assert journey_names(stack) == NAMES
    journey_starts = sorted(a for a in start_attempts if a[0] in NAMES)
    assert journey_starts == [(n, "started") for n in NAMES]
    run = map_run(stack, "tick-2026-12-01")
    assert (run["itemCounts"]["total"], run["itemCounts"]["succeeded"]) == (MOVES, MOVES)
    assert run["itemCounts"]["failed"] == 0
    assert run["executionCounts"]["total"] == 3  # one child per batch of up to 50


def test_the_same_day_ticked_again_starts_no_journey_again(
    stack: LocalStack, start_attempts: list[tuple[str, str]]
) -> None:
    stack.tick(DAY)
    start_attempts.clear()

    again = stack.tick(DAY)  # the guide plans the same moves again (it is a stub)

    assert again.ok, again.error
    assert journey_names(stack) == NAMES
    # each name tried once and refused by name; ExecutionAlreadyExists is caught, not retried
    assert sorted(a for a in start_attempts if a[0] in NAMES) == [
        (n, "ExecutionAlreadyExists") for n in NAMES
    ]
    run = map_run(stack, "tick-2026-12-01-run2")
    assert (run["itemCounts"]["succeeded"], run["itemCounts"]["failed"]) == (MOVES, 0)


def test_a_start_that_keeps_failing_is_reported_and_a_second_tick_starts_the_rest(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    throttled = NAMES[60]  # in the second batch
    original = StepFunctionsParserBackend.start_execution

    def refusing(self: Any, arn: str, name: str, *args: Any, **kw: Any) -> Any:
        if name == throttled:
            raise AWSError("Rate exceeded", exception_type="ExecutionLimitExceeded")
        return original(self, arn, name, *args, **kw)

    monkeypatch.setattr(StepFunctionsParserBackend, "start_execution", refusing)

    failed = stack.tick(DAY)

    assert not failed.ok
    assert failed.error is not None
    assert failed.error.startswith(f"{BATCH} move(s) in failed batches of the Map Run")
    assert throttled not in journey_names(stack)
    run = map_run(stack, "tick-2026-12-01")
    assert (run["itemCounts"]["failed"], run["executionCounts"]["failed"]) == (BATCH, 1)
    # the other batches' journeys all started
    assert set(NAMES[:50]) | set(NAMES[100:]) <= set(journey_names(stack))

    monkeypatch.setattr(StepFunctionsParserBackend, "start_execution", original)
    again = stack.tick(DAY)

    assert again.ok, again.error
    assert journey_names(stack) == NAMES  # the rest started, none twice


def test_a_batch_delivered_twice_starts_no_journey_twice(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Express runs a child at least once: the first batch handed to the Map a second time."""
    batches = map_children.ItemBatcher.batches

    def at_least_once(self: map_children.ItemBatcher, items: list[Any]) -> list[dict[str, Any]]:
        made = batches(self, items)
        return [*made, made[0]]

    monkeypatch.setattr(map_children.ItemBatcher, "batches", at_least_once)

    report = stack.tick(DAY)

    assert report.ok, report.error
    journeys = [e["name"] for e in stack.engine.executions(JOURNEY_MACHINE)]
    assert sorted(journeys) == NAMES  # each once
    run = map_run(stack, "tick-2026-12-01")
    assert (run["itemCounts"]["succeeded"], run["itemCounts"]["failed"]) == (MOVES + BATCH, 0)
