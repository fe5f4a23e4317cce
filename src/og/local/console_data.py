"""What the owner's console and `og report` show of a local og home, read straight from its files
and og.sqlite (nothing is changed): each customer's status, current step, last and next move;
the activation funnel (og.core.funnel); the weekly digest as the digest Lambda would build it
for the week ending now (og.core.digest) and, from it, who is stuck."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from og.adapters.local.store import SqliteJourneyStore
from og.adapters.ports import PendingFlag, Proposal
from og.core.calendar import closed_reason
from og.core.config_doc import read_config_entries
from og.core.customer_list import parse_customer_list
from og.core.decide import plan_day
from og.core.digest import STUCK, DigestRow, WeeklyDigest, build_digest
from og.core.funnel import PlanFunnel, build_funnel
from og.core.models import (
    Customer,
    CustomerState,
    Decision,
    Journey,
    RowProblem,
    SendKind,
)
from og.core.standings import standing
from og.core.step_identity import carry_over
from og.core.text import decode_export
from og.local.runs import RunLog
from og.local.stack import tick_time
from og.logic.documents import GuideDocs, parse_docs

STATUSES = ("on track", "waiting", "flagged", "paused", "unsubscribed", "finished")
_WEEK = timedelta(days=7)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def home_text(home: Path, name: str) -> str:
    return decode_export((home / name).read_bytes(), name)


def read_docs(home: Path) -> GuideDocs:
    """The home's config, rules and voice, checked as the tick checks them (DocumentError)."""
    return parse_docs(
        read_config_entries(home_text(home, "config.txt"), "config.txt"),
        ("rules.txt", home_text(home, "rules.txt")),
        ("voice.txt", home_text(home, "voice.txt")),
    )


def console_now(home: Path) -> datetime:
    """The home's now: the real clock, or just after its latest run when it was ticked ahead
    (a simulation of next month), as `og serve` answers."""
    return RunLog(home / "og.sqlite").clock_after_runs(datetime.now(UTC))


def read_list(
    home: Path, docs: GuideDocs, now: datetime
) -> tuple[list[Customer], list[RowProblem]]:
    """The customers of the list as the tick at `now` reads it, and the rows it skips."""
    return parse_customer_list(
        home_text(home, "onboarding.csv"), docs.rules, now, docs.config.timezone
    )


@dataclass(frozen=True)
class CustomerRow:
    customer: Customer
    plan: str  # as the owner wrote it
    status: str  # one of STATUSES
    detail: str  # why that status, in words
    step: str  # the first step not done (its title), or "" when none is left
    last_move: str
    last_at: datetime | None
    next_move: str
    next_at: datetime | None  # the next move's send window


@dataclass(frozen=True)
class HomeView:
    home: Path
    now: datetime
    docs: GuideDocs
    customers: list[Customer]
    journeys: dict[str, Journey]
    rows: list[CustomerRow]
    flags: list[PendingFlag]
    proposals: list[Proposal]
    funnels: tuple[PlanFunnel, ...]
    digest: WeeklyDigest
    skipped: list[RowProblem]  # rows of the list not used, and why

    @property
    def business_tz(self) -> ZoneInfo:
        return ZoneInfo(self.docs.config.timezone)

    def customer(self, customer_id: str) -> CustomerRow | None:
        return next((r for r in self.rows if r.customer.customer_id == customer_id), None)

    @property
    def stuck(self) -> list[DigestRow]:
        """Flagged, or a step sent and not done for longer than the rules allow."""
        return [r for r in self.digest.rows if r.status == STUCK]


def read_home(home: Path, now: datetime | None = None) -> HomeView:
    now = now or console_now(home)
    docs = read_docs(home)
    customers, skipped = read_list(home, docs, now)
    store = SqliteJourneyStore(home / "og.sqlite")
    journeys = store.load_journeys()
    flags = store.open_flags()
    digest = build_digest(
        customers,
        docs.rules,
        journeys,
        store.audit_between(now - _WEEK, now),
        start=now - _WEEK,
        end=now,
        business_tz=docs.config.timezone,
        open_flags=flags,
    )
    funnels = build_funnel(
        customers, docs.rules, journeys, store.audit_between(_EPOCH, now + timedelta(days=1))
    )
    return HomeView(
        home,
        now,
        docs,
        customers,
        journeys,
        _rows(home, docs, customers, journeys, now),
        flags,
        store.pending_proposals(),
        funnels,
        digest,
        skipped,
    )


def _next_tick(home: Path, docs: GuideDocs, now: datetime) -> datetime:
    """The next tick on a day the business is open (a closed day's tick moves nobody)."""
    day = now.astimezone(ZoneInfo(docs.config.timezone)).date()
    if tick_time(home, day) <= now:
        day += timedelta(days=1)
    for _ in range(366):
        if closed_reason(day, docs.config.calendar) is None:
            break
        day += timedelta(days=1)
    return tick_time(home, day)


def _rows(
    home: Path,
    docs: GuideDocs,
    customers: list[Customer],
    journeys: dict[str, Journey],
    now: datetime,
) -> list[CustomerRow]:
    plan = plan_day(customers, docs.rules, journeys, _next_tick(home, docs, now), docs.config)
    decisions = {d.customer_id: d for d in plan.decisions}
    rows = []
    for customer in customers:
        p = docs.rules.plan(customer.plan)
        if p is None:
            continue
        journey = carry_over(
            p, journeys.get(customer.customer_id) or Journey(CustomerState(customer.customer_id))
        )
        status, detail = _status(journey)
        left = [s.title for s in p.steps if s.id not in journey.state.steps_done]
        last = max(journey.sends, key=lambda s: s.sent_at, default=None)
        titles = {s.id: s.title for s in p.steps}
        next_move, next_at = _next(decisions.get(customer.customer_id), plan.business_date)
        rows.append(
            CustomerRow(
                customer,
                p.name,
                status,
                detail,
                left[0] if left else "",
                f"{last.kind.value} '{titles.get(last.step_id, last.step_id)}'" if last else "",
                last.sent_at if last else None,
                next_move,
                next_at,
            )
        )
    return rows


def _status(journey: Journey) -> tuple[str, str]:
    state = journey.state
    stands = standing(state)
    if stands == "finished":
        return "finished", "every step done"
    if stands == "unsubscribed":
        return "unsubscribed", "no more email"
    if stands == "handed_off":  # the console's statuses have no "handed off": nothing goes out
        return "paused", f"handed off to {state.handed_off_to}"
    if stands == "paused":
        return "paused", state.paused_note or "paused"
    if stands == "flagged":
        return "flagged", "waiting for your answer"
    waiting = sorted(
        s.step_id
        for s in journey.sends
        if s.kind is SendKind.STEP and s.step_id not in state.steps_done
    )
    if waiting:
        return "waiting", "for the done click on " + ", ".join(f"'{w}'" for w in waiting)
    return "on track", ""


def _next(decision: Decision | None, day: date) -> tuple[str, datetime | None]:
    if decision is None:
        return "", None
    move = decision.also or decision.move  # the customer's email first, else the owner's move
    if move is None:
        return f"nothing on {day.isoformat()}: {decision.reason}", None
    what = f"{move.kind.value.replace('_', ' ')}: '{move.step.title}'"
    if move.window.deferred_because:
        what += f" (deferred: {move.window.deferred_because})"
    return what, move.window.at
