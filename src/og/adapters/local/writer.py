"""Writer standing in for Bedrock locally: deterministic, and labelled so nobody mistakes its
output for a model's."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from email.utils import parseaddr, parsedate_to_datetime

LABEL = "[local Bedrock stand-in: personalized rewrite not performed]"
PROPOSAL_LABEL = "[local Bedrock stand-in: row read with regular expressions, not by a model]"
NARRATIVE_LABEL = "[local Bedrock stand-in: no narrative written; the figures are below]"

_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_DAY_YEAR = re.compile(r"\b([A-Za-z]{3})[a-z]*\.? (\d{1,2}),? (\d{4})\b")
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{4})\b")
_GREETING = re.compile(r"^(?:hi|hello|dear|welcome),? ([A-Z][\w'-]+)", re.IGNORECASE | re.MULTILINE)


class StandInWriter:
    def rewrite(self, body: str, *, instructions: str) -> str:
        return f"{body.rstrip()}\n\n{LABEL}\n"

    def propose_customer(self, text: str, *, plans: Sequence[str]) -> dict[str, str]:
        """What a careful reader would take from the email's labelled lines and headers: the
        welcome email's To: (name and address), a plan named in it, its date."""
        name, email = parseaddr(_last(text, "To"))
        email = email if _ADDRESS.fullmatch(email) else ""
        email = email or _labelled_address(text)
        name = name or _last(text, "Name")
        if not name and (greeting := _GREETING.search(text)):
            name = greeting[1]
        return {
            "name": name,
            "email": email,
            "plan": _plan(_last(text, "Plan") or text, plans),
            "signup_date": _date(_last(text, "Signup date") or _last(text, "Signed up"))
            or _date(_last(text, "Date"))
            or _date(_last(text, "Forwarded on")),
            "note": PROPOSAL_LABEL,
        }

    def narrate(self, figures: str, *, instructions: str) -> str:
        return NARRATIVE_LABEL


def _last(text: str, label: str) -> str:
    """The value of the last '<label>: value' line (the innermost forwarded header)."""
    found = re.findall(rf"^[>\s*]*{re.escape(label)}\s*:\s*(.+)$", text, re.IGNORECASE | re.M)
    return found[-1].strip() if found else ""


def _labelled_address(text: str) -> str:
    for label in ("Email", "E-mail", "Customer email"):
        match = _ADDRESS.search(_last(text, label))
        if match:
            return match[0]
    return ""


def _plan(text: str, plans: Sequence[str]) -> str:
    found = [
        (m.start(), plan)
        for plan in plans
        if (m := re.search(rf"\b{re.escape(plan)}\b", text, re.IGNORECASE))
    ]
    return min(found)[1] if found else ""


def _date(text: str) -> str:
    if not text:
        return ""
    if iso := _ISO_DATE.search(text):
        return iso[1]
    try:
        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, OverflowError):
        pass
    for pattern, order in ((_MONTH_DAY_YEAR, (0, 1, 2)), (_DAY_MONTH_YEAR, (1, 0, 2))):
        if m := pattern.search(text):
            month, day, year = (m.group(i + 1) for i in order)
            if month.lower() in _MONTHS:
                try:
                    return date(int(year), _MONTHS.index(month.lower()) + 1, int(day)).isoformat()
                except ValueError:
                    continue
    return ""
