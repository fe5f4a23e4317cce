"""digest — the weekly Slack digest (Sunday 6pm): who finished, who is stuck, who is paused or
handed off. No Bedrock: a plain table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from og.adapters.owner_messages import DigestPost
from og.adapters.ports import JourneyStore, OwnerChat
from og.core.digest import build_digest
from og.logic.documents import GuideFiles, load_docs, read_customers

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class DigestPorts:
    files: GuideFiles
    store: JourneyStore
    chat: OwnerChat
    clock: Callable[[], datetime]


def run(a: DigestPorts, at: datetime) -> dict[str, Any]:
    """The week before `at` (the schedule's time), posted once to the digest channel."""
    docs = load_docs(a.files)
    start = at - WEEK
    customers, _ = read_customers(a.files, docs, at)
    journeys = a.store.load_journeys()
    flag_reasons = {
        cid: flags[0].reason
        for cid, journey in journeys.items()
        if journey.state.flagged and (flags := a.store.open_flags(cid))
    }
    digest = build_digest(
        customers,
        docs.rules,
        journeys,
        a.store.audit_between(start, at),
        start=start,
        end=at,
        business_tz=docs.config.timezone,
        flag_reasons=flag_reasons,
    )
    # A retried or re-run schedule finds the week posted (the list-problem report's marker).
    marker = f"digest:{digest.last_day.isoformat()}"
    if not a.store.unreported([marker]):
        return {"outcome": "already_posted", "detail": marker}
    channel = docs.config.digest_channel or docs.config.owner_slack_id
    table = tuple(digest.table().text_lines()) if digest.rows else ()
    ts = a.chat.post(channel, DigestPost(digest.headline, digest.activity, table))
    a.store.mark_reported([marker], a.clock())
    return {
        "outcome": "posted",
        "detail": f"{marker} to {channel} ({ts})",
        "rows": len(digest.rows),
    }
