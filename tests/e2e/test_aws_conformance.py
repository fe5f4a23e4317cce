"""The real state machines under the limits AWS enforces (og.local.aws_limits): the tick started
by hand with `{}`, and customer ids from a spreadsheet that Step Functions would not take in an
execution name (<customer>-<date>-<move>)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from og.adapters.ports import AFTER_ANSWER, ASYNC_INVOKE_LIMIT, after_answer_event
from og.core.customer_list import CUSTOMER_ID_PATTERN
from og.core.models import Channel, MoveKind
from og.local import aws_limits
from og.local.engine import JOURNEY_MACHINE, TICK_MACHINE
from og.local.stack import tick_time
from og.logic.moves import execution_name

from .support import Home, journey_record, states_entered, utc
from .test_journeys import MEI, MON
from .test_slack_answers import AT, OWNER, _click, _flagged, _form, _secret, _signed

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


# --- done-handler's self-invocation under Lambda's asynchronous payload limit ----------------
def _sections(char: str) -> list[dict[str, Any]]:
    """A post as long as Slack takes (50 blocks of 3,000 characters), as a click echoes it."""
    text = {"type": "mrkdwn", "text": char * 3000}
    return [{"type": "section", "block_id": f"b{n}", "text": text} for n in range(50)]


def test_done_on_the_longest_post_resumes_the_journey_and_updates_the_post(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        flag, execution, message = _flagged(s, home)
        actions = [b for b in message["blocks"] if b["type"] == "actions"]
        big = {**message, "blocks": [*_sections("🥐")[:-1], *actions]}
        work = {"work": "flag", "flag_key": flag.flag_key, "resume": True, "note": None}
        escaped = json.dumps({AFTER_ANSWER: {**work, "message": big}}).encode()

        answer = s.invoke_done_handler(
            _signed(_form(_click("done", flag.flag_key, big)), _secret(home)), AT
        )
        s.record_resumed(execution)

        assert len(escaped) > ASYNC_INVOKE_LIMIT  # \u escapes would not have fitted
        assert answer["statusCode"] == 200
        assert journey_record(s, execution).status == "SUCCEEDED"
        [update] = home.slack("chat.update")
        blocks = update["payload"]["blocks"]
        assert blocks[:-1] == _sections("🥐")[:-1]  # what it said, without its buttons
        assert f"*Done* by <@{OWNER}>" in blocks[-1]["elements"][0]["text"]


def test_work_after_the_answer_keeps_within_the_asynchronous_limit() -> None:
    work = {"work": "flag", "flag_key": "k", "resume": True, "note": "n" * 3000}
    fits = {**work, "message": {"channel": "D1", "ts": "1.2", "blocks": _sections("🥐")}}
    over = {**fits, "message": {**fits["message"], "blocks": _sections("🥐") * 3}}

    assert json.loads(after_answer_event(fits)) == {AFTER_ANSWER: fits}
    event = after_answer_event(over)
    assert len(event) <= ASYNC_INVOKE_LIMIT
    assert json.loads(event) == {
        AFTER_ANSWER: {**work, "message": {**over["message"], "blocks": []}}
    }
    aws_limits.check_invoke_payload(event, "Event")
    with pytest.raises(aws_limits.RequestTooLarge):
        aws_limits.check_invoke_payload(json.dumps({AFTER_ANSWER: over}), "Event")


def test_a_pause_with_a_very_long_note_still_resumes_the_journey(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    note = "On holiday until March. " * 12_000  # 288,000 characters: over SendTaskSuccess's limit
    with home.stack() as s:
        _, execution, _ = _flagged(s, home)
        s.owner_answers("c-1", "pause", AT, note=note)
        journey = journey_record(s, execution)

    assert journey.status == "SUCCEEDED"
    assert journey.output is not None
    assert len(json.dumps(journey.output).encode()) <= aws_limits.TASK_OUTPUT_LIMIT
    [answered] = home.store.all_flags("c-1")
    assert (answered.answer, answered.answered_by) == ("pause", OWNER)
    assert home.state("c-1").paused_note == note  # the answer's record keeps the whole note
    [audit] = [e for e in home.store.audit_trail("c-1") if e.action == "owner:pause"]
    assert audit.after["note"] == note
    assert journey.output["owner_answer"]["note"] == note[:2999] + "…"
