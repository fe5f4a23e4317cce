"""One small interface per outside system. Each has a cloud flavour (og.adapters.aws) and a
local flavour (og.adapters.local); handlers only ever see these."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from og.core.models import CustomerState, Journey, OwnerAction, SendRecord
from og.core.step_identity import PlanIds

if TYPE_CHECKING:
    from og.adapters.owner_messages import AnsweredPost, OwnerModal, OwnerPost


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"  # this attempt may send
    ALREADY_SENT = "already_sent"  # the message went out before: never send twice
    IN_DOUBT = "in_doubt"  # an earlier attempt claimed it and never confirmed
    DAY_TAKEN = "day_taken"  # the customer already got a message that local day


@dataclass(frozen=True, slots=True)
class PendingFlag:
    """A flag posted to the owner and waiting for Pause / Hand off / Done. The Slack button carries
    only `flag_key`; the task token lives here, so a retried task can replace it."""

    flag_key: str
    customer_id: str
    step_id: str
    reason: str
    task_token: str
    execution: str
    posted_at: datetime
    answer: str | None = None
    answered_by: str | None = None  # who answered first, and when: a second answer is told so
    answered_at: datetime | None = None
    # The customer's plan at the post, and the version of the rules doc it came from: while that
    # is the version now, Done uses this plan and reads no document before answering Slack.
    plan: PlanIds | None = None
    rules_version: str | None = None


@dataclass(frozen=True, slots=True)
class OwnerTask:
    """A step the owner carries out, posted with a Done button. The button carries only `key`;
    the click needs the customer and the step."""

    key: str
    customer_id: str
    step_id: str
    posted_at: datetime
    plan: PlanIds | None = None  # as on PendingFlag
    rules_version: str | None = None


@dataclass(frozen=True, slots=True)
class SendClaim:
    """A claim still `sending`: its message was claimed and never confirmed, so it may or may
    not have gone out."""

    record: SendRecord  # record.sent_at is when it was claimed
    attempt: (
        str  # who claimed it: the sender's "<execution>/<Lambda request id>", else the execution
    )
    message_id: str | None  # the provider's message id, if one was recorded

    @property
    def execution(self) -> str:
        return self.attempt.partition("/")[0]


class OnceOutcome(StrEnum):
    CLAIMED = "claimed"  # this attempt may do the effect
    DONE = "done"  # the effect happened before: never again
    IN_DOUBT = "in_doubt"  # an earlier attempt claimed it and never confirmed: it may have happened


class Once(Protocol):
    """Do an effect (a Slack post, a report) at most once, and know if it may have happened:
    claim before the effect, confirm after it, release when it failed for certain. A run killed
    between the effect and the confirm leaves the claim in doubt instead of doing it twice."""

    def claim(self, key: str, attempt: str, at: datetime) -> OnceOutcome:
        """Atomically reserve `key` for `attempt`; the same attempt claiming again is CLAIMED
        (a retried Lambda request may finish its own work)."""
        ...

    def confirm(self, key: str, attempt: str, result: str, at: datetime) -> None:
        """The effect happened; `result` is what to remember of it (e.g. a message ts)."""
        ...

    def result(self, key: str) -> str | None:
        """What confirm recorded (None while unclaimed, unconfirmed, or marked the old way)."""
        ...

    def release(self, key: str, attempt: str) -> None:
        """Undo this attempt's claim (the effect failed for certain), so a retry may do it."""
        ...

    def unclaimed(self, keys: list[str]) -> list[str]:
        """The keys never claimed (nor reported before Once), in their order: what a batch of
        reports still has to tell."""
        ...


class ProposalDecision(StrEnum):
    APPROVED = "approved"
    DISCARDED = "discarded"


@dataclass(frozen=True, slots=True)
class Proposal:
    """A new row for the onboarding list, proposed from a forwarded welcome email and waiting
    for the owner's Approve / Edit / Discard. The Slack buttons carry only `key`."""

    key: str
    row: dict[str, str]  # list columns: customer_id, name, email, plan, signup_at
    problems: tuple[str, ...]  # what stops the row from joining the list, "<column>: <why>"
    source: str  # the raw email, s3://<bucket>/<key>
    email_from: str
    email_subject: str
    proposed_at: datetime
    note: str = ""  # e.g. the label of the local Bedrock stand-in
    message_ts: str | None = None  # the Slack post, once posted
    decision: ProposalDecision | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    customer_id: str
    ts: datetime
    action: str
    by_user: str
    before: dict[str, Any]
    after: dict[str, Any]


