"""`og` as a person meets it in a terminal, and as a script reads it from a pipe: the same
command draws a progress bar and tables on a terminal and prints plain lines anywhere else."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from collections.abc import Callable

import pytest

from og.cli import main as og

from .support import ROOT, Home

pytestmark = [pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]

ROWS = [
    "c-1,Mei Ling Tan,mei@example.com,Starter,2026-12-14T08:00:00+08:00,,,",
    "c-2,Tom Whitfield,tom@example.com,Starter,2026-12-14T08:00:00+08:00,Europe/London,,",
]
SIMULATE = ("simulate", "--start", "2026-12-14", "--days", "2")
STANDING = (
    "after 2 days: 2 customers: 0 finished, 0 flagged, 0 paused, 0 handed off, "
    "0 unsubscribed, 2 still onboarding"
)
TERMINAL_ENV = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR")


def _env() -> dict[str, str]:
    path = os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
    plain = {k: v for k, v in os.environ.items() if k not in TERMINAL_ENV}
    return plain | {"PYTHONPATH": path, "OG_PROJECT_ROOT": str(ROOT), "COLUMNS": "120"}


def _og_on_a_pipe(home: Home, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "og.cli", args[0], "--home", str(home.path), *args[1:]],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
        check=False,
    )


def _og_on_a_terminal(home: Home, *args: str) -> str:
    """Standard output and error both on one pseudo-terminal, as in a terminal window."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "og.cli", args[0], "--home", str(home.path), *args[1:]],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=_env() | {"TERM": "xterm-256color"},
    )
    os.close(follower)
    seen = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's last writer has gone
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert process.wait(timeout=300) == 0, seen.decode(errors="replace")
    return seen.decode(errors="replace")


def test_simulate_on_a_pipe_prints_a_line_per_day_then_where_customers_stand(
    make_home: Callable[..., Home],
) -> None:
    home = make_home(ROWS)

    run = _og_on_a_pipe(home, *SIMULATE)

    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert [line[:16] for line in lines[:2]] == ["2026-12-14 Mon: ", "2026-12-15 Tue: "]
    assert lines[0].startswith("2026-12-14 Mon: 2 steps, 0 nudges, 0 flags")
    assert lines[2:] == [STANDING]
    assert "\r" not in run.stdout and "\x1b" not in run.stdout
    assert "\x1b" not in run.stderr and "days" not in run.stderr  # no progress bar


def test_simulate_on_a_terminal_shows_a_progress_bar(make_home: Callable[..., Home]) -> None:
    home = make_home(ROWS)

    screen = _og_on_a_terminal(home, *SIMULATE)

    assert "\x1b[" in screen  # drawn, not printed
    assert "0/2 days" in _without_escapes(screen)
    assert "2026-12-14 Mon: 2 steps" in screen and "2026-12-15 Tue: " in screen
    assert STANDING in screen.replace("\r\n", "\n")


def test_the_summary_line_counts_the_store_not_the_printed_lines(
    make_home: Callable[..., Home], capsys: pytest.CaptureFixture[str]
) -> None:
    """A pause the owner made between runs is in the next run's summary, though no line of
    that run mentions it."""
    home = make_home(ROWS)
    h = str(home.path)
    assert og(["tick", "--home", h, "--date", "2026-12-14"]) == 0
    assert og(["pause", "--home", h, "c-2", "--at", "2026-12-14T12:00:00+00:00"]) == 0
    capsys.readouterr()

    assert og(["simulate", "--home", h, "--start", "2026-12-15", "--days", "1"]) == 0

    assert capsys.readouterr().out.splitlines()[-1] == (
        "after 1 day: 2 customers: 0 finished, 0 flagged, 1 paused, 0 handed off, "
        "0 unsubscribed, 1 still onboarding"
    )


def test_tick_validate_and_flags_draw_tables_on_a_terminal(
    make_home: Callable[..., Home],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Text from the owner's documents is shown as written, never read as rich markup."""
    bad = "c-3,Priya Nair,[red]priya@@spicebox.example,Starter,2026-12-14,,,"
    home = make_home([*ROWS, bad])
    h = str(home.path)
    for name in TERMINAL_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich: draw as on a terminal
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "160")

    assert og(["tick", "--home", h, "--date", "2026-12-14"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tick 2026-12-14 at 01:00Z: SUCCEEDED; 2 customers, 2 moves\n")
    header = [c.strip() for c in _row_with(out, "CUSTOMER").split("┃")[1:-1]]
    assert header == ["CUSTOMER", "MOVE", "STEP", "OUTCOME"]
    row = [c.strip() for c in _row_with(out, "c-1 ").split("│")[1:-1]]
    assert row[:3] == ["c-1", "step_due", "welcome"] and row[3].startswith("sent: welcome#step")

    assert og(["validate", "--home", h, "--date", "2026-12-14"]) == 1
    out = capsys.readouterr().out
    row = [c.strip() for c in _row_with(out, "c-3").split("│")[1:-1]]
    assert row == [
        "onboarding.csv",
        "4",
        "c-3",
        "email",
        "'[red]priya@@spicebox.example' is not a valid email address",
    ]

    assert og(["flags", "--home", h]) == 0
    assert capsys.readouterr().out == "no open flags\n\nno pending intake proposals\n"


def _row_with(screen: str, text: str) -> str:
    return next(line for line in _without_escapes(screen).splitlines() if text in line)


def _without_escapes(screen: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)
