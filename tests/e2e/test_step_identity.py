"""A step renamed in the rules doc, through the real state machines: with 'Step: maker-profile
(was: profile)' the customer who got 'profile' is not sent it again, its nudge keeps the original
send's timing and the old done link marks 'maker-profile' done; without the '(was: …)', og
validate reports the customer, the tick tells the owner once and holds them, sending nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from og.adapters.slack_messages import escape
from og.cli import main as og
from og.core.done_link import done_link, sign_done_token
from og.local.stack import LocalStack

from .support import Home, journey_of, utc

pytestmark = [pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]

# A Monday and the Singapore business days after it; the signup is in the past for og validate,
# which checks the list against the real clock.
MON = date(2026, 11, 23)
TUE, WED, THU, FRI = (MON + timedelta(days=n) for n in range(1, 5))
MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-11-23T08:00:00+08:00,,,"
PROFILE_SECTION = """=== step: profile ===
Subject: Your maker profile, {{ first_name }}

Hi {{ first_name }}, tell your customers who bakes their bread.

{% if done_link %}Done? {{ done_link }}
{% endif %}
"""
HELD = (
    "onboarding.csv line 2 (customer c-1), plan: this customer has sends or done clicks on step "
    "'profile', which plan 'Starter' in the rules doc no longer has. If a step replaced it, add "
    "its old id to that step, like 'Step: <new id> (was: profile)'; if it is gone for good, add "
    "'Retired: profile' under 'Plan: Starter'. Until then this customer gets no messages"
)


def _with_profile_step(
    make_home: Callable[..., Home], reminders: str = "Nudge after: 2 days"
) -> Home:
    """The example home, its Starter plan with a 'profile' step on day 1."""
    home = make_home(
        [MEI],
        voice=lambda text: text.replace("=== nudge ===", PROFILE_SECTION + "\n=== nudge ===", 1),
    )
    rules = home.path / "rules.txt"
    text = rules.read_text(encoding="utf-8")
    step = f"Step: profile\nTitle: Set up your maker profile\nDay: 1\n{reminders}\n"
    rules.write_text(text.replace("Step: first-order", step + "\nStep: first-order", 1))
    return home


def _rename(home: Home, step_line: str) -> None:
    """The owner renames 'profile' to 'maker-profile' in the rules and the voice doc."""
    rules = home.path / "rules.txt"
    rules.write_text(rules.read_text(encoding="utf-8").replace("Step: profile", step_line))
    voice = home.path / "voice.txt"
    voice.write_text(
        voice.read_text(encoding="utf-8").replace("step: profile", "step: maker-profile")
    )


def _got_profile(home: Home) -> str:
    """Monday's welcome (done at once) and Tuesday's 'profile'; the profile mail's done link."""
    with home.stack() as s:
        s.tick(MON)
        (welcome,) = home.outbox()
        assert welcome.done_link is not None
        assert s.click_done_link(welcome.done_link, utc(MON, 3))["statusCode"] == 200
        assert journey_of(s.tick(TUE), "c-1").name == "c-1-2026-11-24-step_due"
    assert len(home.sent("c-1", "profile")) == 1
    (profile,) = [m for m in home.outbox() if m.subject == "Your maker profile, Mei"]
    assert profile.done_link is not None
    return profile.done_link


def test_a_renamed_step_is_not_sent_again_and_its_old_done_link_counts(
    make_home: Callable[..., Home],
) -> None:
    home = _with_profile_step(make_home)
    old_link = _got_profile(home)
    _rename(home, "Step: maker-profile (was: profile)")

    with home.stack() as s:
        wed = s.tick(WED)
        # Day 2: 'first-order' is due; 'maker-profile' counts as sent on Tuesday.
        assert journey_of(wed, "c-1").input["move"]["step_id"] == "first-order"
        thu = s.tick(THU)
        nudge = journey_of(thu, "c-1").input["move"]
        assert (nudge["move"], nudge["step_id"]) == ("nudge", "maker-profile")
        assert "sent 2026-11-24, not done after 2 days" in nudge["reason"]

        answer = s.click_done_link(old_link, utc(THU, 5))
        assert answer["statusCode"] == 200
        assert home.state("c-1").steps_done == {"welcome", "maker-profile"}
        fri = s.tick(FRI)
        assert journey_of(fri, "c-1").input["move"]["step_id"] == "first-order"  # its nudge

    assert home.sent("c-1", "maker-profile") == []  # never sent again under the new id
    assert len(home.sent("c-1", "profile")) == 1
    assert len(home.sent("c-1", "maker-profile", "nudge")) == 1
    assert [e.action for e in home.store.audit_trail("c-1")] == [
        "done:welcome",
        "done:maker-profile",
    ]


