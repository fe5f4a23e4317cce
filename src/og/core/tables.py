"""A small table of figures, shown as fixed-width text (Slack code blocks, plain-text email) or
as HTML (the email's HTML part), from the same rows."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

__all__ = ["Table"]

_MAX_CELL = 48


@dataclass(frozen=True, slots=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def text_lines(self) -> list[str]:
        """The header, a rule, then one line per row; long cells are cut with an ellipsis."""
        cells = [self.headers, *self.rows]
        clipped = [tuple(_clip(c) for c in row) for row in cells]
        widths = [max(len(row[i]) for row in clipped) for i in range(len(self.headers))]

        def line(row: tuple[str, ...]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()

        return [line(clipped[0]), "  ".join("-" * w for w in widths), *map(line, clipped[1:])]

    def text(self) -> str:
        return "\n".join(self.text_lines())

    def html(self) -> str:
        head = "".join(f'<th align="left">{escape(h)}</th>' for h in self.headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in self.rows
        )
        return (
            '<table cellpadding="4" cellspacing="0" border="1" style="border-collapse:collapse">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"
