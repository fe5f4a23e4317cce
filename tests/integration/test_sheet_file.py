"""The local sheet: onboarding.csv in the og home, written as the owner wrote it (header order,
aliases, line endings, quoting), and rules.txt / voice.txt as the docs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from og.adapters.local.sheet_file import CsvSheet, TextDocs
from og.core.errors import ListLayoutError

ANA = {
    "customer_id": "hh-2001",
    "name": "Ana Lima",
    "email": "ana@example.com",
    "plan": "Starter",
    "signup_at": "2026-12-09T02:00:00Z",
}
AT = datetime(2026, 12, 14, 3, 0, tzinfo=UTC)


def _sheet(tmp_path: Path, text: str) -> tuple[CsvSheet, Path]:
    path = tmp_path / "onboarding.csv"
    path.write_bytes(text.encode())
    return CsvSheet(path), path


def test_append_follows_the_owners_header_and_line_endings(tmp_path: Path) -> None:
    sheet, path = _sheet(
        tmp_path,
        "\ufeffSignup date,Customer ID,Name,E-mail,Plan,Notes\r\n"
        '2026-12-01,hh-1001,"Tan, Mei",mei@x.example,Starter,"two\r\nlines"',  # no final break
    )

    assert sheet.append_customer({**ANA, "name": 'Ana "Nina" Lima'}) is True

    assert path.read_bytes().decode() == (
        "\ufeffSignup date,Customer ID,Name,E-mail,Plan,Notes\r\n"
        '2026-12-01,hh-1001,"Tan, Mei",mei@x.example,Starter,"two\r\nlines"\r\n'
        '2026-12-09T02:00:00Z,hh-2001,"Ana ""Nina"" Lima",ana@example.com,Starter,\r\n'
    )


def test_append_skips_a_customer_already_listed_and_refuses_a_value_without_column(
    tmp_path: Path,
) -> None:
    text = "customer_id,name,email,plan,signup_at\nhh-2001,Ana,ana@example.com,Starter,2026-12-01\n"
    sheet, path = _sheet(tmp_path, text)

    assert sheet.append_customer(ANA) is False
    with pytest.raises(ListLayoutError, match=r"onboarding\.csv: no 'timezone' column"):
        sheet.append_customer({**ANA, "customer_id": "hh-2002", "timezone": "Europe/Lisbon"})
    assert path.read_text() == text


def test_mark_finished_adds_the_column_once_and_keeps_the_first_finish(tmp_path: Path) -> None:
    sheet, path = _sheet(
        tmp_path,
        "customer_id,name,email,plan,signup_at\n"
        "hh-1,Mei,mei@x.example,Starter,2026-12-01\n"
        "hh-2,Arjun,arjun@x.example,Pro,2026-12-01\n",
    )

    assert sheet.mark_finished("hh-2", AT) is True
    assert sheet.mark_finished("hh-2", datetime(2026, 12, 20, tzinfo=UTC)) is True
    assert sheet.mark_finished("hh-9", AT) is False

    assert path.read_text() == (
        "customer_id,name,email,plan,signup_at,finished_at\n"
        "hh-1,Mei,mei@x.example,Starter,2026-12-01,\n"
        "hh-2,Arjun,arjun@x.example,Pro,2026-12-01,2026-12-14T03:00:00Z\n"
    )


def test_mark_finished_uses_the_owners_finished_column(tmp_path: Path) -> None:
    sheet, path = _sheet(
        tmp_path,
        "Finished,customer_id,name,email,plan,signup_at\n,hh-1,Mei,mei@x.example,Starter,2026-12-01\n",
    )
    assert sheet.mark_finished("hh-1", AT) is True
    assert path.read_text().splitlines()[1] == (
        "2026-12-14T03:00:00Z,hh-1,Mei,mei@x.example,Starter,2026-12-01"
    )


def test_exports_are_the_files_with_their_modification_time(tmp_path: Path) -> None:
    (tmp_path / "rules.txt").write_text("\ufeffPlan: Starter\n")
    (tmp_path / "voice.txt").write_text("=== problems ===\n")
    sheet, _ = _sheet(tmp_path, "customer_id,name\n")

    text, version = sheet.export_csv()
    rules, rules_version = TextDocs(tmp_path).export_text("rules")

    assert text == "customer_id,name\n"
    assert rules == "Plan: Starter\n"
    assert datetime.fromisoformat(version).tzinfo is not None
    assert datetime.fromisoformat(rules_version) <= datetime.now(UTC)
    with pytest.raises(ValueError, match="unknown doc 'config'"):
        TextDocs(tmp_path).export_text("config")