def test_a_rename_without_was_is_reported_once_and_sends_nothing(
    make_home: Callable[..., Home], capsys: pytest.CaptureFixture[str]
) -> None:
    home = _with_profile_step(make_home)
    _got_profile(home)
    _rename(home, "Step: maker-profile")
    mails = len(home.outbox())
    capsys.readouterr()

    assert og(["validate", "--home", str(home.path)]) == 1
    out = capsys.readouterr().out
    assert "og.sqlite: 1 customers held" in out
    assert HELD in out

    with home.stack() as s:
        wed = s.tick(WED)
        assert [p["text"] for p in wed.plan["new_problems"]] == [HELD]
        thu = s.tick(THU)
        assert thu.plan["new_problem_count"] == 0
        held = s.dry_run(FRI).decisions[0]
    assert (wed.journeys, thu.journeys) == ([], [])
    assert held.move is None and held.reason.startswith("held: sends or done clicks on step")
    # In Slack, <new id> arrives as text: &lt;new id&gt;.
    [report] = [p for p in home.slack("chat.postMessage") if escape(HELD) in str(p["payload"])]
    assert report["at"] == "2026-11-25T01:00:00+00:00"  # told once, on Wednesday
    assert len(home.outbox()) == mails and home.sent("c-1", "maker-profile") == []

    # The owner adds the '(was: …)': the next tick carries on with the next step.
    rules = home.path / "rules.txt"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("Step: maker-profile", "Step: maker-profile (was: profile)"))
    assert og(["validate", "--home", str(home.path)]) == 0
    with home.stack() as s:
        fri = s.tick(FRI)
    assert journey_of(fri, "c-1").input["move"]["step_id"] == "first-order"
    assert home.sent("c-1", "maker-profile") == []


def test_a_step_done_before_its_rename_counts_towards_finishing(
    make_home: Callable[..., Home],
) -> None:
    home = _with_profile_step(make_home)
    secret = json.loads((home.path / "secrets.json").read_text())["og/done-link/secret"]
    at = utc(WED, 3)

    def click(s: LocalStack, step_id: str) -> dict[str, Any]:
        token = sign_done_token("c-1", step_id, secret.encode(), at)
        return s.click_done_link(done_link("http://localhost:8787/done", token), at)

    with home.stack() as s:
        assert click(s, "profile")["statusCode"] == 200
        _rename(home, "Step: maker-profile (was: profile)")
        for step_id in ("welcome", "first-order", "delivery-schedule"):
            click(s, step_id)
        assert not home.state("c-1").finished
        last = click(s, "feedback")
    assert "All done!" in last["body"]
    assert home.state("c-1").finished


def test_the_owners_done_on_a_flag_from_before_the_rename_marks_the_renamed_step(
    make_home: Callable[..., Home],
) -> None:
    home = _with_profile_step(make_home, reminders="Flag after: 1 day")
    _got_profile(home)
    with home.stack() as s:
        flag = journey_of(s.tick(WED), "c-1", "flag")  # next to the day's step email
        assert (flag.status, flag.input["move"]["step_id"]) == ("WAITING_FOR_OWNER", "profile")
        _rename(home, "Step: maker-profile (was: profile)")
        s.owner_answers("c-1", "done", utc(WED, 4))
    assert home.state("c-1").steps_done == {"welcome", "maker-profile"}
