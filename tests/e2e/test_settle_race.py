"""The local engine waits for executions that other threads are still starting.

In moto, `start_execution` appends the new execution to its state machine and only then starts
it; in between, `Execution.status` raises AttributeError (its status is still None). The tick's
Distributed Map starts journeys from moto's worker threads while `LocalEngine.settle` polls from
the main thread, so on a busy machine `og simulate` died with
`AttributeError: 'NoneType' object has no attribute 'value'`. Here every journey start is held
in that gap until settle has polled at least once across it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from moto.stepfunctions.parser.backend.execution import Execution

import og.local.engine as engine_module
from og.local.engine import JOURNEY_MACHINE

from .support import Home
from .test_journeys import MON

pytestmark = [pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]

CUSTOMERS = [
    f"c-{n},Customer {n},c{n}@example.com,Starter,2026-12-14T08:00:00+08:00,,," for n in range(4)
]


class _SettleClock:
    """The engine's `time` module, counting settle's pauses between polls."""

    def __init__(self, on_pause: Callable[[], None]):
        self.monotonic = time.monotonic
        self._on_pause = on_pause

    def sleep(self, seconds: float) -> None:
        self._on_pause()
        time.sleep(seconds)


def test_settle_while_journeys_are_being_started(
    make_home: Callable[..., Home], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = make_home(CUSTOMERS)
    polled_across = threading.Event()  # settle polled while a journey was held
    lock = threading.Lock()
    held = 0  # journeys created and not started yet
    pauses_while_held = 0
    starts_held = 0

    def on_pause() -> None:
        nonlocal pauses_while_held
        with lock:
            if held:
                pauses_while_held += 1
                # Two pauses bracket one whole poll made while a journey was held.
                if pauses_while_held >= 2:
                    polled_across.set()

    original_start = Execution.start

    def start(self: Any) -> None:
        nonlocal held, pauses_while_held, starts_held
        if self.state_machine.name == journey_machine_name:
            with lock:
                starts_held += 1
                held += 1
                if held == 1:
                    pauses_while_held = 0
                    polled_across.clear()
            polled_across.wait(timeout=10)
            with lock:
                held -= 1
        original_start(self)

    monkeypatch.setattr(engine_module, "time", _SettleClock(on_pause))
    monkeypatch.setattr(Execution, "start", start)

    with home.stack() as s:
        journey_machine_name = s.engine.template.state_machines[JOURNEY_MACHINE].name
        report = s.tick(MON)

    assert report.ok, report.error
    assert starts_held == len(CUSTOMERS)
    assert sorted(j.status for j in report.journeys) == ["SUCCEEDED"] * len(CUSTOMERS)
    assert sorted(m.to for m in home.outbox()) == sorted(
        f"Customer {n} <c{n}@example.com>" for n in range(len(CUSTOMERS))
    )
