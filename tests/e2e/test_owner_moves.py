"""What goes to the owner in Slack (a flag, an owner task) never takes the customer's one email of
the day, and an owner task is posted in the business's hours: through the daily tick and
customer-journey state machines on moto's interpreter, with the real handlers and the example
business (Harbour & Hearth, Asia/Singapore; the tick fires at 09:00 SGT = 01:00Z)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from og.cli import main as og
from og.local.stack import TickReport

from .support import Home, states_entered, utc

pytestmark = [
    pytest.mark.filterwarnings("ignore:No application metrics:UserWarning"),
    pytest.mark.filterwarnings("ignore:The `get_header_value` function is deprecated"),
]

MON = date(2026, 12, 14)
TUE, WED = MON + timedelta(days=1), MON + timedelta(days=2)
MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T08:00:00+08:00,,,"
# Pro plan: welcome (day 0), kickoff-call (day 1, Channel: slack), first-order (day 2), ...
SARAH = "c-ny,Sarah O'Connor,sarah@brooklynloaf.example,Pro,2026-12-14 10:00,America/New_York,,"
SEND_STATES = ["WaitForSendWindow", "ChooseMove", "SendEmail"]


def _moves(report: TickReport) -> dict[str, tuple[str, str, str, str]]:
    """execution name -> (move, step, send_at, status) of one tick's journeys."""
    return {
        r.name: (
            r.input["move"]["move"],
            r.input["move"]["step_id"],
            r.input["move"]["send_at"],
            r.status,
        )
        for r in report.journeys
    }


def test_a_flag_and_the_customers_step_email_on_the_same_day(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    next_monday = MON + timedelta(days=7)
    with home.stack() as s:
        assert s.tick(MON).ok
        report = s.tick(next_monday)  # welcome unclicked for 7 days (flag after 5)

    assert report.ok, report.error
    assert report.plan["move_count"] == 2
    assert _moves(report) == {
        "c-1-2026-12-21-flag": ("flag", "welcome", "2026-12-21T01:00:00Z", "WAITING_FOR_OWNER"),
        "c-1-2026-12-21-step_due": ("step_due", "first-order", "2026-12-21T01:00:00Z", "SUCCEEDED"),
    }
    step = next(r for r in report.journeys if r.name.endswith("-step_due"))
    assert states_entered(step) == SEND_STATES
    assert step.output is not None and step.output["sent"]["outcome"] == "sent"

    # The customer: the welcome on Monday and the first order on the flag's day, nothing else.
    assert [(m.subject, m.date) for m in sorted(home.outbox(), key=lambda m: m.date)] == [
        ("Welcome to Harbour & Hearth Bakery Supplies, Mei!", utc(MON, 1)),
        ("Ready for your first order, Mei?", utc(next_monday, 1)),
    ]
    assert len(home.calls) == 2
    # The owner: one flag, about the welcome step.
    [post] = home.slack("chat.postMessage")
    assert "Welcome — set up your wholesale account" in post["payload"]["text"]
    assert post["at"] == "2026-12-21T01:00:00+00:00"
    [flag] = home.store.open_flags("c-1")
    assert flag.step_id == "welcome"
    # The flag did not take the day: the day's slot holds the step email.
    assert home.send_days("c-1") == {"2026-12-14": "welcome#step", "2026-12-21": "first-order#step"}
    assert home.claims("c-1") == {
        "welcome#step": "sent",
        "welcome#flag": "sent",
        "first-order#step": "sent",
    }


def test_an_owner_task_is_posted_in_the_business_hours_next_to_the_customers_email(
    make_home: Callable[..., Home],
) -> None:
    """Sarah in New York signed up Monday 10:00 there. Wednesday's tick (Tuesday 20:00 in New
    York, her quiet hours) posts her kickoff call to the owner at once, 09:00 in Singapore, and
    sends her first-order email at 08:00 her time."""
    home = make_home([SARAH])
    with home.stack() as s:
        tuesday = s.tick(TUE)
        wednesday = s.tick(WED)

    assert tuesday.ok and wednesday.ok
    # Monday 20:00 in New York: the welcome for her Tuesday; the kickoff is due on her day 1.
    assert _moves(tuesday) == {
        "c-ny-2026-12-15-step_due": ("step_due", "welcome", "2026-12-15T13:00:00Z", "SUCCEEDED"),
    }
    assert _moves(wednesday) == {
        "c-ny-2026-12-16-owner_task": (
            "step_due",
            "kickoff-call",
            "2026-12-16T01:00:00Z",
            "SUCCEEDED",
        ),
        "c-ny-2026-12-16-step_due": (
            "step_due",
            "first-order",
            "2026-12-16T13:00:00Z",
            "SUCCEEDED",
        ),
    }
    task = next(r for r in wednesday.journeys if r.name.endswith("-owner_task"))
    assert task.input["move"]["deferred_because"] == ""
    assert task.input["move"]["channel"] == "slack"
    assert states_entered(task) == ["WaitForSendWindow", "ChooseMove", "PostOwnerStep"]
    email = next(r for r in wednesday.journeys if r.name.endswith("-step_due"))
    assert email.input["move"]["deferred_because"] == (
        "quiet hours 20:00\u201308:00 in America/New_York"
    )
    assert states_entered(email) == SEND_STATES

    [post] = home.slack("chat.postMessage")
    assert post["at"] == "2026-12-16T01:00:00+00:00"  # 09:00 in Singapore
    assert post["payload"]["channel"] == "U0OWNER01"
    assert "Book a kickoff call with Sarah O'Connor" in json.dumps(post["payload"])
    assert [(m.subject, m.date) for m in sorted(home.outbox(), key=lambda m: m.date)] == [
        ("Welcome to Harbour & Hearth Bakery Supplies, Sarah!", utc(TUE, 13)),
        ("Ready for your first order, Sarah?", utc(WED, 13)),
    ]
    # Only the emails hold her days; the owner task is a post to the owner.
    assert home.send_days("c-ny") == {
        "2026-12-15": "welcome#step",
        "2026-12-16": "first-order#step",
    }
    assert home.claims("c-ny") == {
        "welcome#step": "sent",
        "kickoff-call#step": "sent",
        "first-order#step": "sent",
    }


def test_dry_run_prints_both_moves_of_the_day(
    make_home: Callable[..., Home], capsys: pytest.CaptureFixture[str]
) -> None:
    home = make_home([MEI])
    h = str(home.path)
    assert og(["tick", "--home", h, "--date", MON.isoformat()]) == 0
    capsys.readouterr()

    assert og(["tick", "--home", h, "--date", "2026-12-21", "--dry-run"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "dry run for 2026-12-21 (nothing is sent)"
    assert [ln.split()[:3] for ln in lines[1:] if not ln.lstrip().startswith("why:")] == [
        ["c-1", "flag", "welcome"],
        ["c-1", "step_due", "first-order"],
    ]
    assert len(lines) == 5  # each move with its why, nothing else
    assert len(home.outbox()) == 1  # Monday's welcome; the dry run sent nothing
