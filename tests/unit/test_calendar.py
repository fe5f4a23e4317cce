from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from og.core.calendar import (
    _holiday_names,
    closed_reason,
    days_between,
    in_quiet_hours,
    local_date,
    next_send_window,
)
from og.core.models import SendCalendar

NY = "America/New_York"
SG = "Asia/Singapore"
LONDON = "Europe/London"

CAL = SendCalendar(quiet_start=time(20, 0), quiet_end=time(8, 0), weekend_days=frozenset({5, 6}))
SG_CAL = replace(CAL, holiday_country="SG")
EVERY_DAY = replace(CAL, weekend_days=frozenset())
QUIET_NY = "quiet hours 20:00\u201308:00 in America/New_York"
QUIET_SG = "quiet hours 20:00\u201308:00 in Asia/Singapore"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def wall(at: datetime, tz: str) -> tuple[str, str]:
    local = at.astimezone(ZoneInfo(tz))
    return local.strftime("%Y-%m-%d %H:%M"), local.strftime("%z")


# quiet hours


def test_quiet_hours_wrapping_midnight() -> None:
    assert in_quiet_hours(time(20, 0), CAL)
    assert in_quiet_hours(time(23, 59), CAL)
    assert in_quiet_hours(time(0, 0), CAL)
    assert in_quiet_hours(time(7, 59, 59), CAL)
    assert not in_quiet_hours(time(8, 0), CAL)
    assert not in_quiet_hours(time(12, 0), CAL)
    assert not in_quiet_hours(time(19, 59), CAL)


def test_quiet_hours_within_one_day() -> None:
    lunch = replace(CAL, quiet_start=time(12, 0), quiet_end=time(13, 0))
    assert in_quiet_hours(time(12, 0), lunch)
    assert in_quiet_hours(time(12, 59), lunch)
    assert not in_quiet_hours(time(13, 0), lunch)
    assert not in_quiet_hours(time(11, 59), lunch)
    assert not in_quiet_hours(time(23, 0), lunch)
    assert not in_quiet_hours(time(3, 0), lunch)


def test_equal_quiet_bounds_mean_no_quiet_hours() -> None:
    none = replace(CAL, quiet_start=time(8, 0), quiet_end=time(8, 0))
    assert not any(in_quiet_hours(time(h, 0), none) for h in range(24))


def test_window_inside_lunch_quiet_hours_moves_to_their_end() -> None:
    lunch = replace(EVERY_DAY, quiet_start=time(12, 0), quiet_end=time(13, 0))
    window = next_send_window(utc(2026, 12, 2, 4, 30), SG, lunch)  # 12:30 SGT
    assert window.at == utc(2026, 12, 2, 5, 0)
    assert window.deferred_because == "quiet hours 12:00\u201313:00 in Asia/Singapore"


# closed days


def test_closed_reason_weekend_holiday_closed_date_and_open() -> None:
    cal = replace(SG_CAL, closed_dates=frozenset({date(2026, 12, 24)}))
    assert closed_reason(date(2026, 12, 5), cal) == "Saturday is a weekend day"
    assert closed_reason(date(2026, 12, 6), cal) == "Sunday is a weekend day"
    assert closed_reason(date(2026, 12, 25), cal) == "holiday: Christmas Day"
    assert closed_reason(date(2026, 12, 24), cal) == "closed date 2026-12-24"
    assert closed_reason(date(2026, 12, 23), cal) is None


def test_closed_reason_holiday_subdivision() -> None:
    scotland = replace(CAL, holiday_country="GB", holiday_subdivision="SCT")
    england = replace(CAL, holiday_country="GB", holiday_subdivision="ENG")
    assert closed_reason(date(2026, 1, 2), scotland) == "holiday: New Year Holiday"
    assert closed_reason(date(2026, 1, 2), england) is None


def test_holiday_tables_are_built_once_per_country_and_year() -> None:
    first = _holiday_names("SG", None, 2026)
    closed_reason(date(2026, 12, 25), SG_CAL)
    closed_reason(date(2026, 1, 1), SG_CAL)
    assert _holiday_names("SG", None, 2026) is first
    assert _holiday_names("SG", None, 2027) is not first  # a new year is added on demand
    assert _holiday_names("SG", None, 2027)[date(2027, 12, 25)] == "Christmas Day"


