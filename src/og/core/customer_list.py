"""The onboarding list: a CSV mirrored from the owner's Google Sheet, one customer per row.

A missing column makes the whole list unusable (DocumentError). A bad row is reported as a
RowProblem and skipped; every other row goes ahead. RowProblem messages depend only on the row
(never on the clock), so the same problem keeps the same key from one tick to the next.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from email.utils import getaddresses, parseaddr
from zoneinfo import ZoneInfo

from og.core.config_doc import email_address_problem, timezone_problem
from og.core.errors import DocumentError, Problem
from og.core.models import Customer, Plan, RowProblem, Rules
from og.core.rules_doc import plan_key
from og.core.text import normalize_cell

__all__ = [
    "COLUMNS",
    "CUSTOMER_ID_PATTERN",
    "FINISHED_COLUMN",
    "REQUIRED_COLUMNS",
    "CustomerList",
    "check_row",
    "column_key",
    "column_of",
    "list_delimiter",
    "parse_customer_list",
    "read_customer_list",
]

CUSTOMER_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")

REQUIRED_COLUMNS = ("customer_id", "name", "email", "plan", "signup_at")
COLUMNS = (*REQUIRED_COLUMNS, "timezone", "owner")
# Set by done-handler when a journey finishes, if the owner's sheet has the column; the guide
# itself never reads it.
FINISHED_COLUMN = "finished_at"
_ALIASES = {
    "customer_id": "customer_id",
    "signup_id": "customer_id",
    "name": "name",
    "email": "email",
    "e_mail": "email",
    "plan": "plan",
    "signup_at": "signup_at",
    "signup_date": "signup_at",
    "signed_up_at": "signup_at",
    "timezone": "timezone",
    "time_zone": "timezone",
    "owner": "owner",
}

_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def parse_customer_list(
    text: str,
    rules: Rules,
    now: datetime,
    business_tz: str,
    source: str = "onboarding.csv",
) -> tuple[list[Customer], list[RowProblem]]:
    """The usable customers, in list order, and one RowProblem per problem in a skipped row.

    Naive signup times are read in the row's timezone, else `business_tz`; all signup times come
    out in UTC. Raises DocumentError when the header lacks a required column.
    """
    return read_customer_list(text, rules, business_tz, source).as_of(now)


@dataclass(frozen=True, slots=True)
class _ListRow:
    line: int
    customer_id: str  # as problems name it: "" when it is not a usable id
    problems: tuple[tuple[str, str], ...]  # (field, message), all but a signup in the future
    customer: Customer | None  # when there is no such problem
    signup_at: datetime | None
    raw_signup: str


@dataclass(frozen=True, slots=True)
class CustomerList:
    """The list read and checked, all but the one check that depends on the clock (a signup in
    the future): reading a long list is work, and a warm environment keeps it while the text is
    the same."""

    source: str
    rows: tuple[_ListRow, ...]

    def as_of(self, now: datetime) -> tuple[list[Customer], list[RowProblem]]:
        """parse_customer_list's answer at `now`."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        customers: list[Customer] = []
        problems: list[RowProblem] = []
        for row in self.rows:
            found = row.problems
            if row.signup_at is not None and row.signup_at > now:
                found += (_in_the_future(row.raw_signup),)
            if found:
                problems.extend(
                    RowProblem(self.source, row.line, row.customer_id, f, m) for f, m in found
                )
            elif row.customer is not None:
                customers.append(row.customer)
        return customers, problems


