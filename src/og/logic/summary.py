"""summary — the monthly activation summary (first Monday, 9am): the past month's figures from
og-sends, og-state and og-audit, a one-paragraph narrative by Bedrock, emailed through SES to the
config's summary_recipients."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from og.adapters.ports import EmailSender, JourneyStore, Writer
from og.core.emails import build_report_email, message_id_for
from og.core.summary import build_figures, previous_month, summary_html, summary_text
from og.logic.documents import GuideFiles, load_docs, read_customers


@dataclass(frozen=True)
class SummaryPorts:
    files: GuideFiles
    store: JourneyStore
    writer: Writer
    email: EmailSender
    clock: Callable[[], datetime]


def run(a: SummaryPorts, at: datetime) -> dict[str, Any]:
    docs = load_docs(a.files)
    config = docs.config
    if not config.summary_recipients:
        return {"outcome": "skipped", "detail": "summary_recipients is not set in the config"}
    start, end = previous_month(at, config.timezone)
    month = start.strftime("%Y-%m")
    # A retried or re-run schedule finds the month sent (the list-problem report's marker).
    marker = f"summary:{month}"
    if not a.store.unreported([marker]):
        return {"outcome": "already_sent", "detail": marker}
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
    now = a.clock()
    message = build_report_email(
        sender=config.sender,
        recipients=config.summary_recipients,
        subject=f"{config.business_name}: onboarding in {figures.month_name}",
        text=summary_text(paragraph, figures),
        html=summary_html(paragraph, figures),
        message_id=message_id_for("summary", month, "report", config.sender),
        sent_at=now,
    )
    message_id = a.email.send(message)
    a.store.mark_reported([marker], now)
    return {
        "outcome": "sent",
        "detail": f"{marker} to {', '.join(config.summary_recipients)} ({message_id})",
    }
