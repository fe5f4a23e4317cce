"""The config: business name, timezone, send calendar, sender and the owner's Slack id.

Locally it is config.txt ("key: value" lines); deployed, the same keys are Parameter Store
parameters /og/config/<key>. Both go through parse_config, which reports every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time
from email.utils import getaddresses, parseaddr
from functools import lru_cache
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from og.core.errors import DocumentError, Problem
from og.core.models import Config, SendCalendar
from og.core.text import normalize_export, split_lines, strip_bullet

__all__ = [
    "CONFIG_KEYS",
    "GOOGLE_FILE_KEYS",
    "OPTIONAL_KEYS",
    "REQUIRED_KEYS",
    "drive_file_id",
    "email_address_problem",
    "owner_slack_id_in",
    "parse_config",
    "parse_config_file",
    "read_config_entries",
    "timezone_problem",
]

REQUIRED_KEYS = (
    "business_name",
    "timezone",
    "quiet_hours",
    "weekend",
    "holidays",
    "sender",
    "owner_slack_id",
)
OPTIONAL_KEYS = (
    "closed_dates",
    "reply_to",
    "done_link_base",
    "digest_channel",
    "summary_recipients",
    "sheet_id",
    "rules_doc_id",
    "voice_doc_id",
)
# The Google files drive-sync mirrors and enroll / done-handler write to (deployed only).
GOOGLE_FILE_KEYS = ("sheet_id", "rules_doc_id", "voice_doc_id")
CONFIG_KEYS = REQUIRED_KEYS + OPTIONAL_KEYS

_EXAMPLES = {
    "business_name": "Harbour & Hearth Bakery Supplies",
    "timezone": "Asia/Singapore",
    "quiet_hours": "20:00-08:00",
    "weekend": "Saturday, Sunday",
    "holidays": "SG",
    "sender": "Harbour & Hearth <hello@harbourhearth.example>",
    "owner_slack_id": "U0123ABCD",
    "closed_dates": "2026-12-24, 2026-12-31",
    "reply_to": "owner@harbourhearth.example",
    "done_link_base": "https://guide.harbourhearth.example/done",
    "digest_channel": "C0123ABCD",
    "summary_recipients": "owner@harbourhearth.example, Siti <siti@harbourhearth.example>",
    "sheet_id": "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd",
    "rules_doc_id": "1BcDeFgHiJkLmNoPqRsTuVwXyZ0123456789-_BcDe",
    "voice_doc_id": "1CdEfGhIjKlMnOpQrStUvWxYz0123456789-_CdEf",
}

_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9 _-]*?)\s*[:=]\s*(?P<value>.*)$")
_WHERE_LINE = re.compile(r"^(?P<source>.+) line (?P<line>\d+)$")
_CLOCK = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?$")
_RANGE_SEPARATOR = re.compile("\\s*(?:-|\u2013|\u2014|\\bto\\b)\\s*")
_LIST_SEPARATOR = re.compile(r"\s*(?:[,;/&]|\band\b)\s*", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HOLIDAYS = re.compile(r"^(?P<country>[A-Za-z]{2,3})(?:\s*[-/]\s*(?P<subdiv>[A-Za-z0-9 ]+))?$")
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{6,20}$")
_DRIVE_ID = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
_DRIVE_URL_ID = re.compile(r"/d/([A-Za-z0-9_-]+)")
_SLACK_CHANNEL = re.compile(r"^[CGDUW][A-Z0-9]{6,20}$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[A-Za-z0-9\u00a1-\uffff-]{1,63}(?<!-)$")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NONE = frozenset({"none", "no", "-"})
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

_T = TypeVar("_T")
_NO_HOLIDAYS: tuple[str | None, str | None] = (None, None)


@dataclass(frozen=True, slots=True)
class _Entry:
    value: str
    source: str
    line: int | None


def read_config_entries(text: str, source: str = "config.txt") -> dict[str, tuple[str, str]]:
    """The `key: value` lines of config.txt as key -> (value, "config.txt line N"), for
    parse_config. Raises DocumentError for lines that are not settings or repeat a key."""
    entries, problems = _read(text, source)
    if problems:
        raise DocumentError(problems)
    return {key: (e.value, f"{e.source} line {e.line}") for key, e in entries.items()}


def parse_config_file(text: str, source: str = "config.txt") -> Config:
    """Parse config.txt; raises DocumentError listing every problem found."""
    entries, problems = _read(text, source)
    return _parse(entries, source, problems)


def owner_slack_id_in(entries: Mapping[str, tuple[str, str]]) -> str | None:
    """The owner's Slack member ID from settings that may not parse as a whole (a config with
    other problems still says whom to tell about them), or None when it is missing or not one."""
    for key, (value, _) in entries.items():
        if _normalize_key(key) == "owner_slack_id" and _SLACK_ID.match(value.strip()):
            return value.strip()
    return None


def parse_config(entries: Mapping[str, tuple[str, str]], *, source: str = "config") -> Config:
    """Parse settings given as key -> (raw value, where it came from), e.g. ("Asia/Singapore",
    "/og/config/timezone"). `source` names the whole config in "missing key" problems."""
    parsed: dict[str, _Entry] = {}
    for raw_key, (value, where) in entries.items():
        match = _WHERE_LINE.match(where)
        entry = (
            _Entry(value, match["source"], int(match["line"]))
            if match
            else _Entry(value, where, None)
        )
        parsed[_normalize_key(raw_key)] = entry
    return _parse(parsed, source, [])


def _read(text: str, source: str) -> tuple[dict[str, _Entry], list[Problem]]:
    entries: dict[str, _Entry] = {}
    problems: list[Problem] = []
    for number, raw in enumerate(split_lines(normalize_export(text)), start=1):
        line = strip_bullet(raw)
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            problems.append(
                Problem(
                    source,
                    number,
                    None,
                    f"expected 'key: value' (for example 'timezone: Asia/Singapore'), found "
                    f"'{line}'",
                )
            )
            continue
        key = _normalize_key(match["key"])
        if key in entries:
            problems.append(
                Problem(
                    source,
                    number,
                    key,
                    f"'{key}' is set twice (first on line {entries[key].line}); keep one",
                )
            )
            continue
        entries[key] = _Entry(match["value"].strip(), source, number)
    return entries, problems


def _normalize_key(key: str) -> str:
    key = key.strip().rsplit("/", 1)[-1]
    return "_".join(key.replace("-", " ").replace("_", " ").split()).lower()


def _parse(entries: Mapping[str, _Entry], source: str, problems: list[Problem]) -> Config:
    read = _Settings(entries, problems)
    _check_keys(read, source, problems)
    setting = read.setting
    business_name = read.value("business_name") or ""
    timezone = setting("timezone", _timezone, "")
    calendar = _calendar(read)
    sender = setting("sender", _address, "")
    reply_to = setting("reply_to", _optional_address, None)
    owner = setting("owner_slack_id", _slack_id, "")
    done_link_base = setting("done_link_base", _done_link_base, None)
    digest_channel = setting("digest_channel", _slack_channel, None)
    summary_recipients: tuple[str, ...] = setting("summary_recipients", _address_list, ())
    sheet_id, rules_doc_id, voice_doc_id = (
        setting(key, _google_file_id, None) for key in GOOGLE_FILE_KEYS
    )

    if problems:
        raise DocumentError(problems)
    return Config(
        business_name=business_name,
        timezone=timezone,
        calendar=calendar,
        sender=sender,
        owner_slack_id=owner,
        reply_to=reply_to,
        done_link_base=done_link_base,
        digest_channel=digest_channel,
        summary_recipients=summary_recipients,
        sheet_id=sheet_id,
        rules_doc_id=rules_doc_id,
        voice_doc_id=voice_doc_id,
    )


def _check_keys(read: _Settings, source: str, problems: list[Problem]) -> None:
    """Every setting given is known, and every required one is there with a value."""
    for key in read.entries:
        if key not in CONFIG_KEYS:
            read.problem(key, f"unknown setting '{key}'; the settings are {', '.join(CONFIG_KEYS)}")
    for key in REQUIRED_KEYS:
        if key not in read.entries:
            problems.append(
                Problem(
                    source,
                    None,
                    key,
                    f"missing setting; add it, for example '{key}: {_EXAMPLES[key]}'",
                )
            )
        elif not read.entries[key].value:
            read.problem(key, f"no value; write it like '{key}: {_EXAMPLES[key]}'")


class _Settings:
    """Reads settings from the entries, noting each bad value as a problem on its line."""

    def __init__(self, entries: Mapping[str, _Entry], problems: list[Problem]) -> None:
        self.entries = entries
        self._problems = problems

    def problem(self, key: str, message: str) -> None:
        entry = self.entries[key]
        self._problems.append(Problem(entry.source, entry.line, key, message))

    def value(self, key: str) -> str | None:
        entry = self.entries.get(key)
        if entry is None or not entry.value:
            return None
        if any(ch in entry.value for ch in "\r\n"):
            self.problem(key, "the value must be on one line")
            return None
        return entry.value

    def setting(self, key: str, parse: Callable[[str], _T], default: _T) -> _T:
        raw = self.value(key)
        if raw is None:
            return default
        try:
            return parse(raw)
        except ValueError as exc:
            self.problem(key, str(exc))
            return default


def _calendar(read: _Settings) -> SendCalendar:
    setting = read.setting
    quiet_start, quiet_end = setting("quiet_hours", _quiet_hours, (time(0, 0), time(0, 0)))
    weekend: frozenset[int] = setting("weekend", _weekend, frozenset())
    country, subdivision = setting("holidays", _holidays, _NO_HOLIDAYS)
    closed: frozenset[date] = setting("closed_dates", _closed_dates, frozenset())
    return SendCalendar(
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        weekend_days=weekend,
        holiday_country=country,
        holiday_subdivision=subdivision,
        closed_dates=closed,
    )


def timezone_problem(name: str) -> str | None:
    """None when `name` is an IANA timezone (like Asia/Singapore), else what is wrong."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    else:
        return None
    hint = _zone_names().get(name.replace(" ", "_").lower())
    suggestion = f"; did you mean '{hint}'?" if hint else " (like Asia/Singapore or Europe/London)"
    return f"'{name}' is not an IANA timezone name{suggestion}"


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {z.lower(): z for z in available_timezones()}


