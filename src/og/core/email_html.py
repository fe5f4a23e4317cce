"""The HTML part of a step or nudge email, made from the same voice text as its plain-text part.

Blank lines separate paragraphs, line breaks stay line breaks (except where a long line was
wrapped by hand mid-sentence), a paragraph whose every line starts with "- " or "* " becomes a
bulleted list, web addresses become links and the step's done link becomes a "Mark as done"
button. The layout is one self-contained page: inline CSS, system fonts,
no images, no remote resources, nothing that reports an open. Every value (the text itself, the
subject, every URL) goes through Jinja2's autoescape, so a customer called
`<script>alert(1)</script>` is shown as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

__all__ = ["email_html"]

MARK_AS_DONE = "Mark as done"

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?"
_BULLET = re.compile(r"^[-*\u2022]\s+")
# A text file is often wrapped by hand: a long line that stops mid-sentence runs on into the next
# one, so the reader's window wraps it instead. A short line ("Ana") or one ending in punctuation
# ("Warmly,") keeps its line break.
_WRAPPED_AT = 60
_ENDS_MID_SENTENCE = re.compile(r"\w$")


@dataclass(frozen=True, slots=True)
class _Segment:
    kind: str  # "text" | "link" | "button"
    text: str
    href: str = ""


@dataclass(frozen=True, slots=True)
class _Block:
    kind: str  # "paragraph" | "list"
    lines: tuple[tuple[_Segment, ...], ...]


_LAYOUT = """{%- macro gap(loop) %}{{ "0" if loop.last else "16px" }}{% endmacro -%}
{%- macro segments(line) -%}
{%- for s in line -%}
{%- if s.kind == "button" -%}
<a href="{{ s.href }}" style="display:inline-block;margin:8px 0;padding:10px 22px;\
background-color:#1d4ed8;border-radius:6px;color:#ffffff;font-weight:600;\
text-decoration:none;">{{ s.text }}</a>
{%- elif s.kind == "link" -%}
<a href="{{ s.href }}" style="color:#1d4ed8;">{{ s.text }}</a>
{%- else -%}
{{ s.text }}
{%- endif -%}
{%- endfor -%}
{%- endmacro -%}
<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>{{ subject }}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f4f5;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" \
style="background-color:#f4f4f5;">
<tr><td align="center" style="padding:32px 16px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" \
style="max-width:600px;background-color:#ffffff;border:1px solid #e4e4e7;border-radius:8px;">
<tr><td style="padding:32px 36px;font-family:-apple-system,BlinkMacSystemFont,\
'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.6;\
color:#27272a;">
{%- for block in blocks %}
{%- if block.kind == "list" %}
<ul style="margin:0 0 {{ gap(loop) }} 0;padding-left:24px;">
{%- for line in block.lines %}
<li style="margin:0 0 4px 0;">{{ segments(line) }}</li>
{%- endfor %}
</ul>
{%- else %}
<p style="margin:0 0 {{ gap(loop) }} 0;">
{%- for line in block.lines %}{% if not loop.first %}<br>
{% endif %}{{ segments(line) }}{% endfor -%}
</p>
{%- endif %}
{%- endfor %}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
"""


@cache
def _layout() -> jinja2.Template:
    # jinja2 is imported with the first email, not with the module (see og.core.templates).
    import jinja2

    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
        _LAYOUT
    )


def email_html(body: str, *, subject: str, done_link: str = "") -> str:
    """The HTML alternative of `body`. Where `done_link` (an http(s) URL) appears in the text it
    is shown as a "Mark as done" button; a body without it gets no button."""
    button = done_link if _URL.fullmatch(done_link) else ""
    blocks = [_block(lines, button) for lines in _paragraphs(body)]
    return _layout().render(subject=subject, blocks=blocks) + "\n"


def _paragraphs(body: str) -> Iterator[list[str]]:
    lines: list[str] = []
    for line in body.splitlines():
        if line.strip():
            lines.append(line.rstrip())
        elif lines:
            yield lines
            lines = []
    if lines:
        yield lines


def _block(lines: list[str], done_link: str) -> _Block:
    if all(_BULLET.match(line) for line in lines):
        items = (_BULLET.sub("", line, count=1) for line in lines)
        return _Block("list", tuple(_segments(item, done_link) for item in items))
    joined: list[str] = []
    for line in lines:
        if joined and _runs_on(joined[-1]) and not _BULLET.match(line):
            joined[-1] = f"{joined[-1]} {line.lstrip()}"
        else:
            joined.append(line)
    return _Block("paragraph", tuple(_segments(line, done_link) for line in joined))


def _runs_on(line: str) -> bool:
    return (
        len(line) >= _WRAPPED_AT
        and _ENDS_MID_SENTENCE.search(line) is not None
        and not _URL.search(line.rsplit(maxsplit=1)[-1])
    )


def _segments(line: str, done_link: str) -> tuple[_Segment, ...]:
    pieces = line.split(done_link) if done_link else [line]
    out: list[_Segment] = []
    for i, piece in enumerate(pieces):
        if i:
            out.append(_Segment("button", MARK_AS_DONE, done_link))
        out.extend(_links(piece))
    return tuple(s for s in out if s.text)


def _links(text: str) -> Iterator[_Segment]:
    at = 0
    for match in _URL.finditer(text):
        url = match[0].rstrip(_TRAILING)
        if url.endswith(")") and "(" not in url:  # "(see https://x.example)"
            url = url[:-1]
        yield _Segment("text", text[at : match.start()])
        yield _Segment("link", url, url)
        at = match.start() + len(url)
    yield _Segment("text", text[at:])
