"""Step identity across edits of the rules doc: what counts as done for finishing a journey, and
the problem the owner is told about when progress sits on a step the plan no longer has."""

from __future__ import annotations

from datetime import UTC, date, datetime

from og.core.models import (
    Customer,
    CustomerState,
    Journey,
    Plan,
    Rules,
    SendKind,
    SendRecord,
    Step,
)
from og.core.progress import apply_step_done
from og.core.rules_doc import parse_rules
from og.core.step_identity import PlanIds, StepIds, plan_step_ids, unknown_progress_problems

RULES_TEXT = """\
Plan: Starter
Step: welcome
Day: 0
Step: maker-profile (was: profile)
Day: 1
Step: first-order
Day: 2
Retired: survey
"""
RULES = parse_rules(RULES_TEXT)
STARTER = RULES.plans["starter"]
AT = datetime(2026, 12, 14, 1, tzinfo=UTC)


def customer(cid: str, line: int, plan: str = "Starter") -> Customer:
    return Customer(cid, "Dana Lee", f"{cid}@example.com", plan, AT, line=line)


def sent(cid: str, step_id: str) -> SendRecord:
    return SendRecord(cid, step_id, SendKind.STEP, AT, date(2026, 12, 14))


def test_a_done_under_the_former_id_counts_towards_finishing() -> None:
    before = CustomerState("c-1", steps_done=frozenset({"welcome", "profile"}))
    ids = plan_step_ids(STARTER, before.steps_done)
    assert ids == ("welcome", "profile", "first-order")
    assert apply_step_done(before, "first-order", ids).finished
    # Without the done under 'profile' the journey is not finished by 'first-order' alone.
    fresh = CustomerState("c-1", steps_done=frozenset({"welcome"}))
    fresh_ids = plan_step_ids(STARTER, fresh.steps_done)
    assert fresh_ids == ("welcome", "maker-profile", "first-order")
    assert not apply_step_done(fresh, "first-order", fresh_ids).finished


def test_the_plan_ids_a_flag_carries_answer_as_the_plan_does() -> None:
    carried = PlanIds.of(STARTER)
    assert carried == PlanIds(
        (StepIds("welcome"), StepIds("maker-profile", ("profile",)), StepIds("first-order"))
    )
    for done in (set(), {"welcome"}, {"welcome", "profile"}, {"maker-profile", "first-order"}):
        assert plan_step_ids(carried, frozenset(done)) == plan_step_ids(STARTER, frozenset(done))
    for step_id in ("profile", "maker-profile", "welcome", "survey", "gone"):
        step = STARTER.step(step_id)
        assert carried.id_now(step_id) == (step.id if step else step_id)
    assert carried.id_now("profile") == "maker-profile"


def test_unknown_progress_is_one_stable_problem_per_customer_and_step() -> None:
    without_was = parse_rules(RULES_TEXT.replace(" (was: profile)", ""))
    customers = [customer("c-1", 2), customer("c-2", 3), customer("c-3", 4)]
    journeys = {
        "c-1": Journey(
            CustomerState("c-1", steps_done=frozenset({"profile", "survey"})),
            (sent("c-1", "welcome"), sent("c-1", "profile"), sent("c-1", "setup")),
        ),
        "c-2": Journey(CustomerState("c-2", finished=True), (sent("c-2", "profile"),)),
        "c-3": Journey(CustomerState("c-3"), (sent("c-3", "welcome"),)),
    }
    problems = unknown_progress_problems(customers, without_was, journeys)
    assert [(p.source, p.line, p.customer_id, p.field) for p in problems] == [
        ("onboarding.csv", 2, "c-1", "plan"),
        ("onboarding.csv", 2, "c-1", "plan"),
    ]
    profile, setup = problems
    assert str(profile).startswith(
        "onboarding.csv line 2 (customer c-1), plan: this customer has sends or done clicks on "
        "step 'profile', which plan 'Starter' in the rules doc no longer has. If a step replaced "
        "it, add its old id to that step, like 'Step: <new id> (was: profile)'"
    )
    assert "'Retired: setup' under 'Plan: Starter'" in str(setup)

    # The same facts a day later give the same keys: the owner is told once.
    later = {
        cid: Journey(j.state, (*j.sends, sent(cid, "first-order"))) for cid, j in journeys.items()
    }
    assert [p.key for p in unknown_progress_problems(customers, without_was, later)] == [
        p.key for p in problems
    ]
    # With the rename in the doc only 'setup' is left over; unknown plans are the list's problem.
    assert [p.key for p in unknown_progress_problems(customers, RULES, journeys)] == [setup.key]
    other = [customer("c-1", 2, plan="Enterprise")]
    assert unknown_progress_problems(other, RULES, journeys) == []
    assert unknown_progress_problems(customers, Rules({}), journeys) == []


def test_plan_built_in_code_derives_its_lookups() -> None:
    step = Step("maker-profile", "Maker profile", 1, None, None, former_ids=("profile",))
    plan = Plan("starter", "Starter", (step,), retired_ids=frozenset({"survey"}))
    assert plan.step("profile") is step and plan.step("maker-profile") is step
    assert plan.known_ids == {"maker-profile", "profile", "survey"}
    assert plan == Plan("starter", "Starter", (step,), retired_ids=frozenset({"survey"}))
