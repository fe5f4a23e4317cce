"""summary — the monthly activation summary (first Monday, 9am): the past month's figures from
og-sends, og-state and og-audit, a one-paragraph narrative by Bedrock, emailed through SES to the
config's summary_recipients."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from og.adapters.ports import EmailSender, JourneyStore, Once, OnceOutcome, Writer
from og.core.emails import build_report_email, message_id_for
from og.core.errors import SendRejected
from og.core.summary import build_figures, previous_month, summary_html, summary_text
from og.logic.documents import GuideDocs, GuideFiles, load_docs, read_customers


@dataclass(frozen=True)
class SummaryPorts:
    files: GuideFiles
    store: JourneyStore
    writer: Writer
    email: EmailSender
    once: Once
    clock: Callable[[], datetime]


def run(a: SummaryPorts, at: datetime) -> dict[str, Any]:
    docs = load_docs(a.files)
    config = docs.config
    if not config.summary_recipients:
        return {"outcome": "skipped", "detail": "summary_recipients is not set in the config"}
    start, end = previous_month(at, config.timezone)
    month = start.strftime("%Y-%m")
    # Claimed first: a retried or re-run schedule finds the month sent, or — after a run killed
    # mid-send — in doubt, and never sends it twice.
    marker = f"summary:{month}"
    attempt = uuid.uuid4().hex
    claimed = a.once.claim(marker, attempt, a.clock())
    if claimed == OnceOutcome.DONE:
        return {"outcome": "already_sent", "detail": marker}
    if claimed == OnceOutcome.IN_DOUBT:
        return {"outcome": "in_doubt", "detail": f"{marker} may have been sent; not again"}
    try:
        message = _summary_email(a, docs, at, start, end, month)
    except Exception:
        a.once.release(marker, attempt)  # nothing was sent: a retry may send
        raise
    try:
        message_id = a.email.send(message)
    except SendRejected:
        a.once.release(marker, attempt)  # refused for certain; any other failure (a timeout)
        raise  # may have sent it and leaves the month in doubt
    a.once.confirm(marker, attempt, message_id, a.clock())
    return {
        "outcome": "sent",
        "detail": f"{marker} to {', '.join(config.summary_recipients)} ({message_id})",
    }


def _summary_email(
    a: SummaryPorts, docs: GuideDocs, at: datetime, start: datetime, end: datetime, month: str
) -> EmailMessage:
    config = docs.config
    customers, _ = read_customers(a.files, docs, at)
    figures = build_figures(
        customers,
        docs.rules,
        a.store.load_journeys(),
        a.store.audit_between(start, end),
        start=start,
        end=end,
    )
    paragraph = a.writer.narrate(
        figures.text(),
        instructions=(
            f"Write {config.business_name}'s onboarding summary for {figures.month_name}: "
            "how many signed up and finished, and where unfinished customers stopped."
        ),
    )
    return build_report_email(
        sender=config.sender,
        recipients=config.summary_recipients,
        subject=f"{config.business_name}: onboarding in {figures.month_name}",
        text=summary_text(paragraph, figures),
        html=summary_html(paragraph, figures),
        message_id=message_id_for("summary", month, "report", config.sender),
        sent_at=a.clock(),
    )
