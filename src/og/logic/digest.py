"""digest — the weekly Slack digest (Sunday 6pm): who finished, who is stuck, who is paused or
handed off. No Bedrock: a plain table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from og.adapters.owner_messages import DigestPost
from og.adapters.ports import JourneyStore, Once, OnceOutcome, OwnerChat
from og.core.digest import FULL_LIST, WeeklyDigest, build_digest
from og.logic.documents import GuideFiles, load_docs, read_customers
from og.logic.post_once import post_once

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class DigestPorts:
    files: GuideFiles
    store: JourneyStore
    chat: OwnerChat
    once: Once
    clock: Callable[[], datetime]


def run(a: DigestPorts, at: datetime) -> dict[str, Any]:
    """The week before `at` (the schedule's time), posted once to the digest channel."""
    docs = load_docs(a.files)
    start = at - WEEK
    customers, _ = read_customers(a.files, docs, at)
    journeys = a.store.load_journeys()
    digest = build_digest(
        customers,
        docs.rules,
        journeys,
        a.store.audit_between(start, at),
        start=start,
        end=at,
        business_tz=docs.config.timezone,
        open_flags=a.store.open_flags(),
    )
    # A retried or re-run schedule finds the week posted, or — after a run killed mid-post — in
    # doubt, and never posts it twice.
    marker = f"digest:{digest.last_day.isoformat()}"
    channel = docs.config.digest_channel or docs.config.owner_slack_id
    posted = post_once(a, marker, channel, digest_post(digest))
    if posted == OnceOutcome.DONE:
        return {"outcome": "already_posted", "detail": marker}
    if posted == OnceOutcome.IN_DOUBT:
        return {"outcome": "in_doubt", "detail": f"{marker} may have been posted; not again"}
    return {
        "outcome": "posted",
        "detail": f"{marker} to {channel} ({a.once.result(marker)})",
        "rows": len(digest.rows),
    }


def digest_post(digest: WeeklyDigest) -> DigestPost:
    """The digest as the owner reads it in Slack."""
    return DigestPost(
        digest.headline,
        digest.activity,
        digest.table_lines() if digest.rows else (),
        flags_heading=f"Flags awaiting your answer ({len(digest.open_flags)})",
        flag_lines=digest.flag_lines(),
        footer=FULL_LIST if digest.cut else "",
    )
