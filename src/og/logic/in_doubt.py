"""Messages in doubt: a send claimed and never confirmed (the process died between claim and
confirm, or the provider's answer was lost). A customer's message in doubt is never sent again;
once its task has timed out, the next tick flags the owner, once per message, with what is known.
A post to the owner's own Slack left in doubt is posted again instead: the owner may see a flag
twice, but never not at all."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Literal

from og.adapters.ports import ClaimOutcome, JourneyStore, SendClaim
from og.core.calendar import local_date, next_send_window
from og.core.errors import SetupError
from og.core.models import (
    Channel,
    Config,
    Customer,
    DayPlan,
    Decision,
    Journey,
    Move,
    MoveKind,
    Rules,
    SendKind,
    SendRecord,
    Step,
)
from og.logic.reflag import flagged_again, step_flag

# A send task that fails is reported by the journey's own Catch (FlagOwner, with its throttling
# retries) within minutes of its timeout; the margin lets that report go first.
MARGIN = timedelta(minutes=10)


def timed_out_before(send_timeout_seconds: int | None, now: datetime) -> datetime:
    """Claims made before this instant have outlived the sender's timeout: nobody is still
    sending them."""
    seconds = send_timeout_seconds
    if seconds is None:
        raise SetupError(
            "OG_SEND_TIMEOUT_SECONDS is not set: template.yaml passes the sender's timeout "
            "(parameter SenderTimeoutSeconds) to every function in Globals"
        )
    return now - timedelta(seconds=seconds) - MARGIN


def flag_timed_out(
    store: JourneyStore,
    send_timeout_seconds: int | None,
    day: DayPlan,
    customers: Sequence[Customer],
    rules: Rules,
    journeys: Mapping[str, Journey],
    config: Config,
) -> DayPlan:
    """The day's plan, where a customer held by a message in doubt whose task has timed out gets
    a flag move about it — unless the owner was flagged about that step already (by an earlier
    tick, or by the journey's Catch when the send failed) and has not answered that flag with
    Pause or Hand off and resumed the customer since (og.logic.reflag)."""
    if day.closed_because is not None:
        return day
    held = {
        d.customer_id
        for d in day.decisions
        if d.move is None and _has_unconfirmed(journeys.get(d.customer_id))
    }
    if not held:
        return day
    stale: dict[str, list[SendClaim]] = {}
    for claim in store.claims_in_doubt(timed_out_before(send_timeout_seconds, day.tick_at)):
        if claim.record.customer_id in held:
            stale.setdefault(claim.record.customer_id, []).append(claim)
    if not stale:
        return day
    by_id = {c.customer_id: c for c in customers}
    decisions = []
    for d in day.decisions:
        customer = by_id.get(d.customer_id)
        flag = None
        if customer is not None and d.customer_id in stale:
            flag = _flag_move(
                store, customer, rules, journeys[d.customer_id], stale[d.customer_id], day, config
            )
        decisions.append(d if flag is None else flag)
    return replace(day, decisions=tuple(decisions))


def _has_unconfirmed(journey: Journey | None) -> bool:
    """Whether the planner may have held this customer for a message in doubt (_flag_move
    checks the rest: the step is still in the plan and not done)."""
    if journey is None or not journey.unconfirmed:
        return False
    state = journey.state
    return not (state.finished or state.paused or state.handed_off_to)


def _flag_move(
    store: JourneyStore,
    customer: Customer,
    rules: Rules,
    journey: Journey,
    claims: list[SendClaim],
    day: DayPlan,
    config: Config,
) -> Decision | None:
    plan = rules.plan(customer.plan)
    flagged = {r.step_id for r in journey.sends if r.kind is SendKind.FLAG}
    for claim in claims:
        record = claim.record
        step = plan.step(record.step_id) if plan else None
        if step is None or record.step_id in journey.state.steps_done:
            continue
        reason = _reason(claim, step)
        if record.kind is not SendKind.FLAG and record.step_id in flagged:
            # One flag per message, unless the owner let it go (Pause, Hand off) and resumed
            # the customer since: nothing else would ever release the hold.
            now = step_flag(store, journey.state, record.step_id)
            if now.is_open or now.let_go is None:
                continue  # the owner has a flag about this step already
            reason = f"{flagged_again(now.let_go, customer.name)}: {reason}"
        tz = customer.timezone or config.timezone
        days = (local_date(day.tick_at, tz) - local_date(customer.signup_at, tz)).days
        window = next_send_window(day.tick_at, config.timezone, config.calendar)
        return Decision(
            customer.customer_id,
            f"flag '{step.title}' to owner: {reason}",
            Move(MoveKind.FLAG, customer, step, reason, window, days),
        )
    return None


def _reason(claim: SendClaim, step: Step) -> str:
    record = claim.record
    claimed = f"claimed {record.sent_at.isoformat()} by {claim.execution}"
    if record.kind is SendKind.FLAG:
        return (
            f"the flag about '{step.title}' was {claimed} and never confirmed, so it may not "
            "have reached you"
        )
    what = {SendKind.STEP: "the step", SendKind.NUDGE: "the nudge about"}[record.kind]
    where = "posted to you" if record.channel is Channel.SLACK else f"emailed to {record.recipient}"
    known = (
        f"the provider's message id {claim.message_id} was recorded"
        if claim.message_id
        else "no provider message id was recorded"
    )
    return (
        f"{what} '{step.title}' ({record.send_key}) was {claimed} and never confirmed as "
        f"{where}; it may or may not have gone out ({known}). It will not be sent again: "
        "check with the customer, then answer Done if they have it, else Pause or Hand off"
    )


def claim_owner_post(
    store: JourneyStore,
    clock: Callable[[], datetime],
    record: SendRecord,
    execution: str,
    *,
    send_timeout_seconds: int | None,
) -> Literal["new", "again"] | None:
    """Claim a post to the owner's Slack: "new", or "again" when it takes over a claim of the
    same post left in doubt by a task that has timed out (the post may not have gone out). None:
    posted, or being posted, already."""
    outcome = store.claim_send(record, execution, one_per_day=False)
    if outcome is ClaimOutcome.CLAIMED:
        return "new"
    if outcome is ClaimOutcome.IN_DOUBT:
        cutoff = timed_out_before(send_timeout_seconds, clock())
        for claim in store.claims_in_doubt(cutoff, record.customer_id):
            if claim.record.send_key == record.send_key:
                store.release_send(claim.record, claim.attempt)
                if store.claim_send(record, execution, one_per_day=False) is ClaimOutcome.CLAIMED:
                    return "again"
    return None


def is_in_doubt(store: JourneyStore, customer_id: str, key: str) -> bool:
    """Whether the customer's message `key` (step#kind) is claimed and unconfirmed."""
    return any(r.send_key == key for r in store.journey(customer_id).unconfirmed)
