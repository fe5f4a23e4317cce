"""Compose and send a step or nudge email, at most once per (customer, step, kind) and at most
one message per customer per local day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage

from og.adapters.ports import ClaimOutcome, EmailSender, JourneyStore, Secrets, Writer
from og.contracts import JourneyMove
from og.core.calendar import local_date
from og.core.done_link import (
    done_link,
    sign_done_token,
    sign_unsubscribe_token,
    unsubscribe_link,
)
from og.core.emails import build_email, message_id_for
from og.core.errors import SendInDoubt, SendRejected, SetupError
from og.core.models import Channel, SendKind, SendRecord, send_key
from og.core.templates import RenderedMessage, message_context, render
from og.events import Journey
from og.logic.documents import GuideDocs, GuideFiles, load_docs


@dataclass(frozen=True)
class SendingPorts:
    files: GuideFiles
    store: JourneyStore
    email: EmailSender
    secrets: Secrets
    clock: Callable[[], datetime]
    done_link_secret: str  # the secret's name


@dataclass(frozen=True)
class PersonalizePorts:
    files: GuideFiles
    secrets: Secrets
    writer: Writer
    clock: Callable[[], datetime]
    done_link_secret: str  # the secret's name


def compose(
    secrets: Secrets,
    docs: GuideDocs,
    move: JourneyMove,
    now: datetime,
    *,
    done_link_secret: str,
) -> RenderedMessage:
    plan, step = move.plan_and_step(docs.rules)
    customer = move.customer
    base = docs.config.done_link_base
    if not base:
        raise SetupError("config done_link_base is not set, so the step's done link cannot be made")
    secret = secrets.get(done_link_secret).encode()
    link = done_link(base, sign_done_token(customer.customer_id, step.id, secret, now))
    context = message_context(
        customer,
        step,
        docs.config,
        plan_name=plan.name,
        days_since_signup=move.days_since_signup,
        done_link=link,
        reason=move.reason,
    )
    rendered = render(docs.voice.template_for(move.send_kind, step.id), context)
    return replace(rendered, done_link=link)


def unsubscribe_url(
    secrets: Secrets, docs: GuideDocs, customer_id: str, now: datetime, *, done_link_secret: str
) -> str:
    """The RFC 8058 one-click address for the List-Unsubscribe header."""
    base = docs.config.done_link_base
    if not base:
        raise SetupError("config done_link_base is not set, so the unsubscribe link cannot be made")
    secret = secrets.get(done_link_secret)
    return unsubscribe_link(base, sign_unsubscribe_token(customer_id, secret, now))


def personalize(a: PersonalizePorts, move: JourneyMove) -> dict[str, str]:
    docs = load_docs(a.files)
    message = compose(a.secrets, docs, move, a.clock(), done_link_secret=a.done_link_secret)
    instructions = (
        f"Lightly personalize this onboarding email for {move.name} on the {move.plan} plan. "
        "Keep every fact, link and the sign-off; keep it short and in the same voice."
    )
    return {
        "subject": message.subject,
        "body": a.writer.rewrite(message.body, instructions=instructions),
        "done_link": message.done_link,
    }


def send(a: SendingPorts, journey: Journey, attempt: str) -> dict[str, str]:
    move = journey.move
    now = a.clock()
    docs = load_docs(a.files)
    customer = move.customer
    tz = customer.timezone or docs.config.timezone
    record = SendRecord(
        customer_id=customer.customer_id,
        step_id=move.step_id,
        kind=move.send_kind,
        sent_at=now,
        local_date=local_date(now, tz),
        channel=Channel.EMAIL,
        recipient=customer.email,
    )
    # The move was planned at the tick; the customer may have unsubscribed (or been paused)
    # while it waited for its send window.
    state = a.store.journey(customer.customer_id).state
    if state.unsubscribed or state.paused:
        why = "unsubscribed" if state.unsubscribed else "paused"
        return {"outcome": "skipped", "detail": f"{why} since the move was planned; nothing sent"}
    outcome = a.store.claim_send(record, attempt, one_per_day=True)
    if outcome is ClaimOutcome.ALREADY_SENT:
        return {"outcome": "already_sent", "detail": f"{record.send_key} went out before"}
    if outcome is ClaimOutcome.DAY_TAKEN:
        return {
            "outcome": "skipped",
            "detail": f"already messaged on {record.local_date}; the next tick decides again",
        }
    if outcome is ClaimOutcome.IN_DOUBT:
        raise SendInDoubt(
            f"{customer.customer_id} {record.send_key}: an earlier attempt may have sent it; "
            "not sending again"
        )
    try:
        email = _email(a, docs, journey, record, now)
    except Exception:
        a.store.release_send(record, attempt)  # nothing went out
        raise
    try:
        message_id = a.email.send(email)
    except SendRejected:
        a.store.release_send(record, attempt)  # the provider refused: nothing went out
        raise
    # Any other failure leaves the claim standing: the message may have gone out.
    a.store.confirm_send(record, attempt, message_id)
    return {
        "outcome": "sent",
        "detail": f"{record.send_key} to {customer.email} at {now.isoformat()} ({message_id})",
    }


def _email(
    a: SendingPorts, docs: GuideDocs, journey: Journey, record: SendRecord, now: datetime
) -> EmailMessage:
    """The move's email: as Personalize wrote it, else composed from the rules and voice."""
    customer = journey.move.customer
    pre = journey.message
    message = (
        RenderedMessage(pre.subject, pre.body, pre.done_link)
        if pre
        else compose(a.secrets, docs, journey.move, now, done_link_secret=a.done_link_secret)
    )
    return build_email(
        sender=docs.config.sender,
        to_name=customer.name,
        to_addr=customer.email,
        subject=message.subject,
        body=message.body,
        sent_at=now,
        message_id=message_id_for(
            customer.customer_id, record.step_id, record.kind.value, docs.config.sender
        ),
        reply_to=docs.config.reply_to,
        done_link=message.done_link,
        in_reply_to=_step_message_id(a.store, record, docs.config.sender)
        if record.kind is SendKind.NUDGE
        else None,
        unsubscribe_url=unsubscribe_url(
            a.secrets, docs, customer.customer_id, now, done_link_secret=a.done_link_secret
        ),
    )


def _step_message_id(store: JourneyStore, record: SendRecord, sender: str) -> str:
    """The Message-ID of the step email a nudge reminds about, so the nudge threads under it: the
    one the provider delivered it with (SES replaces ours), else the one we gave it."""
    delivered = store.sent_message_id(record.customer_id, send_key(record.step_id, SendKind.STEP))
    if delivered and "@" in delivered:  # sends recorded before SES ids were kept are bare ids
        return delivered
    return message_id_for(record.customer_id, record.step_id, SendKind.STEP.value, sender)
