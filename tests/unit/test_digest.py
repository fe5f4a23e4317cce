"""The weekly digest's rows and counts, from the list, the journeys and the week's audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from og.adapters.ports import AuditEntry
from og.core.customer_list import parse_customer_list
from og.core.digest import DigestRow, build_digest, finished_between
from og.core.models import Channel, CustomerState, Journey, SendKind, SendRecord
from og.core.rules_doc import parse_rules
from og.core.tables import Table

TZ = "Asia/Singapore"
END = datetime(2026, 12, 13, 10, 0, tzinfo=UTC)  # Sunday 18:00 in Singapore
START = END - timedelta(days=7)
RULES = parse_rules(
    "Plan: Starter\n"
    "Step: welcome\nTitle: Welcome\nDay: 0\nNudge after: 2 days\nFlag after: 5 days\n"
    "Step: setup\nTitle: Set up\nDay: 2\nNudge after: 2 days\n"
    "Step: feedback\nDay: 5\n"
)
LIST = "customer_id,name,email,plan,signup_at\n" + "".join(
    f"{cid},{name},{cid}@example.com,Starter,{signup}\n"
    for cid, name, signup in [
        ("c-fin", "Fin Ished", "2026-11-20"),
        ("c-old", "Old Timer", "2026-11-01"),
        ("c-paused", "Pat Paused", "2026-11-25"),
        ("c-hand", "Hana Handed", "2026-11-25"),
        ("c-flag", "Flo Flagged", "2026-11-28"),
        ("c-late", "Lee Late", "2026-12-07"),
        ("c-nudge", "Nia Nudged", "2026-12-07"),
        ("c-ok", "Oki Fine", "2026-12-12"),
        ("c-new", "Neo New", "2026-12-13"),
    ]
)
CUSTOMERS = parse_customer_list(LIST, RULES, END, TZ)[0]


def step(cid: str, step_id: str, day: date, kind: SendKind = SendKind.STEP) -> SendRecord:
    at = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)
    return SendRecord(cid, step_id, kind, at, day, Channel.EMAIL, f"{cid}@example.com")


def change(cid: str, at: datetime, action: str, **after: Any) -> AuditEntry:
    before = {"finished": False}
    return AuditEntry(cid, at, action, "customer", before, before | after)


JOURNEYS = {
    "c-fin": Journey(
        CustomerState("c-fin", frozenset({"welcome", "setup", "feedback"}), finished=True)
    ),
    "c-old": Journey(CustomerState("c-old", finished=True)),
    "c-paused": Journey(CustomerState("c-paused", paused=True, paused_note="hard bounce: 550")),
    "c-hand": Journey(CustomerState("c-hand", handed_off_to="Dana")),
    "c-flag": Journey(CustomerState("c-flag", flagged=True)),
    # Welcome sent 6 days ago: past 'Flag after: 5', and not flagged (yet).
    "c-late": Journey(CustomerState("c-late"), (step("c-late", "welcome", date(2026, 12, 7)),)),
    # Set up (nudge after 2, no flag) sent 4 days ago and nudged: as long again, not done.
    "c-nudge": Journey(
        CustomerState("c-nudge", frozenset({"welcome"})),
        (
            step("c-nudge", "welcome", date(2026, 12, 7)),
            step("c-nudge", "setup", date(2026, 12, 9)),
            step("c-nudge", "setup", date(2026, 12, 11), SendKind.NUDGE),
        ),
    ),
    "c-ok": Journey(CustomerState("c-ok"), (step("c-ok", "welcome", date(2026, 12, 12)),)),
}
CHANGES = [
    change("c-fin", END - timedelta(days=2), "done:feedback", finished=True),
    change("c-ok", END - timedelta(days=1), "done:welcome"),
    change("c-old", START - timedelta(days=1), "done:feedback", finished=True),
]


def test_the_week_sorts_everyone_who_needs_a_look_by_status() -> None:
    digest = build_digest(
        CUSTOMERS,
        RULES,
        JOURNEYS,
        CHANGES,
        start=START,
        end=END,
        business_tz=TZ,
        flag_reasons={"c-flag": "no done click after 5 days"},
    )

    assert digest.rows == (
        DigestRow("Finished", "c-fin", "Fin Ished", "Starter", "finished 2026-12-11"),
        DigestRow(
            "Stuck", "c-flag", "Flo Flagged", "Starter", "flagged: no done click after 5 days"
        ),
        DigestRow("Stuck", "c-late", "Lee Late", "Starter", "'Welcome' sent 6 days ago, not done"),
        DigestRow(
            "Stuck", "c-nudge", "Nia Nudged", "Starter", "'Set up' sent 4 days ago, not done"
        ),
        DigestRow("Paused", "c-paused", "Pat Paused", "Starter", "hard bounce: 550"),
        DigestRow("Handed off", "c-hand", "Hana Handed", "Starter", "to Dana"),
    )
    assert (digest.first_day, digest.last_day) == (date(2026, 12, 6), date(2026, 12, 13))
    assert (digest.customers, digest.signups, digest.messages_sent, digest.done_clicks) == (
        9,
        4,  # c-late, c-nudge, c-ok, c-new
        5,  # c-late, c-nudge x3, c-ok (flags to the owner are not messages)
        2,
    )
    assert digest.headline == (
        "Onboarding, the week to 2026-12-13: 1 finished, 3 stuck, 1 paused, 1 handed off"
    )
    assert digest.activity == (
        "9 customers on the list · 4 new sign-ups · 5 messages sent · 2 steps marked done"
    )


def test_a_flag_without_a_known_reason_still_counts_as_stuck() -> None:
    digest = build_digest(CUSTOMERS, RULES, JOURNEYS, [], start=START, end=END, business_tz=TZ)

    assert DigestRow("Stuck", "c-flag", "Flo Flagged", "Starter", "flagged: waiting for you") in (
        digest.rows
    )
    assert digest.count("Finished") == 0  # finished, but not this week


def test_an_unsubscribed_customer_is_not_stuck_but_stopped() -> None:
    stopped = CustomerState("c-late", unsubscribed=True)  # 'Welcome' 6 days old, not done
    journeys = JOURNEYS | {"c-late": Journey(stopped, JOURNEYS["c-late"].sends)}

    digest = build_digest(CUSTOMERS, RULES, journeys, [], start=START, end=END, business_tz=TZ)

    row = DigestRow("Paused", "c-late", "Lee Late", "Starter", "unsubscribed: no more email")
    assert row in digest.rows
    assert all(r.customer_id != "c-late" or r == row for r in digest.rows)


def test_finished_between_takes_the_first_finish_in_the_period() -> None:
    first = END - timedelta(days=3)
    changes = [
        change("c1", first, "done:b", finished=True),
        change("c1", first + timedelta(hours=1), "owner:done", finished=True),
        AuditEntry("c2", first, "done:a", "customer", {"finished": True}, {"finished": True}),
        change("c3", END, "done:b", finished=True),
    ]

    assert finished_between(changes, START, END) == {"c1": first}


def test_the_table_lines_up_and_clips_long_cells() -> None:
    table = Table(("Status", "Detail"), (("Stuck", "x" * 60), ("Paused", "away")))

    assert table.text_lines() == [
        "Status  Detail",
        "------  " + "-" * 48,
        "Stuck   " + "x" * 47 + "…",
        "Paused  away",
    ]
    assert table.html() == (
        '<table cellpadding="4" cellspacing="0" border="1" style="border-collapse:collapse">'
        '<thead><tr><th align="left">Status</th><th align="left">Detail</th></tr></thead>'
        f"<tbody><tr><td>Stuck</td><td>{'x' * 60}</td></tr>"
        "<tr><td>Paused</td><td>away</td></tr></tbody></table>"
    )


def test_a_renamed_step_keeps_its_sends_and_done_clicks() -> None:
    renamed = parse_rules(
        "Plan: Starter\n"
        "Step: hello (was: welcome)\nTitle: Welcome\nDay: 0\nNudge after: 2 days\n"
        "Flag after: 5 days\n"
        "Step: account-setup (was: setup)\nTitle: Set up\nDay: 2\nNudge after: 2 days\n"
        "Step: feedback\nDay: 5\n"
    )
    before = build_digest(CUSTOMERS, RULES, JOURNEYS, CHANGES, start=START, end=END, business_tz=TZ)
    after = build_digest(
        CUSTOMERS, renamed, JOURNEYS, CHANGES, start=START, end=END, business_tz=TZ
    )
    assert after.rows == before.rows
    assert (
        DigestRow("Stuck", "c-late", "Lee Late", "Starter", "'Welcome' sent 6 days ago, not done")
        in after.rows
    )


def test_a_flagged_row_says_why_from_the_oldest_open_flag() -> None:
    @dataclass(frozen=True)
    class Flag:
        customer_id: str
        step_id: str
        reason: str
        posted_at: datetime

    newer = Flag("c-flag", "feedback", "no done click after 3 days", END - timedelta(days=1))
    older = Flag("c-flag", "welcome", "no done click after 5 days", END - timedelta(days=3))
    digest = build_digest(
        CUSTOMERS,
        RULES,
        JOURNEYS,
        CHANGES,
        start=START,
        end=END,
        business_tz=TZ,
        open_flags=[newer, older],
    )

    assert (
        DigestRow(
            "Stuck", "c-flag", "Flo Flagged", "Starter", "flagged: no done click after 5 days"
        )
        in digest.rows
    )
    assert [f.step for f in digest.open_flags] == ["Welcome", "Feedback"]  # oldest first
