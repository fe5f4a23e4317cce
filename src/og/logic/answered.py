"""What a flag or a proposal looks like in Slack once the owner has answered it: the message
keeps what it said, loses its buttons and says who did what and when; a second answer is shown
the first one instead of a form."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, PlainTextObject, SectionBlock
from slack_sdk.models.views import View

from og.logic.slack_text import mrkdwn

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def answered_line(what: str, by_user: str, at: datetime) -> str:
    """E.g. "*Done* by @Mei at Dec 21, 2026 11:00": Slack shows the time in the reader's zone."""
    who = f"<@{by_user}>" if _USER_ID.fullmatch(by_user) else mrkdwn(by_user)
    fallback = at.strftime("%Y-%m-%d %H:%M UTC")
    when = f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"
    return f"*{mrkdwn(what)}* by {who} at {when}"


def answered_blocks(message_blocks: list[dict[str, Any]], line: str) -> list[dict[str, Any]]:
    """The message as it was posted, without its buttons, and the answer under it."""
    kept = [b for b in message_blocks if b.get("type") != "actions"]
    return [*kept, ContextBlock(elements=[MarkdownTextObject(text=line)]).to_dict()]


def already_answered_view(title: str, line: str) -> dict[str, Any]:
    """Pause or Hand off pressed on a flag someone answered already: said so, nothing to fill."""
    return View(
        type="modal",
        title=PlainTextObject(text=title[:24]),
        close=PlainTextObject(text="Close"),
        blocks=[SectionBlock(text=MarkdownTextObject(text=f"Already answered: {line}"))],
    ).to_dict()
