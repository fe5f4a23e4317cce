"""ses-feedback — SES bounce and complaint notifications (SNS): a customer whose address
bounced for good, or who marked a message as spam, is paused, and the owner is told. Idempotent:
a customer already paused is left as they are."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from og.adapters.owner_messages import ReportPost
from og.adapters.ports import JourneyStore, OwnerChat
from og.core.models import Customer, OwnerAction
from og.core.ses_feedback import read_ses_notification
from og.logic.documents import GuideFiles, load_docs, read_customers

BY_USER = "ses"


@dataclass(frozen=True)
class FeedbackPorts:
    files: GuideFiles
    store: JourneyStore
    chat: OwnerChat
    clock: Callable[[], datetime]


def handle(a: FeedbackPorts, notification: Mapping[str, Any]) -> dict[str, Any]:
    feedback = read_ses_notification(notification)
    if feedback.ignored_because:
        return {"outcome": "ignored", "kind": feedback.kind, "detail": feedback.ignored_because}
    docs = load_docs(a.files)
    now = a.clock()
    customers, _ = read_customers(a.files, docs, now)
    by_address: dict[str, list[Customer]] = {}
    for customer in customers:
        by_address.setdefault(customer.email.lower(), []).append(customer)

    results: list[dict[str, str]] = []
    for stop in feedback.stop:
        matches = by_address.get(stop.address)
        if not matches:
            results.append({"address": stop.address, "outcome": "unknown_address"})
            continue
        for customer in matches:
            cid = customer.customer_id
            if a.store.journey(cid).state.paused:
                results.append(
                    {"address": stop.address, "customer_id": cid, "outcome": "already_paused"}
                )
                continue
            a.store.record_owner_action(
                cid, OwnerAction.PAUSE, by_user=BY_USER, at=now, note=stop.note
            )
            text = (
                f"Paused {customer.name} ({cid}); the guide sends {customer.email} nothing "
                f"more. SES reported a {stop.note}"
            )
            a.chat.post(docs.config.owner_slack_id, ReportPost(text))
            results.append({"address": stop.address, "customer_id": cid, "outcome": "paused"})
    return {"outcome": "handled", "kind": feedback.kind, "recipients": results}
