"""OnboardingSheet and OwnerDocs in the og home: onboarding.csv is the sheet, rules.txt and
voice.txt are the docs. The version of each is its modification time, as Drive's modifiedTime."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from og.adapters.ports import OWNER_DOC_NAMES
from og.core.customer_list import FINISHED_COLUMN, list_delimiter
from og.core.list_rows import find_customer, list_layout, new_row, utc_text
from og.core.text import decode_export


def _version(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime_ns / 1e9, UTC).isoformat()


class CsvSheet:
    def __init__(self, path: Path):
        self.path = path

    def _rows(self) -> tuple[str, list[list[str]]]:
        text = self.path.read_bytes().decode("utf-8")  # as written: keeps \r\n line endings
        cells = csv.reader(
            io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=list_delimiter(text)
        )
        return text, list(cells)

    def export_csv(self) -> tuple[str, str]:
        return decode_export(self.path.read_bytes(), self.path.name), _version(self.path)

    def append_customer(self, row: Mapping[str, str]) -> bool:
        text, rows = self._rows()
        layout = list_layout(rows, self.path.name)
        if find_customer(rows, layout, row.get("customer_id", "")) is not None:
            return False
        cells = new_row(layout, row, self.path.name)
        out = io.StringIO()
        csv.writer(out, lineterminator=_line_ending(text), delimiter=list_delimiter(text)).writerow(
            cells
        )
        # A file saved without a final line break would glue the new row onto the last one.
        separator = "" if text.endswith(("\n", "\r")) or not text else _line_ending(text)
        with self.path.open("a", encoding="utf-8", newline="") as f:
            f.write(separator + out.getvalue())
        return True

    def mark_finished(self, customer_id: str, at: datetime) -> bool:
        text, rows = self._rows()
        layout = list_layout(rows, self.path.name)
        index = find_customer(rows, layout, customer_id)
        if index is None:
            return False
        column = layout.finished
        if column is None:
            column = layout.width
            rows[layout.header_index :] = [
                _padded(r, column) if any(r) else r for r in rows[layout.header_index :]
            ]
            rows[layout.header_index][column] = FINISHED_COLUMN
        row = _padded(rows[index], column)
        if row[column].strip():
            return True  # the first finish stands; a later click changes nothing
        row[column] = utc_text(at)
        rows[index] = row
        out = io.StringIO()
        writer = csv.writer(out, lineterminator=_line_ending(text), delimiter=list_delimiter(text))
        writer.writerows(rows)
        bom = "\ufeff" if text.startswith("\ufeff") else ""
        self.path.write_text(bom + out.getvalue(), encoding="utf-8", newline="")
        return True


class TextDocs:
    def __init__(self, home: Path):
        self.home = home

    def export_text(self, name: str) -> tuple[str, str]:
        if name not in OWNER_DOC_NAMES:
            raise ValueError(f"unknown doc {name!r}; the docs are {', '.join(OWNER_DOC_NAMES)}")
        path = self.home / f"{name}.txt"
        return decode_export(path.read_bytes(), path.name), _version(path)


def _line_ending(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _padded(cells: list[str], index: int) -> list[str]:
    return cells + [""] * (index + 1 - len(cells)) if len(cells) <= index else list(cells)
