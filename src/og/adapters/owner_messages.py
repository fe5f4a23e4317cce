"""What the guide says to the owner in Slack, in its own terms: a flag, an owner task, a proposal,
a report, the weekly digest, and the modals a button opens. og.adapters.slack_messages turns
each into Block Kit; the logic never builds Slack payloads itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from og.adapters.ports import Proposal
from og.core.models import OwnerAction

# The action and callback ids Slack sends back to done-handler.
OWNER_TASK_DONE = "owner_task_done"
ANSWER_CALLBACK = "og_owner_answer"
APPROVE = "intake_approve"
EDIT = "intake_edit"
DISCARD = "intake_discard"
PROPOSAL_ACTIONS = (APPROVE, EDIT, DISCARD)
EDIT_CALLBACK = "og_intake_edit"
ACTION_LABELS = {
    OwnerAction.PAUSE: "Pause",
    OwnerAction.HAND_OFF: "Hand off",
    OwnerAction.DONE: "Done",
}
PROPOSAL_FIELDS = (
    ("customer_id", "Customer id"),
    ("name", "Name"),
    ("email", "Email"),
    ("plan", "Plan"),
    ("signup_at", "Signup date"),
)


@dataclass(frozen=True, slots=True)
class FlagPost:
    """A customer who needs the owner, with Pause / Hand off / Done."""

    flag_key: str
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class OwnerTaskPost:
    """A step the owner carries out (channel: slack), with Done."""

    task_key: str
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class ProposalPost:
    """A customer proposed from a forwarded welcome email, with Approve / Edit / Discard."""

    proposal: Proposal


@dataclass(frozen=True, slots=True)
class ReportPost:
    """A notice for the owner: a title, an optional paragraph, optional listed items and
    fixed-width lines, and a closing note (the list-problem report, the documents that stop the
    tick, an unsubscribe, an unreadable email, an intake answer...)."""

    title: str
    body: str = ""
    items: tuple[str, ...] = ()
    fixed_width: tuple[str, ...] = ()
    footer: str = ""


@dataclass(frozen=True, slots=True)
class DigestPost:
    """The weekly digest: a headline, a line of activity, a fixed-width table, the flags awaiting
    an answer (fixed-width) and a closing note (where the full lists are, when cut)."""

    headline: str
    activity: str
    table_lines: tuple[str, ...]
    empty_note: str = "Nobody finished, got stuck, was paused or was handed off this week."
    flags_heading: str = ""
    flag_lines: tuple[str, ...] = ()
    footer: str = ""


OwnerPost = FlagPost | OwnerTaskPost | ProposalPost | ReportPost | DigestPost


@dataclass(frozen=True, slots=True)
class Answer:
    """Who answered a flag or a proposal, how and when (e.g. "Done" by U0123 at 09:30)."""

    what: str
    by_user: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AnsweredPost:
    """A flag or proposal message once answered: what it said (`original`, the blocks Slack
    sent back with the click), without its buttons, and the answer under it."""

    original: tuple[dict[str, Any], ...]
    answer: Answer


@dataclass(frozen=True, slots=True)
class AnswerModal:
    """Pause or Hand off on a flag: asks for the note (why pause, to whom). `message` (channel,
    ts, blocks of the flag's post) travels in the modal, so its submission can update the post."""

    flag_key: str
    action: OwnerAction
    message: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class AlreadyAnsweredModal:
    """Pause or Hand off on a flag someone answered already: says so, nothing to fill."""

    title: str
    answer: Answer


@dataclass(frozen=True, slots=True)
class ProposalEditModal:
    """Edit on a proposal: the row to correct (submitting approves it), or, once decided, who
    decided it."""

    proposal: Proposal
    plans: tuple[str, ...]


OwnerModal = AnswerModal | AlreadyAnsweredModal | ProposalEditModal
