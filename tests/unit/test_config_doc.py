from datetime import date, time
from pathlib import Path
from textwrap import dedent

import pytest

from og.core.config_doc import (
    owner_slack_id_in,
    parse_config,
    parse_config_file,
    read_config_entries,
)
from og.core.errors import DocumentError, Problem

GOOD = dedent(
    """\
    # settings
    business_name: Harbour & Hearth Bakery Supplies
    timezone: Asia/Singapore
    quiet_hours: 20:00-08:00
    weekend: Saturday, Sunday
    holidays: SG
    closed_dates: 2026-12-24, 2026-12-31
    sender: Harbour & Hearth <hello@harbourhearth.example>
    reply_to: orders@harbourhearth.example
    owner_slack_id: U0OWNER01
    done_link_base: http://localhost:8787/done
    """
)


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(DocumentError) as info:
        parse_config_file(text)
    return info.value.problems


def with_line(key: str, value: str) -> str:
    """GOOD with `key` set to `value` (on its original line)."""
    lines = [
        f"{key}: {value}" if line.startswith(f"{key}:") else line for line in GOOD.splitlines()
    ]
    return "\n".join(lines) + "\n"


def line_of(key: str) -> int:
    return next(i for i, line in enumerate(GOOD.splitlines(), 1) if line.startswith(f"{key}:"))


def only_problem(key: str, value: str) -> Problem:
    problems = problems_of(with_line(key, value))
    assert len(problems) == 1, problems
    p = problems[0]
    assert (p.source, p.line, p.field) == ("config.txt", line_of(key), key)
    return p


def test_parses_config() -> None:
    config = parse_config_file(GOOD)
    assert config.business_name == "Harbour & Hearth Bakery Supplies"
    assert config.timezone == "Asia/Singapore"
    assert config.sender == "Harbour & Hearth <hello@harbourhearth.example>"
    assert config.reply_to == "orders@harbourhearth.example"
    assert config.owner_slack_id == "U0OWNER01"
    assert config.done_link_base == "http://localhost:8787/done"
    cal = config.calendar
    assert (cal.quiet_start, cal.quiet_end) == (time(20, 0), time(8, 0))
    assert cal.weekend_days == frozenset({5, 6})
    assert (cal.holiday_country, cal.holiday_subdivision) == ("SG", None)
    assert cal.closed_dates == frozenset({date(2026, 12, 24), date(2026, 12, 31)})


def test_google_docs_export_noise_and_equals_signs() -> None:
    text = (
        "\ufeff\u2022 Business Name = Harbour\u00a0&\u00a0Hearth\r\n"
        "* TIMEZONE\t=\tAsia/Singapore\r\n"
        "1. quiet-hours: 20:00\u201308:00\r\n"
        "weekend: sat\u200b, SUN\r\n"
        "holidays: us-ca\r\n"
        "sender: \u201cHarbour & Hearth\u201d <hello@harbourhearth.example>\r\n"
        "owner_slack_id: W0OWNER01\r\n"
    )
    config = parse_config_file(text)
    assert config.business_name == "Harbour & Hearth"
    assert config.timezone == "Asia/Singapore"
    assert (config.calendar.quiet_start, config.calendar.quiet_end) == (time(20), time(8))
    assert config.calendar.weekend_days == frozenset({5, 6})
    assert (config.calendar.holiday_country, config.calendar.holiday_subdivision) == ("US", "CA")
    assert config.sender == "Harbour & Hearth <hello@harbourhearth.example>"
    assert config.owner_slack_id == "W0OWNER01"
    assert (config.reply_to, config.done_link_base, config.calendar.closed_dates) == (
        None,
        None,
        frozenset(),
    )


def test_none_values() -> None:
    text = with_line("quiet_hours", "none")
    for key in ("weekend", "holidays", "closed_dates", "reply_to", "done_link_base"):
        text = text.replace(next(x for x in text.splitlines() if x.startswith(key)), f"{key}: none")
    config = parse_config_file(text)
    cal = config.calendar
    assert cal.quiet_start == cal.quiet_end
    assert cal.weekend_days == frozenset()
    assert cal.holiday_country is None
    assert config.reply_to is None and config.done_link_base is None


