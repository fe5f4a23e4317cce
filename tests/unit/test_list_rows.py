"""Writing to the onboarding list: the owner's header decides where each value goes."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from og.core.errors import ListLayoutError
from og.core.list_rows import find_customer, list_layout, new_row, utc_text

HEADER = ["Notes", "Customer ID", "Name", "E-mail", "plan", "Signup date", "Finished at"]


def test_the_header_is_the_first_row_with_a_value_and_aliases_name_its_columns() -> None:
    rows = [[], ["", " "], HEADER, ["x", "hh-1"]]
    layout = list_layout(rows, "sheet")
    assert (layout.header_index, layout.width, layout.finished) == (2, 7, 6)
    assert dict(layout.columns) == {
        "customer_id": 1,
        "name": 2,
        "email": 3,
        "plan": 4,
        "signup_at": 5,
    }


def test_a_new_row_puts_each_value_in_its_column() -> None:
    header = ["customer_id", "name", "email", "plan", "signup_at", "notes", "timezone"]
    layout = list_layout([header], "sheet")
    row = new_row(
        layout,
        {"customer_id": "c-1", "name": "Ana", "email": "a@x.example", "plan": "Starter"}
        | {"signup_at": "2026-12-01T00:00:00Z", "timezone": "Europe/Lisbon", "owner": ""},
        "sheet",
    )
    assert row == [
        "c-1",
        "Ana",
        "a@x.example",
        "Starter",
        "2026-12-01T00:00:00Z",
        "",
        "Europe/Lisbon",
    ]


def test_a_value_with_no_column_is_an_error_naming_it() -> None:
    layout = list_layout([["customer_id", "name", "email", "plan", "signup_at"]], "the sheet")
    with pytest.raises(ListLayoutError, match=r"the sheet: no 'owner' column for the value 'Siti'"):
        new_row(layout, {"customer_id": "c-1", "owner": "Siti"}, "the sheet")


def test_a_header_without_the_required_columns_is_refused() -> None:
    with pytest.raises(ListLayoutError, match=r"no column 'email', 'signup_at'"):
        list_layout([["customer_id", "name", "plan"]], "sheet")
    with pytest.raises(ListLayoutError, match="the list is empty"):
        list_layout([[], [""]], "sheet")


def test_find_customer_looks_below_the_header_only() -> None:
    header = ["customer_id", "name", "email", "plan", "signup_at"]
    rows = [header, ["c-1"], [], ["\u00a0c-2 "], ["customer_id"]]
    layout = list_layout(rows, "sheet")
    assert find_customer(rows, layout, "c-2") == 3
    assert find_customer(rows, layout, "customer_id") == 4
    assert find_customer(rows, layout, "c-3") is None


def test_utc_text() -> None:
    singapore = timezone(timedelta(hours=8))
    assert utc_text(datetime(2026, 12, 1, 9, 15, 30, 999, tzinfo=singapore)) == (
        "2026-12-01T01:15:30Z"
    )
    assert utc_text(datetime(2026, 12, 1, tzinfo=UTC)) == "2026-12-01T00:00:00Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        utc_text(datetime(2026, 12, 1))
