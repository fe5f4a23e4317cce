"""A Slack post made at most once per key, through the Once port."""

from __future__ import annotations

import uuid

from og.adapters.owner_messages import OwnerPost
from og.adapters.ports import OnceOutcome
from og.wiring import Adapters


def post_once(a: Adapters, key: str, channel: str, post: OwnerPost) -> OnceOutcome:
    """Post unless `key` was posted (DONE) or may have been (IN_DOUBT: a run killed between the
    post and its confirm); CLAIMED means it was posted now. A post that raises is released."""
    attempt = uuid.uuid4().hex
    claimed = a.once.claim(key, attempt, a.clock())
    if claimed != OnceOutcome.CLAIMED:
        return claimed
    try:
        ts = a.chat.post(channel, post)
    except Exception:
        # A failed post (even a timeout) is tried again: for the owner's own Slack, a rare
        # repeat beats a missed report. Only a run killed mid-post leaves the claim in doubt.
        a.once.release(key, attempt)
        raise
    a.once.confirm(key, attempt, ts, a.clock())
    return OnceOutcome.CLAIMED
