"""Customer journeys end to end: the daily tick and customer-journey state machines on moto's
interpreter, the real handlers, the example business (Harbour & Hearth, Asia/Singapore, quiet
hours 20:00-08:00, weekends and SG holidays closed). The tick fires at 09:00 SGT = 01:00Z."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from og.cli import main as og
from og.core.errors import SendRejected
from og.core.models import MoveKind
from og.local.engine import JOURNEY_MACHINE
from og.local.history import customer_timeline
from og.local.stack import LocalStack, TickReport

from .support import (
    FailingSender,
    Home,
    events_in_state,
    journey_of,
    journey_record,
    states_entered,
    tick_record,
    utc,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore:No application metrics:UserWarning"),
    # done_handler/app.py reads Slack's headers with the deprecated get_header_value
    pytest.mark.filterwarnings("ignore:The `get_header_value` function is deprecated"),
]

MON = date(2026, 12, 14)  # a Monday; Singapore business day
TUE, WED, THU, FRI = (MON + timedelta(days=n) for n in range(1, 5))
SAT = date(2026, 12, 19)
CHRISTMAS = date(2026, 12, 25)  # a Friday, SG public holiday

MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T08:00:00+08:00,,,"
WELCOME_TITLE = "Welcome — set up your wholesale account"
WELCOME_SUBJECT = "Welcome to Harbour & Hearth Bakery Supplies, Mei!"
FIRST_ORDER_SUBJECT = "Ready for your first order, Mei?"
SEND_STATES = ["WaitForSendWindow", "ChooseMove", "SendEmail"]
FLAG_STATES = ["WaitForSendWindow", "ChooseMove", "FlagOwner"]


# --- 1. a step falls due ------------------------------------------------------------------------
def test_step_due_sends_welcome_at_tick_time_and_its_done_link_marks_it_done(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        report = s.tick(MON)

        assert report.ok, report.error
        assert report.tick_at == utc(MON, 1)
        assert (report.plan["move_count"], report.plan["customer_count"]) == (1, 1)
        j = journey_of(report, "c-1")
        assert j.name == "c-1-2026-12-14-step_due"
        assert j.status == "SUCCEEDED"
        assert states_entered(j) == SEND_STATES
        assert j.input["move"]["send_at"] == "2026-12-14T01:00:00Z"
        assert j.input["move"]["deferred_because"] == ""
        assert j.output is not None and j.output["sent"]["outcome"] == "sent"

        [mail] = home.outbox()
        assert mail.to == "Mei Ling Tan <meiling@kopibakes.example>"
        assert mail.subject == WELCOME_SUBJECT
        assert mail.date == utc(MON, 1)  # 09:00 Asia/Singapore
        assert mail.message_id == "og.c-1.welcome.step@harbourhearth.example"
        assert mail.done_link is not None
        assert mail.done_link.startswith("http://localhost:8765/done?t=")
        assert len(home.calls) == 1

        [(record, status, message_id)] = home.store.sends_with_status("c-1")
        assert (record.step_id, record.kind.value, status) == ("welcome", "step", "sent")
        assert (record.sent_at, record.local_date) == (utc(MON, 1), MON)
        assert message_id == mail.message_id
        assert home.state("c-1").steps_done == frozenset()

        page = s.click_done_link(mail.done_link, utc(MON, 4))

        assert page["statusCode"] == 200
        assert "Thanks, marked as done" in page["body"]
        assert home.state("c-1").steps_done == frozenset({"welcome"})
        last = home.store.audit_trail("c-1")[-1]
        assert (last.action, last.by_user, last.ts) == ("done:welcome", "customer", utc(MON, 4))
        # The guide now waits for the next step instead of nudging about welcome.
        thursday = {d.customer_id: d for d in s.dry_run(THU).decisions}["c-1"]
        assert thursday.move is not None
        assert (thursday.move.kind, thursday.move.step.id) == (MoveKind.STEP_DUE, "first-order")


# --- 2. deferral: quiet hours, closed days ------------------------------------------------------
def test_quiet_hours_defer_a_new_york_customer_to_8am_their_time(
    make_home: Callable[..., Home],
) -> None:
    home = make_home(
        [
            "c-ny,Sarah O'Connor,sarah@brooklynloaf.example,Starter,"
            "2026-12-14 10:00,America/New_York,,"
        ]
    )
    with home.stack() as s:
        report = s.tick(TUE)  # 01:00Z Tuesday = 20:00 Monday in New York

    j = journey_of(report, "c-ny")
    move = j.input["move"]
    assert move["move"] == "step_due" and move["step_id"] == "welcome"
    assert move["send_at"] == "2026-12-15T13:00:00Z"  # 08:00 EST
    assert move["deferred_because"] == "quiet hours 20:00\u201308:00 in America/New_York"
    assert states_entered(j) == SEND_STATES
    wait_done = next(e for e in j.events if e["type"] == "WaitStateExited")
    assert wait_done["at"] == "2026-12-15T13:00:00+00:00"

    [mail] = home.outbox()
    assert mail.to == "Sarah O'Connor <sarah@brooklynloaf.example>"
    assert mail.subject == "Welcome to Harbour & Hearth Bakery Supplies, Sarah!"
    assert mail.date == utc(TUE, 13)
    [(record, status, _)] = home.store.sends_with_status("c-ny")
    assert (record.sent_at, record.local_date, status) == (utc(TUE, 13), TUE, "sent")


def _assert_closed(s: LocalStack, report: TickReport, because: str) -> None:
    assert report.ok, report.error
    assert report.plan["closed_because"] == because
    assert (report.plan["move_count"], report.plan["customer_count"]) == (0, 1)
    assert report.journeys == []
    tick = tick_record(s, report)
    assert states_entered(tick) == [
        "HasScheduledTime",
        "PlanDay",
        "AnyNewListProblems",
        "AnyMoves",
        "NothingToDo",
    ]


def test_closed_business_days_make_no_moves_and_the_next_open_day_catches_up(
    make_home: Callable[..., Home],
) -> None:
    home = make_home(["c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-18 10:00,,,"])
    with home.stack() as s:
        _assert_closed(s, s.tick(SAT), "Saturday is a weekend day")
        assert home.outbox() == []

        monday = s.tick(date(2026, 12, 21))
        j = journey_of(monday, "c-1")
        assert (j.input["move"]["move"], j.input["move"]["step_id"]) == ("step_due", "welcome")
        assert "overdue by 3 days" in j.input["move"]["reason"]  # signed up on Friday

        # Christmas: first-order would be due (day 7), but SG is on holiday.
        _assert_closed(s, s.tick(CHRISTMAS), "holiday: Christmas Day")

    [mail] = home.outbox()
    assert (mail.subject, mail.date) == (WELCOME_SUBJECT, utc(date(2026, 12, 21), 1))
    assert len(home.calls) == 1


def _what(move: dict[str, str]) -> tuple[str, str]:
    return move["move"], move["step_id"]


# --- 3. nudge -----------------------------------------------------------------------------------
def test_an_unclicked_step_gets_exactly_one_nudge_after_its_nudge_after_days(
    make_home: Callable[..., Home],
) -> None:
    # Starter (examples/rules.txt): welcome day 0, nudge after 2 days; first-order day 2.
    home = make_home([MEI])
    moves: dict[date, list[tuple[str, str]]] = {}
    with home.stack() as s:
        for day in (MON, TUE, WED, THU, FRI):
            report = s.tick(day)
            assert report.ok, report.error
            moves[day] = [_what(r.input["move"]) for r in report.journeys]

    assert moves == {
        MON: [("step_due", "welcome")],
        TUE: [],  # 1 day: too early to nudge
        WED: [("step_due", "first-order")],  # a due step outranks the nudge; one email a day
        THU: [("nudge", "welcome")],
        FRI: [("nudge", "first-order")],  # welcome is not nudged again
    }
    nudges = sorted((m for m in home.outbox() if ".nudge@" in m.message_id), key=lambda m: m.date)
    assert [(m.subject, m.date) for m in nudges] == [
        (f"A gentle reminder: {WELCOME_TITLE}", utc(THU, 1)),
        ("Your free first delivery is waiting, Mei", utc(FRI, 1)),
    ]
    assert len(home.sent("c-1", "welcome", "nudge")) == 1
    welcome_nudge = nudges[0]
    assert welcome_nudge.to == "Mei Ling Tan <meiling@kopibakes.example>"
    assert welcome_nudge.done_link is not None
    assert home.claims("c-1") == {
        "welcome#step": "sent",
        "first-order#step": "sent",
        "welcome#nudge": "sent",
        "first-order#nudge": "sent",
    }


# --- 4. flag, and the owner's answer -------------------------------------------------------------
def _flag_after_a_week(s: LocalStack, home: Home) -> TickReport:
    """Welcome on Monday, no click; the next Monday is 7 days later (flag after 5). The flag
    is not Mei's email of the day: the overdue first-order step goes out too."""
    assert s.tick(MON).ok
    report = s.tick(MON + timedelta(days=7))
    assert report.ok, report.error
    j = journey_of(report, "c-1", "flag")
    assert j.name == "c-1-2026-12-21-flag"
    assert j.status == "WAITING_FOR_OWNER"
    assert j.events[-1]["type"] == "TaskSubmitted"
    assert states_entered(j) == FLAG_STATES
    assert "no done click after 7 days (flag after 5)" in j.input["move"]["reason"]

    [post] = home.slack("chat.postMessage")
    assert post["payload"]["channel"] == "U0OWNER01"
    assert post["payload"]["text"] == f'Mei Ling Tan is stuck on "{WELCOME_TITLE}"'
    [flag] = home.store.open_flags("c-1")
    buttons = post["payload"]["blocks"][-1]["elements"]
    assert [(b["action_id"], b["text"]["text"], b["value"]) for b in buttons] == [
        ("pause", "Pause", flag.flag_key),
        ("hand_off", "Hand off", flag.flag_key),
        ("done", "Done", flag.flag_key),
    ]
    assert (flag.step_id, flag.execution) == ("welcome", j.name)
    assert home.claims("c-1") == {
        "welcome#step": "sent",
        "welcome#flag": "sent",
        "first-order#step": "sent",
    }
    assert home.state("c-1").flagged
    return report


