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
