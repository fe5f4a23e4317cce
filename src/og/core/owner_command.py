"""The owner's `/og` command in Slack (and `og pause` / `og resume` locally): pause any
customer, flag or no flag, with an optional note, and resume them."""

from __future__ import annotations

from dataclasses import dataclass

from og.core.errors import OwnerCommandError
from og.core.models import OwnerAction

USAGE = (
    "Usage: `/og pause CUSTOMER_ID [note]` stops every message to that customer "
    "(e.g. `/og pause hh-1003 on holiday until March`); "
    "`/og resume CUSTOMER_ID` lets the guide carry on from where they are."
)
_VERBS = {"pause": OwnerAction.PAUSE, "resume": OwnerAction.RESUME}


@dataclass(frozen=True, slots=True)
class OwnerCommand:
    action: OwnerAction  # PAUSE or RESUME
    customer_id: str
    note: str | None = None


def parse_owner_command(text: str) -> OwnerCommand:
    """`pause hh-1003 on holiday until March` -> pause hh-1003 with that note."""
    words = text.split(maxsplit=2)
    if not words or words[0].lower() == "help":
        raise OwnerCommandError("")
    action = _VERBS.get(words[0].lower())
    if action is None:
        raise OwnerCommandError(f"I don't know '{words[0]}'; I know pause and resume.")
    if len(words) < 2:
        raise OwnerCommandError(f"'{words[0]}' needs the customer id of the onboarding list.")
    note = " ".join(words[2].split()) if len(words) > 2 else None
    return OwnerCommand(action, words[1], note or None)