class JourneyStore(Protocol):
    """og-state, og-sends, og-audit, og-sends-archive and the flag/claim records."""

    def load_journeys(self) -> dict[str, Journey]: ...

    def journey(self, customer_id: str) -> Journey: ...

    def claim_send(self, record: SendRecord, attempt: str, *, one_per_day: bool) -> ClaimOutcome:
        """Atomically reserve (customer, step, kind) — and, for customer messages, the customer's
        local day — before anything is sent."""
        ...

    def confirm_send(self, record: SendRecord, attempt: str, message_id: str) -> None: ...

    def sent_message_id(self, customer_id: str, send_key: str) -> str | None:
        """The message id confirm_send recorded for a send (None while unsent or unconfirmed)."""
        ...

    def release_send(self, record: SendRecord, attempt: str) -> None:
        """Undo a claim whose send failed for certain, so a retry may send."""
        ...

    def claims_in_doubt(
        self, claimed_before: datetime, customer_id: str | None = None
    ) -> list[SendClaim]:
        """Claims still `sending` that were made before `claimed_before` (of every customer, or
        of one), oldest first."""
        ...

    def save_flag(self, flag: PendingFlag) -> None: ...

    def flag(self, flag_key: str) -> PendingFlag | None: ...

    def open_flags(self, customer_id: str | None = None) -> list[PendingFlag]:
        """Flags not answered yet, of one customer or (None) of every customer, oldest first."""
        ...

    def save_owner_task(self, task: OwnerTask) -> None:
        """Store (or replace) the owner task a Done button's key names."""
        ...

    def owner_task(self, key: str) -> OwnerTask | None: ...

    def record_owner_action(
        self,
        customer_id: str,
        action: OwnerAction,
        *,
        by_user: str,
        at: datetime,
        flag_key: str | None = None,
        step_id: str | None = None,
        note: str | None = None,
        plan_step_ids: tuple[str, ...] = (),
    ) -> CustomerState:
        """Owner's answer: state + audit first (durable on its own), flag marked answered (by
        whom, when). An action that answers no flag and changes nothing (a repeated pause or
        resume), or answers a flag already answered (a double click, a Slack retry), writes
        nothing, so a double submit is audited once."""
        ...

    def record_step_done(
        self,
        customer_id: str,
        step_id: str,
        *,
        by_user: str,
        at: datetime,
        plan_step_ids: tuple[str, ...],
    ) -> tuple[CustomerState, bool]:
        """A done click; finishes (and archives) the journey when every step is done. Returns
        the state and whether it changed: a step already done writes nothing, not even audit."""
        ...

    def record_unsubscribed(
        self, customer_id: str, *, by_user: str, at: datetime
    ) -> tuple[CustomerState, bool]:
        """The customer asked for no more email: state + audit, once. Returns the state and
        whether it changed (a repeat writes nothing)."""
        ...

    def audit_trail(self, customer_id: str) -> list[AuditEntry]: ...

    def audit_between(self, start: datetime, end: datetime) -> list[AuditEntry]:
        """Every customer's audit entries with start <= ts < end, oldest first (the digest's
        week, the summary's month)."""
        ...

    def save_proposal(self, proposal: Proposal) -> bool:
        """Store (or replace) a proposal still waiting for the owner; False, and nothing
        written, once the owner has decided it."""
        ...

    def proposal(self, key: str) -> Proposal | None: ...

    def pending_proposals(self) -> list[Proposal]:
        """Proposals the owner has not decided yet, oldest first."""
        ...

    def decide_proposal(
        self,
        key: str,
        decision: ProposalDecision,
        *,
        row: dict[str, str],
        by_user: str,
        at: datetime,
    ) -> Proposal | None:
        """Record the owner's decision (with the row as finally approved) and its audit entry
        (under the row's customer_id) together, once: None when the proposal is unknown or was
        decided before, so a second click changes nothing."""
        ...


class EmailSender(Protocol):
    def send(self, message: EmailMessage) -> str:
        """Ship one RFC 5322 message; returns the provider's message id. Raises SendRejected
        when nothing was sent; any other error means it may have been."""
        ...


class OwnerChat(Protocol):
    """The owner's Slack: what the guide tells them and the modals their buttons open, in the
    guide's terms (og.adapters.owner_messages); the adapters build the Block Kit."""

    def post(self, channel: str, message: OwnerPost) -> str:
        """chat.postMessage; returns the message's ts."""
        ...

    def open_modal(self, trigger_id: str, modal: OwnerModal) -> None:
        """views.open, within the 3 seconds a trigger id lives."""
        ...

    def update(self, channel: str, ts: str, message: AnsweredPost) -> None:
        """Replace a posted message (chat.update), e.g. a flag once answered: its buttons go."""
        ...


