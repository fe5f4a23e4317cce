"""SES bounce and complaint notifications: which addresses must get no more email, and why.

SES publishes two shapes to the configuration set's SNS topic: identity notifications carry
"notificationType", configuration-set event publishing carries "eventType"; the bodies are the
same. Only a permanent bounce (the address does not exist) or a complaint (the reader marked the
email as spam) stops a customer's emails; a transient bounce (mailbox full, greylisted) is
SES's to retry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

__all__ = ["SesFeedback", "StopSending", "read_ses_notification"]

_MAX_NOTE = 300


@dataclass(frozen=True, slots=True)
class StopSending:
    address: str  # lower-case
    note: str  # "hard bounce: <diagnostic>" or "complaint: <feedback type>"


@dataclass(frozen=True, slots=True)
class SesFeedback:
    kind: str  # Bounce, Complaint, Delivery, ... as SES names it
    stop: tuple[StopSending, ...] = ()
    ignored_because: str | None = None  # set when nothing is to be stopped


def read_ses_notification(notification: Mapping[str, Any]) -> SesFeedback:
    kind = str(notification.get("notificationType") or notification.get("eventType") or "")
    if kind == "Bounce":
        bounce = _mapping(notification.get("bounce"))
        bounce_type = str(bounce.get("bounceType", ""))
        if bounce_type != "Permanent":
            return SesFeedback(
                kind,
                ignored_because=f"{bounce_type or 'unknown'} bounce "
                f"({bounce.get('bounceSubType', '?')}): SES retries, the customer stays active",
            )
        stops = []
        for recipient in _recipients(bounce.get("bouncedRecipients")):
            why = (
                recipient.get("diagnosticCode")
                or recipient.get("status")
                or f"{bounce_type} {bounce.get('bounceSubType', '')}".strip()
            )
            stops.append(_stop(recipient, f"hard bounce: {why}"))
        return _feedback(kind, stops)
    if kind == "Complaint":
        complaint = _mapping(notification.get("complaint"))
        why = complaint.get("complaintFeedbackType") or "marked as spam"
        complained = _recipients(complaint.get("complainedRecipients"))
        stops = [_stop(r, f"complaint: {why}") for r in complained]
        return _feedback(kind, stops)
    return SesFeedback(kind or "unknown", ignored_because=f"not a bounce or complaint ({kind!r})")


def _feedback(kind: str, stops: list[StopSending | None]) -> SesFeedback:
    found = tuple(s for s in stops if s is not None)
    if not found:
        return SesFeedback(kind, ignored_because="the notification names no recipient address")
    return SesFeedback(kind, found)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _recipients(value: object) -> list[Mapping[str, Any]]:
    return [r for r in value if isinstance(r, Mapping)] if isinstance(value, list) else []


def _stop(recipient: Mapping[str, Any], note: str) -> StopSending | None:
    address = parseaddr(str(recipient.get("emailAddress", "")))[1].strip().lower()
    if "@" not in address:
        return None
    return StopSending(address, " ".join(note.split())[:_MAX_NOTE])
