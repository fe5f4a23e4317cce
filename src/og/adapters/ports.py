"""One small interface per outside system. Each has a cloud flavour (og.adapters.aws) and a
local flavour (og.adapters.local); handlers only ever see these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from enum import StrEnum
from typing import Any, Protocol

from og.core.models import CustomerState, Journey, OwnerAction, SendRecord


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

    def release_send(self, record: SendRecord, attempt: str) -> None:
        """Undo a claim whose send failed for certain, so a retry may send."""
        ...

    def save_flag(self, flag: PendingFlag) -> None: ...

    def flag(self, flag_key: str) -> PendingFlag | None: ...

    def open_flags(self, customer_id: str) -> list[PendingFlag]: ...

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
        """Owner's answer: state + audit first (durable on its own), flag marked answered."""
        ...

    def record_step_done(
        self,
        customer_id: str,
        step_id: str,
        *,
        by_user: str,
        at: datetime,
        plan_step_ids: tuple[str, ...],
    ) -> CustomerState:
        """A done click; finishes (and archives) the journey when every step is done."""
        ...

    def unreported(self, problem_keys: list[str]) -> list[str]: ...

    def mark_reported(self, problem_keys: list[str], at: datetime) -> None: ...

    def audit_trail(self, customer_id: str) -> list[AuditEntry]: ...


class SendRejected(Exception):
    """The provider refused the message for certain: nothing was sent, a retry may send."""


class EmailSender(Protocol):
    def send(self, message: EmailMessage) -> str:
        """Ship one RFC 5322 message; returns the provider's message id. Raises SendRejected
        when nothing was sent; any other error means it may have been."""
        ...


class OwnerChat(Protocol):
    """Slack Web API calls the guide makes."""

    def post_message(self, channel: str, text: str, blocks: list[dict[str, Any]]) -> str: ...

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None: ...


class Writer(Protocol):
    """Bedrock: light personalized rewrite of a step body."""

    def rewrite(self, body: str, *, instructions: str) -> str: ...


class Documents(Protocol):
    """The mirrored list and docs (S3 og-list-source / og-rules-source)."""

    def read_text(self, bucket: str, key: str) -> str: ...

    def write_text(self, bucket: str, key: str, text: str, content_type: str) -> None: ...


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