def test_parse_config_from_parameter_store() -> None:
    entries = {
        key: (value, f"/og/config/{key}")
        for key, value in (line.split(": ", 1) for line in GOOD.splitlines()[1:])
    }
    assert parse_config(entries) == parse_config_file(GOOD)
    entries["timezone"] = ("Mars/Olympus", "/og/config/timezone")
    del entries["sender"]
    with pytest.raises(DocumentError) as info:
        parse_config(entries, source="/og/config")
    assert [str(p) for p in info.value.problems] == [
        "/og/config, sender: missing setting; add it, for example "
        "'sender: Harbour & Hearth <hello@harbourhearth.example>'",
        "/og/config/timezone, timezone: 'Mars/Olympus' is not an IANA timezone name "
        "(like Asia/Singapore or Europe/London)",
    ]


def test_read_config_entries_round_trips_line_numbers() -> None:
    entries = read_config_entries(with_line("weekend", "Funday"))
    assert entries["timezone"] == ("Asia/Singapore", "config.txt line 3")
    with pytest.raises(DocumentError) as info:
        parse_config(entries)
    (p,) = info.value.problems
    assert (p.source, p.line, p.field) == ("config.txt", 5, "weekend")


def test_read_config_entries_rejects_bad_lines() -> None:
    with pytest.raises(DocumentError) as info:
        read_config_entries("timezone: UTC\nwhat is this\ntimezone: UTC\n")
    assert [(p.line, p.field) for p in info.value.problems] == [(2, None), (3, "timezone")]


def test_unknown_key() -> None:
    (p,) = problems_of(GOOD + "colour: blue\n")
    assert (p.line, p.field) == (12, "colour")
    assert "unknown setting 'colour'" in p.message
    assert "owner_slack_id" in p.message


def test_duplicate_key() -> None:
    (p,) = problems_of(GOOD + "timezone: UTC\n")
    assert (p.line, p.field) == (12, "timezone")
    assert "set twice (first on line 3)" in p.message


def test_missing_and_empty_required_keys() -> None:
    text = GOOD.replace("owner_slack_id: U0OWNER01\n", "").replace(
        "business_name: Harbour & Hearth Bakery Supplies", "business_name:"
    )
    problems = problems_of(text)
    assert [str(p) for p in problems] == [
        "config.txt line 2, business_name: no value; write it like "
        "'business_name: Harbour & Hearth Bakery Supplies'",
        "config.txt, owner_slack_id: missing setting; add it, for example "
        "'owner_slack_id: U0123ABCD'",
    ]


def test_bad_timezone_suggests_spelling() -> None:
    p = only_problem("timezone", "asia/singapore")
    assert "did you mean 'Asia/Singapore'?" in p.message
    p = only_problem("timezone", "Singapore Time")
    assert "not an IANA timezone" in p.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("8pm-8am", "has a time that is not HH:MM"),
        ("20:00", "is not a time range"),
        ("25:00-08:00", "has a time that is not HH:MM"),
        ("08:00-08:00", "starts and ends at the same time"),
    ],
)
def test_bad_quiet_hours(value: str, expected: str) -> None:
    assert expected in only_problem("quiet_hours", value).message


def test_quiet_hours_forms() -> None:
    for value in ("20:00 - 08:00", "20:00\u201308:00", "20:00 to 8:00", "20-8"):
        cal = parse_config_file(with_line("quiet_hours", value)).calendar
        assert (cal.quiet_start, cal.quiet_end) == (time(20), time(8)), value


def test_weekend_forms() -> None:
    for value, days in (
        ("Friday, Saturday", {4, 5}),
        ("fri and sat", {4, 5}),
        ("Sun", {6}),
        ("Thurs; Fri", {3, 4}),
    ):
        config = parse_config_file(with_line("weekend", value))
        assert config.calendar.weekend_days == frozenset(days), value


def test_bad_weekend() -> None:
    assert "'Sa' is not a day of the week" in only_problem("weekend", "Sa, Su").message
    everyday = "Mon, Tue, Wed, Thu, Fri, Sat, Sun"
    assert "nothing could ever be sent" in only_problem("weekend", everyday).message