def test_closed_reason_without_holiday_country_ignores_holidays() -> None:
    assert closed_reason(date(2026, 12, 25), CAL) is None


def test_unknown_holiday_country_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="no holiday calendar for XX"):
        closed_reason(date(2026, 12, 25), replace(CAL, holiday_country="XX"))


# next_send_window


def test_open_minute_is_not_deferred() -> None:
    window = next_send_window(utc(2026, 12, 2, 2, 0), SG, SG_CAL)  # Wednesday 10:00 SGT
    assert window.at == utc(2026, 12, 2, 2, 0)
    assert window.deferred_because is None


def test_rounds_up_to_the_whole_minute() -> None:
    assert next_send_window(utc(2026, 12, 2, 2, 0) + timedelta(microseconds=1), SG, CAL).at == (
        utc(2026, 12, 2, 2, 1)
    )
    window = next_send_window(datetime(2026, 12, 2, 2, 0, 30, tzinfo=UTC), SG, CAL)
    assert window.at == utc(2026, 12, 2, 2, 1)
    assert window.deferred_because is None


def test_evening_defers_to_next_morning() -> None:
    window = next_send_window(utc(2026, 12, 3, 2, 0), NY, CAL)  # Wednesday 21:00 EST
    assert window.at == utc(2026, 12, 3, 13, 0)  # Thursday 08:00 EST
    assert window.deferred_because == QUIET_NY


def test_early_morning_defers_to_quiet_end_same_day() -> None:
    window = next_send_window(utc(2026, 12, 2, 11, 0), NY, CAL)  # Wednesday 06:00 EST
    assert window.at == utc(2026, 12, 2, 13, 0)
    assert window.deferred_because == QUIET_NY


def test_friday_night_defers_to_monday_morning() -> None:
    window = next_send_window(utc(2026, 12, 4, 13, 0), SG, CAL)  # Friday 21:00 SGT
    assert window.at == utc(2026, 12, 7, 0, 0)  # Monday 08:00 SGT
    assert wall(window.at, SG) == ("2026-12-07 08:00", "+0800")
    assert window.deferred_because == (
        f"{QUIET_SG}; Saturday is a weekend day; Sunday is a weekend day"
    )


def test_christmas_in_singapore_defers_to_monday() -> None:
    # 2026-12-25 is a Friday: Christmas, then the weekend.
    window = next_send_window(utc(2026, 12, 25, 2, 0), SG, SG_CAL)  # 10:00 SGT
    assert window.at == utc(2026, 12, 28, 0, 0)
    assert window.rfc3339 == "2026-12-28T00:00:00Z"
    assert window.deferred_because is not None
    assert window.deferred_because.startswith("holiday: Christmas Day; Saturday is a weekend day")


def test_extra_closed_date_defers_to_next_open_morning() -> None:
    cal = replace(CAL, closed_dates=frozenset({date(2026, 12, 2)}))
    window = next_send_window(utc(2026, 12, 2, 2, 0), SG, cal)  # Wednesday 10:00 SGT
    assert window.at == utc(2026, 12, 3, 0, 0)  # Thursday 08:00 SGT
    assert window.deferred_because == f"closed date 2026-12-02; {QUIET_SG}"


def test_customer_timezone_differs_from_business_timezone() -> None:
    at = utc(2026, 12, 2, 2, 0)  # Wednesday 10:00 in Singapore, Tuesday 21:00 in New York
    assert next_send_window(at, SG, CAL).deferred_because is None
    ny = next_send_window(at, NY, CAL)
    assert ny.at == utc(2026, 12, 2, 13, 0)
    assert ny.deferred_because == QUIET_NY

    saturday_sg = utc(2026, 12, 5, 1, 0)  # Saturday 09:00 SGT, Friday 20:00 EST
    assert next_send_window(saturday_sg, SG, CAL).at == utc(2026, 12, 7, 0, 0)
    assert next_send_window(saturday_sg, NY, CAL).at == utc(2026, 12, 7, 13, 0)


def test_window_is_utc_and_formats_as_rfc3339() -> None:
    window = next_send_window(datetime(2026, 12, 2, 21, 0, tzinfo=ZoneInfo(NY)), NY, CAL)
    assert window.at.tzinfo is UTC
    assert window.at.utcoffset() == timedelta(0)
    assert window.rfc3339 == "2026-12-03T13:00:00Z"


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValueError, match="naive"):
        next_send_window(datetime(2026, 12, 2, 2, 0), SG, CAL)


