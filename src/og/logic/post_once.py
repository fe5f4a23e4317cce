"""A Slack post made at most once per key, through the Once port."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from og.adapters.owner_messages import OwnerPost
from og.adapters.ports import Once, OnceOutcome, OwnerChat


class PostOncePorts(Protocol):
    """What a post made once touches (the digest's, intake's, links' and the tick's ports)."""

    @property
    def once(self) -> Once: ...
    @property
    def chat(self) -> OwnerChat: ...
    @property
    def clock(self) -> Callable[[], datetime]: ...


def post_once(a: PostOncePorts, key: str, channel: str, post: OwnerPost) -> OnceOutcome:
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
