"""The issue's acceptance run: a 21-day simulation of the bundled example through `og simulate`,
checked against the example's own rules and calendar with independent arithmetic (not the
core's calendar code)."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections import Counter
from datetime import date, datetime
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from zoneinfo import ZoneInfo

from og.cli import main
from og.local.history import customer_timeline

BUSINESS_TZ = "Asia/Singapore"
CLOSED = {date(2026, 12, 25)}  # Christmas Day, a Singapore public holiday


def test_21_day_simulation_of_the_example(tmp_path: Path, capsys) -> None:
    home = tmp_path / "home"
    assert main(["init", str(home)]) == 0
    assert main(["simulate", "--home", str(home), "--start", "2026-12-10", "--days", "21"]) == 0
    summary = capsys.readouterr().out
    assert "2026-12-12 Sat: 0 steps" in summary and "(closed: Saturday is a weekend day)" in summary
    assert "2026-12-25 Fri: 0 steps" in summary and "holiday: Christmas Day" in summary
    # The last line: where the customers the guide started stand, as the store has them (no
    # owner answers in a simulation, so nobody is paused, handed off or unsubscribed).
    with sqlite3.connect(f"file:{home / 'og.sqlite'}?mode=ro", uri=True) as db:
        states = [json.loads(item) for (item,) in db.execute("SELECT item FROM state")]
        started = {c for (c,) in db.execute("SELECT customer_id FROM sends")}
    started |= {s["customer_id"] for s in states}
    finished = sum(s["finished"] for s in states)
    flagged = sum(s["flagged"] and not s["finished"] for s in states)
    assert flagged  # the example flags most customers within 21 days
    assert summary.splitlines()[-1] == (
        f"after 21 days: {len(started)} customers: {finished} finished, {flagged} flagged, "
        f"0 paused, 0 handed off, 0 unsubscribed, {len(started) - finished - flagged} "
        "still onboarding"
    )

    zones = {}
    with (home / "onboarding.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            zones[row["customer_id"]] = row["timezone"] or BUSINESS_TZ

    sent_keys: Counter[str] = Counter()
    per_day: Counter[tuple[str, date]] = Counter()
    for path in (home / "outbox").glob("*.eml"):
        msg = message_from_bytes(path.read_bytes(), policy=default)
        _, customer, step, kind = str(msg["Message-ID"]).strip("<>").split("@")[0].split(".")
        sent_keys[f"{customer}/{step}/{kind}"] += 1
        local = datetime.strptime(str(msg["Date"]), "%a, %d %b %Y %H:%M:%S %z").astimezone(
            ZoneInfo(zones[customer])
        )
        # The example's send window: 08:00-20:00 local, Monday to Friday, not a holiday.
        assert 8 <= local.hour < 20, (path.name, local)
        assert local.weekday() < 5 and local.date() not in CLOSED, (path.name, local)
        per_day[(customer, local.date())] += 1

    assert sent_keys and max(sent_keys.values()) == 1  # each step and nudge once
    assert max(per_day.values()) == 1  # one message per customer per local day
    kinds = Counter(key.rsplit("/", 1)[1] for key in sent_keys)
    assert kinds["step"] >= 30 and kinds["nudge"] >= 3

    slack = [json.loads(line) for line in (home / "slack.jsonl").read_text().splitlines()]
    flags = [
        s
        for s in slack
        if s["method"] == "chat.postMessage"
        and any(b.get("block_id") == "og_flag" for b in s["payload"]["blocks"])
    ]
    assert flags, "the rules flag the owner when a step stays undone"

    # What goes to the owner in Slack (flags, owner tasks) is not the customer's message of the
    # day (the one-a-day rule above counts emails only): it goes out next to their email. It is
    # posted in the business's hours: by the tick itself, 09:00 in Singapore on an open day,
    # also for an owner task about a customer whose own morning is hours away.
    with sqlite3.connect(f"file:{home / 'og.sqlite'}?mode=ro", uri=True) as db:
        to_owner = db.execute(
            "SELECT customer_id, kind, sent_at FROM sends WHERE channel = 'slack'"
        ).fetchall()
    assert {kind for _, kind, _ in to_owner} == {"step", "flag"}  # owner tasks and flags
    for customer, kind, sent_at in to_owner:
        at = datetime.fromisoformat(sent_at).astimezone(ZoneInfo(BUSINESS_TZ))
        assert (at.hour, at.minute) == (9, 0), (customer, kind, at)
        assert at.weekday() < 5 and at.date() not in CLOSED, (customer, kind, at)
    owner_days = {
        (c, datetime.fromisoformat(at).astimezone(ZoneInfo(zones[c])).date())
        for c, _, at in to_owner
    }
    assert len(owner_days & set(per_day)) >= 10  # 17 in this run; 2 when they took the day

    # history explains a customer's moves: every execution has its reason and send window
    lines = customer_timeline(home, "hh-1003")
    executions = [ln for ln in lines if "execution hh-1003-" in ln]
    assert executions
    assert sum("why: " in ln for ln in lines) == len(executions)
    assert any("deferred: " in ln and "quiet hours" in ln for ln in lines)

    # running a simulated day again sends nothing new
    before = sorted(p.name for p in (home / "outbox").glob("*.eml"))
    assert main(["tick", "--home", str(home), "--date", "2026-12-17"]) == 0
    assert sorted(p.name for p in (home / "outbox").glob("*.eml")) == before
