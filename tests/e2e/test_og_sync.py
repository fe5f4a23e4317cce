"""`og sync --home H --from DIR`: drive-sync from a folder standing in for Google Drive into the
og home. A broken export is kept out (the home keeps its last good version, so the next tick
runs with it) and the owner is told once; an unchanged export writes nothing. The local stack
then mirrors the home into its S3 with drive-sync's own code."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from og.cli import main as og
from og.local.stack import LocalStack

from .support import Home

MON = date(2026, 12, 14)
MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T08:00:00+08:00,,,"
DAY_ZERO = (
    "rules.txt line 9, Day: step 'welcome': 'zero' is not a day; write a whole number of days "
    "after signup, 0 or more, like 'Day: 2'"
)


def _drive(home: Home) -> Path:
    """The owner's exports: at first the very files of the home."""
    drive = home.path.parent / "drive"
    drive.mkdir()
    for name in ("onboarding.csv", "rules.txt", "voice.txt"):
        shutil.copyfile(home.path / name, drive / name)
    return drive


def _sync(home: Home, drive: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = og(["sync", "--home", str(home.path), "--from", str(drive)])
    return code, capsys.readouterr().out.splitlines()[1:]


def test_og_sync_keeps_a_broken_doc_out_tells_once_and_the_tick_runs_on_the_last_good(
    make_home: Callable[..., Home], capsys: pytest.CaptureFixture[str]
) -> None:
    home = make_home([MEI])
    drive = _drive(home)
    good_rules = (home.path / "rules.txt").read_bytes()
    assert _sync(home, drive, capsys) == (
        0,
        ["  onboarding.csv: unchanged", "  rules.txt: unchanged", "  voice.txt: unchanged"],
    )

    rules = drive / "rules.txt"
    rules.write_text(rules.read_text(encoding="utf-8").replace("Day: 0", "Day: zero", 1))
    (drive / "voice.txt").write_text((drive / "voice.txt").read_text() + "\n# a note\n")
    first = _sync(home, drive, capsys)
    again = _sync(home, drive, capsys)

    assert first == (
        1,
        [
            "  onboarding.csv: unchanged",
            "  rules.txt: kept out, the home keeps its last good version (the owner was told "
            "in Slack):",
            f"    {DAY_ZERO}",
            "  voice.txt: written",
        ],
    )
    assert again == (1, [first[1][0], *first[1][1:3], "  voice.txt: unchanged"])
    assert (home.path / "rules.txt").read_bytes() == good_rules
    assert (home.path / "voice.txt").read_text().endswith("# a note\n")
    [post] = home.slack("chat.postMessage")
    assert post["payload"]["channel"] == "U0OWNER01"
    assert post["payload"]["text"].startswith("rules.txt was not published: 1 problem.")

    with home.stack() as s:
        monday = s.tick(MON)  # the last good rules: Mei's welcome goes out
    assert monday.ok and [m.to for m in home.outbox()] == [
        "Mei Ling Tan <meiling@kopibakes.example>"
    ]

    rules.write_text(rules.read_text(encoding="utf-8").replace("Day: zero", "Day: 0", 1) + "#\n")
    assert _sync(home, drive, capsys)[1][1] == "  rules.txt: written"
    assert (home.path / "rules.txt").read_text(encoding="utf-8").endswith("#\n")
    assert len(home.slack("chat.postMessage")) == 1


def test_og_sync_names_a_missing_export_and_what_it_did_with_the_others(
    make_home: Callable[..., Home], capsys: pytest.CaptureFixture[str]
) -> None:
    home = make_home([MEI])
    drive = _drive(home)
    (drive / "voice.txt").unlink()
    (drive / "rules.txt").write_text((drive / "rules.txt").read_text() + "\n# a note\n")

    code, lines = _sync(home, drive, capsys)

    assert code == 1
    assert lines[1] == "  rules.txt: written"
    assert lines[2].startswith("  voice.txt: failed (FileNotFoundError: ")
    assert og(["sync", "--home", str(home.path), "--from", str(drive / "nowhere")]) == 2
    assert "is not a folder; --from names the folder" in capsys.readouterr().err


def test_the_local_stack_mirrors_the_home_with_drive_syncs_code_writing_only_what_changed(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    rules, voice = home.path / "rules.txt", home.path / "voice.txt"
    with LocalStack(home.path) as s:
        s3 = s.engine.client("s3")
        bucket = s.engine.template.buckets["RulesSourceBucket"]

        def mirrored(key: str) -> dict[str, str]:
            return dict(s3.head_object(Bucket=bucket, Key=key)["Metadata"])

        s.sync_documents()
        before = {key: mirrored(key) for key in ("rules.txt", "voice.txt")}
        os.utime(rules, (rules.stat().st_atime, rules.stat().st_mtime + 60))  # saved, unchanged
        voice.write_text(voice.read_text() + "\n#\n")
        s.sync_documents()
        after = {key: mirrored(key) for key in ("rules.txt", "voice.txt")}

    assert after["rules.txt"] == before["rules.txt"]  # not written: the same content
    assert after["voice.txt"]["og-content-sha256"] != before["voice.txt"]["og-content-sha256"]
    assert after["voice.txt"]["og-source-version"] > before["voice.txt"]["og-source-version"]