def read_customer_list(
    text: str, rules: Rules, business_tz: str, source: str = "onboarding.csv"
) -> CustomerList:
    """The list as parse_customer_list reads it, before the clock is looked at."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=list_delimiter(text))
    business_zone = ZoneInfo(business_tz)

    header: dict[str, int] | None = None
    header_width = 0
    rows: list[_ListRow] = []
    claimed_ids: set[str] = set()
    last_line = 0
    try:
        for cells in reader:
            line = last_line + 1
            last_line = reader.line_num
            values = [normalize_cell(c) for c in cells]
            if not any(values):
                continue
            if header is None:
                header = _header(values, line, source)
                header_width = len(values)
                continue
            row = {c: values[i] if i < len(values) else "" for c, i in header.items()}
            cid = row["customer_id"] if CUSTOMER_ID_PATTERN.match(row["customer_id"]) else ""
            if any(values[header_width:]):
                # The columns have shifted, so every other check would blame the wrong column.
                message = (
                    f"has {len(values)} values but the header has {header_width} columns; "
                    "put a value that contains a comma in double quotes"
                )
                rows.append(_ListRow(line, cid, (("row", message),), None, None, ""))
                continue
            customer, found, signup_at = _row(row, line, rules, None, business_zone, claimed_ids)
            rows.append(_ListRow(line, cid, tuple(found), customer, signup_at, row["signup_at"]))
    except csv.Error as exc:
        raise DocumentError(
            [Problem(source, reader.line_num, None, f"not a readable CSV file: {exc}")]
        ) from exc

    if header is None:
        raise _empty_list(source)
    return CustomerList(source, tuple(rows))


def _empty_list(source: str) -> DocumentError:
    return DocumentError(
        [
            Problem(
                source,
                None,
                None,
                "the list is empty; its first row must be the header: "
                + ", ".join(REQUIRED_COLUMNS),
            )
        ]
    )


def check_row(
    row: Mapping[str, str],
    rules: Rules,
    now: datetime,
    business_tz: str,
    *,
    source: str,
    line: int = 0,
) -> tuple[Customer | None, list[RowProblem]]:
    """One row that did not come from the sheet (a row proposed from a forwarded welcome email,
    say), checked exactly as a row of the list is. `row` maps column names (COLUMNS) to values;
    a missing column counts as empty. Returns the customer, or None and its problems."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    values = {column: normalize_cell(row.get(column, "")) for column in COLUMNS}
    customer, found, _ = _row(values, line, rules, now, ZoneInfo(business_tz), set())
    cid = values["customer_id"] if CUSTOMER_ID_PATTERN.match(values["customer_id"]) else ""
    return customer, [RowProblem(source, line, cid, f, m) for f, m in found]


def column_key(header_cell: str) -> str:
    """A header cell as a key: case, spaces, dashes and underscores do not matter."""
    return "_".join(header_cell.replace("-", " ").replace("_", " ").split()).lower()


def column_of(header_cell: str) -> str | None:
    """The list column a header cell names (`Customer ID` -> customer_id, `Signup date` ->
    signup_at), or None for the owner's own columns."""
    return _ALIASES.get(column_key(header_cell))


