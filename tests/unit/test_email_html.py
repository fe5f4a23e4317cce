"""The HTML part of a customer email, read back with the stdlib HTML parser as a mail client
would: what elements there are, what their attributes hold and what text a reader sees."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from og.core.email_html import MARK_AS_DONE, email_html

DONE = "https://guide.example/done?t=eyJjIjoiaGgtMTAwMyJ9.c2ln&x=1"


class Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.paragraphs: list[str] = []
        self.items: list[str] = []
        self.links: list[tuple[str, str]] = []  # (href, text)
        self._open: list[str] = []
        self._text: dict[str, list[str]] = {}
        self._href: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        if tag in ("p", "li", "a"):
            self._open.append(tag)
            self._text[tag] = []
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
        if tag == "br" and "p" in self._text:
            self._text["p"].append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("p", "li", "a"):
            return
        text = "".join(self._text.pop(tag)).replace("\n\n", "\n")
        self._open.remove(tag)
        {"p": self.paragraphs, "li": self.items}.get(tag, []).append(text)
        if tag == "a":
            self.links.append((self._href or "", text))

    def handle_data(self, data: str) -> None:
        for tag in self._open:
            self._text[tag].append(data.replace("\n", "") if tag == "p" else data)


def test_paragraphs_line_breaks_and_a_list() -> None:
    body = (
        "Hi Sarah,\n\nThanks for choosing us. First things first:\nset up your account.\n\n"
        "- Add your address\n- Invite your team\n\n\nWarmly,\nThe team\n"
    )
    page = Page(email_html(body, subject="Welcome"))
    assert page.paragraphs == [
        "Hi Sarah,",
        "Thanks for choosing us. First things first:\nset up your account.",
        "Warmly,\nThe team",
    ]
    assert page.items == ["Add your address", "Invite your team"]


def test_a_hand_wrapped_sentence_runs_on_and_a_signature_keeps_its_lines() -> None:
    body = (
        "Thanks for choosing Harbour & Hearth for your kitchen. First things: set up your\n"
        "wholesale account so you can see trade prices (we deliver Monday to Friday, before\n"
        "11am) and order online.\n\nBest wishes\nAna\nOwner, Harbour & Hearth\n"
    )
    page = Page(email_html(body, subject="Welcome"))
    assert page.paragraphs == [
        "Thanks for choosing Harbour & Hearth for your kitchen. First things: set up your "
        "wholesale account so you can see trade prices (we deliver Monday to Friday, before "
        "11am) and order online.",
        "Best wishes\nAna\nOwner, Harbour & Hearth",
    ]


def test_the_done_link_is_a_button_and_other_urls_are_links() -> None:
    body = (
        f"Prices: https://shop.example/prices?a=1&b=2. (Or see https://shop.example/faq)\n\n"
        f"All set? Let us know with one click: {DONE}\n"
    )
    page = Page(email_html(body, subject="Welcome", done_link=DONE))
    assert page.links == [
        ("https://shop.example/prices?a=1&b=2", "https://shop.example/prices?a=1&b=2"),
        ("https://shop.example/faq", "https://shop.example/faq"),
        (DONE, MARK_AS_DONE),
    ]
    assert page.paragraphs[0] == (
        "Prices: https://shop.example/prices?a=1&b=2. (Or see https://shop.example/faq)"
    )
    assert page.paragraphs[1] == f"All set? Let us know with one click: {MARK_AS_DONE}"
    assert DONE not in "".join(page.paragraphs)  # the long token URL is behind the button


def test_no_button_when_the_text_carries_no_done_link() -> None:
    body = "Just hit reply; the owner reads every answer.\n"
    page = Page(email_html(body, subject="Feedback", done_link=DONE))
    assert page.links == []
    assert MARK_AS_DONE not in email_html(body, subject="Feedback", done_link=DONE)


def test_a_done_link_that_is_not_a_web_address_is_never_an_href() -> None:
    hostile = "javascript:alert(1)"
    page = Page(email_html(f"Done? {hostile}\n", subject="s", done_link=hostile))
    assert page.links == []
    assert page.paragraphs == [f"Done? {hostile}"]


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '"><img src=https://evil.example/p.gif>',
        "Tom & Jerry's <b>Bakery</b>",
    ],
)
def test_every_value_is_escaped(hostile: str) -> None:
    sneaky = 'https://shop.example/x"onmouseover="alert(1)'
    body = f"Hi {hostile},\n\nSee {sneaky}\nDone? {DONE}\n"
    page = Page(email_html(body, subject=hostile, done_link=DONE))
    tags = {tag for tag, _ in page.elements}
    assert tags <= {"html", "head", "meta", "title", "body", "table", "tr", "td", "p", "br", "a"}
    assert page.paragraphs == [f"Hi {hostile},", f"See {sneaky}\nDone? {MARK_AS_DONE}"]
    assert page.links[-2:] == [  # (a URL inside the hostile text is a link too, shown as itself)
        ("https://shop.example/x", "https://shop.example/x"),
        (DONE, MARK_AS_DONE),
    ]
    assert all(
        set(attrs)
        <= {
            "href",
            "style",
            "role",
            "width",
            "cellpadding",
            "cellspacing",
            "border",
            "align",
            "charset",
            "name",
            "content",
        }
        for _, attrs in page.elements
    )


def test_a_hostile_done_link_is_text_not_an_attribute() -> None:
    done = 'https://guide.example/done?t=a"onmouseover="alert(1)'
    page = Page(email_html(f"Done? {done}\n", subject="s", done_link=done))
    assert page.paragraphs == [f"Done? {done}"]
    assert all("onmouseover" not in attrs for _, attrs in page.elements)


def test_nothing_is_loaded_from_anywhere() -> None:
    body = f"Hi,\n\nSee https://shop.example/a and {DONE}\n"
    html = email_html(body, subject="s", done_link=DONE)
    for tag, attrs in Page(html).elements:
        assert tag not in ("img", "link", "script", "iframe", "style", "object", "embed")
        assert "src" not in attrs and "background" not in attrs
        assert "url(" not in attrs.get("style", "")
    assert "@import" not in html and "@font-face" not in html
