"""What a failed task's error says, in words for people."""

from __future__ import annotations

import json


def failure_text(error: str | None, cause: str | None) -> str:
    """A Lambda task's cause is the runtime's JSON error (type, message, stack trace); people
    want "ErrorType: message", not the JSON."""
    text = cause or ""
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and parsed.get("errorMessage"):
        text = str(parsed["errorMessage"])
    return f"{error}: {text}" if error else text
