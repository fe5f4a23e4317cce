"""og.sqlite keeps one connection per adapter (closing the last connection to a WAL database
checkpoints it, three fsyncs per operation): what one process commits is seen, and claimed only
once, by another process while that connection stays open."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from og.adapters.local import sqlite_file
from og.adapters.local.once import SqliteOnce
from og.adapters.ports import OnceOutcome

AT = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def _claim_in_another_process(db: Path, key: str) -> str:
    code = textwrap.dedent(
        f"""
        from datetime import UTC, datetime
        from pathlib import Path
        from og.adapters.local.once import SqliteOnce
        once = SqliteOnce(Path({str(db)!r}))
        print(once.claim({key!r}, "other-process", datetime(2026, 12, 2, 2, tzinfo=UTC)).value)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def test_a_claim_is_seen_by_another_process_while_the_connection_stays_open(
    tmp_path: Path,
) -> None:
    db = tmp_path / "og.sqlite"
    once = SqliteOnce(db)
    assert once.claim("post:flag:c-1", "this-process", AT) is OnceOutcome.CLAIMED

    assert _claim_in_another_process(db, "post:flag:c-1") == OnceOutcome.IN_DOUBT.value
    assert _claim_in_another_process(db, "post:flag:c-2") == OnceOutcome.CLAIMED.value
    assert once.claim("post:flag:c-2", "this-process", AT) is OnceOutcome.IN_DOUBT


def test_one_connection_serves_every_operation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    connect = sqlite3.connect

    def counted(*args: object, **kwargs: object) -> sqlite3.Connection:
        opened.append(str(args[0]))
        return connect(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sqlite_file.sqlite3, "connect", counted)
    once = SqliteOnce(tmp_path / "og.sqlite")
    for i in range(20):
        once.claim(f"key-{i}", "attempt", AT)

    assert len(opened) == 2  # the schema's, then the one the claims share


def test_a_failed_operation_rolls_back_and_the_connection_goes_on(tmp_path: Path) -> None:
    file = sqlite_file.SqliteFile(tmp_path / "og.sqlite", "CREATE TABLE t (k TEXT PRIMARY KEY);")
    with pytest.raises(sqlite3.IntegrityError), file.transaction() as db:
        db.execute("INSERT INTO t VALUES ('a')")
        db.execute("INSERT INTO t VALUES ('a')")
    with file.transaction() as db:
        db.execute("INSERT INTO t VALUES ('b')")
        rows = db.execute("SELECT k FROM t").fetchall()

    assert rows == [("b",)]
