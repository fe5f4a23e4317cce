"""Forwarded welcome emails: the raw MIME that SES inbound drops into og-raw-mime, read down to
the text a person (or the model) needs to propose a new row of the onboarding list.

The owner forwards the welcome email their app sent a new customer. What matters is the
forwarded message: who it went to, when, and what it says. It arrives in one of two shapes:
inline, below a marker such as Gmail's "---------- Forwarded message ---------" and a block of
From/Date/Subject/To lines, or as a message/rfc822 attachment ("forward as attachment").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.errors import MessageError
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage, MIMEPart
from email.policy import EmailPolicy, default
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

from og.core.customer_list import check_row
from og.core.errors import IntakeError
from og.core.models import Customer, Rules

__all__ = [
    "PROPOSAL_FIELDS",
    "Forwarded",
    "IntakeError",
    "WelcomeEmail",
    "check_proposal",
    "html_to_text",
    "parse_welcome_email",
    "prompt_text",
    "proposal_row",
]

# What the model proposes (the tool schema's properties) and the list columns they fill.
PROPOSAL_FIELDS = {
    "name": "name",
    "email": "email",
    "plan": "plan",
    "signup_date": "signup_at",
}
MAX_PROMPT_CHARS = 20_000  # a welcome email is a page; anything longer is quoted history

# Gmail, Thunderbird, Outlook and Apple Mail markers; quoted (">") copies of them count too.
_FORWARD_MARKER = re.compile(
    r"""^[>\s]*(?:
        -{2,}\s*(?:forwarded\s+message|original\s+message)\s*-{2,}
      | begin\s+forwarded\s+message:
      | _{10,}
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_HEADER_LINE = re.compile(r"^[>\s]*\*?(?P<key>[A-Za-z][A-Za-z -]{0,20}?)\*?\s*:\s*(?P<value>.*)$")
_HEADER_KEYS = {
    "from": "from_",
    "to": "to",
    "cc": "cc",
    "date": "date",
    "sent": "date",
    "subject": "subject",
}
_QUOTE = re.compile(r"^>\s?")


def _policy() -> EmailPolicy[EmailMessage]:
    """The default policy, except that who and when are read as text (encoded words decoded):
    the stdlib's address and date parsers raise on some malformed values (AttributeError on a
    group inside a mailbox, OverflowError on a year too large), and they are only shown to the
    model and the owner anyway."""
    registry = HeaderRegistry()
    for name in ("from", "to", "cc", "date"):
        # UnstructuredHeader is a mixin, as in the stdlib's own map; typeshed wants BaseHeader.
        registry.map_to_type(name, UnstructuredHeader)  # type: ignore[arg-type]
    return default.clone(header_factory=registry)


_POLICY = _policy()


@dataclass(frozen=True, slots=True)
class Forwarded:
    """The header lines of the forwarded message, as written in the forward."""

    from_: str = ""
    to: str = ""
    cc: str = ""
    date: str = ""
    subject: str = ""


@dataclass(frozen=True, slots=True)
class WelcomeEmail:
    subject: str
    sender: str
    sent_at: datetime | None
    body: str  # the forwarded message's text, or the whole text when nothing was forwarded
    note: str = ""  # the forwarder's own words above the forwarded message
    forwarded: Forwarded | None = None
    from_html: bool = False  # the text was converted from the HTML part (no text/plain)


def parse_welcome_email(raw: bytes, source: str) -> WelcomeEmail:
    """Read one raw RFC 5322 message (`source` names it in errors). Raises IntakeError when
    there is no text to read."""
    if not raw.strip():
        raise IntakeError(f"{source}: the file is empty, not an email")
    try:
        message = message_from_bytes(raw, policy=_POLICY)
    except (MessageError, ValueError) as exc:  # the parser is lenient; this is a last resort
        raise IntakeError(f"{source}: not a readable email: {exc}") from exc
    if not isinstance(message, EmailMessage):
        raise IntakeError(f"{source}: not a readable email")
    outer = _headers(message)

    attached = _attached_message(message)
    forwarded: Forwarded | None
    if attached is not None:
        forwarded = _headers(attached)
        body, from_html = _text_of(attached, source)
        note = _text_of(message, source, required=False)[0]
    else:
        text, from_html = _text_of(message, source)
        note, forwarded, body = _split_forward(text)
    return WelcomeEmail(
        subject=outer.subject,
        sender=outer.from_,
        sent_at=_date(outer.date),
        body=body,
        note=note,
        forwarded=forwarded,
        from_html=from_html,
    )


def prompt_text(email: WelcomeEmail) -> str:
    """The email as the model reads it: who forwarded it and when, their note, then the
    welcome email with its own headers."""
    parts = [f"Forwarded by: {email.sender}"]
    if email.sent_at is not None:
        parts.append(f"Forwarded on: {email.sent_at.isoformat()}")
    parts.append(f"Subject: {email.subject}")
    if email.note:
        parts.append(f"\nNote from the person who forwarded it:\n{email.note}")
    parts.append("\n--- The welcome email ---")
    fwd = email.forwarded
    if fwd is not None:
        for label, value in (
            ("From", fwd.from_),
            ("To", fwd.to),
            ("Cc", fwd.cc),
            ("Date", fwd.date),
            ("Subject", fwd.subject),
        ):
            if value:
                parts.append(f"{label}: {value}")
        parts.append("")
    parts.append(email.body)
    return "\n".join(parts)[:MAX_PROMPT_CHARS]


def proposal_row(proposed: Mapping[str, object], customer_id: str) -> dict[str, str]:
    """A proposal (name, email, plan, signup_date) as a row of the list, by column name. Values
    that are not text are dropped; the checks then say what is missing."""
    row = {"customer_id": customer_id}
    for field, column in PROPOSAL_FIELDS.items():
        value = proposed.get(field)
        row[column] = " ".join(value.split()) if isinstance(value, str) else ""
    return row


def check_proposal(
    row: Mapping[str, str],
    rules: Rules,
    customers: list[Customer],
    now: datetime,
    business_tz: str,
    *,
    source: str,
) -> list[str]:
    """What stops `row` from joining the list: the list's own checks, then another customer on
    it with the same customer id or email. (The same customer id with the same email is this
    row, added already: not a problem.) Each problem reads "<column>: <what is wrong>"."""
    _, problems = check_row(row, rules, now, business_tz, source=source)
    found = [f"{p.field}: {p.message}" for p in problems]
    cid = row.get("customer_id", "").strip()
    email = row.get("email", "").strip().lower()
    for customer in customers:
        same_id = bool(cid) and customer.customer_id == cid
        same_email = bool(email) and customer.email.lower() == email
        if same_id and not same_email:
            found.append(
                f"customer_id: '{cid}' is already on the list ({customer.name}); choose another"
            )
        elif same_email and not same_id:
            found.append(
                f"email: {customer.email} is already on the list as customer "
                f"{customer.customer_id} ({customer.name})"
            )
    return found


# --- MIME ----------------------------------------------------------------------------------------
def _headers(message: EmailMessage) -> Forwarded:
    def header(name: str) -> str:
        try:
            value = message.get(name)
        except (MessageError, ValueError, IndexError):  # a header the parser cannot make sense of
            return ""
        return " ".join(str(value).split()) if value is not None else ""

    return Forwarded(
        from_=header("From"),
        to=header("To"),
        cc=header("Cc"),
        date=header("Date"),
        subject=header("Subject"),
    )


def _date(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text) if text else None
    except (TypeError, ValueError, OverflowError):
        return None


def _attached_message(message: EmailMessage) -> EmailMessage | None:
    """The message forwarded as an attachment (message/rfc822), if any."""
    for part in message.walk():
        if part.get_content_type() == "message/rfc822" and part.is_multipart():
            inner = part.get_payload(0)
            if isinstance(inner, EmailMessage):
                return inner
    return None


def _text_of(message: EmailMessage, source: str, *, required: bool = True) -> tuple[str, bool]:
    """The message's text: its text/plain body, else its HTML body as text. Attachments,
    including an attached message, are not part of it."""
    for preference in ("plain", "html"):
        part = _body(message, preference)
        if part is None:
            continue
        text = _decoded(part)
        if preference == "html":
            text = html_to_text(text)
        text = _tidy(text)
        if text:
            return text, preference == "html"
    payload = message.get_payload()
    if message.get_content_maintype() == "multipart" and isinstance(payload, str):
        # A multipart without a usable boundary: the parser records a defect and keeps the body
        # as one string, whose text is still worth reading.
        text = _tidy(payload)
        if text:
            return text, False
    if required:
        raise IntakeError(
            f"{source}: no text in the email (no text/plain or text/html part with words in it; "
            f"found {', '.join(sorted({p.get_content_type() for p in message.walk()}))})"
        )
    return "", False


def _body(message: EmailMessage, subtype: str) -> MIMEPart | None:
    """The message's text/<subtype> body, as a mail client picks it."""
    try:
        return message.get_body(preferencelist=(subtype,))
    except (AttributeError, TypeError, IndexError):
        # The stdlib walks a multipart left unsplit (no closing boundary, say) into its raw
        # text and fails on it; the first such part that is not an attachment is the body.
        for part in message.walk():
            if part.get_content_type() == f"text/{subtype}" and not part.is_attachment():
                return part
        return None


def _decoded(part: MIMEPart) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        # An unknown or wrong charset: read what can be read rather than lose the email.
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    tidy = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", tidy).strip()


# --- inline forwards -----------------------------------------------------------------------------
def _split_forward(text: str) -> tuple[str, Forwarded | None, str]:
    """(note above the forward, the forwarded headers, the forwarded body), or ("", None, text)
    when nothing was forwarded inline. A forward of a forward is read down to the innermost."""
    lines = text.split("\n")
    markers = [i for i, line in enumerate(lines) if _FORWARD_MARKER.match(line)]
    for start in reversed(markers):
        parsed = _forward_block(lines, start + 1)
        if parsed is None:
            continue
        headers, body_start = parsed
        note = "\n".join(lines[:start]).strip()
        body = _unquote(lines[body_start:])
        return note, headers, body
    return "", None, text


def _forward_block(lines: list[str], start: int) -> tuple[Forwarded, int] | None:
    i = start
    while i < len(lines) and not lines[i].strip(" >"):
        i += 1
    found: dict[str, str] = {}
    while i < len(lines):
        match = _HEADER_LINE.match(lines[i])
        key = _HEADER_KEYS.get(match["key"].strip().lower()) if match else None
        if match is None or key is None:
            break
        found.setdefault(key, " ".join(match["value"].split()))
        i += 1
    # A marker line alone (an underscore rule, say) is not a forward: it needs From or Subject.
    if "from_" not in found and "subject" not in found:
        return None
    return Forwarded(**found), i


def _unquote(lines: list[str]) -> str:
    body = list(lines)
    if body and all(_QUOTE.match(line) or not line.strip() for line in body):
        body = [_QUOTE.sub("", line, count=1) for line in body]
    return _tidy("\n".join(body))


# --- HTML ----------------------------------------------------------------------------------------
class _TextExtractor(HTMLParser):
    _BLOCK = frozenset(
        {
            *("address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt"),
            *("footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li"),
            *("ol", "p", "pre", "section", "table", "tbody", "thead", "tfoot", "tr", "ul"),
        }
    )
    _CELL = frozenset({"td", "th"})
    _SKIP = frozenset({"head", "script", "style", "title", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self._links: list[tuple[str | None, int]] = []  # (mailto address, where its text starts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")
        elif tag in self._CELL:
            self.parts.append(" ")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            address = href[7:].split("?")[0] if href.lower().startswith("mailto:") else None
            self._links.append((address, len(self.parts)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")
        elif tag == "a" and self._links:
            address, start = self._links.pop()
            # The address of a mailto link is often only in the link, not in its text.
            if address and address not in "".join(self.parts[start:]):
                self.parts.append(f" <{address}>")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Readable text of an HTML email: block elements on their own lines, scripts and styles
    dropped, entities decoded, mailto addresses kept."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