def test_bad_holidays() -> None:
    assert "no holiday calendar for country 'XX'" in only_problem("holidays", "XX").message
    p = only_problem("holidays", "US-ZZ")
    assert "no region 'ZZ' in the holiday calendar of US" in p.message
    assert "CA" in p.message
    assert "is not a holiday calendar" in only_problem("holidays", "Singapore!").message


def test_bad_closed_dates() -> None:
    p = only_problem("closed_dates", "2026-12-24, 25/12/2026")
    assert "'25/12/2026' is not a date" in p.message
    assert "'2026-02-30' is not a date" in only_problem("closed_dates", "2026-02-30").message


@pytest.mark.parametrize(
    "value",
    [
        "hello",
        "hello@harbourhearth",
        "hello@@harbourhearth.example",
        "Harbour <hello@harbour hearth.example>",
        "a@b.example, c@d.example",
    ],
)
def test_bad_sender(value: str) -> None:
    p = only_problem("sender", value)
    assert "Your Shop <hello@example.com>" in p.message


def test_sender_name_with_specials_is_quoted() -> None:
    config = parse_config_file(with_line("sender", '"Harbour, Hearth" <hello@hh.example>'))
    assert config.sender == '"Harbour, Hearth" <hello@hh.example>'
    config = parse_config_file(with_line("sender", "hello@hh.example"))
    assert config.sender == "hello@hh.example"


def test_bad_reply_to() -> None:
    assert "not an email address" in only_problem("reply_to", "orders").message


@pytest.mark.parametrize("value", ["@owner", "u0owner01", "Jane Owner", "C0CHANNEL1"])
def test_bad_slack_id(value: str) -> None:
    assert "is not a Slack member ID" in only_problem("owner_slack_id", value).message


@pytest.mark.parametrize(
    "value",
    [
        "http://guide.example/done",
        "ftp://guide.example/done",
        "guide.example/done",
        "https://guide.example/done#top",
        "https://guide example/done",
        "https://guide.example:99999/done",
    ],
)
def test_bad_done_link_base(value: str) -> None:
    p = only_problem("done_link_base", value)
    assert "https://" in p.message


def test_good_done_link_base() -> None:
    for value in ("https://guide.example/done", "http://127.0.0.1:8787/done?x=1"):
        assert parse_config_file(with_line("done_link_base", value)).done_link_base == value


def test_all_problems_reported_together() -> None:
    text = with_line("timezone", "Nowhere")
    text = text.replace("holidays: SG", "holidays: ZZ").replace("U0OWNER01", "owner")
    with pytest.raises(DocumentError) as info:
        parse_config_file(text, source="my-config.txt")
    assert [(p.source, p.line, p.field) for p in info.value.problems] == [
        ("my-config.txt", 3, "timezone"),
        ("my-config.txt", 6, "holidays"),
        ("my-config.txt", 10, "owner_slack_id"),
    ]


def test_bundled_example_config() -> None:
    path = Path(__file__).resolve().parents[2] / "examples" / "config.txt"
    config = parse_config_file(path.read_text(encoding="utf-8"))
    assert config.business_name == "Harbour & Hearth Bakery Supplies"
    assert config.timezone == "Asia/Singapore"
    assert config.sender == "Harbour & Hearth <hello@harbourhearth.example>"
    assert config.owner_slack_id == "U0OWNER01"
    assert config.done_link_base == "http://localhost:8765/done"
    cal = config.calendar
    assert (cal.quiet_start, cal.quiet_end) == (time(20, 0), time(8, 0))
    assert cal.weekend_days == frozenset({5, 6})
    assert cal.holiday_country == "SG"


def test_the_owner_to_tell_is_read_even_from_a_config_with_other_problems() -> None:
    broken = read_config_entries(GOOD.replace("Asia/Singapore", "Asia/Singapur"))
    with pytest.raises(DocumentError):
        parse_config(broken)

    assert owner_slack_id_in(broken) == parse_config_file(GOOD).owner_slack_id
    assert owner_slack_id_in({"/og/config/owner_slack_id": (" U0OWNER01 ", "ssm")}) == "U0OWNER01"
    assert owner_slack_id_in({"owner_slack_id": ("@siti", "config.txt line 3")}) is None
    assert owner_slack_id_in({"timezone": ("Asia/Singapore", "config.txt line 2")}) is None
