"""A document the tick cannot run with reaches the owner in Slack, through the real state
machines: every problem by file, line and field, once per distinct set of problems; the tick
still fails (the alarm's signal) and nothing is sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from og import wiring
from og.local.engine import TICK_MACHINE

from .support import DownSlack, Home, states_entered, tick_record

MON = date(2026, 12, 14)
TUE, WED, THU, FRI = (MON + timedelta(days=n) for n in range(1, 5))
MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T08:00:00+08:00,,,"
DAY = (
    "rules.txt line 9, Day: step 'welcome': 'zero' is not a day; write a whole number of days "
    "after signup, 0 or more, like 'Day: 2'"
)
FLAG = (
    "rules.txt line 11, Flag after: step 'welcome': 'soon' is not a number of days; write it "
    "like 'Flag after: 3 days' (1 or more), or 'Flag after: never'"
)


def _break_rules(home: Home, *edits: tuple[str, str]) -> None:
    rules = home.path / "rules.txt"
    text = (home.path.parent / "rules.good").read_text(encoding="utf-8")
    for old, new in edits:
        text = text.replace(old, new, 1)
    rules.write_text(text, encoding="utf-8")


def _problem_lines(post: dict[str, Any]) -> list[str]:
    code = [b["text"]["text"] for b in post["payload"]["blocks"] if "```" in b["text"]["text"]]
    return "\n".join(c.strip("`\n") for c in code).split("\n")


def test_broken_rules_are_posted_once_per_distinct_set_and_the_tick_still_fails(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    (home.path.parent / "rules.good").write_text((home.path / "rules.txt").read_text())
    _break_rules(home, ("Day: 0", "Day: zero"))

    with home.stack() as s:
        monday = s.tick(MON)
        tuesday = s.tick(TUE)  # the same problem: nothing new to say
        after_tuesday = home.slack()
        _break_rules(home, ("Day: 0", "Day: zero"), ("Flag after: 5 days", "Flag after: soon"))
        wednesday = s.tick(WED)
        _break_rules(home)  # fixed
        thursday = s.tick(THU)
        ticks = [tick_record(s, r) for r in (monday, tuesday, wednesday)]
        executions = s.engine.executions(TICK_MACHINE)

    assert [r.status for r in (monday, tuesday, wednesday)] == ["FAILED"] * 3
    for report, tick in zip((monday, tuesday, wednesday), ticks, strict=True):
        assert states_entered(tick) == ["HasScheduledTime", "PlanDay"]
        assert [e["error"] for e in tick.events if e["type"] == "TaskFailed"] == ["DocumentError"]
        assert report.journeys == []
    assert thursday.ok and len(executions) == 4

    first, second = home.slack("chat.postMessage")
    assert after_tuesday == [first]
    assert first["payload"]["channel"] == "U0OWNER01"
    assert first["payload"]["text"] == (
        "The daily tick did not run: 1 problem in rules.txt. No customer gets a message until "
        "they are fixed."
    )
    assert _problem_lines(first) == [DAY]
    assert second["payload"]["text"].startswith("The daily tick did not run: 2 problems in ")
    assert _problem_lines(second) == [DAY, FLAG]
    # Only Thursday's tick, with the documents fixed, sent anything.
    assert {m.date.date() for m in home.outbox()} == {THU}


def test_every_broken_document_is_named_and_slack_text_is_escaped(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    (home.path.parent / "rules.good").write_text((home.path / "rules.txt").read_text())
    _break_rules(home, ("Day: 0", "Day: <https://evil.example|click>"))
    config = home.path / "config.txt"
    config.write_text(
        config.read_text().replace("quiet_hours: 20:00-08:00", "quiet_hours: <!channel>")
    )

    with home.stack() as s:
        report = s.tick(MON)

    assert report.status == "FAILED"
    [post] = home.slack("chat.postMessage")
    assert post["payload"]["channel"] == "U0OWNER01"  # the config's other settings still say who
    assert post["payload"]["text"] == (
        "The daily tick did not run: 2 problems in config.txt, rules.txt. No customer gets a "
        "message until they are fixed."
    )
    assert _problem_lines(post) == [
        "config.txt line 8, quiet_hours: '&lt;!channel&gt;' is not a time range; write it like "
        "'20:00-08:00' (24-hour clock, may cross midnight) or 'none'",
        "rules.txt line 9, Day: step 'welcome': '&lt;https://evil.example|click&gt;' is not a "
        "day; write a whole number of days after signup, 0 or more, like 'Day: 2'",
    ]
    assert "<!channel>" not in str(post["payload"]) and "<https:" not in str(post["payload"])
    assert home.outbox() == []


def test_without_an_owner_slack_id_only_the_failed_tick_tells(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    config = home.path / "config.txt"
    config.write_text(
        config.read_text().replace("owner_slack_id: U0OWNER01", "owner_slack_id: Siti")
    )

    with home.stack() as s:
        report = s.tick(MON)

    assert report.status == "FAILED"
    assert (
        report.error is not None
        and "owner_slack_id: 'Siti' is not a Slack member ID" in report.error
    )
    assert home.slack() == [] and home.outbox() == []


def test_with_slack_down_the_tick_fails_with_the_problems_and_posts_them_next_time(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    (home.path.parent / "rules.good").write_text((home.path / "rules.txt").read_text())
    _break_rules(home, ("Day: 0", "Day: zero"))

    with home.stack() as s:
        with wiring.overridden(chat=DownSlack()):
            monday = s.tick(MON)
        monday_tick = tick_record(s, monday)
        tuesday = s.tick(TUE)

    # The alarm's signal is the same: the guide failed with the documents' problems.
    assert monday.status == tuesday.status == "FAILED"
    assert [e["error"] for e in monday_tick.events if e["type"] == "TaskFailed"] == [
        "DocumentError"
    ]
    assert monday.error is not None and DAY in monday.error
    # Nothing was marked as told while Slack was down: Tuesday tells.
    [post] = home.slack("chat.postMessage")
    assert _problem_lines(post) == [DAY]
    assert home.outbox() == []
