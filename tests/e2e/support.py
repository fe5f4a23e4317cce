"""End-to-end helpers: an og home built from examples/ in tmp_path with a small onboarding list
written by the test, run through the real state machines (moto's interpreter, in-process) and the
real Lambda handlers, with helpers to read what came out: the outbox, slack.jsonl, the store and
the execution histories."""

from __future__ import annotations

import email
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from og import wiring
from og.adapters.local.outbox import OutboxEmailSender
from og.adapters.local.slack_log import read_slack_log
from og.adapters.local.store import SqliteJourneyStore
from og.adapters.owner_messages import AnsweredPost, OwnerModal, OwnerPost
from og.core.models import CustomerState
from og.local.engine import JOURNEY_MACHINE, TICK_MACHINE, ExecutionRecord, project_root
from og.local.stack import LocalStack, TickReport, done_link_in, unsubscribe_link_in

ROOT = project_root()
CSV_HEADER = "customer_id,name,email,plan,signup_at,timezone,owner,notes"


def utc(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


# --- what the outbox holds ---------------------------------------------------------------------
@dataclass(frozen=True)
class Mail:
    path: Path
    to: str
    subject: str
    date: datetime
    message_id: str
    body: str
    done_link: str | None
    unsubscribe_link: str | None  # from the List-Unsubscribe header
    headers: dict[str, str]


def _mail(path: Path) -> Mail:
    msg: EmailMessage = email.message_from_bytes(path.read_bytes(), policy=default_policy)  # type: ignore[assignment]
    body = msg.get_body(("plain",))
    return Mail(
        path=path,
        to=str(msg["To"]),
        subject=str(msg["Subject"]),
        date=parsedate_to_datetime(str(msg["Date"])),
        message_id=str(msg["Message-ID"]).strip("<>"),
        body=body.get_content() if body else "",
        done_link=done_link_in(msg),
        unsubscribe_link=unsubscribe_link_in(msg),
        headers={k: str(v) for k, v in msg.items()},
    )


# --- email senders: the real outbox, observed or broken ----------------------------------------
class RecordingSender:
    """The local outbox sender, recording every call. The outbox names a file by Message-ID, which
    is stable per (customer, step, kind), so a duplicate send would overwrite its file: counting
    provider calls is what proves "exactly once"."""

    def __init__(self, outbox: Path, calls: list[EmailMessage]):
        self.outbox = OutboxEmailSender(outbox)
        self.calls = calls

    def send(self, message: EmailMessage) -> str:
        self.calls.append(message)
        return self.outbox.send(message)


class FailingSender(RecordingSender):
    """Records the call, lets the message out first when `delivers` (writes the .eml), then
    raises `error`; set `error = None` and it is the working outbox again."""

    def __init__(
        self,
        outbox: Path,
        calls: list[EmailMessage],
        error: Exception | None,
        *,
        delivers: bool = False,
    ):
        super().__init__(outbox, calls)
        self.error = error
        self.delivers = delivers

    def send(self, message: EmailMessage) -> str:
        if self.error is None:
            return super().send(message)
        self.calls.append(message)
        if self.delivers:
            self.outbox.send(message)
        raise self.error


# --- the home ----------------------------------------------------------------------------------
@dataclass
class Home:
    path: Path
    calls: list[EmailMessage] = field(default_factory=list)

    @property
    def outbox_dir(self) -> Path:
        return self.path / "outbox"

    @contextmanager
    def stack(self, email: object | None = None) -> Iterator[LocalStack]:
        """A LocalStack over this home, its email sender the recording outbox (or `email`)."""
        sender = email or RecordingSender(self.outbox_dir, self.calls)
        with wiring.overridden(email=sender), LocalStack(self.path, ROOT) as s:
            yield s

    def sent(self, customer_id: str, step_id: str, kind: str = "step") -> list[EmailMessage]:
        """Provider calls for one message (its Message-ID is og.<customer>.<step>.<kind>@...)."""
        prefix = f"<og.{customer_id}.{step_id}.{kind}@"
        return [m for m in self.calls if str(m["Message-ID"]).startswith(prefix)]

    def outbox(self) -> list[Mail]:
        if not self.outbox_dir.exists():
            return []
        return [_mail(p) for p in sorted(self.outbox_dir.glob("*.eml"))]

    def slack(self, method: str | None = None) -> list[dict[str, Any]]:
        return read_slack_log(self.path / "slack.jsonl", method)

    @property
    def store(self) -> SqliteJourneyStore:
        return SqliteJourneyStore(self.path / "og.sqlite")

    def claims(self, customer_id: str) -> dict[str, str]:
        """send_key -> status ('sending' | 'sent') of the customer's og-sends records."""
        return {r.send_key: status for r, status, _ in self.store.sends_with_status(customer_id)}

    def send_days(self, customer_id: str) -> dict[str, str]:
        """og-send-days: local date -> send_key holding the customer's one message that day."""
        with sqlite3.connect(self.path / "og.sqlite") as db:
            rows = db.execute(
                "SELECT local_date, send_key FROM send_days WHERE customer_id = ?", (customer_id,)
            ).fetchall()
        return dict(rows)

    def state(self, customer_id: str) -> CustomerState:
        return self.store.journey(customer_id).state


# --- executions --------------------------------------------------------------------------------
def states_entered(record: ExecutionRecord) -> list[str]:
    return [e["state"] for e in record.events if e["type"].endswith("StateEntered")]


def events_in_state(record: ExecutionRecord, state: str) -> list[dict[str, Any]]:
    """The events between entering `state` and leaving it (its task's scheduling, retries...)."""
    out: list[dict[str, Any]] = []
    inside = False
    for e in record.events:
        if e["type"].endswith("StateEntered"):
            inside = e["state"] == state
            continue
        if e["type"].endswith("StateExited"):
            inside = False
            continue
        if inside:
            out.append(e)
    return out


def journey_of(report: TickReport, customer_id: str, move: str | None = None) -> ExecutionRecord:
    """The customer's one journey of the tick (with `move`: the one carrying that move, as a
    flag or an owner task may go out the same day as the customer's email)."""
    found = [
        r
        for r in report.journeys
        if r.input["move"]["customer_id"] == customer_id and move in (None, r.input["move"]["move"])
    ]
    assert len(found) == 1, f"{customer_id}: {[r.name for r in report.journeys]}"
    return found[0]


def journey_record(stack: LocalStack, name: str) -> ExecutionRecord:
    return next(r for r in stack.engine.records(JOURNEY_MACHINE) if r.name == name)


def tick_record(stack: LocalStack, report: TickReport, run: int = 1) -> ExecutionRecord:
    """The tick execution behind `report` (the n-th run for its day in this stack)."""
    name = f"tick-{report.day.isoformat()}" + (f"-run{run}" if run > 1 else "")
    return next(r for r in stack.engine.records(TICK_MACHINE) if r.name == name)


class DownSlack:
    """An OwnerChat whose every call fails as an unreachable Slack does."""

    def post(self, channel: str, message: OwnerPost) -> str:
        raise TimeoutError("slack.com did not answer")

    def open_modal(self, trigger_id: str, modal: OwnerModal) -> None:
        raise TimeoutError("slack.com did not answer")

    def update(self, channel: str, ts: str, message: AnsweredPost) -> None:
        raise TimeoutError("slack.com did not answer")
