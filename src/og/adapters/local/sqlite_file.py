"""og.sqlite, the og home's database, as the store and Once use it: WAL mode, one short-lived
connection and one immediate transaction per operation (handlers run on the engine's threads)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class SqliteFile:
    def __init__(self, path: Path, schema: str):
        self.path = path
        self._lock = threading.RLock()
        with sqlite3.connect(self.path) as db:
            # WAL with NORMAL sync: committed work survives a crashed process (not a power cut),
            # without an fsync per claim.
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(schema)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA synchronous=NORMAL")
            try:
                db.execute("BEGIN IMMEDIATE")
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            finally:
                db.close()
