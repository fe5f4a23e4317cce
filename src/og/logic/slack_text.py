"""Text for Slack Block Kit: escaping for mrkdwn, and long fixed-width text cut into sections
that stay under Slack's 3000-character limit."""

from __future__ import annotations

from typing import Any

SECTION_LIMIT = 3000


def mrkdwn(text: str) -> str:
    """`text` shown as written: Slack reads <...> as links and mentions, & as an entity."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}


def code_sections(lines: list[str]) -> list[dict[str, Any]]:
    """Lines in fixed-width code blocks, as many sections as it takes, never splitting a line."""
    room = SECTION_LIMIT - len("```\n\n```")
    chunks: list[list[str]] = [[]]
    size = 0
    for line in (mrkdwn(line)[:room] for line in lines):
        if chunks[-1] and size + len(line) + 1 > room:
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line) + 1
    return [section("```\n" + "\n".join(chunk) + "\n```") for chunk in chunks if chunk]
