"""The home's writer lock within one process: bad settings and re-entry fail at once and say why
(two processes: tests/e2e/test_one_writer.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from og.core.errors import HomeBusy
from og.local.home_lock import HomeLock


@pytest.mark.parametrize("value", ["soon", "-1", "nan"])
def test_a_bad_wait_setting_says_what_to_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("OG_HOME_LOCK_WAIT", value)
    with pytest.raises(ValueError) as err:
        HomeLock(tmp_path)
    assert str(err.value) == (
        f"OG_HOME_LOCK_WAIT={value!r}: write a number of seconds, 0 or more, like 60"
    )


def test_the_same_process_entering_twice_fails_at_once_instead_of_waiting(tmp_path: Path) -> None:
    first = HomeLock(tmp_path, wait_s=600)
    first.acquire()
    try:
        with pytest.raises(HomeBusy, match="already in use by this process"):
            HomeLock(tmp_path, wait_s=600).acquire()
    finally:
        first.release()
    again = HomeLock(tmp_path, wait_s=0)
    again.acquire()  # free once released
    again.release()
    assert (tmp_path / "og.lock").read_text() == ""