def test_every_day_closed_is_impossible() -> None:
    closed = replace(CAL, weekend_days=frozenset(range(7)))
    with pytest.raises(ValueError, match="impossible send calendar for Asia/Singapore"):
        next_send_window(utc(2026, 12, 2, 2, 0), SG, closed)


def test_long_closure_under_the_guard_still_resolves() -> None:
    start = date(2026, 12, 1)
    closed = frozenset(start + timedelta(days=i) for i in range(300))
    window = next_send_window(utc(2026, 12, 1, 2, 0), SG, replace(EVERY_DAY, closed_dates=closed))
    assert wall(window.at, SG) == ("2027-09-27 08:00", "+0800")
    assert window.deferred_because is not None
    # Each closed date is named once, the quiet hours once.
    assert window.deferred_because.count(QUIET_SG) == 1
    assert window.deferred_because.count("closed date") == 300


# DST


def test_spring_forward_gap_uses_first_real_instant_after_the_gap() -> None:
    # 2026-03-08 in New York: 02:00 EST jumps to 03:00 EDT, so 02:30 never happens.
    cal = replace(EVERY_DAY, quiet_end=time(2, 30))
    window = next_send_window(utc(2026, 3, 8, 1, 0), NY, cal)  # Saturday 20:00 EST
    assert window.at == utc(2026, 3, 8, 7, 0)
    assert wall(window.at, NY) == ("2026-03-08 03:00", "-0400")


def test_spring_forward_keeps_the_wall_clock_of_quiet_end() -> None:
    window = next_send_window(utc(2026, 3, 8, 2, 0), NY, EVERY_DAY)  # Saturday 21:00 EST
    assert window.at == utc(2026, 3, 8, 12, 0)  # 08:00 EDT, not 09:00
    assert wall(window.at, NY) == ("2026-03-08 08:00", "-0400")


def test_fall_back_overlap_uses_first_occurrence() -> None:
    # 2026-11-01 in New York: 02:00 EDT falls back to 01:00 EST, so 01:30 happens twice.
    cal = replace(EVERY_DAY, quiet_end=time(1, 30))
    window = next_send_window(utc(2026, 11, 1, 1, 0), NY, cal)  # Saturday 21:00 EDT
    assert window.at == utc(2026, 11, 1, 5, 30)
    assert wall(window.at, NY) == ("2026-11-01 01:30", "-0400")


def test_fall_back_inside_second_occurrence_uses_second_quiet_end() -> None:
    cal = replace(EVERY_DAY, quiet_start=time(1, 0), quiet_end=time(1, 30))
    window = next_send_window(utc(2026, 11, 1, 6, 10), NY, cal)  # 01:10 EST (second time)
    assert window.at == utc(2026, 11, 1, 6, 30)
    assert wall(window.at, NY) == ("2026-11-01 01:30", "-0500")


def test_fall_back_keeps_the_wall_clock_of_quiet_end() -> None:
    window = next_send_window(utc(2026, 11, 1, 1, 0), NY, EVERY_DAY)  # Saturday 21:00 EDT
    assert window.at == utc(2026, 11, 1, 13, 0)  # 08:00 EST
    assert wall(window.at, NY) == ("2026-11-01 08:00", "-0500")


def test_midnight_in_a_gap_after_a_closed_day() -> None:
    # Santiago springs forward at midnight: 2026-09-06 00:00 never happens, 01:00 -03 does.
    saturdays = SendCalendar(time(0, 0), time(0, 0), weekend_days=frozenset({5}))
    window = next_send_window(utc(2026, 9, 5, 16, 0), "America/Santiago", saturdays)
    assert window.at == utc(2026, 9, 6, 4, 0)
    assert wall(window.at, "America/Santiago") == ("2026-09-06 01:00", "-0300")
    assert window.deferred_because == "Saturday is a weekend day"


