"""summary — the monthly activation summary (first Monday, 9am): the past month's figures from
og-sends, og-state and og-audit (with each plan's funnel as an inline PNG), a one-paragraph
narrative by Bedrock that may state only those figures (else the template paragraph is used),
emailed through SES to the config's summary_recipients."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from aws_lambda_powertools import Logger

from og.adapters.ports import EmailSender, JourneyStore, Once, OnceOutcome, Writer
from og.core.emails import build_report_email, message_id_for
from og.core.errors import BedrockError, SendRejected
from og.core.funnel_chart import funnel_png
from og.core.summary import (
    MonthlyFigures,
    build_figures,
    funnel_cid,
    previous_month,
    summary_html,
    summary_text,
)
from og.logic.documents import GuideDocs, GuideFiles, load_docs, read_customers

logger = Logger(child=True)
# Every audit entry before the month's end: the funnel's days to each step go back to sign-up.
_SINCE_EVER = datetime(2000, 1, 1, tzinfo=UTC)


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
        message, narrative = _summary_email(a, docs, at, start, end, month)
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
        "message_id": message_id,
        "narrative": narrative,
    }


def _summary_email(
    a: SummaryPorts, docs: GuideDocs, at: datetime, start: datetime, end: datetime, month: str
) -> tuple[EmailMessage, str]:
    """The email, and whose paragraph it carries ("model" or "template")."""
    config = docs.config
    customers, _ = read_customers(a.files, docs, at)
    figures = build_figures(
        customers,
        docs.rules,
        a.store.load_journeys(),
        a.store.audit_between(_SINCE_EVER, end),
        start=start,
        end=end,
    )
    paragraph, narrative = _paragraph(a.writer, figures, config.business_name)
    domain = parseaddr(config.sender)[1].rpartition("@")[2] or "localhost"
    images = [
        (funnel_cid(figures.month, i, domain), funnel_png(f)) for i, f in enumerate(figures.funnels)
    ]
    message = build_report_email(
        sender=config.sender,
        recipients=config.summary_recipients,
        subject=f"{config.business_name}: onboarding in {figures.month_name}",
        text=summary_text(paragraph, figures),
        html=summary_html(paragraph, figures, [cid for cid, _ in images]),
        message_id=message_id_for("summary", month, "report", config.sender),
        sent_at=a.clock(),
        images=images,
    )
    return message, narrative


def _paragraph(writer: Writer, figures: MonthlyFigures, business: str) -> tuple[str, str]:
    """The model's paragraph when every number in it is a computed figure; else the template's,
    with a log line saying why."""
    try:
        written = writer.narrate(
            figures.text(),
            instructions=(
                f"Write {business}'s onboarding summary for {figures.month_name}: how many "
                "signed up and finished, how long finishing took, and the step where most stop. "
                "State no number that is not in the figures."
            ),
        )
    except BedrockError as err:
        logger.warning("summary paragraph from the template: the model failed", error=str(err))
        return figures.paragraph(), "template"
    unverified = figures.unverified(written, names=(business,))
    if unverified:
        logger.warning(
            "summary paragraph from the template: the model's states numbers that are not "
            "computed figures",
            numbers=unverified,
            paragraph=written,
        )
        return figures.paragraph(), "template"
    return written, "model"
