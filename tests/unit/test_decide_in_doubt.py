"""The planner and messages in doubt (claimed, never confirmed): nothing is built on them — no
nudge, no flag after N days, no next step — until the owner answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from og.core.decide import decide
from og.core.models import (
    Config,
    Customer,
    CustomerState,
    Journey,
    MoveKind,
    Plan,
    SendCalendar,
    SendKind,
    SendRecord,
    Step,
)

WELCOME = Step("welcome", "Welcome", day=0, nudge_after_days=2, flag_after_days=4)
POS = Step("pos", "Connect your POS", day=1, nudge_after_days=2, flag_after_days=5)
PLAN = Plan("starter", "Starter", (WELCOME, POS))
CONFIG = Config(
    business_name="Acme",
    timezone="Asia/Singapore",
    calendar=SendCalendar(time(20, 0), time(8, 0), frozenset({5, 6})),
    sender="Acme <hello@acme.example>",
    owner_slack_id="U123",
)
NOW = datetime(2026, 12, 9, 1, 0, tzinfo=UTC)  # Wednesday 09:00 in Singapore
CUSTOMER = Customer("c1", "Dana Lee", "dana@example.com", "starter", NOW - timedelta(days=6))
# welcome went out on Thursday: its nudge, its flag and the next step are all due today
WELCOME_SENT = SendRecord(
    "c1", "welcome", SendKind.STEP, NOW - timedelta(days=6), date(2026, 12, 3)
)


def test_a_confirmed_send_is_built_on() -> None:
    d = decide(CUSTOMER, PLAN, Journey(CustomerState("c1"), (WELCOME_SENT,)), NOW, CONFIG)
    assert d.move is not None and d.move.kind is MoveKind.FLAG  # flag after 4 days


def test_a_send_in_doubt_holds_the_customer() -> None:
    journey = Journey(CustomerState("c1"), (WELCOME_SENT,), (WELCOME_SENT,))

    d = decide(CUSTOMER, PLAN, journey, NOW, CONFIG)

    assert d.move is None
    assert d.reason == (
        "in doubt: welcome#step claimed 2026-12-03T01:00:00+00:00 and never confirmed; it may "
        "have gone out, so nothing more is sent until the owner answers"
    )


def test_a_nudge_in_doubt_holds_the_customer_too() -> None:
    nudge = SendRecord("c1", "welcome", SendKind.NUDGE, NOW - timedelta(days=1), date(2026, 12, 8))
    journey = Journey(CustomerState("c1"), (WELCOME_SENT, nudge), (nudge,))
    assert decide(CUSTOMER, PLAN, journey, NOW, CONFIG).move is None


def test_the_owner_answering_done_releases_the_hold() -> None:
    journey = Journey(
        CustomerState("c1", steps_done=frozenset({"welcome"})), (WELCOME_SENT,), (WELCOME_SENT,)
    )

    d = decide(CUSTOMER, PLAN, journey, NOW, CONFIG)

    assert d.move is not None
    assert (d.move.kind, d.move.step) == (MoveKind.STEP_DUE, POS)


def test_pause_and_hand_off_say_so_first() -> None:
    held = Journey(CustomerState("c1"), (WELCOME_SENT,), (WELCOME_SENT,))
    paused = replace(held, state=CustomerState("c1", paused=True))
    assert decide(CUSTOMER, PLAN, paused, NOW, CONFIG).reason == "paused by owner"
    handed = replace(held, state=CustomerState("c1", handed_off_to="Siti"))
    assert decide(CUSTOMER, PLAN, handed, NOW, CONFIG).reason == "handed off to Siti"


def test_a_claim_on_a_step_no_longer_in_the_plan_holds_nothing() -> None:
    gone = SendRecord(
        "c1", "old-welcome", SendKind.STEP, NOW - timedelta(days=6), date(2026, 12, 3)
    )
    journey = Journey(CustomerState("c1"), (WELCOME_SENT, gone), (gone,))
    # Retired in the rules doc (without it the customer is held and the owner told, as for any
    # progress on an unknown step: see test_decide's step identity tests).
    plan = replace(PLAN, retired_ids=frozenset({"old-welcome"}))
    d = decide(CUSTOMER, plan, journey, NOW, CONFIG)
    assert d.move is not None and d.move.kind is MoveKind.FLAG  # welcome's flag after 4 days


def test_a_send_in_doubt_under_a_former_id_still_holds_the_customer() -> None:
    """`welcome-v2 (was: welcome)`: the claim made under `welcome` is the same message."""
    renamed = Plan(
        "starter", "Starter", (replace(WELCOME, id="welcome-v2", former_ids=("welcome",)), POS)
    )
    journey = Journey(CustomerState("c1"), (WELCOME_SENT,), (WELCOME_SENT,))

    d = decide(CUSTOMER, renamed, journey, NOW, CONFIG)

    assert d.move is None
    assert d.reason.startswith("in doubt: welcome-v2#step claimed")
