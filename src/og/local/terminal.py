"""How the `og` command writes to a terminal, and to anything else.

On a terminal (rich's `Console.is_terminal`: the stream is a tty, or `FORCE_COLOR` or
`TTY_COMPATIBLE=1` is set; `TTY_COMPATIBLE=0` turns it off) tables are drawn with rich and
`og simulate` shows a progress bar. On a pipe or in a file the output is plain text, one record
per line with aligned columns and nothing drawn, so scripts and tests can read it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

__all__ = ["day_progress", "is_terminal", "show_table", "stderr_console", "stdout_console"]


def stdout_console() -> Console:
    """A console on the current sys.stdout (made per call: tests swap sys.stdout)."""
    return Console(file=sys.stdout, highlight=False)


def stderr_console() -> Console:
    return Console(file=sys.stderr, highlight=False)


def is_terminal() -> bool:
    """Whether standard output is a terminal, as rich decides it."""
    return stdout_console().is_terminal


def show_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    plain: Iterable[str],
    title: str | None = None,
) -> None:
    """A table of `rows` on a terminal; the `plain` lines (the same rows as aligned text)
    anywhere else. Cells are shown as written: `[`s in a customer's name are not rich markup,
    and control characters are dropped (rich's Text strips them)."""
    console = stdout_console()
    if not console.is_terminal:
        for line in plain:
            print(line)
        return
    table = Table(title=title, title_justify="left", header_style="bold", show_lines=False)
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    console.print(table)


@contextmanager
def day_progress(total: int, what: str) -> Iterator[Callable[[str], None]]:
    """A progress bar of `total` units on standard error when it is a terminal, nothing
    otherwise (a pipe gets only what the command prints to standard output). Yields
    `step(label)`: one unit done, `label` shown next to the bar. Lines printed to standard
    output meanwhile appear above the bar when both streams are the terminal."""
    console = stderr_console()
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(what),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        # Redirecting a piped stdout would send its lines to the terminal instead.
        redirect_stdout=sys.stdout.isatty(),
        disable=not console.is_terminal,
    )
    task = progress.add_task("", total=total)

    def step(label: str) -> None:
        progress.update(task, advance=1, description=label)

    with progress:
        yield step
