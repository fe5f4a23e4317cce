"""JourneyStore on SQLite: the local stand-in for the DynamoDB tables, kept in the og home so
progress survives between `og` runs. Same rules as the cloud store: conditional claims before a
send, state and audit written together."""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from og.adapters.local.sqlite_file import SqliteFile
from og.adapters.ports import (
    AuditEntry,
    ClaimOutcome,
    OwnerTask,
    PendingFlag,
    Proposal,
    ProposalDecision,
    SendClaim,
)
from og.adapters.records import (
    flag_from_item,
    flag_item,
    owner_task_from_item,
    owner_task_item,
    proposal_audit,
    proposal_from_item,
    proposal_item,
    send_from_item,
    send_item,
    state_from_item,
)
from og.core.models import (
    CustomerState,
    Journey,
    OwnerAction,
    SendRecord,
)
from og.core.progress import apply_owner_action, apply_step_done, state_as_dict

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sends (
  customer_id TEXT NOT NULL, send_key TEXT NOT NULL, step_id TEXT NOT NULL, kind TEXT NOT NULL,
  status TEXT NOT NULL, attempt TEXT NOT NULL, sent_at TEXT NOT NULL, local_date TEXT NOT NULL,
  channel TEXT NOT NULL, recipient TEXT NOT NULL, message_id TEXT,
  PRIMARY KEY (customer_id, send_key));
CREATE TABLE IF NOT EXISTS send_days (
  customer_id TEXT NOT NULL, local_date TEXT NOT NULL, send_key TEXT NOT NULL,
  PRIMARY KEY (customer_id, local_date));
