"""og.sqlite, the og home's database, as the store and Once use it: WAL mode, one immediate
transaction per operation, on one connection kept open for the life of the adapter (handlers run
on the engine's threads; the lock takes them one at a time)."""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class SqliteFile:
    def __init__(self, path: Path, schema: str):
        self.path = path
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        with sqlite3.connect(self.path) as db:
            # WAL with NORMAL sync: committed work survives a crashed process (not a power cut),
            # without an fsync per claim.
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(schema)

    def _connection(self) -> sqlite3.Connection:
        # Kept open: closing the last connection to a WAL database checkpoints it (three
        # fsyncs), which every operation paid when each opened its own.
        if self._db is None:
            self._db = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA synchronous=NORMAL")
            weakref.finalize(self, self._db.close)
        return self._db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = self._connection()
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
