"""The check a model's summary paragraph must pass: every number in it is one the summary
computed. A paragraph that states any other number is not used (the template paragraph is).

What counts as a number: digits (12, 1,204, 3.5, -2, the 5th; a decimal comma, 12,6, is read
as two numbers), a percentage (40%, 40 percent, 40 per cent: it must be one of the computed
percentages), and spelled-out numbers from zero to ninety-nine, "a hundred" and "half" (a
share, so 50 % must have been computed). Digits right after letters (Q4, v2) are not read. Digits
inside a name the summary uses (a step title such as "Order 2 samples", a plan, the business)
are part of the name, not a number. Dates and years are numbers too: the month reported may be
named ("December", "December 2026"), but any other date or year must be a computed figure,
which in practice means the paragraph is refused. "No one" is not a number; "one" is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

__all__ = ["unverified_numbers"]

_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
          "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen")  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}  # fmt: skip
_PERCENT = r"(?P<percent>\s*(?:%|percent\b|per\s+cent\b))?"
_DIGITS = re.compile(
    r"(?<!\w)(?P<number>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?P<decimals>\.\d+)?(?:st|nd|rd|th)?"
    + _PERCENT,
    re.IGNORECASE,
)
_WORDS = re.compile(
    rf"\b(?P<words>(?:a|one)\s+hundred|(?:{'|'.join(_TENS)})(?:[-\s](?:{'|'.join(_UNITS[1:10])}))?"
    rf"|{'|'.join(_UNITS)}|half)\b" + _PERCENT,
    re.IGNORECASE,
)
_NOBODY = re.compile(r"\bno[\s-]one\b", re.IGNORECASE)


def unverified_numbers(
    paragraph: str,
    *,
    counts: Iterable[float | int],
    percents: Iterable[int],
    names: Iterable[str] = (),
) -> list[str]:
    """The numbers `paragraph` states that are not among the computed ones, as written; empty
    when it may be used. `counts` are the figures (customers, days), `percents` the computed
    percentages; `names` are titles whose digits are not numbers (the month, steps, plans)."""
    allowed = {Decimal(str(c)) for c in counts}
    allowed_percent = {Decimal(p) for p in percents}
    text = _NOBODY.sub(" ", paragraph)
    for name in sorted({n for n in names if n.strip()}, key=len, reverse=True):
        text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)
    found: list[str] = []
    for match, value in _numbers(text):
        # "half" is a share of the customers: 50 %.
        percent = bool(match["percent"]) or match[0].lower().startswith("half")
        if value not in (allowed_percent if percent else allowed):
            found.append(match[0].strip())
    return found


def _numbers(text: str) -> list[tuple[re.Match[str], Decimal]]:
    numbers = [
        (m, Decimal(m["number"].replace(",", "") + (m["decimals"] or "")))
        for m in _DIGITS.finditer(text)
    ]
    numbers += [(m, _spelled(m["words"])) for m in _WORDS.finditer(text)]
    return sorted(numbers, key=lambda n: n[0].start())


def _spelled(words: str) -> Decimal:
    parts = words.lower().replace("-", " ").split()
    if parts[-1] == "hundred":
        return Decimal(100)
    if parts == ["half"]:
        return Decimal(50)
    if parts[0] in _TENS:
        return Decimal(_TENS[parts[0]] + (_UNITS.index(parts[1]) if len(parts) > 1 else 0))
    return Decimal(_UNITS.index(parts[0]))
