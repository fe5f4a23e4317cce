"""The activation funnel: per plan, sign-ups → each step done → finished, with percentages and the
median days from sign-up, from the journeys and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from og.adapters.ports import AuditEntry
from og.core.customer_list import parse_customer_list
from og.core.funnel import FINISHED, SIGNED_UP, Drop, build_funnel, funnel_table
from og.core.models import CustomerState, Journey
from og.core.rules_doc import parse_rules

TZ = "UTC"
NOW = datetime(2026, 12, 31, tzinfo=UTC)
RULES = parse_rules(
    "Plan: Starter\nStep: welcome\nDay: 0\nStep: first-order\nTitle: First order\nDay: 2\n"
    "Step: maker-profile (was: profile)\nTitle: Maker profile\nDay: 5\n\n"
    "Plan: Pro\nStep: welcome\nDay: 0\n"
)
SIGNUP = datetime(2026, 12, 1, tzinfo=UTC)
LIST = "customer_id,name,email,plan,signup_at\n" + "".join(
    f"{cid},{cid.title()},{cid}@example.com,Starter,2026-12-01\n" for cid in "abcde"
)
CUSTOMERS = parse_customer_list(LIST, RULES, NOW, TZ)[0]


def _done(cid: str, days: float, before: list[str], after: list[str], finished: bool = False):
    return AuditEntry(
        cid,
        SIGNUP + timedelta(days=days),
        f"done:{after[-1]}",
        "customer",
        {"steps_done": before, "finished": False},
        {"steps_done": after, "finished": finished},
    )


def _journey(cid: str, done: list[str], finished: bool = False) -> Journey:
    return Journey(CustomerState(cid, steps_done=frozenset(done), finished=finished))


JOURNEYS = {
    # a: everything, the last step done under its former id "profile"
    "a": _journey("a", ["welcome", "first-order", "profile"], finished=True),
    "b": _journey("b", ["welcome", "first-order"]),
    "c": _journey("c", ["welcome"]),
    "d": _journey("d", ["welcome"]),
    # e: signed up, nothing done, no journey yet
}
CHANGES = [
    _done("a", 1, [], ["welcome"]),
    _done("a", 3, ["welcome"], ["welcome", "first-order"]),
    _done("a", 6, ["first-order", "welcome"], ["first-order", "profile", "welcome"], True),
    _done("b", 2, [], ["welcome"]),
    _done("b", 4, ["welcome"], ["welcome", "first-order"]),
    _done("c", 3, [], ["welcome"]),
    # d's welcome came from the list's progress column: done, with no time known
]


def test_each_stage_counts_the_customers_who_reached_it_with_percentages_and_median_days() -> None:
    starter, pro = build_funnel(CUSTOMERS, RULES, JOURNEYS, CHANGES)

    assert starter.plan == "Starter"
    assert starter.stages() == (
        (SIGNED_UP, 5),
        ("Welcome", 4),
        ("First order", 2),
        ("Maker profile", 1),
        (FINISHED, 1),
    )
    assert [s.percent for s in starter.steps] == [80, 40, 20]
    assert starter.finished_percent == 20
    # welcome: a after 1 day, b after 2, c after 3 (d's time is unknown)
    assert [s.median_days for s in starter.steps] == [2.0, 3.5, 6.0]
    assert starter.median_days_to_finish == 6.0
    assert (pro.signed_up, pro.finished, pro.finished_percent) == (0, 0, 0)
    assert pro.steps[0].median_days is None


def test_where_most_stop_is_the_largest_fall_between_two_stages() -> None:
    starter, pro = build_funnel(CUSTOMERS, RULES, JOURNEYS, CHANGES)

    assert starter.biggest_drop() == Drop("Welcome", "First order", 2)
    assert pro.biggest_drop() is None


def test_a_cohort_counts_only_the_customers_who_signed_up_in_it() -> None:
    (starter, _) = build_funnel(
        CUSTOMERS, RULES, JOURNEYS, CHANGES, signed_up_from=SIGNUP + timedelta(days=1)
    )

    assert starter.signed_up == 0
    assert starter.stages()[1] == ("Welcome", 0)


def test_the_table_shows_each_stage_once_with_its_share_of_sign_ups() -> None:
    (starter, _) = build_funnel(CUSTOMERS, RULES, JOURNEYS, CHANGES)

    assert funnel_table(starter).rows == (
        (SIGNED_UP, "5", "100%", ""),
        ("Welcome", "4", "80%", "2"),
        ("First order", "2", "40%", "3.5"),
        ("Maker profile", "1", "20%", "6"),
        (FINISHED, "1", "20%", "6"),
    )