def test_london_spring_forward_and_fall_back() -> None:
    cal = replace(EVERY_DAY, quiet_end=time(1, 30))
    # 2026-03-29: 01:00 GMT jumps to 02:00 BST.
    spring = next_send_window(utc(2026, 3, 28, 21, 0), LONDON, cal)
    assert spring.at == utc(2026, 3, 29, 1, 0)
    assert wall(spring.at, LONDON) == ("2026-03-29 02:00", "+0100")
    # 2026-10-25: 02:00 BST falls back to 01:00 GMT; the first 01:30 is BST.
    autumn = next_send_window(utc(2026, 10, 24, 20, 0), LONDON, cal)
    assert autumn.at == utc(2026, 10, 25, 0, 30)
    assert wall(autumn.at, LONDON) == ("2026-10-25 01:30", "+0100")
    morning = next_send_window(utc(2026, 3, 28, 22, 0), LONDON, EVERY_DAY)
    assert morning.at == utc(2026, 3, 29, 7, 0)  # 08:00 BST


# local dates


def test_local_date_depends_on_timezone() -> None:
    at = utc(2026, 12, 1, 18, 0)
    assert local_date(at, SG) == date(2026, 12, 2)
    assert local_date(at, NY) == date(2026, 12, 1)
    assert local_date(at, "UTC") == date(2026, 12, 1)


def test_days_between_across_timezones() -> None:
    # Signed up late evening UTC: already the next day in Singapore.
    signup = utc(2026, 12, 1, 18, 0)
    now = utc(2026, 12, 2, 3, 0)
    assert days_between(signup, now, "UTC") == 1
    assert days_between(signup, now, SG) == 0
    assert days_between(signup, now, NY) == 0
    assert days_between(signup, utc(2026, 12, 2, 17, 0), SG) == 1


def test_days_between_across_dst() -> None:
    # 23 real hours across spring forward, but a calendar day apart.
    assert days_between(utc(2026, 3, 8, 4, 30), utc(2026, 3, 9, 3, 30), NY) == 1
    # 25 h 40 min across fall back, but the same calendar day.
    assert days_between(utc(2026, 11, 1, 4, 10), utc(2026, 11, 2, 4, 50), NY) == 0
    assert days_between(utc(2026, 3, 1, 12, 0), utc(2026, 4, 1, 12, 0), LONDON) == 31


def test_days_between_is_negative_before_signup() -> None:
    assert days_between(utc(2026, 12, 3, 2, 0), utc(2026, 12, 1, 2, 0), SG) == -2


# not before a given day


def test_window_not_before_a_day_that_has_not_begun_there() -> None:
    # Wednesday 09:00 in Singapore is Tuesday 17:00 in Los Angeles: open there, but Wednesday's
    # message waits for Wednesday.
    la = "America/Los_Angeles"
    tick = utc(2026, 12, 2, 1, 0)
    assert next_send_window(tick, la, CAL).at == tick
    window = next_send_window(tick, la, CAL, not_before_day=date(2026, 12, 2))
    assert wall(window.at, la) == ("2026-12-02 08:00", "-0800")
    assert window.deferred_because == (
        "2026-12-02 has not begun in America/Los_Angeles; "
        "quiet hours 20:00\u201308:00 in America/Los_Angeles"
    )


def test_window_not_before_a_day_changes_nothing_once_that_day_is_reached() -> None:
    tick = utc(2026, 12, 2, 1, 0)  # Tuesday 20:00 in New York: quiet until Wednesday anyway
    for day in (date(2026, 12, 1), date(2026, 12, 2)):
        assert next_send_window(tick, NY, CAL, not_before_day=day) == next_send_window(
            tick, NY, CAL
        )
    assert next_send_window(tick, SG, CAL, not_before_day=date(2026, 12, 2)).at == tick


def test_window_not_before_a_closed_day_moves_on_to_the_next_open_one() -> None:
    # Friday 09:00 Singapore = Thursday 17:00 Los Angeles; not before Saturday: Monday 08:00.
    la = "America/Los_Angeles"
    window = next_send_window(utc(2026, 12, 4, 1, 0), la, CAL, not_before_day=date(2026, 12, 5))
    assert wall(window.at, la) == ("2026-12-07 08:00", "-0800")
    assert window.deferred_because == (
        "2026-12-05 has not begun in America/Los_Angeles; Saturday is a weekend day; "
        "Sunday is a weekend day; quiet hours 20:00\u201308:00 in America/Los_Angeles"
    )
