"""The Google file settings (sheet_id, rules_doc_id, voice_doc_id): optional in the config, an id
or the file's address, and readable one at a time by the Google adapters."""

import pytest

from og.core.config_doc import drive_file_id, parse_config_file
from og.core.errors import DocumentError

SHEET = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd"
BASE = """business_name: Acme
timezone: Asia/Singapore
quiet_hours: none
weekend: none
holidays: none
sender: hello@acme.example
owner_slack_id: U0OWNER01
"""


def test_the_settings_are_optional_and_take_an_id_or_an_address() -> None:
    assert parse_config_file(BASE).sheet_id is None
    config = parse_config_file(
        BASE
        + f"sheet_id: https://docs.google.com/spreadsheets/d/{SHEET}/edit#gid=0\n"
        + "Rules doc id: 1BcDeFgHiJkLmNoPqRsTuVwXyZ0123456789\n"
        + "voice-doc-id: https://docs.google.com/document/d/1CdEfGhIjKlMnOpQrStUvWxYz01/edit\n"
    )
    assert config.sheet_id == SHEET
    assert config.rules_doc_id == "1BcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
    assert config.voice_doc_id == "1CdEfGhIjKlMnOpQrStUvWxYz01"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("my sheet", "'my sheet' is not a Google Drive file id; paste the file's address"),
        (
            f"https://example.com/spreadsheets/d/{SHEET}/edit",
            "is not the address of a Google Doc or Sheet",
        ),
        ("https://docs.google.com/spreadsheets/u/0/", "is not the address of a Google Doc"),
    ],
)
def test_a_bad_id_is_named_by_line_and_setting(value: str, message: str) -> None:
    with pytest.raises(DocumentError) as raised:
        parse_config_file(BASE + f"sheet_id: {value}\n")
    [problem] = raised.value.problems
    assert (problem.source, problem.line, problem.field) == ("config.txt", 8, "sheet_id")
    assert message in problem.message


def test_one_id_is_read_on_its_own_whatever_else_the_config_says() -> None:
    entries = {
        "timezone": ("Mars", "/og/config/timezone"),
        "sheet_id": (SHEET, "/og/config/sheet_id"),
        "voice_doc_id": ("nope", "/og/config/voice_doc_id"),
    }
    assert drive_file_id(entries, "sheet_id", source="/og/config") == SHEET
    with pytest.raises(DocumentError, match=r"^/og/config, rules_doc_id: missing setting; add it"):
        drive_file_id(entries, "rules_doc_id", source="/og/config")
    with pytest.raises(DocumentError, match=r"^/og/config/voice_doc_id, voice_doc_id: 'nope'"):
        drive_file_id(entries, "voice_doc_id", source="/og/config")
    with pytest.raises(ValueError, match="timezone is not one of sheet_id"):
        drive_file_id(entries, "timezone")
