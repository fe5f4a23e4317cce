"""digest — the weekly Slack digest (Sunday 6pm): who finished, who is stuck, who is paused or
handed off. No Bedrock: a plain table."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from og.adapters.owner_messages import DigestPost
from og.adapters.ports import OnceOutcome
from og.core.digest import build_digest
from og.logic.documents import load_docs, read_customers
from og.wiring import Adapters

WEEK = timedelta(days=7)


def run(a: Adapters, at: datetime) -> dict[str, Any]:
    """The week before `at` (the schedule's time), posted once to the digest channel."""
    docs = load_docs(a)
    start = at - WEEK
    customers, _ = read_customers(a, docs, at)
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
    # Claimed before the post: a retried or re-run schedule finds the week posted, or — after a
    # run killed mid-post — in doubt, and never posts it twice.
    marker = f"digest:{digest.last_day.isoformat()}"
    attempt = uuid.uuid4().hex
    claimed = a.once.claim(marker, attempt, a.clock())
    if claimed == OnceOutcome.DONE:
        return {"outcome": "already_posted", "detail": marker}
    if claimed == OnceOutcome.IN_DOUBT:
        return {"outcome": "in_doubt", "detail": f"{marker} may have been posted; not again"}
    channel = docs.config.digest_channel or docs.config.owner_slack_id
    table = tuple(digest.table().text_lines()) if digest.rows else ()
    try:
        ts = a.chat.post(channel, DigestPost(digest.headline, digest.activity, table))
    except OSError:
        raise  # a lost connection or a short write may have posted it: the claim stays in doubt
    except Exception:
        a.once.release(marker, attempt)  # Slack refused it: a retry may post
        raise
    a.once.confirm(marker, attempt, ts, a.clock())
    return {
        "outcome": "posted",
        "detail": f"{marker} to {channel} ({ts})",
        "rows": len(digest.rows),
    }
