from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from og.core.config_doc import parse_config_file
from og.core.customer_list import parse_customer_list, read_customer_list
from og.core.errors import DocumentError
from og.core.models import Customer, RowProblem
from og.core.rules_doc import parse_rules

RULES = parse_rules("Plan: Starter\nStep: welcome\nDay: 0\nPlan: Pro\nStep: welcome\nDay: 0\n")
NOW = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
TZ = "Asia/Singapore"
HEADER = "customer_id,name,email,plan,signup_at,timezone,owner\n"


def parse(text: str, now: datetime = NOW) -> tuple[list[Customer], list[RowProblem]]:
    return parse_customer_list(text, RULES, now, TZ)


def one_problem(row: str) -> RowProblem:
    customers, problems = parse(HEADER + row + "\n")
    assert customers == []
    assert len(problems) == 1, problems
    assert problems[0].line == 2
    assert problems[0].source == "onboarding.csv"
    return problems[0]


def test_parses_rows() -> None:
    text = HEADER + (
        "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-01T09:15:00+08:00,,Siti\n"
        "c_2,Sarah O'Connor,sarah@loaf.example,pro,2026-12-02 10:00,America/New_York,\n"
    )
    customers, problems = parse(text)
    assert problems == []
    assert customers == [
        Customer(
            customer_id="c-1",
            name="Mei Ling Tan",
            email="meiling@kopibakes.example",
            plan="starter",
            signup_at=datetime(2026, 12, 1, 1, 15, tzinfo=UTC),
            timezone=None,
            owner="Siti",
            line=2,
        ),
        Customer(
            customer_id="c_2",
            name="Sarah O'Connor",
            email="sarah@loaf.example",
            plan="pro",
            signup_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
            timezone="America/New_York",
            owner=None,
            line=3,
        ),
    ]
    assert customers[0].signup_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "tz", "expected"),
    [
        ("2026-12-01T09:15:00Z", "", datetime(2026, 12, 1, 9, 15, tzinfo=UTC)),
        ("2026-12-01t09:15:00z", "", datetime(2026, 12, 1, 9, 15, tzinfo=UTC)),
        ("2026-12-01T09:15:00.5-05:00", "", datetime(2026, 12, 1, 14, 15, 0, 500000, UTC)),
        ("2026-12-01 09:15 +0800", "", datetime(2026, 12, 1, 1, 15, tzinfo=UTC)),
        ("2026-12-01 09:15", "", datetime(2026, 12, 1, 1, 15, tzinfo=UTC)),
        ("2026-12-01 09:15", "Europe/London", datetime(2026, 12, 1, 9, 15, tzinfo=UTC)),
        ("2026-12-01", "", datetime(2026, 11, 30, 16, 0, tzinfo=UTC)),
        ("2026-12-01", "America/New_York", datetime(2026, 12, 1, 5, 0, tzinfo=UTC)),
    ],
)
def test_signup_forms(value: str, tz: str, expected: datetime) -> None:
    customers, problems = parse(HEADER + f"c1,Ann Lee,ann@x.example,Starter,{value},{tz},\n")
    assert problems == []
    assert customers[0].signup_at == expected


def test_header_aliases_case_and_spaces() -> None:
    text = (
        "\ufeffSignup ID , NAME,E-mail,Plan,Signed Up At,Time Zone,notes\r\n"
        'c1,Ann Lee,ann@x.example,Starter,2026-12-01,,"a, b"\r\n'
    )
    customers, problems = parse(text)
    assert problems == []
    assert [c.customer_id for c in customers] == ["c1"]


def test_missing_columns_make_the_list_unusable() -> None:
    with pytest.raises(DocumentError) as info:
        parse("\nid,name,mail,plan,signup_at\nc1,Ann,ann@x.example,Starter,2026-12-01\n")
    assert [(p.source, p.line, p.field) for p in info.value.problems] == [
        ("onboarding.csv", 2, "customer_id"),
        ("onboarding.csv", 2, "email"),
    ]
    assert "missing column 'customer_id'" in str(info.value)
    assert "found: id, name, mail, plan, signup_at" in str(info.value)


