"""The weekly digest: who finished onboarding this week, who is stuck (flagged, or a step sent
and not done for longer than the rules allow), who is paused and who was handed off, and the
flags still awaiting the owner's answer (who, which step, since when, why). At a few hundred
customers each list is cut to its first rows with "…and N more", pointing to the full list."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from og.core.calendar import local_date
from og.core.models import Customer, Journey, Rules, SendKind, Step
from og.core.step_identity import carry_over
from og.core.tables import Table

__all__ = [
    "AwaitingFlag",
    "Change",
    "DigestRow",
    "OpenFlag",
    "WeeklyDigest",
    "build_digest",
    "finished_between",
]

FINISHED = "Finished"
STUCK = "Stuck"
PAUSED = "Paused"
HANDED_OFF = "Handed off"
_ORDER = (FINISHED, STUCK, PAUSED, HANDED_OFF)
ROWS_SHOWN = 10  # of each status, and of the open flags: the message stays short in Slack
FULL_LIST = "Every customer: `og report` (a file) or the console (`og serve`)."


class Change(Protocol):
    """One audit entry (og-audit): a change of a customer's state."""

    @property
    def customer_id(self) -> str: ...
    @property
    def ts(self) -> datetime: ...
    @property
    def action(self) -> str: ...
    @property
    def before(self) -> Mapping[str, Any]: ...
    @property
    def after(self) -> Mapping[str, Any]: ...


class AwaitingFlag(Protocol):
    """A flag posted to the owner and not answered yet (og-flags)."""

    @property
    def customer_id(self) -> str: ...
    @property
    def step_id(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def posted_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class OpenFlag:
    customer_id: str
    name: str
    step: str  # the step's title now, or its id when the plan no longer has it
    since: date  # the business date it was posted
    reason: str


@dataclass(frozen=True, slots=True)
class DigestRow:
    status: str  # Finished, Stuck, Paused, Handed off
    customer_id: str
    name: str
    plan: str
    detail: str


@dataclass(frozen=True, slots=True)
class WeeklyDigest:
    first_day: date  # business dates the week [start, end) touches
    last_day: date
    customers: int  # on the list now
    signups: int  # signed up in the week
    messages_sent: int  # step and nudge messages that went out in the week
    done_clicks: int
    rows: tuple[DigestRow, ...]
    open_flags: tuple[OpenFlag, ...] = ()  # oldest first

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.rows)

    @property
    def headline(self) -> str:
        return (
            f"Onboarding, the week to {self.last_day.isoformat()}: "
            f"{self.count(FINISHED)} finished, {self.count(STUCK)} stuck, "
            f"{self.count(PAUSED)} paused, {self.count(HANDED_OFF)} handed off"
        )

    @property
    def activity(self) -> str:
        return (
            f"{self.customers} customers on the list · {self.signups} new sign-ups · "
            f"{self.messages_sent} messages sent · {self.done_clicks} steps marked done"
        )

    def table(self) -> Table:
        return Table(
            ("Status", "Customer", "Name", "Plan", "Detail"),
            tuple((r.status, r.customer_id, r.name, r.plan, r.detail) for r in self.rows),
        )

    def table_lines(self, shown: int = ROWS_SHOWN) -> tuple[str, ...]:
        """The table as fixed-width lines, each status cut to its first `shown` rows and an
        "…and N more" line."""
        lines = self.table().text_lines()
        out, at = lines[:2], 2
        for status in _ORDER:
            n = self.count(status)
            out += lines[at : at + min(n, shown)]
            if n > shown:
                out.append(f"…and {n - shown} more {status.lower()}")
            at += n
        return tuple(out)

    def flags_table(self, shown: int | None = None) -> Table:
        """The flags awaiting an answer, the `shown` oldest (all when None)."""
        return Table(
            ("Customer", "Name", "Step", "Since", "Reason"),
            tuple(
                (f.customer_id, f.name, f.step, f.since.isoformat(), f.reason)
                for f in self.open_flags[:shown]
            ),
        )

    def flag_lines(self, shown: int = ROWS_SHOWN) -> tuple[str, ...]:
        """The flags awaiting an answer as fixed-width lines, cut to the `shown` oldest."""
        if not self.open_flags:
            return ()
        more = len(self.open_flags) - shown
        lines = self.flags_table(shown).text_lines()
        return (*lines, *([f"…and {more} more flags"] if more > 0 else []))

    @property
    def cut(self) -> bool:
        """Whether a list is longer than the digest shows."""
        return len(self.open_flags) > ROWS_SHOWN or any(self.count(s) > ROWS_SHOWN for s in _ORDER)


def finished_between(
    changes: Iterable[Change], start: datetime, end: datetime
) -> dict[str, datetime]:
    """Customers whose journey finished in [start, end), with when it did."""
    finished: dict[str, datetime] = {}
    for c in changes:
        if start <= c.ts < end and c.after.get("finished") and not c.before.get("finished"):
            finished.setdefault(c.customer_id, c.ts)
    return finished


