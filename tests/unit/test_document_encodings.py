"""Lists and docs as owners' spreadsheet programs really save them: UTF-8 with or without a BOM,
Excel's "Unicode text" (UTF-16), Excel's "CSV" in Windows-1252, and the `;`-separated CSV of an
Excel whose decimal mark is a comma."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime

import pytest

from og.core.customer_list import list_delimiter, parse_customer_list
from og.core.errors import DocumentError
from og.core.rules_doc import parse_rules
from og.core.text import decode_export

RULES = parse_rules("Plan: Starter\nStep: welcome\nTitle: Welcome\nDay: 0\n", "rules.txt")
NOW = datetime(2026, 12, 14, 1, 0, tzinfo=UTC)
LIST = (
    "customer_id,name,email,plan,signup_at\n"
    "c-1,Zoë Café,zoe@example.com,Starter,2026-12-10\n"
    'c-2,"Smith, Jane",jane@example.com,Starter,2026-12-11\n'
)


def _customers(data: bytes) -> list[tuple[str, str]]:
    customers, problems = parse_customer_list(
        decode_export(data, "onboarding.csv"), RULES, NOW, "UTC"
    )
    assert problems == []
    return [(c.customer_id, c.name) for c in customers]


EXPECTED = [("c-1", "Zoë Café"), ("c-2", "Smith, Jane")]


@pytest.mark.parametrize(
    "data",
    [
        LIST.encode("utf-8"),
        codecs.BOM_UTF8 + LIST.encode("utf-8"),
        LIST.encode("utf-16"),  # with its BOM, as Excel's "Unicode text"
        LIST.replace(",", ";").replace('"Smith; Jane"', "Smith, Jane").encode("utf-8"),
    ],
    ids=["utf-8", "utf-8 with BOM", "utf-16", "semicolons"],
)
def test_a_list_is_read_the_same_however_it_was_saved(data: bytes) -> None:
    assert _customers(data) == EXPECTED


def test_a_windows_1252_list_is_refused_with_the_line_and_how_to_save_it() -> None:
    with pytest.raises(DocumentError) as err:
        decode_export(LIST.encode("cp1252"), "onboarding.csv")
    (problem,) = err.value.problems
    assert (problem.source, problem.line) == ("onboarding.csv", 2)
    assert "is not UTF-8 text (byte 0xeb at column 7" in problem.message
    assert "'CSV UTF-8 (Comma delimited)'" in problem.message


def test_a_windows_1252_doc_is_told_to_be_saved_as_utf8_text() -> None:
    with pytest.raises(DocumentError, match=r"rules.txt line 3: .*save it as UTF-8 text"):
        decode_export("Plan: Starter\n\nTitle: Café\n".encode("cp1252"), "rules.txt")


def test_the_delimiter_is_the_header_rows() -> None:
    assert list_delimiter("\n\ncustomer_id;name;email\n") == ";"
    assert list_delimiter("customer_id\tname\temail\n") == "\t"
    assert list_delimiter("customer_id,name;nickname,email\n") == ","
    assert list_delimiter("") == ","