class Writer(Protocol):
    """Bedrock Haiku at its three callsites: the personalized rewrite of a step body (sender),
    the customer row proposed from a forwarded welcome email (intake-ses-parser) and the
    monthly summary's narrative (summary)."""

    def rewrite(self, body: str, *, instructions: str) -> str: ...

    def propose_customer(self, text: str, *, plans: Sequence[str]) -> dict[str, str]:
        """name, email, plan, signup_date (YYYY-MM-DD) read from the email's text; a value the
        email does not give is empty. `plans` are the plan names the row may use. A stand-in
        says so in an extra "note"."""
        ...

    def narrate(self, figures: str, *, instructions: str) -> str:
        """One paragraph about `figures`, written for the business's own people."""
        ...


# The metadata drive-sync keeps on each mirrored document (og.logic.drive_sync): the SHA-256 of
# its text, and the version of the owner's file it came from.
CONTENT_HASH = "og-content-sha256"
SOURCE_VERSION = "og-source-version"


class Documents(Protocol):
    """The mirrored list and docs (S3 og-list-source / og-rules-source), and the raw inbound
    mail (og-raw-mime)."""

    def read_text(self, bucket: str, key: str) -> str:
        """The text as it is now: a write is seen by the next read. While the object is unchanged
        a warm environment may give back the very str it gave before, without downloading it."""
        ...

    def read_bytes(self, bucket: str, key: str) -> bytes: ...

    def write_text(
        self,
        bucket: str,
        key: str,
        text: str,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
    ) -> None: ...

    def read_metadata(self, bucket: str, key: str) -> dict[str, str] | None:
        """The object's user metadata (lower-case keys), or None when there is no object."""
        ...

    def version(self, bucket: str, key: str) -> str | None:
        """A version of the object that changes whenever its content does (S3: its ETag), read
        without the content; None when there is no object."""
        ...


class OnboardingSheet(Protocol):
    """The owner's onboarding list itself (the Google Sheet; locally the home's onboarding.csv),
    not its S3 mirror."""

    def append_customer(self, row: Mapping[str, str]) -> bool:
        """Add a row (list column -> value, e.g. customer_id, name, email, plan, signup_at) under
        the header, each value in its column. False, and nothing written, when a row with that
        customer_id is already there. Raises ListLayoutError when a value has no column."""
        ...

    def export_csv(self) -> tuple[str, str]:
        """The list as CSV text, and a version of the source (e.g. Drive's version and
        modifiedTime) for the record."""
        ...

    def mark_finished(self, customer_id: str, at: datetime) -> bool:
        """Write `at` into the customer's finished_at cell (kept if it already holds a time);
        whether the customer's row was found. The Sheet is only written when the owner has a
        finished_at column; the local file gets the column added."""
        ...


OWNER_DOC_NAMES = ("rules", "voice")


class OwnerDocs(Protocol):
    """The owner's rules and voice docs themselves (Google Docs; locally rules.txt, voice.txt)."""

    def export_text(self, name: str) -> tuple[str, str]:
        """The doc `name` (one of OWNER_DOC_NAMES) as plain text, and a version of the source.
        Raises ValueError for another name."""
        ...


class ConfigSource(Protocol):
    def entries(self) -> dict[str, tuple[str, str]]:
        """key -> (raw value, where it came from), for og.core.config_doc.parse_config."""
        ...


class Secrets(Protocol):
    def get(self, name: str) -> str: ...


class Workflow(Protocol):
    def resume(self, task_token: str, output: dict[str, Any]) -> bool:
        """Hand the owner's answer to a waiting execution; False when it is no longer waiting."""
        ...


AFTER_ANSWER = "og_after_answer"  # done-handler's event for work after the answer: {key: work}
ASYNC_INVOKE_LIMIT = 1024 * 1024  # bytes: Lambda's asynchronous Invoke payload (Invoke API)


def after_answer_event(work: dict[str, Any]) -> bytes:
    """done-handler's event for `work`, as UTF-8 JSON: non-ASCII text as itself (a \\u escape
    takes 6 to 12 bytes a character). A message to update whose blocks would take the event past
    Lambda's asynchronous limit (Invoke refuses it: RequestTooLargeException) goes without
    them: the post is then updated to the answer alone, as an AnswerModal's is."""
    event = json.dumps({AFTER_ANSWER: work}, ensure_ascii=False).encode()
    message = work.get("message")
    if len(event) > ASYNC_INVOKE_LIMIT and isinstance(message, dict) and message.get("blocks"):
        return after_answer_event({**work, "message": {**message, "blocks": []}})
    return event


class AfterAnswer(Protocol):
    """Work done-handler does after it has answered Slack (which waits 3 seconds at most): resume
    the journey, add the approved row to the list, write a finished customer's finished_at,
    update the answered message."""

    def later(self, work: dict[str, Any]) -> None:
        """Hand `work` (JSON) to done-handler to run after this request's answer; it is retried
        when it fails. In AWS: an asynchronous invocation of the function itself."""
        ...
