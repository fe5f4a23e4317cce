"""The daily tick's Distributed Map under Step Functions' 256 KiB limit, on the real daily-tick ASL
(statemachines/daily-tick.asl.json as template.yaml deploys it, MapMaxConcurrency included).

The Map's result is the array of every child's output. Before the fix each child returned its
move row (~0.5 KB here), so above ~400-500 moves a day the tick failed with
`States.DataLimitExceeded` after every journey had started; each child now outputs {}.

What stands in, and why: the guide is a stub that writes `n` move rows (the real CSV writer, rows
shaped as the guide writes them) instead of deciding for `n` customers, and the customer-journey
machine is a single Succeed state. A real journey costs ~150 ms here (353.9 s for 2,277 moves in
docs/benchmark.md), so 5,000 real ones would take ~13 minutes; the Map, its children and their
`states:startExecution` calls, which are what make its result, run for real."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from og.local import moto_bridge
from og.local.engine import JOURNEY_MACHINE, TICK_MACHINE, LocalEngine
from og.local.limits import PAYLOAD_LIMIT_BYTES, payload_bytes
from og.logic.moves import to_csv

DAY = "2026-12-01"
TICK_AT = datetime(2026, 12, 1, 9, tzinfo=UTC)
KEY = f"moves/{DAY}.csv"


def move_rows(n: int) -> list[dict[str, str]]:
    return [
        {
            "execution_name": f"cust-{i:05d}-{DAY}-step_due",
            "customer_id": f"cust-{i:05d}",
            "move": "step_due",
            "step_id": "connect-your-calendar",
            "reason": "step 2 of 5 is due: 3 days since signup, the previous step is done",
            "send_at": f"{DAY}T14:00:00Z",
            "deferred_because": "",
            "date": DAY,
            "days_since_signup": "3",
            "personalized": "false",
            "channel": "email",
            "name": f"Customer Number {i}",
            "email": f"customer.number.{i}@example.com",
            "plan": "starter",
            "signup_at": "2026-11-28T10:15:00+00:00",
            "timezone": "Europe/Berlin",
            "owner": "",
        }
        for i in range(n)
    ]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[LocalEngine]:
    with LocalEngine(tmp_path / "home") as engine:
        engine.client("stepfunctions").update_state_machine(
            stateMachineArn=engine.machine_arns[JOURNEY_MACHINE],
            definition=json.dumps(
                {"StartAt": "Started", "States": {"Started": {"Type": "Succeed"}}}
            ),
        )
        yield engine


def tick(engine: LocalEngine, n: int) -> dict[str, Any]:
    """Run the tick for `n` moves; describe_execution plus the Map Run's item counts."""
    bucket = engine.template.buckets["ListSourceBucket"]

    def guide(event: dict[str, Any], context: Any) -> dict[str, Any]:
        engine.put_object("ListSourceBucket", KEY, to_csv(move_rows(n)).encode())
        return {
            "date": DAY,
            "closed_because": None,
            "moves_bucket": bucket,
            "moves_key": KEY,
            "move_count": n,
            "customer_count": n,
            "new_problems": [],
            "new_problem_count": 0,
        }

    moto_bridge.register_handler(engine.template.functions["GuideFunction"].name, guide)
    arn = engine.start(TICK_MACHINE, f"tick-{DAY}", {"scheduled_time": f"{DAY}T09:00:00Z"}, TICK_AT)
    engine.settle()
    sfn = engine.client("stepfunctions")
    desc: dict[str, Any] = sfn.describe_execution(executionArn=arn)
    run = sfn.list_map_runs(executionArn=arn)["mapRuns"][0]
    desc["items"] = sfn.describe_map_run(mapRunArn=run["mapRunArn"])["itemCounts"]
    desc["events"] = [e["type"] for e in engine.history(arn)]
    return desc


def test_the_tick_as_it_was_fails_after_the_journeys_started(engine: LocalEngine) -> None:
    """Children returning their move row: 600 moves make a ~314 KB Map result."""
    definition = json.loads(engine.template.definition(TICK_MACHINE))
    children = definition["States"]["StartJourneys"]["ItemProcessor"]["States"]
    for state in children.values():
        del state["OutputPath"]
    engine.client("stepfunctions").update_state_machine(
        stateMachineArn=engine.machine_arns[TICK_MACHINE], definition=json.dumps(definition)
    )
    assert payload_bytes([{"move": row} for row in move_rows(600)]) > PAYLOAD_LIMIT_BYTES

    desc = tick(engine, 600)

    assert desc["status"] == "FAILED"
    assert desc["error"] == "States.DataLimitExceeded"
    assert "'StartJourneys'" in desc["cause"]
    assert (desc["items"]["succeeded"], desc["items"]["failed"]) == (600, 0)
    assert "MapRunSucceeded" in desc["events"]
    assert len(engine.executions(JOURNEY_MACHINE)) == 600  # every journey had started


def test_a_tick_of_5000_moves_passes_under_the_limit(engine: LocalEngine) -> None:
    desc = tick(engine, 5000)

    assert desc["status"] == "SUCCEEDED", desc.get("cause")
    assert (desc["items"]["succeeded"], desc["items"]["failed"]) == (5000, 0)
    journeys = engine.executions(JOURNEY_MACHINE)
    assert len(journeys) == 5000
    assert {j["name"] for j in journeys} == {row["execution_name"] for row in move_rows(5000)}
    output = json.loads(desc["output"])
    assert set(output) == {"scheduled_time", "plan"}  # the Map's result is discarded
    assert output["plan"]["move_count"] == 5000
