"""The owner pauses and resumes any customer, flag or no flag: the `/og` slash command that
done-handler receives (and `og pause` / `og resume`, which send it locally). Pausing a customer
with an open flag answers that flag as Pause, exactly as its Pause button would, so the waiting
journey ends; resuming lets the next tick carry on from where the customer is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from og.adapters.ports import AfterAnswer, JourneyStore
from og.adapters.slack_messages import escape as mrkdwn
from og.core.errors import OwnerCommandError
from og.core.models import Customer, Journey, OwnerAction, SendKind
from og.core.owner_command import USAGE, parse_owner_command
from og.core.progress import held_because
from og.logic import owner
from og.logic.documents import GuideFiles, load_docs, read_customers


class Outcome(StrEnum):
    PAUSED = "paused"
    ALREADY_PAUSED = "already_paused"
    RESUMED = "resumed"
    NOT_PAUSED = "not_paused"
    UNKNOWN_CUSTOMER = "unknown_customer"
    NOT_OWNER = "not_owner"
    HELP = "help"


CHANGED = frozenset({Outcome.PAUSED, Outcome.RESUMED})


@dataclass(frozen=True, slots=True)
class CommandAnswer:
    outcome: Outcome
    text: str  # Slack mrkdwn, for the owner's eyes only
    customer_id: str | None = None
    flags_answered: int = 0


@dataclass(frozen=True)
class PausingPorts:
    files: GuideFiles
    store: JourneyStore
    clock: Callable[[], datetime]
    after_answer: AfterAnswer


def answer_command(a: PausingPorts, text: str, *, by_user: str) -> CommandAnswer:
    try:
        command = parse_owner_command(text)
    except OwnerCommandError as err:
        return CommandAnswer(Outcome.HELP, f"{mrkdwn(str(err))}\n{USAGE}".strip())
    docs = load_docs(a.files)
    if by_user != docs.config.owner_slack_id:
        return CommandAnswer(
            Outcome.NOT_OWNER,
            f"Sorry, only the guide's owner (<@{docs.config.owner_slack_id}>) can pause or "
            "resume customers. Nothing changed.",
            command.customer_id,
        )
    customers, _ = read_customers(a.files, docs, a.clock())
    customer = next((c for c in customers if c.customer_id == command.customer_id), None)
    if customer is None:
        return CommandAnswer(
            Outcome.UNKNOWN_CUSTOMER,
            f"There is no customer `{mrkdwn(command.customer_id)}` on the onboarding list "
            "(its customer_id column). Nothing changed.",
            command.customer_id,
        )
    if command.action is OwnerAction.PAUSE:
        return pause(a, customer, by_user=by_user, note=command.note)
    return resume(a, customer, by_user=by_user, note=command.note)


def _who(customer: Customer) -> str:
    return f"{mrkdwn(customer.name)} ({mrkdwn(customer.customer_id)})"


def pause(a: PausingPorts, customer: Customer, *, by_user: str, note: str | None) -> CommandAnswer:
    cid = customer.customer_id
    state = a.store.journey(cid).state
    flags = a.store.open_flags(cid)
    if state.paused and not flags:
        why = f" ({mrkdwn(state.paused_note)})" if state.paused_note else ""
        return CommandAnswer(
            Outcome.ALREADY_PAUSED,
            f"{_who(customer)} is already paused{why}. Nothing changed.",
            cid,
        )
    for flag in flags:  # Slack waits 3 s for the answer: the journeys are resumed after it
        _, _, first = owner.record_answer(
            a, flag.flag_key, OwnerAction.PAUSE, by_user=by_user, note=note
        )
        owner.resume_later(a.after_answer, flag.flag_key, resume=first, note=note)
    if not flags:
        a.store.record_owner_action(
            cid, OwnerAction.PAUSE, by_user=by_user, at=a.clock(), note=note
        )
    text = (
        f"Paused {_who(customer)}: the guide sends them nothing until they are resumed "
        f"(`/og resume {mrkdwn(cid)}`)."
        + (f" Note: {mrkdwn(note)}." if note else "")
        + (
            f" Their open flag on {', '.join(mrkdwn(f.step_id) for f in flags)} is answered "
            "as Pause."
            if flags
            else ""
        )
    )
    return CommandAnswer(Outcome.PAUSED, text, cid, len(flags))


def resume(a: PausingPorts, customer: Customer, *, by_user: str, note: str | None) -> CommandAnswer:
    cid = customer.customer_id
    journey = a.store.journey(cid)
    was = held_because(journey.state)
    if was is None:
        return CommandAnswer(
            Outcome.NOT_PAUSED, f"{_who(customer)} is not paused. Nothing changed.", cid
        )
    a.store.record_owner_action(cid, OwnerAction.RESUME, by_user=by_user, at=a.clock(), note=note)
    # Resume never touches a customer's own unsubscribe (see og.core.progress); when the state
    # carries one, say here that the guide still sends them no email.
    return CommandAnswer(
        Outcome.RESUMED,
        f"Resumed {_who(customer)} (was {mrkdwn(was)}): the next daily tick carries on from "
        "where they are." + _still_in_doubt(journey),
        cid,
    )


def _still_in_doubt(journey: Journey) -> str:
    """What still holds a resumed customer: a message to them in doubt (og.logic.reflag)."""
    keys = [
        r.send_key
        for r in journey.unconfirmed
        if r.kind is not SendKind.FLAG and r.step_id not in journey.state.steps_done
    ]
    if not keys:
        return ""
    return (
        f" But a message to them is still in doubt ({', '.join(f'`{mrkdwn(k)}`' for k in keys)}"
        "): it may or may not have gone out, and it holds them until you answer Done on a flag "
        "about it. The next daily tick flags it to you again."
    )
