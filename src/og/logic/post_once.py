"""A Slack post made at most once per key, through the Once port."""

from __future__ import annotations

import uuid

from og.adapters.owner_messages import OwnerPost
from og.adapters.ports import OnceOutcome
from og.wiring import Adapters


def post_once(a: Adapters, key: str, channel: str, post: OwnerPost) -> OnceOutcome:
    """Post unless `key` was posted (DONE) or may have been (IN_DOUBT: a run killed between the
    post and its confirm); CLAIMED means it was posted now."""
    attempt = uuid.uuid4().hex
    claimed = a.once.claim(key, attempt, a.clock())
    if claimed != OnceOutcome.CLAIMED:
        return claimed
    try:
        ts = a.chat.post(channel, post)
    except OSError:
        raise  # a lost connection or a short write may have posted it: the claim stays in doubt
    except Exception:
        a.once.release(key, attempt)  # Slack refused it: a retry may post
        raise
    a.once.confirm(key, attempt, ts, a.clock())
    return OnceOutcome.CLAIMED
