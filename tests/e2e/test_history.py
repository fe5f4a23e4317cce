"""`og history`: a customer's timeline lists each event once, at the business's and the
customer's local time (a London customer of a Singapore business)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from og.cli import main as og

from .support import Home, utc

pytestmark = [
    pytest.mark.filterwarnings("ignore:No application metrics:UserWarning"),
    pytest.mark.filterwarnings("ignore:The `get_header_value` function is deprecated"),
]

MON = date(2026, 12, 14)
TOM = (
    "c-1,Tom Whitfield,tom@whitfieldpies.example,Starter,2026-12-14T08:00:00+08:00,Europe/London,,"
)


def test_a_flag_its_answer_and_a_done_click_are_each_listed_once_in_both_local_times(
    make_home: Callable[..., Home], capsys: pytest.CaptureFixture[str]
) -> None:
    home = make_home([TOM])
    with home.stack() as s:
        assert s.tick(MON).ok
        assert s.tick(MON + timedelta(days=7)).ok  # no click on welcome: flagged
        s.owner_answers("c-1", "done", utc(date(2026, 12, 21), 3))
        [first_order] = [m for m in home.outbox() if "first order" in m.subject]
        assert first_order.done_link is not None
        s.click_done_link(first_order.done_link, utc(date(2026, 12, 21), 10))
    capsys.readouterr()

    assert og(["history", "--home", str(home.path), "c-1"]) == 0
    lines = capsys.readouterr().out.splitlines()

    assert lines[0] == "times in Asia/Singapore (the business) | Europe/London (customer)"
    events = [ln for ln in lines if ln[:2] == "20"]
    # the flag: its execution, then one flag entry carrying its Slack post and its answer
    flagged = [ln for ln in events if "flag" in ln.split("  ", 1)[1]]
    assert [ln.split("  ", 1)[1].split(":")[0] for ln in flagged] == [
        "execution c-1-2026-12-21-flag",
        "flag 'welcome' (" + flagged[1].split("(")[1].split(")")[0] + ")",
    ]
    assert sum("posted to the owner in Slack [sent" in ln for ln in lines) == 1
    assert sum(ln.strip() == "answer: done" for ln in lines) == 1
    assert sum("owner:done by U0OWNER01" in ln for ln in events) == 1
    # each email once, at 08:00 in London (quiet hours) = 16:00 in Singapore
    welcome = [ln for ln in events if "'welcome' by email" in ln]
    assert len(welcome) == 1 and welcome[0].startswith("2026-12-14 16:00 | 2026-12-14 08:00  sent")
    # the customer's done click once, at 10:00Z
    assert [ln for ln in events if "marked done" in ln] == [
        "2026-12-21 18:00 | 2026-12-21 10:00  step 'first-order' marked done by customer"
    ]
    assert any("deferred: quiet hours" in ln and "(customer)" in ln for ln in lines)


def test_a_rejected_send_marks_its_state_on_the_execution_path(
    make_home: Callable[..., Home],
) -> None:
    from og.core.errors import SendRejected
    from og.local.console_html import path_html
    from og.local.history import EXECUTION, StatePassed, customer_events

    from .support import FailingSender

    home = make_home([TOM.replace("Europe/London", "")])
    rejecting = FailingSender(home.outbox_dir, home.calls, SendRejected("550 5.1.1 no mailbox"))
    with home.stack(email=rejecting) as s:
        assert s.tick(MON).ok

    [execution] = [e for e in customer_events(home.path, "c-1") if e.kind == EXECUTION]
    assert execution.states == (
        StatePassed("WaitForSendWindow"),
        StatePassed("ChooseMove"),
        StatePassed("SendEmail", failed=True),  # caught: the owner is flagged instead
        StatePassed("FlagOwner"),
    )
    assert any("SendRejected" in d for d in execution.details)
    drawn = path_html(execution)
    assert '<span class="st failed" title="SendEmail">' in drawn
    assert '<span class="st waiting" title="FlagOwner">' in drawn  # waiting for the owner
