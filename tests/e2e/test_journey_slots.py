"""The real tick with three journey slots (bridge 11): many more flags than slots park on the
owner's answer and the tick still settles; answering them finishes every journey; at no time do
more than three journeys run a task. The example business and its handlers, on moto's
interpreter; the tick itself needs no slot."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from og.local import journey_slots, moto_bridge
from og.local.engine import JOURNEY_MACHINE

from .support import Home, utc

pytestmark = [
    pytest.mark.filterwarnings("ignore:No application metrics:UserWarning"),
    pytest.mark.filterwarnings("ignore:The `get_header_value` function is deprecated"),
]

MON = date(2026, 12, 14)
NEXT_MON = MON + timedelta(days=7)  # the welcome unclicked for 7 days: flagged (after 5)
SLOTS = 3
CUSTOMERS = 4 * SLOTS
JOURNEY_FUNCTIONS = ("SenderFunction", "PersonalizeFunction", "NotifyOwnerFunction")


def _row(n: int) -> str:
    return f"c-{n},Customer {n},c{n}@shop.example,Starter,2026-12-14T08:00:00+08:00,,,"


def _count_journeys_in_tasks(stack: Any) -> list[int]:
    """Wraps the journeys' handlers: [how many run now, the most that ran at once]. A call lasts
    a moment, so journeys running together overlap in it."""
    lock, counts = threading.Lock(), [0, 0]
    for logical_id in JOURNEY_FUNCTIONS:
        name = stack.engine.template.functions[logical_id].name
        real = moto_bridge.handler(name)

        def counting(event: Any, context: Any, real: moto_bridge.Handler = real) -> Any:
            with lock:
                counts[0] += 1
                counts[1] = max(counts)
            time.sleep(0.02)
            try:
                return real(event, context)
            finally:
                with lock:
                    counts[0] -= 1

        moto_bridge.register_handler(name, counting)
    return counts


def test_more_flags_than_slots_park_settle_and_finish_when_answered(
    make_home: Callable[..., Home], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journey_slots, "JOURNEY_SLOTS", SLOTS)
    home = make_home([_row(n) for n in range(CUSTOMERS)])
    with home.stack() as s:
        counts = _count_journeys_in_tasks(s)
        assert s.tick(MON).ok
        report = s.tick(NEXT_MON)
        waiting = sorted(r.name for r in report.journeys if r.status == "WAITING_FOR_OWNER")
        for n in range(CUSTOMERS):
            s.owner_answers(f"c-{n}", "done", utc(NEXT_MON, 3))
        journeys = {r.name: r.status for r in s.engine.records(JOURNEY_MACHINE)}

    assert report.ok, report.error
    assert waiting == sorted(f"c-{n}-2026-12-21-flag" for n in range(CUSTOMERS))
    assert len(journeys) == 3 * CUSTOMERS  # welcome, first order, flag
    assert set(journeys.values()) == {"SUCCEEDED"}
    assert all(home.store.open_flags(f"c-{n}") == [] for n in range(CUSTOMERS))
    assert 1 < counts[1] <= SLOTS
