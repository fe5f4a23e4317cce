"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser import chromium


@pytest.fixture
def browser() -> Iterator[object]:
    """A headless Chromium driven by selenium (skipped where none is installed)."""
    with chromium() as driver:
        yield driver


@pytest.fixture(autouse=True)
def _output_as_on_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """`og` prints plain lines unless rich sees a terminal (og.local.terminal); a FORCE_COLOR or
    TTY_COMPATIBLE=1 in the environment running the tests would make it draw tables where the
    tests read lines. Tests of the drawn output set these themselves."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
