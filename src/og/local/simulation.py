"""`og simulate`: successive days of the real tick on a home, with simulated customers clicking
about two in three done links three hours after the email went out.

Standard output gets one line per day, then one line of where the customers stand, read from
the store (og.core.standings); a terminal also gets a progress bar (og.local.terminal)."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from og.adapters.local.store import SqliteJourneyStore
from og.core.standings import Standings, count_standings
from og.local.stack import LocalStack, TickReport, done_link_in, read_email
from og.local.terminal import day_progress

__all__ = ["simulate", "standings"]


def simulate(home: Path, start: date, days: int) -> int:
    """Exit status: 0 when every day's tick succeeded, 1 otherwise."""
    seen = {path.name for path in (home / "outbox").glob("*.eml")}
    failures = 0
    with LocalStack(home) as stack, day_progress(days, "days") as day_done:
        for i in range(days):
            day = start + timedelta(days=i)
            report = stack.tick(day)
            clicks = _click_new_done_links(stack, home, seen)
            failures += not report.ok
            print(_day_line(day, report, clicks), flush=True)
            day_done(f"{day} {day:%a}")
    print(f"after {days} day{'' if days == 1 else 's'}: {standings(home).line()}")
    return 1 if failures else 0


def standings(home: Path) -> Standings:
    """Where the customers the guide has started stand, from the home's store."""
    if not (home / "og.sqlite").exists():
        return Standings()
    journeys = SqliteJourneyStore(home / "og.sqlite").load_journeys()
    return count_standings(j.state for j in journeys.values())


def _click_new_done_links(stack: LocalStack, home: Path, seen: set[str]) -> int:
    """Clicks in the emails whose files are not in `seen` (the outbox only grows: one file per
    message), adding them to it: each day reads only that day's emails."""
    clicks = 0
    for path in sorted((home / "outbox").glob("*.eml")):
        if path.name in seen:
            continue
        seen.add(path.name)
        message = read_email(path)
        link = done_link_in(message)
        if link and _clicks(str(message["Message-ID"])):
            sent = datetime.strptime(str(message["Date"]), "%a, %d %b %Y %H:%M:%S %z")
            stack.click_done_link(link, sent + timedelta(hours=3))
            clicks += 1
    return clicks


def _day_line(day: date, report: TickReport, clicks: int) -> str:
    counts: Counter[str] = Counter()
    for r in report.journeys:
        counts[r.input["move"]["move"]] += 1
        counts["deferred"] += bool(r.input["move"]["deferred_because"])
    closed = report.plan.get("closed_because")
    return (
        f"{day} {day:%a}: {counts['step_due']} steps, {counts['nudge']} nudges, "
        f"{counts['flag']} flags, {counts['deferred']} deferred, {clicks} done clicks"
        + (f" (closed: {closed})" if closed else "")
        + ("" if report.ok else f" ERROR: {report.error}")
    )


def _clicks(message_id: str) -> bool:
    """Deterministic simulated customers: about two in three emails get a done click."""
    return int(hashlib.sha256(message_id.encode()).hexdigest(), 16) % 3 != 0
