"""The activation funnel: per plan, how many customers signed up, did each step and finished,
with percentages of the sign-ups and the median days from sign-up to each.

A step counts as done for a customer whose journey has it done (a done click, or progress the
list carried in), under its id now (renamed steps carry over). The days come from the audit
trail: the first entry that added the step to the customer's steps done, or set finished."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from statistics import median

from og.core.digest import Change
from og.core.models import Customer, Journey, Plan, Rules
from og.core.step_identity import carry_over
from og.core.tables import Table

__all__ = ["Drop", "PlanFunnel", "StepReached", "build_funnel", "funnel_table"]

SIGNED_UP = "signed up"
FINISHED = "finished"
_DAY = 86400.0


@dataclass(frozen=True, slots=True)
class StepReached:
    step_id: str
    title: str
    done: int  # customers of the plan with this step done
    percent: int  # of the plan's sign-ups, rounded; 0 when nobody signed up
    median_days: float | None  # from sign-up to the done click; None when no time is known


@dataclass(frozen=True, slots=True)
class Drop:
    after: str  # the stage before: SIGNED_UP or a step's title
    before: str  # the stage fewer reached: a step's title or FINISHED
    customers: int  # how many more reached `after` than `before`


@dataclass(frozen=True, slots=True)
class PlanFunnel:
    plan: str  # as the owner wrote it
    signed_up: int
    steps: tuple[StepReached, ...]  # in the plan's order
    finished: int
    finished_percent: int
    median_days_to_finish: float | None

    def stages(self) -> tuple[tuple[str, int], ...]:
        """(stage, customers) from sign-up through each step to finished."""
        return (
            (SIGNED_UP, self.signed_up),
            *((s.title, s.done) for s in self.steps),
            (FINISHED, self.finished),
        )

    def biggest_drop(self) -> Drop | None:
        """Where most customers stop: the largest fall from one stage to the next (the first
        such, on a tie); None when nobody falls."""
        stages = self.stages()
        best: Drop | None = None
        for (after, n_after), (before, n_before) in pairwise(stages):
            fall = n_after - n_before
            if fall > 0 and (best is None or fall > best.customers):
                best = Drop(after, before, fall)
        return best


def build_funnel(
    customers: Sequence[Customer],
    rules: Rules,
    journeys: Mapping[str, Journey],
    changes: Iterable[Change],
    *,
    signed_up_from: datetime | None = None,
    signed_up_before: datetime | None = None,
) -> tuple[PlanFunnel, ...]:
    """One funnel per plan of the rules doc, in its order, for the customers on the list (those
    who signed up in [signed_up_from, signed_up_before) when given). `changes` are audit entries;
    entries of customers not counted are ignored."""
    cohort = [
        c
        for c in customers
        if (signed_up_from is None or c.signup_at >= signed_up_from)
        and (signed_up_before is None or c.signup_at < signed_up_before)
    ]
    first_done, finished_at = _first_times(changes)
    return tuple(
        _plan_funnel(
            plan,
            [c for c in cohort if c.plan == key],
            journeys,
            first_done,
            finished_at,
        )
        for key, plan in rules.plans.items()
    )


def _first_times(
    changes: Iterable[Change],
) -> tuple[dict[tuple[str, str], datetime], dict[str, datetime]]:
    done: dict[tuple[str, str], datetime] = {}
    finished: dict[str, datetime] = {}
    for c in sorted(changes, key=lambda c: c.ts):
        added = set(c.after.get("steps_done") or ()) - set(c.before.get("steps_done") or ())
        for step_id in added:
            done.setdefault((c.customer_id, step_id), c.ts)
        if c.after.get("finished") and not c.before.get("finished"):
            finished.setdefault(c.customer_id, c.ts)
    return done, finished


def _plan_funnel(
    plan: Plan,
    customers: list[Customer],
    journeys: Mapping[str, Journey],
    first_done: Mapping[tuple[str, str], datetime],
    finished_at: Mapping[str, datetime],
) -> PlanFunnel:
    signed_up = len(customers)
    done: dict[str, list[Customer]] = {s.id: [] for s in plan.steps}
    finished: list[Customer] = []
    for customer in customers:
        journey = journeys.get(customer.customer_id)
        if journey is None:
            continue
        state = carry_over(plan, journey).state
        for step_id in state.steps_done & done.keys():
            done[step_id].append(customer)
        if state.finished:
            finished.append(customer)
    step_times = _done_times(plan, first_done)
    steps = tuple(
        StepReached(
            s.id,
            s.title,
            len(done[s.id]),
            _percent(len(done[s.id]), signed_up),
            _median_days(done[s.id], _step_time(step_times, s.id)),
        )
        for s in plan.steps
    )
    return PlanFunnel(
        plan.name,
        signed_up,
        steps,
        len(finished),
        _percent(len(finished), signed_up),
        _median_days(finished, lambda c: finished_at.get(c.customer_id)),
    )


def _done_times(
    plan: Plan, first_done: Mapping[tuple[str, str], datetime]
) -> dict[tuple[str, str], datetime]:
    """First done time per (customer, step id now): a done click under a former id counts."""
    times: dict[tuple[str, str], datetime] = {}
    for (customer_id, step_id), ts in first_done.items():
        key = (customer_id, plan.renamed.get(step_id, step_id))
        if key not in times or ts < times[key]:
            times[key] = ts
    return times


def _step_time(
    times: Mapping[tuple[str, str], datetime], step_id: str
) -> Callable[[Customer], datetime | None]:
    return lambda c: times.get((c.customer_id, step_id))


def _percent(n: int, of: int) -> int:
    return (200 * n + of) // (2 * of) if of else 0


def _median_days(
    customers: list[Customer], when: Callable[[Customer], datetime | None]
) -> float | None:
    days = [
        (at - c.signup_at).total_seconds() / _DAY
        for c in customers
        if (at := when(c)) is not None and at >= c.signup_at
    ]
    return round(median(days), 1) if days else None


def funnel_table(funnel: PlanFunnel) -> Table:
    """The funnel as a table: each stage, customers, % of sign-ups, median days from sign-up."""
    rows = [(SIGNED_UP, str(funnel.signed_up), "100%" if funnel.signed_up else "0%", "")]
    rows += [(s.title, str(s.done), f"{s.percent}%", _days(s.median_days)) for s in funnel.steps]
    rows.append(
        (
            FINISHED,
            str(funnel.finished),
            f"{funnel.finished_percent}%",
            _days(funnel.median_days_to_finish),
        )
    )
    return Table(("Stage", "Customers", "Of sign-ups", "Median days"), tuple(rows))


def _days(d: float | None) -> str:
    return "" if d is None else f"{d:g}"
