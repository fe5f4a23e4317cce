"""The day's verdict per customer: at most one email to the customer (a step or a nudge) and at
most one move for the owner in Slack (a flag, an owner task, or a nudge about an owner task).

Owner-facing moves never take the customer's one email of the day, and go out in the business's
send window (the owner's hours), not the customer's. An email never goes out about the step the
owner is flagged about that day.

Days are counted on the customer's calendar, up to the day the move reaches its reader: a
message counts the customer's date in its send window (days since signup, days before a nudge,
the one message a day), a move for the owner counts the customer's date when the owner is told.
The tick of business day D sends a customer's message on their day D, or their next open day
after it, also where D has not begun yet when the tick runs (customers west of the business):
each business day's tick serves one customer day, in every timezone.

Hot path of the daily tick (the aim is 100k customers a second): zones, today's dates and send
windows are computed once per timezone in `plan_day`, and each customer costs one pass over its
sends and one over its plan's steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from og.core.calendar import closed_reason, next_send_window
from og.core.models import (
    Channel,
    Config,
    Customer,
    CustomerState,
    DayPlan,
    Decision,
    Journey,
    Move,
    MoveKind,
    Plan,
    RowProblem,
    Rules,
    SendKind,
    SendRecord,
    Step,
)
from og.core.step_identity import carry_over, held_reason, unknown_progress

__all__ = ["decide", "plan_day"]

_STEP = SendKind.STEP
_NUDGE = SendKind.NUDGE
_FLAG = SendKind.FLAG
_EMAIL = Channel.EMAIL
_NONE: dict[str, date] = {}  # shared empty lookup for customers without sends; never written
# Stands in for a missing journey (nothing done, nothing sent); _decide never reads its id.
_NO_JOURNEY = Journey(CustomerState(""))


class _Zone:
    """What one timezone looks like at `now`: its zone, today's date, the next send window and
    its date, and the date there when the owner is told (`owner_at`; None: the window)."""

    __slots__ = ("deferral", "flag_date", "today", "window", "window_date", "zone")

    def __init__(
        self,
        name: str,
        now: datetime,
        config: Config,
        business_date: date,
        owner_at: datetime | None,
    ) -> None:
        self.zone = ZoneInfo(name)
        self.today = now.astimezone(self.zone).date()
        self.window = next_send_window(now, name, config.calendar, business_date)
        self.window_date = self.window.at.astimezone(self.zone).date()
        self.flag_date = (owner_at or self.window.at).astimezone(self.zone).date()
        why = self.window.deferred_because
        self.deferral = f"; deferred to {self.window.rfc3339} ({why})" if why else ""


class _Clock:
    """Per-call cache of `_Zone`s, so a tick builds each timezone once."""

    __slots__ = ("config", "now", "owner", "zones")

    def __init__(self, now: datetime, config: Config) -> None:
        self.now = now
        self.config = config
        tz = config.timezone
        business_date = now.astimezone(ZoneInfo(tz)).date()
        self.owner = _Zone(tz, now, config, business_date, None)
        self.zones: dict[str, _Zone] = {tz: self.owner}

    def zone(self, name: str) -> _Zone:
        z = self.zones.get(name)
        if z is None:
            owner = self.owner
            z = _Zone(name, self.now, self.config, owner.today, owner.window.at)
            self.zones[name] = z
        return z


def decide(
    customer: Customer, plan: Plan, journey: Journey, now: datetime, config: Config
) -> Decision:
    """The verdict for one customer at `now`: a move, or nothing with the reason why."""
    return _decide(customer, plan, journey, _Clock(now, config))


def plan_day(
    customers: Sequence[Customer],
    rules: Rules,
    journeys: Mapping[str, Journey],
    now: datetime,
    config: Config,
    problems: Sequence[RowProblem] = (),
) -> DayPlan:
    """Everything the tick decides for the business day that contains `now`.

    On a closed business day nobody gets a move; the next open day catches up one step a day.
    Customers whose plan is not in `rules` are skipped (the list parser reports them).
    """
    clock = _Clock(now, config)
    business_date = clock.owner.today
    closed = closed_reason(business_date, config.calendar)
    plans = rules.plans
    decisions: list[Decision] = []
    append = decisions.append
    if closed is not None:
        reason = f"closed today: {closed}"
        for customer in customers:
            if plans.get(customer.plan) is not None or rules.plan(customer.plan) is not None:
                append(Decision(customer.customer_id, reason))
    else:
        for customer in customers:
            plan = plans.get(customer.plan) or rules.plan(customer.plan)
            if plan is None:
                continue
            journey = journeys.get(customer.customer_id, _NO_JOURNEY)
            append(_decide(customer, plan, journey, clock))
    return DayPlan(
        tick_at=now,
        business_date=business_date,
        decisions=tuple(decisions),
        problems=tuple(problems),
        closed_because=closed,
    )


def _decide(customer: Customer, plan: Plan, journey: Journey, clock: _Clock) -> Decision:
    cid = customer.customer_id
    state = journey.state
    stopped = _stopped_reason(state)
    if stopped is not None:
        return Decision(cid, stopped)
    if journey.sends or state.steps_done:
        unknown = unknown_progress(plan, journey)
        if unknown:
            return Decision(cid, held_reason(plan, unknown))
        if plan.renamed:
            journey = carry_over(plan, journey)
            state = journey.state
    doubt = _in_doubt_reason(plan, journey)
    if doubt is not None:
        return Decision(cid, doubt)

    tz = customer.timezone or clock.config.timezone
    zone = clock.zones.get(tz)
    if zone is None:
        try:
            zone = clock.zone(tz)
        except ZoneInfoNotFoundError:
            # A bad row must not stop everyone else's day; the list parser reports it too.
            return Decision(cid, f"unknown timezone '{tz}'")
    signup_date = customer.signup_at.astimezone(zone.zone).date()
    days = (zone.window_date - signup_date).days
    if days < 0:
        return Decision(cid, "signs up in the future")

    sends = _sends_by_kind(journey.sends, zone.window_date)
    sent, nudged, flagged, messaged_on = sends
    owner_days = (zone.flag_date - signup_date).days
    found = _scan(plan, state.steps_done, sends, days, owner_days, zone)
    if found is None:
        return Decision(cid, "all steps done")
    for_owner_found, email_found, waiting, upcoming = found

    owner = clock.owner
    for_owner = _owner_move(customer, for_owner_found, sent, owner, owner_days)
    # One customer email a day, also when catching up after a gap.
    email: Move | None = None
    if messaged_on is None:
        email = _email_move(customer, email_found, sent, zone, days)
    elif for_owner is None:
        return Decision(cid, f"already messaged on {_iso(messaged_on)}")

    if for_owner is None:
        if email is None:
            idle = _idle_reason(waiting, upcoming, sent, nudged, flagged, signup_date)
            return Decision(cid, idle)
        return Decision(cid, _summary(email, zone), email)
    summary = _summary(for_owner, owner)
    if email is None:
        return Decision(cid, summary, for_owner)
    return Decision(cid, f"{summary}; also {_summary(email, zone)}", for_owner, email)


def _stopped_reason(state: CustomerState) -> str | None:
    """Why the journey is over or on hold, whatever the plan says; None: it goes on."""
    if state.finished:
        return "finished"
    if state.unsubscribed:
        return "unsubscribed: no more email"
    if state.paused:
        note = state.paused_note
        return f"paused by owner: {note}" if note else "paused by owner"
    if state.handed_off_to:
        return f"handed off to {state.handed_off_to}"
    return None


def _in_doubt_reason(plan: Plan, journey: Journey) -> str | None:
    # A message claimed and never confirmed may or may not have gone out: build nothing on it
    # (no nudge, no flag about it, no next step) until the owner answers the flag about it
    # (og.logic.in_doubt raises that flag once the send has timed out).
    done = journey.state.steps_done
    for claim in journey.unconfirmed:
        if claim.step_id not in done and plan.step(claim.step_id) is not None:
            return (
                f"in doubt: {claim.send_key} claimed {claim.sent_at.isoformat()} and never "
                "confirmed; it may have gone out, so nothing more is sent until the owner answers"
            )
    return None


# Plain tuples, not NamedTuples: building one per customer would cost the tick a fifth of its speed.
# A journey's send records by kind (the local date of each step message, nudge and flag), and the
# date of an email already sent on the send date, the one message a day.
_Sends = tuple[dict[str, date], dict[str, date], dict[str, date], date | None]
# What a scan of the plan finds, each None (and 0 days waited) when there is none: for the owner,
# the first flag due and the days waited, the first owner task due, and the first nudge about
# one and the days waited; for the customer, the first step email due, and the first nudge email
# due and the days waited; for the idle reason, a step sent and not done and the earliest step
# not yet due.
_ForOwner = tuple[Step | None, int, Step | None, Step | None, int]
_ForCustomer = tuple[Step | None, Step | None, int]
_Found = tuple[_ForOwner, _ForCustomer, Step | None, Step | None]

_NO_SENDS: _Sends = (_NONE, _NONE, _NONE, None)
_NO_STEP: Step | None = None  # typed None, so _scan starts its finds in one line


def _sends_by_kind(records: tuple[SendRecord, ...], send_date: date) -> _Sends:
    if not records:
        return _NO_SENDS
    sent: dict[str, date] = {}
    nudged: dict[str, date] = _NONE
    flagged: dict[str, date] = _NONE
    messaged_on: date | None = None
    # og-sends holds one record per (customer, step, kind), so plain stores suffice.
    for record in records:
        kind = record.kind
        on = record.local_date
        if kind is _STEP:
            sent[record.step_id] = on
        elif kind is _NUDGE:
            if nudged is _NONE:
                nudged = {}
            nudged[record.step_id] = on
        else:
            if flagged is _NONE:
                flagged = {}
            flagged[record.step_id] = on
            continue
        # Owner steps go to the owner's Slack, not to the customer.
        if on == send_date and record.channel is _EMAIL:
            messaged_on = on
    return sent, nudged, flagged, messaged_on


# Hot path: one function with locals (attribute writes per step would cost the tick a third).
def _scan(
    plan: Plan, done: frozenset[str], sends: _Sends, days: int, owner_days: int, zone: _Zone
) -> _Found | None:
    """One pass in plan order for the first of each kind of move due (see `_Found`); None: all
    steps done. Owner tasks count days up to the day the owner is told, as flags do."""
    sent, nudged, flagged, _ = sends
    all_done = True
    due = nudge = flag = task = task_nudge = waiting = upcoming = _NO_STEP
    nudge_waited = flag_waited = task_nudge_waited = 0
    waiting_pending = False
    for step in plan.steps:
        sid = step.id
        if sid in done:
            continue
        all_done = False
        sent_on = sent.get(sid)
        if sent_on is None:
            if step.channel is _EMAIL:
                if step.day <= days:
                    if due is None:
                        due = step
                    continue
            elif step.day <= owner_days:
                if task is None:
                    task = step
                continue
            if upcoming is None or step.day < upcoming.day:
                upcoming = step
            continue
        pending = False  # a nudge or flag about this step is still to come
        flag_after = step.flag_after_days
        if flag_after is not None and sid not in flagged:
            if flag is None:
                waited = (zone.flag_date - sent_on).days
                if waited >= flag_after:
                    # Flagged today: no nudge about it, and no idle reason is needed.
                    flag, flag_waited = step, waited
                    continue
            pending = True
        nudge_after = step.nudge_after_days
        if nudge_after is not None and sid not in nudged and sid not in flagged:
            if step.channel is _EMAIL:
                if nudge is None:
                    waited = (zone.window_date - sent_on).days
                    if waited >= nudge_after:
                        nudge, nudge_waited = step, waited
            elif task_nudge is None:
                waited = (zone.flag_date - sent_on).days
                if waited >= nudge_after:
                    task_nudge, task_nudge_waited = step, waited
            pending = True
        # For the idle reason: prefer a step with a reminder still to come.
        if waiting is None or (pending and not waiting_pending):
            waiting, waiting_pending = step, pending
    if all_done:
        return None
    for_owner = (flag, flag_waited, task, task_nudge, task_nudge_waited)
    return for_owner, (due, nudge, nudge_waited), waiting, upcoming


def _owner_move(
    customer: Customer, found: _ForOwner, sent: dict[str, date], owner: _Zone, owner_days: int
) -> Move | None:
    """The owner's move of the day, in the owner's send window: a flag, else an owner task due,
    else a nudge about one."""
    flag, flag_waited, task, task_nudge, task_nudge_waited = found
    if flag is not None:
        reason = (
            f"step '{flag.title}' sent {_iso(sent[flag.id])}, no done click after "
            f"{_days(flag_waited)} (flag after {flag.flag_after_days})"
        )
        return Move(MoveKind.FLAG, customer, flag, reason, owner.window, owner_days)
    if task is not None:
        reason = _due_reason(task, owner_days)
        return Move(MoveKind.STEP_DUE, customer, task, reason, owner.window, owner_days)
    if task_nudge is not None:
        reason = _nudge_reason(task_nudge, sent, task_nudge_waited)
        return Move(MoveKind.NUDGE, customer, task_nudge, reason, owner.window, owner_days)
    return None


def _email_move(
    customer: Customer, found: _ForCustomer, sent: dict[str, date], zone: _Zone, days: int
) -> Move | None:
    """The customer's email of the day, in their send window: a step due, else a nudge."""
    due, nudge, nudge_waited = found
    if due is not None:
        return Move(MoveKind.STEP_DUE, customer, due, _due_reason(due, days), zone.window, days)
    if nudge is not None:
        reason = _nudge_reason(nudge, sent, nudge_waited)
        return Move(MoveKind.NUDGE, customer, nudge, reason, zone.window, days)
    return None


