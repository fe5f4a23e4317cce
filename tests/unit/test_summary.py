"""The monthly summary's figures and where unfinished customers stop."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from zoneinfo import ZoneInfo

import pytest

from og.adapters.ports import AuditEntry
from og.core.customer_list import parse_customer_list
from og.core.emails import build_report_email
from og.core.models import Channel, CustomerState, Journey, SendKind, SendRecord
from og.core.rules_doc import parse_rules
from og.core.summary import (
    NO_STEP_DONE,
    DropOff,
    build_figures,
    previous_month,
    summary_html,
    summary_text,
)

TZ = "Asia/Singapore"
SGT = ZoneInfo(TZ)
START = datetime(2026, 12, 1, tzinfo=SGT)
END = datetime(2027, 1, 1, tzinfo=SGT)
RULES = parse_rules(
    "Plan: Starter\nStep: welcome\nDay: 0\nStep: first-order\nTitle: First order\nDay: 2\n"
    "Step: feedback\nDay: 5\n\n"
    "Plan: Pro\nStep: welcome\nDay: 0\nStep: kickoff\nTitle: Kickoff call\nDay: 1\n"
)


@pytest.mark.parametrize(
    ("at", "first", "last"),
    [
        (datetime(2027, 1, 4, 1, 0, tzinfo=UTC), date(2026, 12, 1), date(2027, 1, 1)),
        (datetime(2026, 3, 2, 1, 0, tzinfo=UTC), date(2026, 2, 1), date(2026, 3, 1)),
        # 23:30 UTC on 31 May is already 1 June in Singapore: May is the month before.
        (datetime(2026, 5, 31, 23, 30, tzinfo=UTC), date(2026, 5, 1), date(2026, 6, 1)),
    ],
)
def test_the_summary_covers_the_calendar_month_before_in_the_business_timezone(
    at: datetime, first: date, last: date
) -> None:
    start, end = previous_month(at, TZ)

    assert (start, end) == (
        datetime.combine(first, datetime.min.time(), SGT),
        datetime.combine(last, datetime.min.time(), SGT),
    )


def _send(cid: str, step_id: str, day: date, kind: SendKind) -> SendRecord:
    at = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)
    return SendRecord(cid, step_id, kind, at, day, Channel.EMAIL, "x@example.com")


def _entry(cid: str, at: datetime, action: str, finished: bool = False) -> AuditEntry:
    return AuditEntry(cid, at, action, "U1", {"finished": False}, {"finished": finished})


LIST = "customer_id,name,email,plan,signup_at\n" + "".join(
    f"{cid},{cid.title()},{cid}@example.com,{plan},{signup}\n"
    for cid, plan, signup in [
        ("a", "Starter", "2026-11-20"),  # finished in December
        ("b", "Starter", "2026-12-03"),  # stopped after welcome
        ("c", "Starter", "2026-12-10"),  # nothing done yet
        ("d", "Starter", "2026-12-12"),  # stopped after first-order, paused
        ("e", "Pro", "2026-12-20"),  # stopped after welcome, handed off
        ("f", "Pro", "2027-01-02"),  # signed up after the month
    ]
)


def test_the_months_figures() -> None:
    now = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)
    customers = parse_customer_list(LIST, RULES, now, TZ)[0]
    journeys = {
        "a": Journey(
            CustomerState("a", frozenset({"welcome", "first-order", "feedback"}), finished=True),
            (_send("a", "feedback", date(2026, 11, 25), SendKind.STEP),),
        ),
        "b": Journey(
            CustomerState("b", frozenset({"welcome"})),
            (
                _send("b", "welcome", date(2026, 12, 3), SendKind.STEP),
                _send("b", "first-order", date(2026, 12, 5), SendKind.STEP),
                _send("b", "first-order", date(2026, 12, 8), SendKind.NUDGE),
                _send("b", "first-order", date(2026, 12, 10), SendKind.FLAG),
            ),
        ),
        "d": Journey(CustomerState("d", frozenset({"welcome", "first-order"}), paused=True)),
        "e": Journey(
            CustomerState("e", frozenset({"welcome"}), handed_off_to="Dana"),
            (_send("e", "welcome", date(2027, 1, 2), SendKind.STEP),),  # after the month
        ),
    }
    in_month = datetime(2026, 12, 15, 3, 0, tzinfo=UTC)
    changes = [
        _entry("a", in_month, "done:feedback", finished=True),
        _entry("b", in_month, "done:welcome"),
        _entry("d", in_month + timedelta(days=1), "owner:pause"),
        _entry("e", in_month + timedelta(days=8), "owner:hand_off"),
        _entry("d", START - timedelta(days=1), "done:welcome"),  # November: ignored
    ]

    figures = build_figures(customers, RULES, journeys, changes, start=START, end=END)

    assert figures.month == date(2026, 12, 1) and figures.month_name == "December 2026"
    assert (figures.customers, figures.signups, figures.finishes) == (6, 4, 1)
    assert (figures.steps_sent, figures.nudges_sent, figures.flags_raised) == (2, 1, 1)
    assert (figures.done_clicks, figures.paused, figures.handed_off) == (2, 1, 1)
    assert figures.in_progress == 3  # b, c, f
    assert figures.drop_off == (
        DropOff("Starter", NO_STEP_DONE, 1),
        DropOff("Starter", "Welcome", 1),
        DropOff("Starter", "First order", 1),
        DropOff("Pro", NO_STEP_DONE, 1),
        DropOff("Pro", "Welcome", 1),
    )
    assert summary_text("December was steady.", figures) == (
        "December was steady.\n\nDecember 2026\n\n"
        "Figure                 Count\n"
        "---------------------  -----\n"
        "Customers on the list  6\n"
        "Sign-ups this month    4\n"
        "Finished onboarding    1\n"
        "Median days to finish  25.5\n"
        "Still onboarding       3\n"
        "Step messages sent     2\n"
        "Nudges sent            1\n"
        "Flags to the owner     1\n"
        "Steps marked done      2\n"
        "Paused                 1\n"
        "Handed off             1\n\n"
        "Activation funnel, Starter (everyone signed up by the month's end):\n"
        "Stage        Customers  Of sign-ups  Median days\n"
        "-----------  ---------  -----------  -----------\n"
        "signed up    4          100%\n"
        "Welcome      3          75%\n"
        "First order  2          50%\n"
        "Feedback     1          25%\n"
        "finished     1          25%          25.5\n"
        "Most stop between signing up and 'Welcome' (1 customer).\n\n"
        "Activation funnel, Pro (everyone signed up by the month's end):\n"
        "Stage         Customers  Of sign-ups  Median days\n"
        "------------  ---------  -----------  -----------\n"
        "signed up     1          100%\n"
        "Welcome       1          100%\n"
        "Kickoff call  0          0%\n"
        "finished      0          0%\n"
        "Most stop between 'Welcome' and 'Kickoff call' (1 customer).\n\n"
        "Where unfinished customers are (their last step done):\n"
        "Plan     Last step done      Customers\n"
        "-------  ------------------  ---------\n"
        "Starter  (no step done yet)  1\n"
        "Starter  Welcome             1\n"
        "Starter  First order         1\n"
        "Pro      (no step done yet)  1\n"
        "Pro      Welcome             1\n"
    )
    renamed = parse_rules(
        "Plan: Starter\nStep: hello (was: welcome)\nTitle: Welcome\nDay: 0\n"
        "Step: first-shop-order (was: first-order)\nTitle: First order\nDay: 2\n"
        "Step: feedback\nDay: 5\n\n"
        "Plan: Pro\nStep: welcome\nDay: 0\nStep: kickoff\nTitle: Kickoff call\nDay: 1\n"
    )
    after_rename = build_figures(customers, renamed, journeys, changes, start=START, end=END)
    assert after_rename.drop_off == figures.drop_off  # done clicks under the former ids count
    html = summary_html("Steady & calm.", figures)
    assert "<p>Steady &amp; calm.</p>" in html
    assert "<td>Finished onboarding</td><td>1</td>" in html


def test_the_report_email_goes_to_every_recipient_with_text_and_html() -> None:
    message = build_report_email(
        sender="Harbour & Hearth <hello@harbourhearth.example>",
        recipients=("owner@harbourhearth.example", "Siti <siti@harbourhearth.example>"),
        subject="Onboarding in December 2026",
        text="Steady.\n",
        html="<p>Steady.</p>",
        message_id="og.summary.2026-12.report@harbourhearth.example",
        sent_at=datetime(2027, 1, 4, 1, 0, tzinfo=UTC),
    )

    parsed = message_from_bytes(message.as_bytes(), policy=default)
    assert parsed["To"] == "owner@harbourhearth.example, Siti <siti@harbourhearth.example>"
    assert parsed.get_body(("plain",)).get_content() == "Steady.\r\n"  # type: ignore[union-attr]
    assert "<p>Steady.</p>" in parsed.get_body(("html",)).get_content()  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="at least one recipient"):
        build_report_email(
            sender="a@b.example",
            recipients=(),
            subject="x",
            text="x",
            html="x",
            message_id="m@b.example",
            sent_at=datetime(2027, 1, 4, tzinfo=UTC),
        )


def test_the_template_paragraph_states_only_computed_figures() -> None:
    now = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)
    customers = parse_customer_list(LIST, RULES, now, TZ)[0]
    journeys = {
        "a": Journey(
            CustomerState("a", frozenset({"welcome", "first-order", "feedback"}), finished=True)
        ),
        "b": Journey(CustomerState("b", frozenset({"welcome"}))),
    }
    changes = [_entry("a", datetime(2026, 12, 4, 3, 0, tzinfo=UTC), "done:feedback", True)]

    figures = build_figures(customers, RULES, journeys, changes, start=START, end=END)

    assert figures.median_days_to_finish == 14.5  # 20 November 00:00 SGT to 4 December 11:00
    assert figures.paragraph() == (
        "In December 2026, 4 customers signed up and 1 customer finished onboarding, in a median "
        "of 14.5 days from sign-up. Still onboarding now: 5. On the Starter plan, most stop "
        "between signing up and 'Welcome' (2 customers). On the Pro plan, most stop between "
        "signing up and 'Welcome' (1 customer)."
    )
    assert figures.unverified(figures.paragraph()) == []
    assert figures.unverified("4 signed up, 2 of them in seven days.") == ["seven"]
    assert figures.unverified("Bakery 21 had 4 sign-ups.", names=("Bakery 21",)) == []
    assert figures.unverified("Bakery 21 had 4 sign-ups.") == ["21"]
    cids = ("funnel-1.2026-12@hh.example", "funnel-2.2026-12@hh.example")
    html = summary_html("Steady.", figures, cids)
    assert '<img src="cid:funnel-1.2026-12@hh.example" width="480"' in html
    assert 'alt="Funnel: signed up 1, Welcome 0, Kickoff call 0, finished 0"' in html
