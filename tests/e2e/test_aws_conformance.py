"""The real state machines under the limits AWS enforces (og.local.aws_limits): the tick started
by hand with `{}`, and customer ids from a spreadsheet that Step Functions would not take in an
execution name (<customer>-<date>-<move>)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from og.core.customer_list import CUSTOMER_ID_PATTERN
from og.core.models import Channel, MoveKind
from og.local import aws_limits
from og.local.engine import JOURNEY_MACHINE, TICK_MACHINE
from og.local.stack import tick_time
from og.logic.moves import execution_name

from .support import Home, states_entered, utc
from .test_journeys import MEI, MON

pytestmark = [pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]


def test_the_tick_started_by_hand_with_empty_input_plans_the_day_it_was_started(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    at = tick_time(home.path, MON)
    with home.stack() as s:
        s.sync_documents()
        arn = s.engine.start(TICK_MACHINE, "by-hand", {}, at)  # the README's first run
        s.engine.settle()
        desc = s.engine.client("stepfunctions").describe_execution(executionArn=arn)
        [tick] = s.engine.records(TICK_MACHINE, only="by-hand")
        journeys = [e["name"] for e in s.engine.executions(JOURNEY_MACHINE)]

    assert desc["status"] == "SUCCEEDED", tick.error
    assert states_entered(tick)[:3] == ["HasScheduledTime", "TickAtStartTime", "PlanDay"]
    output = json.loads(desc["output"])
    assert output["scheduled_time"] == "2026-12-14T01:00:00.000Z"  # 09:00 Singapore
    assert (output["plan"]["date"], output["plan"]["move_count"]) == ("2026-12-14", 1)
    assert journeys == ["c-1-2026-12-14-step_due"]
    assert [m.date for m in home.outbox()] == [utc(MON, 1)]


def test_the_scheduled_tick_keeps_its_scheduled_time(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        report = s.tick(MON)
        [tick] = s.engine.records(TICK_MACHINE)

    assert report.ok, report.error
    assert "TickAtStartTime" not in states_entered(tick)
    assert tick.input == {"scheduled_time": "2026-12-14T01:00:00Z"}


ODD_IDS = {
    "ana": "Ana Lima",
    "jose": "José",
    "vip": "c[VIP]",
    "long": "L" * 100,
    "quote": 'k"9;x:y/z',
}
LONGEST_MOVE = "owner_task_nudge"


def test_every_customer_id_the_list_takes_gives_a_name_aws_takes() -> None:
    """The list takes 1-40 letters, digits, - and _ (core/customer_list.py); with the longest
    move that is a valid execution name of 68 characters."""
    longest = "L" + "-_9" * 13  # 40 characters
    assert CUSTOMER_ID_PATTERN.match(longest)
    for kind in MoveKind:
        for channel in Channel:
            aws_limits.check_execution_name(execution_name(longest, MON, kind, channel))
    name = execution_name(longest, MON, MoveKind.NUDGE, Channel.SLACK)
    assert name.endswith(LONGEST_MOVE) and len(name) == 68
    for cid in ODD_IDS.values():
        assert not CUSTOMER_ID_PATTERN.match(cid)


def test_ids_aws_would_refuse_in_a_name_are_reported_and_start_nothing(
    make_home: Callable[..., Home],
) -> None:
    quoted = {key: '"' + cid.replace('"', '""') + '"' for key, cid in ODD_IDS.items()}
    rows = [
        f"{quoted[key]},{key.title()},{key}@example.com,Starter,2026-12-14T08:00:00+08:00,,,"
        for key in ODD_IDS
    ]
    home = make_home([MEI, *rows])
    with home.stack() as s:
        report = s.tick(MON)

    assert report.ok, report.error
    assert (report.plan["move_count"], report.plan["new_problem_count"]) == (1, len(ODD_IDS))
    assert [j.name for j in report.journeys] == ["c-1-2026-12-14-step_due"]
    [post] = home.slack("chat.postMessage")
    text = post["payload"]["text"] + json.dumps(post["payload"].get("blocks"))
    assert text.count("is not allowed; use 1 to 40 letters, digits") == len(ODD_IDS)
    assert len(home.outbox()) == 1