def test_two_columns_for_one_field() -> None:
    with pytest.raises(DocumentError, match="two columns mean signup_at"):
        parse("customer_id,name,email,plan,signup_at,signup_date\n")


def test_empty_list() -> None:
    with pytest.raises(DocumentError, match="the list is empty"):
        parse("\n\n")


def test_header_only_is_an_empty_list() -> None:
    assert parse(HEADER) == ([], [])


@pytest.mark.parametrize("cid", ["-c1", "c 1", "c.1", "a" * 41, "c\u00e91"])
def test_bad_customer_id(cid: str) -> None:
    p = one_problem(f'"{cid}",Ann Lee,ann@x.example,Starter,2026-12-01,,')
    assert p.field == "customer_id"
    assert p.customer_id == ""
    assert "Step Functions" in p.message
    assert str(p).startswith("onboarding.csv line 2, customer_id: ")


def test_duplicate_customer_id_keeps_first() -> None:
    text = HEADER + (
        "c1,Ann Lee,ann@x.example,Starter,2026-12-01,,\n"
        "c2,Bo Tan,bo@x.example,Starter,2026-12-01,,\n"
        "c1,Ann Again,ann2@x.example,Starter,2026-12-02,,\n"
    )
    customers, problems = parse(text)
    assert [c.name for c in customers] == ["Ann Lee", "Bo Tan"]
    assert [str(p) for p in problems] == [
        "onboarding.csv line 4 (customer c1), customer_id: duplicate customer_id 'c1'; an "
        "earlier row has the same id, so this row is skipped"
    ]


@pytest.mark.parametrize(
    "email",
    ["ann", "ann@@x.example", "ann@x", "ann lee@x.example", "ann@x .example", "a@x.example b@x.y"],
)
def test_bad_email(email: str) -> None:
    p = one_problem(f"c1,Ann Lee,{email},Starter,2026-12-01,,")
    assert (p.field, p.customer_id) == ("email", "c1")
    assert "is not a valid email address" in p.message


def test_email_with_display_name_is_accepted() -> None:
    customers, _ = parse(HEADER + 'c1,Ann Lee,"Ann <ann@x.example>",Starter,2026-12-01,,\n')
    assert customers[0].email == "ann@x.example"


def test_unknown_plan_lists_plans() -> None:
    p = one_problem("c1,Ann Lee,ann@x.example,Enterprise,2026-12-01,,")
    assert str(p) == (
        "onboarding.csv line 2 (customer c1), plan: unknown plan 'Enterprise'; "
        "the plans are Starter, Pro"
    )


@pytest.mark.parametrize("value", ["12/1/2026", "2026-13-01", "yesterday", "2026-12-01T9"])
def test_bad_signup(value: str) -> None:
    p = one_problem(f"c1,Ann Lee,ann@x.example,Starter,{value},,")
    assert p.field == "signup_at"
    assert f"'{value}' is not a date and time" in p.message


def test_signup_in_the_future() -> None:
    row = "c1,Ann Lee,ann@x.example,Starter,2026-12-10 09:01,,"
    p = one_problem(row)
    assert (p.field, p.message) == ("signup_at", "'2026-12-10 09:01' is in the future")
    # The message does not depend on the clock, so the problem keeps its key.
    _, later = parse(HEADER + row + "\n", now=datetime(2026, 12, 10, 0, 30, tzinfo=UTC))
    assert [x.key for x in later] == [p.key]
    customers, _ = parse(HEADER + row.replace("09:01", "09:00") + "\n")
    assert len(customers) == 1


def test_bad_timezone() -> None:
    p = one_problem("c1,Ann Lee,ann@x.example,Starter,2026-12-01,Mars/Base,")
    assert p.field == "timezone"
    assert "'Mars/Base' is not an IANA timezone" in p.message


def test_missing_values_all_reported() -> None:
    customers, problems = parse(HEADER + "c1,,,,,,\n")
    assert customers == []
    assert [p.field for p in problems] == ["name", "email", "plan", "signup_at"]
    assert all(p.line == 2 and p.customer_id == "c1" for p in problems)


