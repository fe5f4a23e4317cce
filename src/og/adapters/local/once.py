"""Once on SQLite, in the store's og.sqlite: the same rules as the DynamoDB flavour."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path

from og.adapters.local.sqlite_file import SqliteFile
from og.adapters.ports import OnceOutcome

_SCHEMA = """
CREATE TABLE IF NOT EXISTS once_claims (key TEXT PRIMARY KEY, attempt TEXT NOT NULL,
  status TEXT NOT NULL, claimed_at TEXT NOT NULL, result TEXT);
"""


class SqliteOnce:
    def __init__(self, path: Path):
        self.path = path
        self._file = SqliteFile(path, _SCHEMA)

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._file.transaction()

    def claim(self, key: str, attempt: str, at: datetime) -> OnceOutcome:
        with self._tx() as db:
            if _marked_the_old_way(db, key):
                return OnceOutcome.DONE
            row = db.execute(
                "SELECT attempt, status FROM once_claims WHERE key = ?", (key,)
            ).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO once_claims VALUES (?, ?, 'claimed', ?, NULL)",
                    (key, attempt, at.isoformat()),
                )
                return OnceOutcome.CLAIMED
            if row[1] == "done":
                return OnceOutcome.DONE
            return OnceOutcome.CLAIMED if row[0] == attempt else OnceOutcome.IN_DOUBT

    def confirm(self, key: str, attempt: str, result: str, at: datetime) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE once_claims SET status = 'done', result = ? WHERE key = ? AND attempt = ?",
                (result, key, attempt),
            )

    def result(self, key: str) -> str | None:
        with self._tx() as db:
            row = db.execute(
                "SELECT result FROM once_claims WHERE key = ? AND status = 'done'", (key,)
            ).fetchone()
        return row[0] if row else None

    def release(self, key: str, attempt: str) -> None:
        with self._tx() as db:
            db.execute(
                "DELETE FROM once_claims WHERE key = ? AND attempt = ? AND status = 'claimed'",
                (key, attempt),
            )

    def unclaimed(self, keys: list[str]) -> list[str]:
        with self._tx() as db:
            seen = {r[0] for r in db.execute("SELECT key FROM once_claims").fetchall()}
            if _has_old_markers(db):
                seen |= {r[0] for r in db.execute("SELECT problem_key FROM reported_problems")}
        return [k for k in keys if k not in seen]


def _marked_the_old_way(db: sqlite3.Connection, key: str) -> bool:
    # Before Once, a report was marked after its post in reported_problems (the store's table):
    # such a key was reported, so it stays done after the upgrade.
    if not _has_old_markers(db):
        return False
    found = db.execute("SELECT 1 FROM reported_problems WHERE problem_key = ?", (key,))
    return found.fetchone() is not None


def _has_old_markers(db: sqlite3.Connection) -> bool:
    return (
        db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'reported_problems'"
        ).fetchone()
        is not None
    )
