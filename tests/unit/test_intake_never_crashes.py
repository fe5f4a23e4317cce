"""Whatever lands in og-raw-mime, reading it ends in a welcome email or in IntakeError (which the
owner is told about), never in another exception that would fail intake-ses-parser: generated
messages (odd headers, charsets and encodings, nested multiparts, attached messages), mutated as
mail in the wild is (cut short, bytes lost or flipped, pieces repeated), and the messages that
once crashed it, kept in intake_corpus/.

Deterministic in `make test` (derandomized, 150 examples each, a few seconds);
OG_FUZZ_EXAMPLES=20000 searches longer."""

from __future__ import annotations

import base64
import codecs
import os
import quopri
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from og.core.errors import IntakeError
from og.core.intake import WelcomeEmail, parse_welcome_email

SOURCE = "s3://og-raw-mime/fuzzed"
CORPUS = Path(__file__).parent / "intake_corpus"
EXAMPLES = int(os.environ.get("OG_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Pieces that the stdlib's header, MIME and charset parsers treat specially.
HEADER_PIECES = [
    *("undisclosed-recipients:;", "team:;", "group: a@b.example;", ":", ";", ",", "@", "."),
    *("<", ">", "[", "]", '"', "\\", "(", ")", "=?utf-8?q?Caf=C3=A9?=", "=?utf-8?b?////?="),
    *("=?x-unknown?q?a?=", "=?utf-8?q?", "?=", "\t", " ", "\r\n ", "é", "\x00", "\u2028"),
    *("Owner <owner@harbourhearth.example>", "Tue, 01 Dec 2026 10:02:00 +0800"),
    *("Tue, 01 Dec 865480560680072026 10:02:00 +0800", "a@[b.example", "9999"),
]
CHARSETS = ["utf-8", "us-ascii", "iso-8859-1", "utf-16", "utf-7", "x-unknown", "", '"utf-8']
ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "binary", "x-uuencode", "bogus"]
TOKENS = [
    *(b"\r\n", b"\n", b"\r", b"\x00", b"\xff", b"--", b"=", b";", b":", b'"', b"\r\n\r\n"),
    *(b"Content-Type: multipart/mixed; boundary=", b"Content-Type: message/rfc822\r\n"),
    *(b"Content-Transfer-Encoding: base64\r\n", b"charset=", b"From: a:;\r\n", b"=?utf-8?b?"),
    *(b"Content-Disposition: attachment; filename*0*=utf-8''%FF\r\n", b"boundary"),
]

header_value = st.lists(
    st.one_of(st.sampled_from(HEADER_PIECES), st.text(max_size=6)), max_size=6
).map("".join)
words = st.lists(st.sampled_from(["Hi", "Mei", "Ling", "Starter", "plan", "welcome", "é"]))


def _encoded(text: str, charset: str, encoding: str) -> bytes:
    try:
        codec = codecs.lookup(charset.strip('"') or "us-ascii").name
    except LookupError:
        codec = "utf-8"
    data = text.encode(codec, errors="replace")
    if encoding == "base64":
        return base64.encodebytes(data)
    if encoding == "quoted-printable":
        return quopri.encodestring(data)
    return data


@st.composite
def leaf(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["text/plain", "text/html", "application/pdf"]))
    charset = draw(st.sampled_from(CHARSETS))
    encoding = draw(st.sampled_from(ENCODINGS))
    text = " ".join(draw(words))
    if kind == "text/html":
        text = f"<p>{text}</p><br><a href='mailto:{draw(header_value)}'>x</a>"
    return (
        f"Content-Type: {kind}; charset={charset}\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n"
    ).encode() + _encoded(text, charset, encoding)


def _multipart(subtype: str, boundary: str, parts: list[bytes]) -> bytes:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + p + b"\r\n" for p in parts)
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode()
    return head + body + b"--" + boundary.encode() + b"--\r\n"


def _attached(headers: dict[str, str], part: bytes) -> bytes:
    inner = "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode() + part
    return b"Content-Type: message/rfc822\r\n\r\n" + inner


def _headers() -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries(
        {},
        optional={name: header_value for name in ("From", "To", "Cc", "Date", "Subject")},
    )


