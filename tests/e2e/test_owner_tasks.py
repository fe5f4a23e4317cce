"""Owner tasks (steps with `Channel: slack`) through the real state machines: posted to the owner
with a Done button; Done, clicked in Slack (and clicked again), marks the step done for the
customer, so it is never flagged. The example's Pro plan: kickoff-call on day 1, flag after 3."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from og.adapters.owner_messages import OWNER_TASK_DONE
from og.core.done_link import done_link, sign_done_token
from og.local import function_url
from og.local.stack import LocalStack

from .support import Home, utc

pytestmark = [
    pytest.mark.filterwarnings("ignore:No application metrics:UserWarning"),
    pytest.mark.filterwarnings("ignore:The `get_header_value` function is deprecated"),
]

MON = date(2026, 12, 14)  # a Singapore business day
DAYS = [MON + timedelta(days=n) for n in range(10)]  # to Wednesday of the next week
ANA = "p-1,Ana Lim,ana@kopibakes.example,Pro,2026-12-14T08:00:00+08:00,,,"
BEN = "p-2,Ben Goh,ben@kopibakes.example,Pro,2026-12-14T08:00:00+08:00,,,"
KICKOFF = "kickoff-call"


def _tasks(home: Home) -> dict[str, dict[str, Any]]:
    """The owner-task posts in slack.jsonl, by the customer they name."""
    posts = {}
    for post in home.slack("chat.postMessage"):
        blocks = post["payload"]["blocks"]
        if any(b.get("block_id") == "og_owner_task" for b in blocks):
            name = "p-1" if "Ana Lim" in post["payload"]["text"] else "p-2"
            posts[name] = post
    return posts


def _press(s: LocalStack, home: Home, post: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The owner clicks a button of `post` in Slack: Slack sends the button's action and value."""
    [actions] = [b for b in post["payload"]["blocks"] if b.get("type") == "actions"]
    [button] = actions["elements"]
    secret = json.loads((home.path / "secrets.json").read_text())["og/slack/signing-secret"]
    click = {
        "type": "block_actions",
        "user": {"id": "U0OWNER01"},
        "trigger_id": "local.trigger",
        "actions": [{"action_id": button["action_id"], "value": button["value"]}],
    }
    return s.invoke_done_handler(function_url.slack_event(click, secret), at)


def test_an_owner_task_done_in_slack_is_never_flagged(make_home: Callable[..., Home]) -> None:
    home = make_home([ANA, BEN])
    with home.stack() as s:
        for day in DAYS[:2]:
            assert s.tick(day).ok
        tasks = _tasks(home)
        assert set(tasks) == {"p-1", "p-2"}  # Tuesday: kickoff-call for both, to the owner
        [actions] = [b for b in tasks["p-1"]["payload"]["blocks"] if b["type"] == "actions"]
        [button] = actions["elements"]
        assert (button["action_id"], button["text"]["text"]) == (OWNER_TASK_DONE, "Done")

        pressed_at = utc(DAYS[1], 5)
        audit_before = home.store.audit_trail("p-1")
        other_before = home.store.journey("p-2").state
        first = _press(s, home, tasks["p-1"], pressed_at)
        again = _press(s, home, tasks["p-1"], pressed_at + timedelta(seconds=1))  # double click

        assert (first["statusCode"], again["statusCode"]) == (200, 200)
        state = home.store.journey("p-1").state
        assert KICKOFF in state.steps_done and not state.flagged
        new_audit = home.store.audit_trail("p-1")[len(audit_before) :]
        assert [(e.action, e.by_user) for e in new_audit] == [(f"done:{KICKOFF}", "U0OWNER01")]
        assert home.store.journey("p-2").state == other_before  # Ben's task is not touched

        for day in DAYS[2:]:
            assert s.tick(day).ok

    flagged = {
        (f.customer_id, f.step_id) for cid in ("p-1", "p-2") for f in home.store.all_flags(cid)
    }
    # Ben's task, never pressed, is flagged three days on; Ana's, done, is not.
    assert (("p-2", KICKOFF) in flagged, ("p-1", KICKOFF) in flagged) == (True, False)
    assert len([e for e in home.store.audit_trail("p-1") if e.action == f"done:{KICKOFF}"]) == 1


def test_the_owner_task_done_last_finishes_the_journey_and_the_sheet(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([ANA, BEN])
    secret = json.loads((home.path / "secrets.json").read_text())["og/done-link/secret"]
    at = utc(MON, 5)
    with home.stack() as s:
        assert s.tick(MON).ok
        for step in ("welcome", "first-order", "menu-review", "delivery-schedule"):
            token = sign_done_token("p-1", step, secret.encode(), at)
            assert (
                s.click_done_link(done_link("http://localhost:8787/done", token), at)["statusCode"]
                == 200
            )
        assert s.tick(DAYS[1]).ok
        assert not home.state("p-1").finished
        assert "finished_at" not in _rows(home)[0]  # not finished yet: the sheet is untouched

        assert _press(s, home, _tasks(home)["p-1"], utc(DAYS[1], 6))["statusCode"] == 200

    assert home.state("p-1").finished and not home.state("p-2").finished
    assert [(r["customer_id"], r["finished_at"]) for r in _rows(home)] == [
        ("p-1", "2026-12-15T06:00:00Z"),
        ("p-2", ""),
    ]


def _rows(home: Home) -> list[dict[str, str]]:
    with (home.path / "onboarding.csv").open(newline="") as f:
        return list(csv.DictReader(f))
