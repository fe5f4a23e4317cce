"""A step keeps its identity when the owner renames it in the rules doc.

Sends and done clicks are stored under the step id of the day they happened. After
"Step: maker-profile (was: profile)" they count for `maker-profile`: no re-send, nudge and flag
timing continue from the original send, and an old done link for `profile` marks
`maker-profile` done. Progress on an id the plan no longer accounts for (not a step, not a
former id, not "Retired:") would otherwise turn into a silent re-send under the new id, so the
customer is held and the owner is told (once, through the tick's problem report).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from og.core.models import Customer, Journey, Plan, RowProblem, Rules

__all__ = [
    "PlanIds",
    "StepIds",
    "carry_over",
    "held_reason",
    "plan_step_ids",
    "unknown_progress",
    "unknown_progress_problems",
]


def carry_over(plan: Plan, journey: Journey) -> Journey:
    """The journey with progress recorded under a former id moved to the step's id now.

    Every send stays (one message a day counts them all), newest first: where a former and a
    current id both hold a send of one kind, a reader that keeps the last record per step sees
    the original send, so nudge and flag timing continue from it."""
    renamed = plan.renamed
    if not renamed:
        return journey
    state = journey.state
    done = state.steps_done
    sends = journey.sends
    moved_done = not renamed.keys().isdisjoint(done)
    moved_sends = any(r.step_id in renamed for r in sends)
    if not moved_done and not moved_sends:
        return journey
    if moved_done:
        state = replace(state, steps_done=frozenset(renamed.get(s, s) for s in done))
    unconfirmed = journey.unconfirmed
    if moved_sends:
        sends = tuple(
            replace(r, step_id=renamed[r.step_id]) if r.step_id in renamed else r
            for r in sorted(sends, key=lambda r: r.sent_at, reverse=True)
        )
        unconfirmed = tuple(
            replace(r, step_id=renamed[r.step_id]) if r.step_id in renamed else r
            for r in unconfirmed
        )
    return replace(journey, state=state, sends=sends, unconfirmed=unconfirmed)


def unknown_progress(plan: Plan, journey: Journey) -> tuple[str, ...]:
    """Step ids with a send or a done click that the plan does not account for, sorted."""
    known = plan.known_ids
    unknown = {r.step_id for r in journey.sends if r.step_id not in known}
    unknown.update(s for s in journey.state.steps_done if s not in known)
    return tuple(sorted(unknown))


def held_reason(plan: Plan, unknown: Sequence[str]) -> str:
    """Why the planner holds a customer with progress on steps the plan no longer has."""
    ids = ", ".join(f"'{s}'" for s in unknown)
    return (
        f"held: sends or done clicks on step {ids}, which plan '{plan.name}' no longer has; "
        f"in the rules doc add '(was: {unknown[0]})' to the step that replaced it, or "
        f"'Retired: {unknown[0]}' under 'Plan: {plan.name}'"
    )


def unknown_progress_problems(
    customers: Sequence[Customer],
    rules: Rules,
    journeys: Mapping[str, Journey],
    source: str = "onboarding.csv",
) -> list[RowProblem]:
    """One problem per customer and unknown step id (finished customers aside), worded so that
    its key stays the same from tick to tick: the owner is told once."""
    problems: list[RowProblem] = []
    for customer in customers:
        journey = journeys.get(customer.customer_id)
        plan = rules.plan(customer.plan)
        if journey is None or plan is None or journey.state.finished:
            continue
        for step_id in unknown_progress(plan, journey):
            message = (
                f"this customer has sends or done clicks on step '{step_id}', which plan "
                f"'{plan.name}' in the rules doc no longer has. If a step replaced it, add its "
                f"old id to that step, like 'Step: <new id> (was: {step_id})'; if it is gone "
                f"for good, add 'Retired: {step_id}' under 'Plan: {plan.name}'. Until then "
                "this customer gets no messages"
            )
            problems.append(
                RowProblem(source, customer.line, customer.customer_id, "plan", message)
            )
    return problems


def plan_step_ids(plan: Plan | PlanIds, steps_done: frozenset[str]) -> tuple[str, ...]:
    """The id under which each step of the plan counts as done: its own, or a former id already
    recorded done. The journey is finished once all of them are (see progress.apply_step_done);
    done clicks are never undone, so a former id found done here is still done when the
    store applies the click."""
    return tuple(
        s.id if s.id in steps_done else next((f for f in s.former_ids if f in steps_done), s.id)
        for s in plan.steps
    )


@dataclass(frozen=True, slots=True)
class StepIds:
    id: str
    former_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanIds:
    """A plan's step ids, each with its former ids: all that a Done on a flag or an owner task
    needs of the plan. Carried in the flag or task from its post, so the Done need not read the
    documents again while the rules doc is unchanged."""

    steps: tuple[StepIds, ...]

    @classmethod
    def of(cls, plan: Plan) -> PlanIds:
        return cls(tuple(StepIds(s.id, s.former_ids) for s in plan.steps))

    def id_now(self, step_id: str) -> str:
        """The step's id in this plan: a flag from before a rename carries the former id."""
        return next((s.id for s in self.steps if step_id in s.former_ids), step_id)