def _due_reason(step: Step, days: int) -> str:
    reason = f"day {days} since signup; '{step.title}' is due on day {step.day}"
    overdue = days - step.day
    if overdue >= 1:
        reason += f" (overdue by {_days(overdue)}; catching up one step a day)"
    return reason


def _nudge_reason(step: Step, sent: dict[str, date], waited: int) -> str:
    return (
        f"'{step.title}' sent {_iso(sent[step.id])}, not done after "
        f"{_days(waited)} (nudge after {step.nudge_after_days})"
    )


def _summary(move: Move, zone: _Zone) -> str:
    step = move.step
    kind = move.kind
    if kind is MoveKind.FLAG:
        what = f"flag '{step.title}' to owner"
    elif step.channel is not _EMAIL:
        what = f"{'remind owner of' if kind is MoveKind.NUDGE else 'owner task'} '{step.title}'"
    elif kind is MoveKind.NUDGE:
        what = f"nudge about '{step.title}'"
    else:
        what = f"send step '{step.title}'"
    return f"{what}: {move.reason}{zone.deferral}"


def _idle_reason(
    waiting: Step | None,
    upcoming: Step | None,
    sent: dict[str, date],
    nudged: dict[str, date],
    flagged: dict[str, date],
    signup_date: date,
) -> str:
    wait = note = ""
    if waiting is not None:
        sid = waiting.id
        flagged_on = flagged.get(sid)
        if flagged_on is not None:
            note = f"flagged to owner on {_iso(flagged_on)}"
        else:
            sent_on = sent[sid]
            nudged_on = nudged.get(sid)
            if nudged_on is not None:
                note = f"nudged on {_iso(nudged_on)}"
            elif waiting.nudge_after_days is not None:
                note = f"nudge on {_iso_after(sent_on, waiting.nudge_after_days)}"
            else:
                note = ""
            if waiting.flag_after_days is not None:
                flag_on = f"flag on {_iso_after(sent_on, waiting.flag_after_days)}"
                note = f"{note}, {flag_on}" if note else flag_on
        wait = f"'{waiting.title}' ({note})" if note else f"'{waiting.title}'"
    if upcoming is not None:
        nxt = (
            f"next step '{upcoming.title}' on day {upcoming.day} "
            f"({_iso_after(signup_date, upcoming.day)})"
        )
        return f"on track: waiting for {wait}; {nxt}" if wait else nxt
    if waiting is not None and note:
        return f"all steps sent; waiting for done clicks ('{waiting.title}': {note})"
    return "all steps sent; waiting for done clicks"


# date.isoformat costs about 0.4 us and the tick formats the same few dates for most customers.
@lru_cache(maxsize=4096)
def _iso(day: date) -> str:
    return day.isoformat()


@lru_cache(maxsize=4096)
def _iso_after(day: date, days: int) -> str:
    return date.fromordinal(day.toordinal() + days).isoformat()


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"