def build_digest(
    customers: list[Customer],
    rules: Rules,
    journeys: Mapping[str, Journey],
    changes: Iterable[Change],
    *,
    start: datetime,
    end: datetime,
    business_tz: str,
    flag_reasons: Mapping[str, str] | None = None,
    open_flags: Iterable[AwaitingFlag] = (),
) -> WeeklyDigest:
    """The week [start, end) for everyone on the list. `changes` are the audit entries of the
    week; `open_flags` the flags awaiting an answer (those posted after `end` are left out):
    a flagged customer's row gives the reason of their oldest, unless `flag_reasons` says."""
    changes, open_flags = list(changes), list(open_flags)
    finished = finished_between(changes, start, end)
    reasons = {**_oldest_reasons(open_flags), **(flag_reasons or {})}
    rows: list[DigestRow] = []
    for customer in customers:
        journey = journeys.get(customer.customer_id)
        if journey is None:
            continue
        plan = rules.plan(customer.plan)
        tz = customer.timezone or business_tz
        state = journey.state
        found: tuple[str, str] | None = None
        if customer.customer_id in finished:
            when = local_date(finished[customer.customer_id], tz)
            found = (FINISHED, f"finished {when.isoformat()}")
        elif state.finished:
            continue
        elif state.unsubscribed:
            found = (PAUSED, "unsubscribed: no more email")
        elif state.paused:
            found = (PAUSED, state.paused_note or "paused")
        elif state.handed_off_to:
            found = (HANDED_OFF, f"to {state.handed_off_to}")
        elif state.flagged:
            found = (STUCK, f"flagged: {reasons.get(customer.customer_id, 'waiting for you')}")
        elif plan is not None:
            overdue = _overdue(carry_over(plan, journey), plan.steps, end, tz)
            found = (STUCK, overdue) if overdue else None
        if found is not None:
            status, detail = found
            plan_name = plan.name if plan else customer.plan
            rows.append(DigestRow(status, customer.customer_id, customer.name, plan_name, detail))

    sends = [s for j in journeys.values() for s in j.sends if start <= s.sent_at < end]
    rows.sort(key=lambda r: (_ORDER.index(r.status), r.customer_id))
    return WeeklyDigest(
        first_day=local_date(start, business_tz),
        last_day=local_date(end, business_tz),
        customers=len(customers),
        signups=sum(start <= c.signup_at < end for c in customers),
        messages_sent=sum(s.kind is not SendKind.FLAG for s in sends),
        done_clicks=sum(c.action.startswith("done:") for c in changes if start <= c.ts < end),
        rows=tuple(rows),
        open_flags=_open_flags(open_flags, customers, rules, end, business_tz),
    )


def _oldest_reasons(open_flags: list[AwaitingFlag]) -> dict[str, str]:
    """Each customer's oldest open flag's reason."""
    reasons: dict[str, str] = {}
    for flag in sorted(open_flags, key=lambda f: f.posted_at):
        reasons.setdefault(flag.customer_id, flag.reason)
    return reasons


def _open_flags(
    flags: Iterable[AwaitingFlag],
    customers: list[Customer],
    rules: Rules,
    end: datetime,
    business_tz: str,
) -> tuple[OpenFlag, ...]:
    """Those posted before `end`, oldest first."""
    by_id = {c.customer_id: c for c in customers}
    found: list[OpenFlag] = []
    posted = [f for f in flags if f.posted_at < end]
    for flag in sorted(posted, key=lambda f: (f.posted_at, f.customer_id)):
        customer = by_id.get(flag.customer_id)
        plan = rules.plan(customer.plan) if customer else None
        step = plan.step(flag.step_id) if plan else None
        name = customer.name if customer else "(no longer on the list)"
        since = local_date(flag.posted_at, business_tz)
        title = step.title if step else flag.step_id
        found.append(OpenFlag(flag.customer_id, name, title, since, flag.reason))
    return tuple(found)


def _overdue(journey: Journey, steps: Iterable[Step], now: datetime, tz: str) -> str | None:
    """The longest-waiting step that was sent and is past the point where the guide gives up
    on it by itself, in words; None when nothing is. That point is 'Flag after' (the owner is,
    or is about to be, asked); for a step with only 'Nudge after', the nudge went out and as
    long again passed without a done click."""
    sent = {s.step_id: s.local_date for s in journey.sends if s.kind is SendKind.STEP}
    today = local_date(now, tz)
    late: list[tuple[int, str]] = []
    for step in steps:
        sent_on = sent.get(step.id)
        if sent_on is None or step.id in journey.state.steps_done:
            continue
        if step.flag_after_days is not None:
            allowed = step.flag_after_days
        elif step.nudge_after_days is not None:
            allowed = 2 * step.nudge_after_days
        else:
            continue
        waited = (today - sent_on).days
        if waited >= allowed:
            late.append((waited, f"'{step.title}' sent {waited} days ago, not done"))
    return max(late)[1] if late else None