CREATE TABLE IF NOT EXISTS state (customer_id TEXT PRIMARY KEY, item TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
  customer_id TEXT NOT NULL, ts TEXT NOT NULL, action TEXT NOT NULL, by_user TEXT NOT NULL,
  before TEXT NOT NULL, after TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sends_archive (
  customer_id TEXT NOT NULL, journey_id TEXT NOT NULL, send_key TEXT NOT NULL, item TEXT NOT NULL,
  PRIMARY KEY (customer_id, journey_id, send_key));
CREATE TABLE IF NOT EXISTS flags (flag_key TEXT PRIMARY KEY, customer_id TEXT NOT NULL,
  item TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS proposals (proposal_key TEXT PRIMARY KEY, item TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS owner_tasks (task_key TEXT PRIMARY KEY, item TEXT NOT NULL);
"""


class SqliteJourneyStore:
    def __init__(self, path: Path):
        self.path = path
        self._file = SqliteFile(path, _SCHEMA)

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._file.transaction()

    # --- reads -------------------------------------------------------------------------------
    def load_journeys(self) -> dict[str, Journey]:
        with self._tx() as db:
            states = {
                cid: state_from_item(json.loads(item))
                for cid, item in db.execute("SELECT customer_id, item FROM state")
            }
            sends: dict[str, list[SendRecord]] = {}
            unconfirmed: dict[str, list[SendRecord]] = {}
            for row in db.execute("SELECT * FROM sends"):
                record = _send_from_row(row)
                sends.setdefault(record.customer_id, []).append(record)
                if row[4] == "sending":
                    unconfirmed.setdefault(record.customer_id, []).append(record)
        ids = states.keys() | sends.keys()
        return {
            cid: Journey(
                states.get(cid, CustomerState(cid)),
                tuple(sends.get(cid, ())),
                tuple(unconfirmed.get(cid, ())),
            )
            for cid in ids
        }

    def journey(self, customer_id: str) -> Journey:
        with self._tx() as db:
            return self._journey(db, customer_id)

    def _journey(self, db: sqlite3.Connection, customer_id: str) -> Journey:
        row = db.execute("SELECT item FROM state WHERE customer_id = ?", (customer_id,)).fetchone()
        state = state_from_item(json.loads(row[0])) if row else CustomerState(customer_id)
        rows = db.execute("SELECT * FROM sends WHERE customer_id = ?", (customer_id,)).fetchall()
        return Journey(
            state,
            tuple(_send_from_row(r) for r in rows),
            tuple(_send_from_row(r) for r in rows if r[4] == "sending"),
        )

    def sends_with_status(self, customer_id: str) -> list[tuple[SendRecord, str, str | None]]:
        with self._tx() as db:
            return [
                (_send_from_row(r), r[4], r[10])
                for r in db.execute(
                    "SELECT * FROM sends WHERE customer_id = ? ORDER BY sent_at", (customer_id,)
                )
            ]

    # --- exactly once ------------------------------------------------------------------------
    def claim_send(self, record: SendRecord, attempt: str, *, one_per_day: bool) -> ClaimOutcome:
        with self._tx() as db:
            existing = db.execute(
                "SELECT status FROM sends WHERE customer_id = ? AND send_key = ?",
                (record.customer_id, record.send_key),
            ).fetchone()
            if existing:
                return ClaimOutcome.ALREADY_SENT if existing[0] == "sent" else ClaimOutcome.IN_DOUBT
            if one_per_day:
                taken = db.execute(
                    "SELECT 1 FROM send_days WHERE customer_id = ? AND local_date = ?",
                    (record.customer_id, record.local_date.isoformat()),
                ).fetchone()
                if taken:
                    return ClaimOutcome.DAY_TAKEN
                db.execute(
                    "INSERT INTO send_days VALUES (?, ?, ?)",
                    (record.customer_id, record.local_date.isoformat(), record.send_key),
                )
            db.execute(
                "INSERT INTO sends VALUES (?, ?, ?, ?, 'sending', ?, ?, ?, ?, ?, NULL)",
                (
                    record.customer_id,
                    record.send_key,
                    record.step_id,
                    record.kind.value,
                    attempt,
                    record.sent_at.isoformat(),
                    record.local_date.isoformat(),
                    record.channel.value,
                    record.recipient,
                ),
            )
            return ClaimOutcome.CLAIMED

    def confirm_send(self, record: SendRecord, attempt: str, message_id: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE sends SET status = 'sent', message_id = ? "
                "WHERE customer_id = ? AND send_key = ? AND attempt = ?",
                (message_id, record.customer_id, record.send_key, attempt),
            )

    def sent_message_id(self, customer_id: str, send_key: str) -> str | None:
        with self._tx() as db:
            row = db.execute(
                "SELECT message_id FROM sends WHERE customer_id = ? AND send_key = ? "
                "AND status = 'sent'",
                (customer_id, send_key),
            ).fetchone()
        return row[0] if row else None

    def release_send(self, record: SendRecord, attempt: str) -> None:
        with self._tx() as db:
            deleted = db.execute(
                "DELETE FROM sends WHERE customer_id = ? AND send_key = ? AND attempt = ? "
                "AND status = 'sending'",
                (record.customer_id, record.send_key, attempt),
            ).rowcount
            if deleted:
                db.execute(
                    "DELETE FROM send_days WHERE customer_id = ? AND send_key = ?",
                    (record.customer_id, record.send_key),
                )

    def claims_in_doubt(
        self, claimed_before: datetime, customer_id: str | None = None
    ) -> list[SendClaim]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT * FROM sends WHERE status = 'sending'"
                + (" AND customer_id = ?" if customer_id else ""),
                (customer_id,) if customer_id else (),
            ).fetchall()
        # Compared as instants: sent_at text may carry different UTC offsets.
        claims = [SendClaim(_send_from_row(r), r[5], r[10]) for r in rows]
        return sorted(
            (c for c in claims if c.record.sent_at < claimed_before),
            key=lambda c: c.record.sent_at,
        )

    # --- flags -------------------------------------------------------------------------------
    def save_flag(self, flag: PendingFlag) -> None:
        """Store the flag (a retried task replaces the token) and mark the customer flagged."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO flags VALUES (?, ?, ?)",
                (flag.flag_key, flag.customer_id, json.dumps(flag_item(flag))),
            )
            before = self._journey(db, flag.customer_id).state
            if not before.flagged:
                after = replace(before, flagged=True)
                self._write_state(
                    db, before, after, f"flag:{flag.step_id}", "guide", flag.posted_at, flag.reason
                )

    def flag(self, flag_key: str) -> PendingFlag | None:
        with self._tx() as db:
            row = db.execute("SELECT item FROM flags WHERE flag_key = ?", (flag_key,)).fetchone()
        return flag_from_item(json.loads(row[0])) if row else None

    def all_flags(self, customer_id: str | None = None) -> list[PendingFlag]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT item FROM flags"
                + (" WHERE customer_id = ?" if customer_id is not None else ""),
                (customer_id,) if customer_id is not None else (),
            ).fetchall()
        return sorted((flag_from_item(json.loads(r[0])) for r in rows), key=lambda f: f.posted_at)

    def open_flags(self, customer_id: str | None = None) -> list[PendingFlag]:
        return [f for f in self.all_flags(customer_id) if f.answer is None]

    def save_owner_task(self, task: OwnerTask) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO owner_tasks VALUES (?, ?)",
                (task.key, json.dumps(owner_task_item(task))),
            )

    def owner_task(self, key: str) -> OwnerTask | None:
        with self._tx() as db:
            row = db.execute("SELECT item FROM owner_tasks WHERE task_key = ?", (key,)).fetchone()
        return owner_task_from_item(json.loads(row[0])) if row else None

    # --- owner and customer actions ------------------------------------------------------------
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
        with self._tx() as db:
            before = self._journey(db, customer_id).state
            row = (
                db.execute("SELECT item FROM flags WHERE flag_key = ?", (flag_key,)).fetchone()
                if flag_key
                else None
            )
            if row and json.loads(row[0]).get("answer") is not None:
                return before  # a double click or a Slack retry: answered once
            after = apply_owner_action(
                before,
                action,
                step_id=step_id,
                note=note,
                by_user=by_user,
                plan_step_ids=plan_step_ids,
            )
            if flag_key is None and after == before:
                return before  # e.g. a double-submitted pause: recorded once
            self._write_state(db, before, after, f"owner:{action.value}", by_user, at, note)
            if row:
                item = json.loads(row[0]) | {
                    "answer": action.value,
                    "answered_by": by_user,
                    "answered_at": at.isoformat(),
                }
                db.execute(
                    "UPDATE flags SET item = ? WHERE flag_key = ?", (json.dumps(item), flag_key)
                )
            return after

    def record_step_done(
        self,
        customer_id: str,
        step_id: str,
        *,
        by_user: str,
        at: datetime,
        plan_step_ids: tuple[str, ...],
    ) -> tuple[CustomerState, bool]:
        with self._tx() as db:
            before = self._journey(db, customer_id).state
            after = apply_step_done(before, step_id, plan_step_ids)
            if after == before:
                return before, False
            self._write_state(db, before, after, f"done:{step_id}", by_user, at, None)
            return after, True

    def record_unsubscribed(
        self, customer_id: str, *, by_user: str, at: datetime
    ) -> tuple[CustomerState, bool]:
        with self._tx() as db:
            before = self._journey(db, customer_id).state
            if before.unsubscribed:
                return before, False
            after = replace(before, unsubscribed=True)
            self._write_state(db, before, after, "unsubscribed", by_user, at, None)
            return after, True

    def _write_state(
        self,
        db: sqlite3.Connection,
        before: CustomerState,
        after: CustomerState,
        action: str,
        by_user: str,
        at: datetime,
        note: str | None,
    ) -> None:
        db.execute(
            "INSERT OR REPLACE INTO state VALUES (?, ?)",
            (after.customer_id, json.dumps(state_as_dict(after))),
        )
        db.execute(
            "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?)",
            (
                after.customer_id,
                at.isoformat(),
                action,
                by_user,
                json.dumps(state_as_dict(before)),
                json.dumps(state_as_dict(after) | ({"note": note} if note else {})),
            ),
        )
        if after.finished and not before.finished:
            self._archive(db, after.customer_id, at)

    def _archive(self, db: sqlite3.Connection, customer_id: str, at: datetime) -> None:
        """og-sends-archive: the finished journey's sends, keyed by journey id."""
        journey_id = f"{customer_id}@{at.date().isoformat()}"
        rows = db.execute("SELECT * FROM sends WHERE customer_id = ?", (customer_id,)).fetchall()
        for row in rows:
            db.execute(
                "INSERT OR REPLACE INTO sends_archive VALUES (?, ?, ?, ?)",
                (customer_id, journey_id, row[1], json.dumps(send_item(_send_from_row(row)))),
            )

    def audit_trail(self, customer_id: str) -> list[AuditEntry]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT * FROM audit WHERE customer_id = ? ORDER BY ts, rowid", (customer_id,)
            ).fetchall()
        return [_audit_entry(r) for r in rows]

    def audit_between(self, start: datetime, end: datetime) -> list[AuditEntry]:
        with self._tx() as db:
            rows = db.execute("SELECT * FROM audit ORDER BY rowid").fetchall()
        # Compared as instants: ts text may carry different UTC offsets.
        entries = [_audit_entry(r) for r in rows]
        return sorted((e for e in entries if start <= e.ts < end), key=lambda e: e.ts)

    def archived_sends(self, customer_id: str) -> list[tuple[str, SendRecord]]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT journey_id, item FROM sends_archive WHERE customer_id = ?", (customer_id,)
            ).fetchall()
        return [(r[0], send_from_item(json.loads(r[1]))) for r in rows]

    # --- proposals from forwarded welcome emails -------------------------------------------------
    def save_proposal(self, proposal: Proposal) -> bool:
        with self._tx() as db:
            row = db.execute(
                "SELECT item FROM proposals WHERE proposal_key = ?", (proposal.key,)
            ).fetchone()
            if row and json.loads(row[0]).get("decision"):
                return False
            db.execute(
                "INSERT OR REPLACE INTO proposals VALUES (?, ?)",
                (proposal.key, json.dumps(proposal_item(proposal))),
            )
            return True

    def proposal(self, key: str) -> Proposal | None:
        with self._tx() as db:
            row = db.execute("SELECT item FROM proposals WHERE proposal_key = ?", (key,)).fetchone()
        return proposal_from_item(json.loads(row[0])) if row else None

    def pending_proposals(self) -> list[Proposal]:
        with self._tx() as db:
            rows = db.execute("SELECT item FROM proposals").fetchall()
        proposals = (proposal_from_item(json.loads(r[0])) for r in rows)
        return sorted((p for p in proposals if p.decision is None), key=lambda p: p.proposed_at)

    def decide_proposal(
        self,
        key: str,
        decision: ProposalDecision,
        *,
        row: dict[str, str],
        by_user: str,
        at: datetime,
    ) -> Proposal | None:
        with self._tx() as db:
            found = db.execute(
                "SELECT item FROM proposals WHERE proposal_key = ?", (key,)
            ).fetchone()
            if found is None:
                return None
            before = proposal_from_item(json.loads(found[0]))
            if before.decision is not None:
                return None
            after = replace(
                before, row=dict(row), decision=decision, decided_by=by_user, decided_at=at
            )
            db.execute(
                "UPDATE proposals SET item = ? WHERE proposal_key = ?",
                (json.dumps(proposal_item(after)), key),
            )
            action, audit_before, audit_after = proposal_audit(before, decision, row)
            db.execute(
                "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?)",
                (
                    row["customer_id"],
                    at.isoformat(),
                    action,
                    by_user,
                    json.dumps(audit_before),
                    json.dumps(audit_after),
                ),
            )
            return after

    # --- the list problem report ---------------------------------------------------------------


_SEND_COLUMNS = (
    "customer_id",
    "send_key",
    "step_id",
    "kind",
    "status",
    "attempt",
    "sent_at",
    "local_date",
    "channel",
    "recipient",
    "message_id",
)


def _audit_entry(r: tuple[Any, ...]) -> AuditEntry:
    return AuditEntry(
        r[0], datetime.fromisoformat(r[1]), r[2], r[3], json.loads(r[4]), json.loads(r[5])
    )


def _send_from_row(row: tuple[Any, ...]) -> SendRecord:
    return send_from_item(dict(zip(_SEND_COLUMNS, row, strict=True)))
