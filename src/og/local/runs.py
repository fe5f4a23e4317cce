"""What the local engine keeps of executions once its process is gone, so `og history` can show
a customer's executions and their events (in AWS: the Step Functions console)."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path

from og.local.engine import ExecutionRecord

_SCHEMA = """CREATE TABLE IF NOT EXISTS executions (
  name TEXT PRIMARY KEY, state_machine TEXT NOT NULL, status TEXT NOT NULL,
  started_at TEXT NOT NULL, item TEXT NOT NULL)"""


class RunLog:
    def __init__(self, path: Path):
        self.path = path
        with sqlite3.connect(path) as db:
            db.execute(_SCHEMA)

    def save(self, records: list[ExecutionRecord]) -> None:
        with sqlite3.connect(self.path) as db:
            db.executemany(
                "INSERT OR REPLACE INTO executions VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        r.name,
                        r.state_machine,
                        r.status,
                        r.started_at.isoformat(),
                        json.dumps(asdict(r), default=str),
                    )
                    for r in records
                ],
            )

    def count_named(self, prefix: str) -> int:
        with sqlite3.connect(self.path) as db:
            row = db.execute(
                "SELECT COUNT(*) FROM executions WHERE substr(name, 1, ?) = ?",
                (len(prefix), prefix),
            ).fetchone()
        return int(row[0])

    def clock_after_runs(self, now: datetime) -> datetime:
        """`now`, or an hour after the latest run started or ended if that is later: in a home
        ticked for a future date (`og tick --date`), an answer or a click comes after that tick
        and after the sends its journeys made in their send windows."""
        with sqlite3.connect(self.path) as db:
            row = db.execute(
                "SELECT MAX(started_at), MAX(json_extract(item, '$.stopped_at')) FROM executions"
            ).fetchone()
        moments = [datetime.fromisoformat(v) for v in row if v]
        return max(now, max(moments) + timedelta(hours=1)) if moments else now

    def for_customer(self, customer_id: str) -> list[ExecutionRecord]:
        with sqlite3.connect(self.path) as db:
            rows = db.execute(
                "SELECT name, item FROM executions WHERE substr(name, 1, ?) = ? "
                "ORDER BY started_at",
                (len(customer_id) + 1, f"{customer_id}-"),
            ).fetchall()
        # <customer>-<YYYY-MM-DD>-<move>: another id may start with this one and a dash
        return [
            _record(json.loads(item))
            for name, item in rows
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}-[a-z_]+", name[len(customer_id) + 1 :])
        ]


def _record(item: dict[str, object]) -> ExecutionRecord:
    def when(value: object) -> datetime | None:
        return datetime.fromisoformat(str(value)) if value else None

    return ExecutionRecord(
        **(
            item
            | {  # type: ignore[arg-type]
                "started_at": when(item["started_at"]),
                "stopped_at": when(item["stopped_at"]),
            }
        )
    )
