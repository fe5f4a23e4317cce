"""One writer per og home, with real processes: a second `og` command that writes to a home waits
for the first, then carries on or gives up naming it; read-only commands do not wait."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from og.local.home_lock import LOCK_FILE

from .support import ROOT, Home

pytestmark = [pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]

MON = "2026-12-14"
CUSTOMERS = [
    f"c-{n},Customer {n},c{n}@example.com,Starter,2026-12-14T08:00:00+08:00,"
    + ("America/New_York" if n % 2 else "")
    + ",,"
    for n in range(8)
]
TIMEOUT_S = 300


def _env(**extra: str) -> dict[str, str]:
    path = os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
    return os.environ | {"PYTHONPATH": path, "OG_PROJECT_ROOT": str(ROOT)} | extra


def _og(*args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "og.cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(**env),
    )


@contextmanager
def _holding(home: Path, *command: str) -> Iterator[subprocess.Popen[str]]:
    """A process that runs the local stack over `home`, started as `command` (as `og serve`
    would be), holding it until its stdin gets a line."""
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from og.local.stack import LocalStack
        sys.argv = {list(command)!r}
        with LocalStack(Path({str(home)!r})):
            print("holding", flush=True)
            sys.stdin.readline()
        """
    )
    p = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        assert p.stdout is not None
        line = p.stdout.readline()
        assert line == "holding\n", (line, p.stderr.read() if p.stderr else "")
        yield p
    finally:
        if p.poll() is None:
            p.kill()
        p.communicate(timeout=TIMEOUT_S)


def _flags_and_posts(home: Home) -> list[object]:
    return [post["payload"] for post in home.slack("chat.postMessage")]


def test_two_ticks_at_once_send_each_email_once_and_flag_nothing(
    make_home: Callable[..., Home],
) -> None:
    home = make_home(CUSTOMERS)
    h = str(home.path)
    first, second = _og("tick", "--home", h, "--date", MON), _og("tick", "--home", h, "--date", MON)
    results = [p.communicate(timeout=TIMEOUT_S) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], results

    # Before the lock, the second tick's journeys found the first's claims still 'sending' and
    # flagged the owner that the email "may have been sent".
    assert _flags_and_posts(home) == []
    assert sorted(m.to for m in home.outbox()) == sorted(
        f"Customer {n} <c{n}@example.com>" for n in range(len(CUSTOMERS))
    )
    for n in range(len(CUSTOMERS)):
        assert home.claims(f"c-{n}") == {"welcome#step": "sent"}
    # One tick sent everything; whichever came second planned after it and found nothing to do.
    stdouts = sorted(out for out, _ in results)
    assert f"{len(CUSTOMERS)} customers, 0 moves" in stdouts[0], stdouts
    assert f"{len(CUSTOMERS)} customers, {len(CUSTOMERS)} moves" in stdouts[1], stdouts


def test_a_second_command_waits_for_the_first_or_gives_up_naming_it(
    make_home: Callable[..., Home],
) -> None:
    home = make_home(CUSTOMERS)
    h = str(home.path)
    with _holding(home.path, "og", "serve", "--home", h) as holder:
        # Read-only commands take no lock (here they find problems: exit 1, not 75).
        for args in (
            ("validate", "--home", h),
            ("history", "--home", h, "c-1"),
            ("flags", "--home", h),
        ):
            reader = _og(*args, OG_HOME_LOCK_WAIT="0")
            _, err = reader.communicate(timeout=TIMEOUT_S)
            assert reader.returncode in (0, 1), err
            assert "in use" not in err

        impatient = _og("tick", "--home", h, "--date", MON, OG_HOME_LOCK_WAIT="0.5")
        _, err = impatient.communicate(timeout=TIMEOUT_S)
        assert impatient.returncode == 75, err
        assert f"is in use by `og serve --home {h}` (pid {holder.pid}, since " in err
        assert "waited 0.5s. Let it finish (or stop it), then run this command again" in err
        assert home.outbox() == [] and home.claims("c-0") == {}

        patient = _og("tick", "--home", h, "--date", MON, OG_HOME_LOCK_WAIT="600")
        assert patient.stderr is not None
        waiting = patient.stderr.readline()
        assert waiting.startswith(f"og: waiting for `og serve --home {h}` (pid {holder.pid}")
        assert home.outbox() == []
        assert holder.stdin is not None
        holder.stdin.write("done\n")
        holder.stdin.flush()
        assert holder.wait(timeout=TIMEOUT_S) == 0
        out, err = patient.communicate(timeout=TIMEOUT_S)
        assert patient.returncode == 0, err
        assert f"{len(CUSTOMERS)} customers, {len(CUSTOMERS)} moves" in out
    assert len(home.outbox()) == len(CUSTOMERS)
    assert _flags_and_posts(home) == []


def test_a_killed_command_leaves_the_home_free(make_home: Callable[..., Home]) -> None:
    home = make_home(CUSTOMERS)
    with _holding(home.path, "og", "tick") as holder:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=TIMEOUT_S)
    assert (home.path / LOCK_FILE).read_text() != ""  # the killed process never cleaned up
    tick = _og("tick", "--home", str(home.path), "--date", MON, OG_HOME_LOCK_WAIT="0")
    _, err = tick.communicate(timeout=TIMEOUT_S)
    assert tick.returncode == 0, err
    assert "waiting" not in err
    assert len(home.outbox()) == len(CUSTOMERS)