def _timezone(raw: str) -> str:
    why = timezone_problem(raw)
    if why:
        raise ValueError(why)
    return raw


def _clock(text: str) -> time | None:
    m = _CLOCK.match(text)
    if m is None:
        return None
    hour, minute = int(m["h"]), int(m["m"] or 0)
    if hour == 24 and minute == 0:
        return time(0, 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _quiet_hours(raw: str) -> tuple[time, time]:
    if raw.lower() in _NONE:
        return time(0, 0), time(0, 0)
    parts = _RANGE_SEPARATOR.split(raw.strip())
    usage = "write it like '20:00-08:00' (24-hour clock, may cross midnight) or 'none'"
    if len(parts) != 2:
        raise ValueError(f"'{raw}' is not a time range; {usage}")
    start, end = _clock(parts[0]), _clock(parts[1])
    if start is None or end is None:
        raise ValueError(f"'{raw}' has a time that is not HH:MM; {usage}")
    if start == end:
        raise ValueError(f"'{raw}' starts and ends at the same time; {usage}")
    return start, end


def _weekend(raw: str) -> frozenset[int]:
    if raw.lower() in _NONE:
        return frozenset()
    days: set[int] = set()
    for word in filter(None, _LIST_SEPARATOR.split(raw.strip())):
        name = word.lower()
        matches = [i for i, day in enumerate(_WEEKDAYS) if len(name) >= 3 and day.startswith(name)]
        if not matches:
            raise ValueError(
                f"'{word}' is not a day of the week; write day names or 3-letter abbreviations "
                "separated by commas, like 'Saturday, Sunday' or 'Fri, Sat', or 'none'"
            )
        days.add(matches[0])
    if len(days) == 7:
        raise ValueError("every day of the week is a weekend day, so nothing could ever be sent")
    return frozenset(days)


@lru_cache(maxsize=1)
def _supported_holidays() -> dict[str, list[str]]:
    import holidays  # on the first config with a holiday calendar (see og.core.calendar)

    return {k.upper(): list(v) for k, v in holidays.list_supported_countries().items()}


def _holidays(raw: str) -> tuple[str | None, str | None]:
    if raw.lower() in _NONE:
        return None, None
    m = _HOLIDAYS.match(raw.strip())
    usage = "write a country code like 'SG', a country and region like 'US-CA', or 'none'"
    if m is None:
        raise ValueError(f"'{raw}' is not a holiday calendar; {usage}")
    countries = _supported_holidays()
    country = m["country"].upper()
    if country not in countries:
        raise ValueError(
            f"no holiday calendar for country '{m['country']}' (use its ISO code); {usage}"
        )
    if m["subdiv"] is None:
        return country, None
    wanted = m["subdiv"].strip().lower()
    subdivisions = countries[country]
    found = next((s for s in subdivisions if s.lower() == wanted), None)
    if found is None:
        known = ", ".join(subdivisions[:30]) + (", ..." if len(subdivisions) > 30 else "")
        regions = f"its regions are {known}" if subdivisions else "it has no regions"
        raise ValueError(
            f"no region '{m['subdiv']}' in the holiday calendar of {country}; {regions}"
        )
    return country, found


def _closed_dates(raw: str) -> frozenset[date]:
    if raw.lower() in _NONE:
        return frozenset()
    dates: set[date] = set()
    for word in filter(None, re.split(r"[\s,;]+", raw.strip())):
        day = _iso_date(word)
        if day is None:
            raise ValueError(
                f"'{word}' is not a date; write dates as YYYY-MM-DD separated by commas, "
                "like '2026-12-24, 2026-12-31'"
            )
        dates.add(day)
    return frozenset(dates)


def _iso_date(text: str) -> date | None:
    if not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def email_address_problem(address: str) -> str | None:
    """None when `address` is a plain address like name@example.com, else what is wrong."""
    if address.count("@") != 1:
        return f"'{address}' is not an email address (it needs exactly one @)"
    local, domain = address.split("@")
    if not local or any(ch.isspace() or ord(ch) < 32 for ch in address):
        return f"'{address}' is not an email address"
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels):
        return f"'{address}' is not an email address (after the @ comes a domain like example.com)"
    return None