def test_name_with_line_break_rejected() -> None:
    p = one_problem('c1,"Ann\nBcc: x@y.z",ann@x.example,Starter,2026-12-01,,')
    assert p.field == "name"


def test_physical_line_numbers_with_quoted_newlines_and_blank_rows() -> None:
    text = (
        "customer_id,name,email,plan,signup_at,notes\r\n"
        'c1,Ann Lee,ann@x.example,Starter,2026-12-01,"two\r\nlines, with comma"\r\n'
        "\r\n"
        ",,,,,\r\n"
        "c2,Bo Tan,bo@,Starter,2026-12-01,\r\n"
        'c3,"Tan, Mei",mei@x.example,Starter,2026-12-01,"a\nb\nc"\r\n'
        "c4,Di Ng,di@x.example,Basic,2026-12-01,\r\n"
    )
    customers, problems = parse(text)
    assert [(c.customer_id, c.line, c.name) for c in customers] == [
        ("c1", 2, "Ann Lee"),
        ("c3", 7, "Tan, Mei"),
    ]
    assert [(p.customer_id, p.line, p.field) for p in problems] == [
        ("c2", 6, "email"),
        ("c4", 10, "plan"),
    ]


def test_unquoted_comma_shifts_columns() -> None:
    p = one_problem("c1,Tan, Mei,mei@x.example,Starter,2026-12-01,Asia/Singapore,Siti")
    assert p.field == "row"
    assert (p.customer_id, p.message) == (
        "c1",
        "has 8 values but the header has 7 columns; put a value that contains a comma in "
        "double quotes",
    )


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_customer_list(HEADER, RULES, datetime(2026, 12, 10), TZ)


def test_bundled_example_list() -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    rules = parse_rules((examples / "rules.txt").read_bytes().decode("utf-8"))
    config = parse_config_file((examples / "config.txt").read_text(encoding="utf-8"))
    text = (examples / "onboarding.csv").read_bytes().decode("utf-8")
    customers, problems = parse_customer_list(text, rules, NOW, config.timezone)
    assert len(customers) == 12
    assert {c.timezone for c in customers} == {None, "America/New_York", "Europe/London"}
    assert all(
        datetime(2026, 12, 1, tzinfo=UTC) - timedelta(hours=8)
        <= c.signup_at
        < datetime(2026, 12, 10, tzinfo=UTC)
        for c in customers
    )
    assert [(p.customer_id, p.field) for p in problems] == [
        ("hh-1007", "email"),
        ("hh-1009", "plan"),
    ]


def test_a_list_read_once_answers_for_any_hour_as_a_fresh_parse_would() -> None:
    text = HEADER + (
        "c1,Ann Lee,ann@x.example,Starter,2026-12-10 08:00,,\n"
        "c2,Bo Tan,bo@x.example,Starter,2026-12-10 10:00,,\n"  # 02:00 UTC
        "c2,Cy Ong,not-an-email,Nope,2026-12-11,,\n"  # a taken id, bad email and plan; future
        "c3,Di Lim,di@x.example,Pro,2026-12-12,,\n"
        "c4,Ed Koh,ed@x.example,Pro,2026-12-09,,,extra\n"
    )
    customer_list = read_customer_list(text, RULES, TZ)
    hours = [NOW + timedelta(hours=h) for h in (-2, 0, 1, 2, 30, 60)]

    for now in hours:
        assert customer_list.as_of(now) == parse(text, now)
    at_one, at_two = customer_list.as_of(NOW), customer_list.as_of(NOW + timedelta(hours=1))
    assert [c.customer_id for c in at_one[0]] == ["c1"]
    assert [c.customer_id for c in at_two[0]] == ["c1", "c2"]  # Bo signed up at 02:00 UTC
    assert [(p.line, p.field) for p in at_two[1] if p.line == 4] == [
        (4, "customer_id"),
        (4, "email"),
        (4, "plan"),
        (4, "signup_at"),
    ]
    with pytest.raises(ValueError, match="timezone-aware"):
        customer_list.as_of(datetime(2026, 12, 10, 1, 0))