def _answered(s: LocalStack, report: TickReport) -> dict[str, object]:
    j = journey_record(s, journey_of(report, "c-1", "flag").name)
    assert j.status == "SUCCEEDED"
    assert states_entered(j) == [*FLAG_STATES, "OwnerAnswered"]
    assert j.output is not None
    answer: dict[str, object] = j.output["owner_answer"]
    return answer


def test_flag_then_pause_stops_all_further_emails(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    answered_at = utc(date(2026, 12, 21), 3)
    with home.stack() as s:
        report = _flag_after_a_week(s, home)
        [flag] = home.store.open_flags("c-1")

        s.owner_answers("c-1", "pause", answered_at, note="on leave until January")

        [view] = home.slack("views.open")
        assert view["payload"]["trigger_id"] == f"local.{flag.flag_key}"
        assert view["payload"]["view"]["callback_id"] == "og_owner_answer"
        assert _answered(s, report) == {
            "action": "pause",
            "by": "U0OWNER01",
            "note": "on leave until January",
        }
        state = home.state("c-1")
        assert (state.paused, state.paused_note) == (True, "on leave until January")
        assert home.store.open_flags("c-1") == []
        assert home.store.all_flags("c-1")[0].answer == "pause"

        emails_before = len(home.calls)
        later = [s.tick(day) for day in (date(2026, 12, 22), date(2026, 12, 23))]

    assert [r.journeys for r in later] == [[], []]
    assert [r.plan["move_count"] for r in later] == [0, 0]
    assert len(home.calls) == emails_before == 2
    assert [m.subject for m in home.outbox()] == [FIRST_ORDER_SUBJECT, WELCOME_SUBJECT]


def test_flag_then_hand_off_records_who_took_over(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        report = _flag_after_a_week(s, home)

        s.owner_answers("c-1", "hand_off", utc(date(2026, 12, 21), 3), note="Siti")

        assert _answered(s, report)["action"] == "hand_off"
        assert home.state("c-1").handed_off_to == "Siti"
        assert len(home.slack("views.open")) == 1
        [tuesday] = s.dry_run(date(2026, 12, 22)).decisions
        assert (tuesday.reason, tuesday.move) == ("handed off to Siti", None)


def test_flag_then_done_marks_the_flagged_step_done(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        report = _flag_after_a_week(s, home)

        s.owner_answers("c-1", "done", utc(date(2026, 12, 21), 3))

        assert _answered(s, report) == {"action": "done", "by": "U0OWNER01", "note": ""}
        assert home.slack("views.open") == []  # Done needs no modal
        assert home.state("c-1").steps_done == frozenset({"welcome"})
        [tuesday] = s.dry_run(date(2026, 12, 22)).decisions
        assert tuesday.move is not None
        assert (tuesday.move.kind, tuesday.move.step.id) == (
            MoveKind.STEP_DUE,
            "delivery-schedule",  # first-order went out with the flag on Monday
        )


def test_owner_answer_after_the_execution_is_gone_is_durable(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        _flag_after_a_week(s, home)
    # Another process (`og act`): the parked execution and its task token died with the first.
    with home.stack() as s:
        assert s.engine.executions(JOURNEY_MACHINE) == []
        s.sync_documents()  # as `og act` does: done-handler reads the list from S3

        result = s.owner_answers("c-1", "hand_off", utc(date(2026, 12, 22), 2), note="Siti")

        assert result["statusCode"] == 200
        assert home.state("c-1").handed_off_to == "Siti"
        assert home.store.all_flags("c-1")[0].answer == "hand_off"
        assert s.dry_run(date(2026, 12, 22)).decisions[0].reason == "handed off to Siti"
    timeline = customer_timeline(home.path, "c-1")
    assert any(line.strip() == "answer: hand_off" for line in timeline)
    assert any(line.endswith("owner:hand_off by U0OWNER01: Siti") for line in timeline)


# --- 5. a failed send becomes a flag -----------------------------------------------------------
def test_rejected_send_flags_the_owner_and_releases_the_claim(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    rejecting = FailingSender(
        home.outbox_dir, home.calls, SendRejected("550 5.1.1 mailbox unavailable")
    )
    with home.stack(email=rejecting) as s:
        report = s.tick(MON)

        assert home.outbox() == []
        assert len(home.calls) == 1  # an application error: not retried
        j = journey_of(report, "c-1")
        assert j.status == "WAITING_FOR_OWNER"
        assert states_entered(j) == [*SEND_STATES, "FlagOwner"]
        [failed] = [e for e in events_in_state(j, "SendEmail") if e["type"] == "TaskFailed"]
        assert failed["error"] == "SendRejected"
        [post] = home.slack("chat.postMessage")
        section = post["payload"]["blocks"][1]["text"]["text"]
        assert (
            f"could not send the step '{WELCOME_TITLE}': "
            "SendRejected: 550 5.1.1 mailbox unavailable" in section
        )
        assert "550 5.1.1 mailbox unavailable" in section
        assert [b["action_id"] for b in post["payload"]["blocks"][-1]["elements"]] == [
            "pause",
            "hand_off",
            "done",
        ]
        assert home.claims("c-1") == {}  # released: nothing went out, nothing 'sending'
        assert home.send_days("c-1") == {}  # and Monday's one-message slot is free again

        rejecting.error = None  # the provider accepts mail again
        tuesday = s.tick(TUE)

    j2 = journey_of(tuesday, "c-1")
    assert (j2.input["move"]["move"], j2.input["move"]["step_id"]) == ("step_due", "welcome")
    assert j2.output is not None and j2.output["sent"]["outcome"] == "sent"
    [mail] = home.outbox()
    assert (mail.subject, mail.date) == (WELCOME_SUBJECT, utc(TUE, 1))
    assert home.claims("c-1") == {"welcome#step": "sent"}
    assert home.send_days("c-1") == {"2026-12-15": "welcome#step"}


# --- 6. broken documents -----------------------------------------------------------------------
def test_unknown_voice_variable_fails_validate_and_the_tick_before_anything_is_sent(
    make_home: Callable[..., Home], capsys: pytest.CaptureFixture[str]
) -> None:
    home = make_home(
        [MEI], voice=lambda text: text.replace("Hi {{ first_name }},", "Hi {{ frist_name }},", 1)
    )
    problem = "voice.txt line 8, step: welcome: unknown variable 'frist_name'"

    assert og(["validate", "--home", str(home.path)]) == 2
    assert problem in capsys.readouterr().err

    with home.stack() as s:
        report = s.tick(MON)
        tick = tick_record(s, report)

    assert report.status == "FAILED"
    assert report.error is not None and problem in report.error
    assert states_entered(tick) == ["HasScheduledTime", "PlanDay"]
    [failed] = [e for e in tick.events if e["type"] == "TaskFailed"]
    assert failed["error"] == "DocumentError"
    assert report.journeys == []
    assert home.outbox() == [] and home.calls == []
    [post] = home.slack()  # the owner is told the problem (tests/e2e/test_broken_documents.py)
    assert problem in str(post["payload"]["blocks"])


def test_bad_list_row_is_reported_once_and_the_other_rows_proceed(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI, "c-bad,Priya Nair,priya.nair@@spicebox.example,Starter,2026-12-14,,,"])
    problem = (
        "onboarding.csv line 3 (customer c-bad), email: "
        "'priya.nair@@spicebox.example' is not a valid email address"
    )
    with home.stack() as s:
        monday = s.tick(MON)
        monday_tick = tick_record(s, monday)
        tuesday = s.tick(TUE)
        tuesday_tick = tick_record(s, tuesday)

    assert monday.ok and tuesday.ok
    assert [p["text"] for p in monday.plan["new_problems"]] == [problem]
    assert "ReportListProblems" in states_entered(monday_tick)
    [post] = home.slack("chat.postMessage")
    assert post["payload"]["text"] == "1 rows of the onboarding list were skipped"
    assert problem in post["payload"]["blocks"][0]["text"]["text"]
    assert post["at"] == "2026-12-14T01:00:00+00:00"

    assert tuesday.plan["new_problem_count"] == 0
    assert "ReportListProblems" not in states_entered(tuesday_tick)
    assert len(home.slack("chat.postMessage")) == 1  # not reported again

    assert [r.name for r in monday.journeys] == ["c-1-2026-12-14-step_due"]
    assert [m.to for m in home.outbox()] == ["Mei Ling Tan <meiling@kopibakes.example>"]
    assert home.claims("c-bad") == {}
