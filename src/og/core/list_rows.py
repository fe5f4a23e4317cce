"""Writing to the onboarding list: where a new row's values go under the owner's header, which
row holds a customer, and where the finished_at column is. Shared by the Google Sheet and the
local onboarding.csv, which both hand over the list as rows of cells."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from og.core.customer_list import FINISHED_COLUMN, REQUIRED_COLUMNS, column_key, column_of
from og.core.errors import ListLayoutError
from og.core.text import normalize_cell

__all__ = ["ListLayout", "find_customer", "list_layout", "new_row", "utc_text"]

# Header cells the owner may give the finished_at column (compared as column keys).
_FINISHED_HEADERS = frozenset({FINISHED_COLUMN, "finished"})


@dataclass(frozen=True, slots=True)
class ListLayout:
    header_index: int  # index of the header among the rows (rows above it are empty)
    width: int  # cells in the header row
    columns: Mapping[str, int]  # list column (customer_id, ...) -> cell index
    finished: int | None  # cell index of finished_at, if the owner has that column


def list_layout(rows: Sequence[Sequence[str]], source: str) -> ListLayout:
    """The header is the first row with a value, as the list parser reads it."""
    for index, cells in enumerate(rows):
        values = [normalize_cell(c) for c in cells]
        if not any(values):
            continue
        columns: dict[str, int] = {}
        finished = None
        for i, value in enumerate(values):
            column = column_of(value)
            if column is not None:
                columns.setdefault(column, i)
            elif finished is None and column_key(value) in _FINISHED_HEADERS:
                finished = i
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise ListLayoutError(
                f"{source}: the header row has no column {', '.join(repr(c) for c in missing)}; "
                f"it needs {', '.join(REQUIRED_COLUMNS)}"
            )
        return ListLayout(index, len(values), columns, finished)
    raise ListLayoutError(
        f"{source}: the list is empty; its first row must be the header: "
        + ", ".join(REQUIRED_COLUMNS)
    )


def new_row(layout: ListLayout, values: Mapping[str, str], source: str) -> list[str]:
    """`values` (list column -> value) as cells under the header. A value with no column to go
    to is an error rather than silently lost; an empty one is simply left out."""
    cells = [""] * layout.width
    for column, value in values.items():
        if not value:
            continue
        if column not in layout.columns:
            raise ListLayoutError(
                f"{source}: no '{column}' column for the value {value!r}; add a '{column}' "
                "column to the header row"
            )
        cells[layout.columns[column]] = value
    return cells


def find_customer(
    rows: Sequence[Sequence[str]], layout: ListLayout, customer_id: str
) -> int | None:
    """Index of the first row below the header whose customer_id is `customer_id`."""
    at = layout.columns["customer_id"]
    for index in range(layout.header_index + 1, len(rows)):
        cells = rows[index]
        if at < len(cells) and normalize_cell(cells[at]) == customer_id:
            return index
    return None


def utc_text(at: datetime) -> str:
    """A moment as the list writes it: 2026-12-01T01:15:00Z."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
