"""`og simulate`'s customers click the emails sent while it runs, each once: it reads only the
emails new since the day before, and never the ones already in the outbox when it started."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from og.cli import main as og

from .support import Home

ROWS = [
    f"c-{i},Customer {i},c{i}@example.com,Starter,2026-12-14T08:00:00+08:00,,," for i in range(1, 7)
]


def _day(home: Home, start: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert og(["simulate", "--home", str(home.path), "--start", start, "--days", "1"]) == 0
    return capsys.readouterr().out.splitlines()[0]


def test_a_later_simulate_leaves_the_emails_already_in_the_outbox_alone(
    make_home: Callable[..., Home], capsys: pytest.CaptureFixture[str]
) -> None:
    home = make_home(ROWS)
    monday = _day(home, "2026-12-14", capsys)
    sent = sorted(p.name for p in (home.path / "outbox").glob("*.eml"))
    clicked = int(re.findall(r"(\d+) done clicks", monday)[0])
    assert monday.startswith("2026-12-14 Mon: 6 steps") and 0 < clicked < len(sent)

    saturday = _day(home, "2026-12-19", capsys)  # closed: nothing new is sent

    assert saturday.startswith("2026-12-19 Sat: 0 steps") and "0 done clicks" in saturday
    assert sorted(p.name for p in (home.path / "outbox").glob("*.eml")) == sent
