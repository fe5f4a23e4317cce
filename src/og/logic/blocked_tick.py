"""When the daily tick cannot run because a document (config, rules, voice, the list's header)
is invalid, the owner is told in Slack, with every problem by file, line and field, once per
distinct set of problems. The tick still fails, so the alarm stays the backstop (and is all
there is when the config does not even say whom to tell)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from og.adapters.owner_messages import ReportPost
from og.adapters.ports import ConfigSource, JourneyStore, Once, OnceOutcome, OwnerChat
from og.core.config_doc import owner_slack_id_in
from og.core.errors import DocumentError, Problem
from og.logic.post_once import post_once

MAX_LISTED = 100  # with lines cut at 300 characters, well inside Slack's 50 blocks


def problems_key(problems: list[Problem]) -> str:
    """The same problems, in any order, give the same key; any change gives another."""
    listed = "\n".join(sorted({str(p) for p in problems}))
    return "documents:" + hashlib.sha256(listed.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class BlockedTickPorts:
    store: JourneyStore
    config: ConfigSource
    chat: OwnerChat
    once: Once
    clock: Callable[[], datetime]


def tell_owner(a: BlockedTickPorts, err: DocumentError) -> bool:
    """Post the problem list to the owner unless this very list was posted before. True when
    posted."""
    key = problems_key(err.problems)
    try:
        owner = owner_slack_id_in(a.config.entries())
    except DocumentError:  # config.txt itself unreadable: nobody to tell but the alarm
        return False
    if owner is None:
        return False
    files = sorted({p.source for p in err.problems})
    count = len(err.problems)
    headline = (
        f"The daily tick did not run: {count} problem{'s' if count != 1 else ''} in "
        f"{', '.join(files)}. No customer gets a message until they are fixed."
    )
    lines = [str(p)[:300] for p in err.problems[:MAX_LISTED]]
    if count > MAX_LISTED:
        lines.append(f"…and {count - MAX_LISTED} more")
    footer = (
        "Each line names the file, the line and the field, and says how to fix it. The next "
        "tick runs with the fixed documents; you hear again only if the problems change."
    )
    post = ReportPost(headline, fixed_width=tuple(lines), footer=footer)
    return post_once(a, key, owner, post) == OnceOutcome.CLAIMED
