"""The send window: open days (no weekend, holiday or closed date) and quiet hours, DST-safe.

Wall-clock times are always turned into instants through UTC round trips, never by adding a
timedelta to a local aware datetime (that keeps the wall clock and silently crosses DST).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from og.core.models import SendCalendar, SendWindow

__all__ = [
    "closed_reason",
    "days_between",
    "in_quiet_hours",
    "local_date",
    "next_send_window",
]

# Locale-independent, unlike strftime("%A").
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ONE_MINUTE = timedelta(minutes=1)
_ONE_DAY = timedelta(days=1)
_MAX_CLOSED_DAYS = 400


@lru_cache(maxsize=256)
def _holiday_names(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    # Building a holidays object takes about a millisecond; the daily tick asks for the same
    # country and year for every timezone, so each (country, subdivision, year) is built once.
    # holidays is imported here, not with the module: a cold start that never decides a send
    # window does not pay for it.
    import holidays

    try:
        table = holidays.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError as exc:
        where = f"{country}/{subdivision}" if subdivision else country
        raise ValueError(f"no holiday calendar for {where}: {exc}") from exc
    return dict(table.items())


def closed_reason(day: date, calendar: SendCalendar) -> str | None:
    """None when `day` is open for sending, else why it is closed."""
    weekday = day.weekday()
    if weekday in calendar.weekend_days:
        return f"{_WEEKDAYS[weekday]} is a weekend day"
    if calendar.holiday_country:
        name = _holiday_names(calendar.holiday_country, calendar.holiday_subdivision, day.year).get(
            day
        )
        if name is not None:
            return f"holiday: {name}"
    if day in calendar.closed_dates:
        return f"closed date {day.isoformat()}"
    return None


def in_quiet_hours(t: time, calendar: SendCalendar) -> bool:
    """Whether wall time `t` falls in [quiet_start, quiet_end), which may wrap midnight."""
    start, end = calendar.quiet_start, calendar.quiet_end
    if t.tzinfo is not None:
        t = t.replace(tzinfo=None)
    if start == end:
        return False
    if start < end:
        return start <= t < end
    return t >= start or t < end


def local_date(at: datetime, tz: str) -> date:
    """The calendar date of instant `at` in timezone `tz`."""
    _require_aware(at)
    return at.astimezone(ZoneInfo(tz)).date()


def days_between(signup_at: datetime, now: datetime, tz: str) -> int:
    """Calendar days from the local date of `signup_at` to the local date of `now` in `tz`."""
    _require_aware(signup_at)
    _require_aware(now)
    zone = ZoneInfo(tz)
    return (now.astimezone(zone).date() - signup_at.astimezone(zone).date()).days


def next_send_window(
    after: datetime, tz: str, calendar: SendCalendar, not_before_day: date | None = None
) -> SendWindow:
    """The first allowed whole minute at or after `after`, as seen by a reader in `tz`.

    Allowed means on an open local day and outside quiet hours, and, with `not_before_day`, not
    before that day has begun in `tz`. `deferred_because` names every obstacle crossed on the
    way, in order and without repeats; None when nothing was in the way.
    """
    _require_aware(after)
    zone = ZoneInfo(tz)
    if not_before_day is not None:
        window = next_send_window(after, tz, calendar)
        if window.at.astimezone(zone).date() >= not_before_day:
            return window
        begins = _wall_to_utc(not_before_day, time(0, 0), zone, after.astimezone(UTC))
        later = next_send_window(begins, tz, calendar)
        why = f"{not_before_day.isoformat()} has not begun in {tz}"
        if later.deferred_because:
            why = f"{why}; {later.deferred_because}"
        return SendWindow(at=later.at, deferred_because=why)
    start = after.astimezone(UTC)
    if start.second or start.microsecond:
        start = start.replace(second=0, microsecond=0) + _ONE_MINUTE
    candidate = start
    reasons: list[str] = []
    closed_days = 0
    quiet = _quiet_label(calendar, tz)
    # Each pass either returns, moves to the end of a quiet period or moves to the next day.
    for _ in range(3 * _MAX_CLOSED_DAYS + 10):
        local = candidate.astimezone(zone)
        day = local.date()
        closed = closed_reason(day, calendar)
        if closed is not None:
            closed_days += 1
            if closed_days > _MAX_CLOSED_DAYS:
                break
            if closed not in reasons:
                reasons.append(closed)
            candidate = _wall_to_utc(day + _ONE_DAY, time(0, 0), zone, candidate)
            continue
        wall = local.time().replace(tzinfo=None)
        if in_quiet_hours(wall, calendar):
            if quiet not in reasons:
                reasons.append(quiet)
            end_day = day
            if calendar.quiet_start > calendar.quiet_end and wall >= calendar.quiet_start:
                end_day = day + _ONE_DAY
            candidate = _wall_to_utc(end_day, calendar.quiet_end, zone, candidate)
            continue
        return SendWindow(at=candidate, deferred_because="; ".join(reasons) or None)
    raise ValueError(
        f"impossible send calendar for {tz}: every day closed for {_MAX_CLOSED_DAYS} days after "
        f"{start.date().isoformat()} (weekend days {sorted(calendar.weekend_days)}, "
        f"holidays {calendar.holiday_country or 'none'}, "
        f"{len(calendar.closed_dates)} closed dates)"
    )


def _quiet_label(calendar: SendCalendar, tz: str) -> str:
    return (
        f"quiet hours {calendar.quiet_start.strftime('%H:%M')}\u2013"
        f"{calendar.quiet_end.strftime('%H:%M')} in {tz}"
    )


def _wall_to_utc(day: date, wall: time, zone: ZoneInfo, not_before: datetime) -> datetime:
    """The first instant at or after `not_before` whose wall clock in `zone` reads day+wall.

    In a fall-back overlap that is the first occurrence unless it is already past; in a
    spring-forward gap (the wall time never happens) it is the first real instant after the gap.
    """
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first <= second:  # an ordinary wall time, or an overlap (first < second)
        if first >= not_before:
            return first
        return max(second, not_before)
    # A gap: fold=1 applies the offset after the transition (an instant before it) and fold=0
    # the offset before (an instant after it). The transition lies in (second, first].
    after_offset = first.astimezone(zone).utcoffset()
    low, high = second, first
    while high - low > timedelta(seconds=1):
        mid = low + (high - low) / 2
        mid = mid.replace(microsecond=0)
        if mid <= low:
            break
        if mid.astimezone(zone).utcoffset() == after_offset:
            high = mid
        else:
            low = mid
    if high.second or high.microsecond:
        high = high.replace(second=0, microsecond=0) + _ONE_MINUTE
    return max(high, not_before)


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()}: expected an aware (UTC) datetime")