mime = st.recursive(
    leaf(),
    lambda children: st.one_of(
        st.builds(
            _multipart,
            st.sampled_from(["mixed", "alternative", "related", "x-odd"]),
            st.sampled_from(["b1", "==b==", "", "a" * 80]),
            st.lists(children, max_size=3),
        ),
        st.builds(_attached, _headers(), children),
    ),
    max_leaves=6,
)


@st.composite
def message(draw: st.DrawFn) -> bytes:
    headers = draw(_headers())
    return "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode() + draw(mime)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A generated message, then cut, spliced and corrupted a few times."""
    data = bytearray(draw(message()))
    for _ in range(draw(st.integers(0, 5))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["cut", "delete", "insert", "flip", "repeat"]))
        if op == "cut":
            del data[at:]
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif op == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "repeat":
            start = draw(st.integers(0, len(data)))
            data[at:at] = data[start : start + draw(st.integers(1, 80))]
    return bytes(data)


def _read(raw: bytes) -> WelcomeEmail | IntakeError:
    try:
        return parse_welcome_email(raw, SOURCE)
    except IntakeError as err:
        return err


@FUZZ
@given(mutated())
def test_any_message_is_read_or_refused_with_the_intake_error(raw: bytes) -> None:
    first = _read(raw)
    again = _read(raw)

    if isinstance(first, IntakeError):
        assert str(first).startswith(f"{SOURCE}: "), str(first)  # says which email
        assert str(again) == str(first)
    else:
        assert again == first


one_line = st.fixed_dictionaries(
    {},
    optional={
        name: header_value.map(lambda v: re.sub(r"[\r\n]+", " ", v))
        for name in ("From", "To", "Cc", "Date", "Subject")
    },
)


@FUZZ
@given(one_line, words.filter(any))
def test_no_header_costs_the_email_its_text(headers: dict[str, str], text: list[str]) -> None:
    body = " ".join(text)
    raw = (
        "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
        + ("Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n").encode()
    )

    email = parse_welcome_email(raw, SOURCE)

    assert email.body == body
    assert (email.note, email.forwarded, email.from_html) == ("", None, False)


# Each crashed intake-ses-parser with AttributeError or OverflowError out of the stdlib's header
# parsers, or out of get_body (file: who forwarded it as read, whom the welcome email went to).
CRASHERS = {
    "from-group-then-mailbox.eml": (
        "Harbour team:; Owner <owner@harbourhearth.example>",
        "Mei Ling Tan <meiling@kopibakes.example>",
    ),
    "from-group-inside-display-name.eml": (
        "Owner group: owner@harbourhearth.example;e>",
        "Mei Ling Tan <meiling@kopibakes.example>",
    ),
    "to-unclosed-domain-literal.eml": (
        "Owner <owner@harbourhearth.example>",
        "Mei Ling Tan <meiling@kopibakes.example>",
    ),
    "date-year-overflow.eml": (
        "Owner <owner@harbourhearth.example>",
        "Mei Ling Tan <meiling@kopibakes.example>",
    ),
    # ...and this one with AttributeError out of get_body, on a multipart left unsplit.
    "related-part-without-its-boundary.eml": (
        "Owner <owner@harbourhearth.example>",
        "Mei Ling Tan <meiling@kopibakes.example>",
    ),
    "attached-welcome-with-broken-headers.eml": (
        "Owner <owner@harbourhearth.example>",
        "Mei Ling Tan <meiling@[kopibakes.example",
    ),
}


def test_the_corpus_holds_every_known_crasher() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(CRASHERS)


@pytest.mark.parametrize("name", sorted(CRASHERS))
def test_a_known_crasher_is_read_whole(name: str) -> None:
    sender, welcome_to = CRASHERS[name]

    email = parse_welcome_email((CORPUS / name).read_bytes(), f"s3://og-raw-mime/{name}")

    assert email.sender == sender
    assert email.note == "Please add her."
    assert email.forwarded is not None and email.forwarded.to == welcome_to
    assert email.body == "Hi Mei Ling,\n\nThanks for signing up for the Starter plan."
