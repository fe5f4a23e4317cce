"""`og sync --home H --from DIR`: drive-sync from a folder standing in for Google Drive (DIR
holds onboarding.csv, rules.txt and voice.txt as the owner exports them) into the og home, whose
files are the documents in force locally. The same logic as the Lambda (og.logic.drive_sync): a
file that fails og validate's checks is kept out — the home keeps its last good version — and
the owner is told once in the home's Slack log; an unchanged file is not written."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from og.adapters.local.config_file import ConfigFile
from og.adapters.local.home_documents import HomeDocuments
from og.adapters.local.once import SqliteOnce
from og.adapters.local.sheet_file import CsvSheet, TextDocs
from og.adapters.local.slack_log import SlackLogChat
from og.core.errors import DriveSyncFailed
from og.local.home_lock import HomeLock
from og.logic import drive_sync
from og.logic.documents import DocPlaces

FILES = ("onboarding.csv", "rules.txt", "voice.txt")


def sync_from(home: Path, folder: Path) -> list[drive_sync.Mirrored]:
    """Each file's outcome; a file that could not be read or written is reported among them
    (as "failed"), as is a kept-out file the owner could not be told about."""
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder} is not a folder; --from names the folder holding the owner's exports "
            f"({', '.join(FILES)})"
        )

    def now() -> datetime:
        return datetime.now(UTC)

    ports = drive_sync.DriveSyncPorts(
        sheet=CsvSheet(folder / "onboarding.csv"),
        owner_docs=TextDocs(folder),
        documents=HomeDocuments(home),
        config=ConfigFile(home / "config.txt"),
        chat=SlackLogChat(home / "slack.jsonl", clock=now),
        once=SqliteOnce(home / "og.sqlite"),
        clock=now,
        at=DocPlaces("home", "onboarding.csv", "home", "rules.txt", "voice.txt"),
    )
    lock = HomeLock(home)
    lock.acquire()
    try:
        return [drive_sync.Mirrored(**r) for r in drive_sync.sync(ports)]
    except DriveSyncFailed as err:
        return [drive_sync.Mirrored(**asdict(r)) for r in err.results]  # type: ignore[call-overload]
    finally:
        lock.release()


def describe(home: Path, folder: Path, results: Sequence[drive_sync.Mirrored]) -> list[str]:
    lines = [f"og sync: {folder} -> {home}"]
    for r in results:
        name = r.target.rsplit("/", 1)[-1]
        if r.outcome == "kept out":
            told = "the owner was told in Slack" if r.told else "the owner could NOT be told"
            lines.append(f"  {name}: kept out, the home keeps its last good version ({told}):")
            lines += [f"    {p}" for p in r.detail.splitlines()]
        elif r.outcome == "written" and r.detail:
            lines.append(f"  {name}: written; the tick will skip these rows:")
            lines += [f"    {p}" for p in r.detail.splitlines()]
        else:
            lines.append(f"  {name}: {r.outcome}" + (f" ({r.detail})" if r.detail else ""))
    return lines


def cmd_sync(args: argparse.Namespace) -> int:
    """0 when every file was written or unchanged; 1 when one was kept out or failed."""
    if not (args.home / "config.txt").exists():
        raise FileNotFoundError(f"{args.home} is not an og home (no config.txt); run: og init")
    results = sync_from(args.home, args.source)
    print("\n".join(describe(args.home, args.source, results)))
    return 0 if all(r.outcome in ("written", "unchanged") for r in results) else 1