def list_delimiter(text: str) -> str:
    """`,` — or `;` / a tab when the header row has none of the commas, as Excel saves a CSV
    where the decimal mark is a comma (much of Europe) or as "Unicode text"."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    if "," not in header:
        for delimiter in (";", "\t"):
            if delimiter in header:
                return delimiter
    return ","


def _header(values: list[str], line: int, source: str) -> dict[str, int]:
    columns: dict[str, int] = {}
    problems: list[Problem] = []
    for index, value in enumerate(values):
        column = column_of(value)
        if column is None:
            continue  # the owner's own columns (notes, ...) are fine
        if column in columns:
            problems.append(
                Problem(
                    source,
                    line,
                    column,
                    f"two columns mean {column}: '{values[columns[column]]}' and '{value}'; "
                    "keep one",
                )
            )
            continue
        columns[column] = index
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            problems.append(
                Problem(
                    source,
                    line,
                    column,
                    f"missing column '{column}'; the header row needs "
                    + ", ".join(REQUIRED_COLUMNS)
                    + f" (found: {', '.join(v for v in values if v)})",
                )
            )
    if problems:
        raise DocumentError(problems)
    return columns


def _row(
    row: Mapping[str, str],
    line: int,
    rules: Rules,
    now: datetime | None,
    business_zone: ZoneInfo,
    claimed_ids: set[str],
) -> tuple[Customer | None, list[tuple[str, str]], datetime | None]:
    """The row's customer, or None and its problems; and its signup time. With `now` None a
    signup in the future is not checked (CustomerList.as_of checks it)."""
    problems: list[tuple[str, str]] = []
    cid = row["customer_id"]
    _check_customer_id(cid, claimed_ids, problems)
    name = row["name"]
    _check_name(name, problems)
    email = _checked_email(row["email"], problems)
    plan = _checked_plan(row["plan"], rules, problems)
    zone = _checked_zone(row.get("timezone", "") or None, business_zone, problems)
    signup_at = _checked_signup(row["signup_at"], zone, now, problems)
    if problems or plan is None or email is None or signup_at is None:
        return None, problems, signup_at
    return (
        Customer(
            customer_id=cid,
            name=name,
            email=email,
            plan=plan.key,
            signup_at=signup_at,
            timezone=row.get("timezone", "") or None,
            owner=row.get("owner", "") or None,
            line=line,
        ),
        [],
        signup_at,
    )


def _check_customer_id(cid: str, claimed_ids: set[str], problems: list[tuple[str, str]]) -> None:
    if not cid:
        problems.append(("customer_id", "missing; every row needs a customer_id"))
    elif not CUSTOMER_ID_PATTERN.match(cid):
        problems.append(
            (
                "customer_id",
                f"'{_clip(cid)}' is not allowed; use 1 to 40 letters, digits, '-' or '_', "
                "starting with a letter or digit (it becomes part of the name of the customer's "
                "AWS Step Functions execution)",
            )
        )
    elif cid in claimed_ids:
        problems.append(
            (
                "customer_id",
                f"duplicate customer_id '{cid}'; an earlier row has the same id, so this row "
                "is skipped",
            )
        )
    else:
        claimed_ids.add(cid)


def _check_name(name: str, problems: list[tuple[str, str]]) -> None:
    if not name:
        problems.append(("name", "missing; every row needs the customer's name"))
    elif _CONTROL.search(name):
        problems.append(("name", "contains a line break or control character"))


def _checked_email(raw_email: str, problems: list[tuple[str, str]]) -> str | None:
    email = _email(raw_email)
    if not raw_email:
        problems.append(("email", "missing; every row needs an email address"))
    elif email is None:
        problems.append(("email", f"'{_clip(raw_email)}' is not a valid email address"))
    return email


def _checked_plan(raw_plan: str, rules: Rules, problems: list[tuple[str, str]]) -> Plan | None:
    plan = rules.plans.get(plan_key(raw_plan))
    known = ", ".join(p.name for p in rules.plans.values())
    if not raw_plan:
        problems.append(("plan", f"missing; the plans are {known}"))
    elif plan is None:
        problems.append(("plan", f"unknown plan '{_clip(raw_plan)}'; the plans are {known}"))
    return plan


def _checked_zone(
    row_tz: str | None, business_zone: ZoneInfo, problems: list[tuple[str, str]]
) -> tzinfo:
    """The row's timezone, else the business's (also when the row's is wrong)."""
    if row_tz is None:
        return business_zone
    why = timezone_problem(row_tz)
    if why:
        problems.append(("timezone", why))
        return business_zone
    return ZoneInfo(row_tz)


def _checked_signup(
    raw_signup: str, zone: tzinfo, now: datetime | None, problems: list[tuple[str, str]]
) -> datetime | None:
    if not raw_signup:
        problems.append(("signup_at", "missing; write the signup date like 2026-12-01"))
        return None
    signup_at = _signup(raw_signup, zone)
    if signup_at is None:
        problems.append(
            (
                "signup_at",
                f"'{_clip(raw_signup)}' is not a date and time; write it like "
                "2026-12-01T09:30:00+08:00, 2026-12-01 09:30 (in the row's timezone) or "
                "2026-12-01",
            )
        )
    elif now is not None and signup_at > now:
        problems.append(_in_the_future(raw_signup))
    return signup_at


def _in_the_future(raw_signup: str) -> tuple[str, str]:
    return ("signup_at", f"'{raw_signup}' is in the future")


@functools.lru_cache(maxsize=16384)
def _email(raw: str) -> str | None:
    """The address in a list cell. Cached: the list is read again after each change, and the
    stdlib's address parsing of every row was most of the time reading it."""
    if not raw or len(getaddresses([raw])) != 1:
        return None
    _, addr = parseaddr(raw)
    # parseaddr quietly drops spaces inside an address; the address must be there as written.
    if not addr or addr not in raw or email_address_problem(addr):
        return None
    return addr


def _signup(raw: str, zone: tzinfo) -> datetime | None:
    if not _DATE_TIME.match(raw):
        return None
    try:
        if _DATE_ONLY.match(raw):
            at = datetime.combine(date.fromisoformat(raw), time(0, 0), zone)
        else:
            at = datetime.fromisoformat(raw.upper().replace(" ", "T", 1).replace(" ", ""))
            if at.tzinfo is None:
                at = at.replace(tzinfo=zone)
    except ValueError:
        return None
    return at.astimezone(UTC)


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