def _address(raw: str) -> str:
    """The address formatted for a From or Reply-To header."""
    usage = "write it like 'hello@example.com' or 'Your Shop <hello@example.com>'"
    if len(getaddresses([raw])) != 1:
        raise ValueError(f"'{raw}' must be exactly one email address; {usage}")
    name, addr = parseaddr(raw)
    # parseaddr quietly drops spaces inside an address; the address must be there as written.
    if not addr or addr not in raw:
        raise ValueError(f"'{raw}' is not an email address; {usage}")
    why = email_address_problem(addr)
    if why:
        raise ValueError(f"{why}; {usage}")
    if not name:
        return addr
    if re.search(r'[()<>@,:;."\[\]\\]', name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{addr}>"


def _optional_address(raw: str) -> str | None:
    return None if raw.lower() in _NONE else _address(raw)


def _slack_id(raw: str) -> str:
    if not _SLACK_ID.match(raw):
        raise ValueError(
            f"'{raw}' is not a Slack member ID; it looks like U0123ABCD (in Slack: your "
            "profile, the ⋮ menu, 'Copy member ID'), not a name or @handle"
        )
    return raw


def _address_list(raw: str) -> tuple[str, ...]:
    if raw.lower() in _NONE:
        return ()
    return tuple(_address(part) for part in re.split(r"\s*[,;]\s*", raw.strip()) if part)


def _slack_channel(raw: str) -> str | None:
    if raw.lower() in _NONE:
        return None
    if not _SLACK_CHANNEL.match(raw):
        raise ValueError(
            f"'{raw}' is not a Slack channel ID; it looks like C0123ABCD (in Slack: open the "
            "channel, click its name, the ID is at the bottom), or a member ID like U0123ABCD "
            "for a direct message"
        )
    return raw


def _google_file_id(raw: str) -> str:
    """A Drive file id, or the id in the file's address (…/spreadsheets/d/<id>/edit)."""
    usage = (
        "paste the file's address (https://docs.google.com/.../d/<id>/edit) or the long id in it"
    )
    candidate = raw
    if raw.lower().startswith(("https://", "http://")):
        url = urlsplit(raw)
        found = _DRIVE_URL_ID.search(url.path)
        host = url.hostname or ""
        if not (host == "google.com" or host.endswith(".google.com")) or found is None:
            raise ValueError(f"'{raw}' is not the address of a Google Doc or Sheet; {usage}")
        candidate = found.group(1)
    if not _DRIVE_ID.match(candidate):
        raise ValueError(f"'{raw}' is not a Google Drive file id; {usage}")
    return candidate


def drive_file_id(
    entries: Mapping[str, tuple[str, str]], key: str, *, source: str = "config"
) -> str:
    """One of GOOGLE_FILE_KEYS on its own, so the Google adapters work whatever else the config
    says. Raises DocumentError naming the setting when it is missing or not a file id."""
    if key not in GOOGLE_FILE_KEYS:
        raise ValueError(f"{key} is not one of {', '.join(GOOGLE_FILE_KEYS)}")
    found = {_normalize_key(k): (value, where) for k, (value, where) in entries.items()}
    value, where = found.get(key, ("", source))
    if not value:
        raise DocumentError([Problem(source, None, key, _missing_file_id(source, key))])
    try:
        return _google_file_id(value)
    except ValueError as exc:
        match = _WHERE_LINE.match(where)
        at = (match["source"], int(match["line"])) if match else (where, None)
        raise DocumentError([Problem(at[0], at[1], key, str(exc))]) from None


def _missing_file_id(source: str, key: str) -> str:
    if not source.startswith("/"):
        return f"missing setting; add it, for example '{key}: {_EXAMPLES[key]}'"
    # Deployed, the config is Parameter Store: say which parameter to create, and how.
    name = f"{source}/{key}"
    return (
        f"missing setting; add it as the parameter {name} with the file's address or id: "
        f"aws ssm put-parameter --name {name} --type String --value '<address or id>' "
        "(functions keep what they read of /og/config for up to 24 hours)"
    )


def _done_link_base(raw: str) -> str | None:
    if raw.lower() in _NONE:
        return None
    usage = "it must be an https:// address (http://localhost is fine for trying it out)"
    if any(ch.isspace() for ch in raw):
        raise ValueError(f"'{raw}' contains spaces; {usage}")
    try:
        url = urlsplit(raw)
        host = url.hostname
        url.port  # noqa: B018 -- raises ValueError for a bad port
    except ValueError:
        raise ValueError(f"'{raw}' is not a web address; {usage}") from None
    if not host:
        raise ValueError(f"'{raw}' is not a web address; {usage}")
    if url.fragment:
        raise ValueError(f"'{raw}' must not contain '#'; {usage}")
    if url.scheme == "https" or (url.scheme == "http" and host in _LOCAL_HOSTS):
        return raw
    raise ValueError(f"'{raw}' is not allowed; {usage}")
