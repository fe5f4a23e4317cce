"""One writer per og home. Every command that runs the local stack over a home (tick, simulate,
act, ...) holds an exclusive `flock` on `og.lock` in it; a second one waits for the first, for
`OG_HOME_LOCK_WAIT` seconds (default 60), then gives up naming the command that holds the home.
Read-only commands (history, validate, flags) take no lock. The kernel drops the lock when its
process ends, however it ends, so a killed command never leaves the home locked."""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from og.core.errors import HomeBusy, SetupError

LOCK_FILE = "og.lock"
WAIT_ENV = "OG_HOME_LOCK_WAIT"
DEFAULT_WAIT_S = 60.0
_POLL_S = 0.1


class HomeLock:
    def __init__(self, home: Path, wait_s: float | None = None):
        self.home = home
        self.path = home / LOCK_FILE
        self.wait_s = _wait_from_env() if wait_s is None else wait_s
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait_s
        told = False
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holder = _read_holder(fd)
                    if holder.get("pid") == os.getpid():
                        raise HomeBusy(
                            f"{self.home} is already in use by this process; "
                            "one og command runs the local stack over a home at a time"
                        ) from None
                    if time.monotonic() >= deadline:
                        raise HomeBusy(
                            f"{self.home} is in use by {_describe(holder)}; waited "
                            f"{self.wait_s:g}s. Let it finish (or stop it), then run this command "
                            f"again; {WAIT_ENV} sets how many seconds to wait"
                        ) from None
                    if not told:
                        print(
                            f"og: waiting for {_describe(holder)} to finish with {self.home} "
                            f"(up to {self.wait_s:g}s)",
                            file=sys.stderr,
                            flush=True,
                        )
                        told = True
                    time.sleep(_POLL_S)
            holder = {
                "pid": os.getpid(),
                "command": _command_line(),
                "since": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            }
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(holder) + "\n").encode(), 0)
        except BaseException:
            os.close(fd)  # closing drops the lock if it was taken
            raise
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.ftruncate(fd, 0)
            os.close(fd)


def _wait_from_env() -> float:
    text = os.environ.get(WAIT_ENV)
    if not text:
        return DEFAULT_WAIT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise SetupError(f"{WAIT_ENV}={text!r}: write a number of seconds, 0 or more, like 60")
    return seconds


def _read_holder(fd: int) -> dict[str, object]:
    try:
        holder = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        return {}
    return holder if isinstance(holder, dict) else {}


def _describe(holder: dict[str, object]) -> str:
    if "pid" not in holder:
        return "another og command"
    return f"`{holder.get('command')}` (pid {holder['pid']}, since {holder.get('since')})"


def _command_line() -> str:
    """How this process was started, as the user typed it: `og tick ...` also when run as
    `python -m og.cli tick ...`."""
    args = sys.argv[1:]
    program = Path(sys.argv[0]).name if sys.argv else "python"
    if program in ("og", "cli.py"):
        program = "og"
    return shlex.join([program, *args])
