"""RFC 5322 messages for steps and nudges, built with the stdlib email package (which refuses
CR/LF in header values, so a name or subject cannot inject headers)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP, Policy
from email.utils import format_datetime, formataddr, parseaddr

from og.core.email_html import email_html


def build_email(
    *,
    sender: str,
    to_name: str,
    to_addr: str,
    subject: str,
    body: str,
    message_id: str,
    sent_at: datetime,
    reply_to: str | None = None,
    unsubscribe_url: str | None = None,
    done_link: str = "",
    in_reply_to: str | None = None,
) -> EmailMessage:
    """A customer email: `body` as the text part and its HTML rendering (email_html, with a
    "Mark as done" button where `done_link` appears) as the alternative. `in_reply_to` is the
    Message-ID (without <>) this one threads under, e.g. a nudge under its step email."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = formataddr((to_name, to_addr))
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent_at)
    msg["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
        msg["References"] = f"<{in_reply_to}>"
    if reply_to:
        msg["Reply-To"] = reply_to
    sender_addr = parseaddr(sender)[1]
    targets = [f"<mailto:{sender_addr}?subject=unsubscribe>"]
    if unsubscribe_url:
        targets.insert(0, f"<{unsubscribe_url}>")
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_raw("List-Unsubscribe", _UrlList(", ".join(targets)))
    msg.set_content(body)
    msg.add_alternative(email_html(body, subject=subject, done_link=done_link), subtype="html")
    return msg


class _UrlList(str):
    """List-Unsubscribe's value as written. The stdlib would turn a URL longer than a line into
    RFC 2047 encoded words, which mail clients do not decode in this header (RFC 2369), so it is
    folded only between its <...> entries and a URL stays whole (a line may have 998 characters).
    """

    name = "List-Unsubscribe"

    def fold(self, *, policy: Policy) -> str:
        return f"{self.name}: " + f",{policy.linesep} ".join(self.split(", ")) + policy.linesep


def message_id_for(customer_id: str, step_id: str, kind: str, sender: str) -> str:
    """Stable per (customer, step, kind): a resend of the same message keeps its identity."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"og.{customer_id}.{step_id}.{kind}@{domain}"


def build_report_email(
    *,
    sender: str,
    recipients: tuple[str, ...],
    subject: str,
    text: str,
    html: str,
    message_id: str,
    sent_at: datetime,
    images: Sequence[tuple[str, bytes]] = (),
) -> EmailMessage:
    """An internal report (the monthly summary) to the business's own people: one message to
    all of them, plain text with an HTML alternative (for a real table). `images` are PNGs as
    (Content-ID without <>, bytes) that the HTML shows as cid: URLs: the HTML and they form a
    multipart/related part (RFC 2387), as mail clients show inline images; none is SVG, which
    mail clients do not render."""
    if not recipients:
        raise ValueError("a report email needs at least one recipient")
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent_at)
    msg["Message-ID"] = f"<{message_id}>"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    # A funnel PNG is about 1 KB. SES takes the raw message whole, up to 40 MB through the v2
    # API (SesEmailSender) and 10 MB through v1, base64 included.
    html_part = msg.get_body(("html",))
    for cid, png in images:
        assert html_part is not None  # added just above
        html_part.add_related(png, "image", "png", cid=f"<{cid}>", disposition="inline")
    return msg
