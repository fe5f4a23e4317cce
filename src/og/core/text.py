"""Clean-up of text exported from Google Docs and Sheets, before any parsing.

Line numbers survive every step: a line is never dropped or joined, so "line 12" in an error is
line 12 of the exported file.
"""

from __future__ import annotations

import codecs
import re

from og.core.errors import DocumentError, Problem

__all__ = ["decode_export", "normalize_cell", "normalize_export", "split_lines", "strip_bullet"]

_BOM = "\ufeff"

# Zero-width characters and the soft hyphen: invisible in the doc, but they break key matching.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)

# Spaces that look like a space (non-breaking, figure, narrow no-break, thin, ...) and tabs.
_SPACES = dict.fromkeys(
    map(
        ord,
        "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
        "\u202f\u205f\u3000",
    ),
    " ",
)

_QUOTES = {
    ord("\u2018"): "'",
    ord("\u2019"): "'",
    ord("\u201a"): "'",
    ord("\u201b"): "'",
    ord("\u201c"): '"',
    ord("\u201d"): '"',
    ord("\u201e"): '"',
    ord("\u201f"): '"',
}

_EXPORT_TABLE = {**_INVISIBLE, **_SPACES, **_QUOTES}
_CELL_TABLE = {**_INVISIBLE, **_SPACES}

# A soft line break (Shift+Enter in Docs) and the Unicode line/paragraph separators show as new
# lines to the reader, so they count as lines here too.
_LINE_BREAKS = re.compile("\r\n|\r|\x0b|\x0c|\u2028|\u2029")

_BULLET = re.compile(
    r"""^\s*(?:
        [\u2022\u25e6\u25aa\u25cf\u25cb\u25a0\u25a1\u25ab\u25c6\u25c7\u27a2\u25ba\u2043\u2219]\s*
      | [-*+]\s+
      | \d{1,3}[.)]\s+
    )""",
    re.VERBOSE,
)


def decode_export(data: bytes, source: str) -> str:
    """A document's bytes as text: UTF-8 (with or without a BOM) or UTF-16 with its BOM (Excel's
    "Unicode text"). Anything else — Excel's "CSV" or "ANSI" (Windows-1252) — is refused with
    the line and how to save it, rather than guessed: a wrong guess mangles names in emails."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        how = (
            "in Excel: File > Save As > 'CSV UTF-8 (Comma delimited)'; in Google Sheets it is "
            "already UTF-8"
            if source.endswith(".csv")
            else "save it as UTF-8 text"
        )
        raise DocumentError(
            [
                Problem(
                    source,
                    line,
                    None,
                    f"is not UTF-8 text (byte 0x{data[err.start]:02x} at column {column}; it "
                    f"looks like a Windows-1252 'ANSI' file); {how}",
                )
            ]
        ) from None


def normalize_export(text: str) -> str:
    """Undo the noise of a Google Docs plain-text export.

    BOM and zero-width characters removed, every line ending turned into "\\n", odd spaces and
    tabs into plain spaces, smart quotes into straight ones. Dashes are left alone.
    """
    if text.startswith(_BOM):
        text = text[1:]
    text = _LINE_BREAKS.sub("\n", text)
    return text.translate(_EXPORT_TABLE)


def normalize_cell(value: str) -> str:
    """One spreadsheet cell: odd spaces to plain spaces, invisible characters removed, trimmed.

    Quotes are kept as written (curly apostrophes in names stay as the owner typed them)."""
    return value.translate(_CELL_TABLE).strip()


def split_lines(text: str) -> list[str]:
    """Lines of a normalized export; index + 1 is the line number."""
    lines = text.split("\n")
    # A final newline ends the last line; it does not start another.
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def strip_bullet(line: str) -> str:
    """`line` without a leading list bullet (•, ◦, ▪, ●, ○, ■, -, *, "1.") and outer spaces."""
    return _BULLET.sub("", line, count=1).strip()
