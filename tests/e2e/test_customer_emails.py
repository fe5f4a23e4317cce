"""What a customer's mailbox gets from the daily tick: each step and nudge as text with an HTML
alternative whose "Mark as done" button is the same done link the text carries, and each nudge
threaded under the step email it reminds about."""

from __future__ import annotations

import email
from collections.abc import Callable
from datetime import date, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from html.parser import HTMLParser
from pathlib import Path

import pytest

from og.adapters.local.writer import LABEL
from og.local.stack import done_link_in

from .support import Home, RecordingSender

pytestmark = [pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]

MON = date(2026, 12, 14)  # a Singapore business day; Starter: welcome day 0, nudge after 2 days
MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T08:00:00+08:00,,,"


def _eml(home: Home, customer_id: str, step_id: str, kind: str) -> EmailMessage:
    (path,) = list((home.outbox_dir).glob(f"og.{customer_id}.{step_id}.{kind}@*.eml"))
    return email.message_from_bytes(Path(path).read_bytes(), policy=default_policy)  # type: ignore[return-value]


class _Anchors(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.hrefs: dict[str, str] = {}  # text -> href
        self._href: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self.hrefs[data] = self._href
            self._href = None


def _button(message: EmailMessage) -> str | None:
    html = message.get_body(("html",))
    assert html is not None, "no HTML part"
    return _Anchors(html.get_content()).hrefs.get("Mark as done")


def test_a_nudge_threads_under_its_step_email_and_both_carry_one_done_link(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        for day in (MON + timedelta(days=n) for n in range(4)):  # Mon..Thu: nudge on Thursday
            assert s.tick(day).ok

    step = _eml(home, "c-1", "welcome", "step")
    nudge = _eml(home, "c-1", "welcome", "nudge")
    assert nudge["In-Reply-To"] == step["Message-ID"]
    assert nudge["References"] == step["Message-ID"]
    assert step["In-Reply-To"] is None
    assert nudge["Subject"] == "A gentle reminder: Welcome — set up your wholesale account"
    for message in (step, nudge):
        assert message.get_content_type() == "multipart/alternative"
        link = done_link_in(message)
        assert link and link.startswith("http://localhost:8765/done?t=")
        assert _button(message) == link


class ReplacesMessageId(RecordingSender):
    """Delivers like SES: the email goes out under a Message-ID of the provider's making."""

    def send(self, message: EmailMessage) -> str:
        ours = str(message["Message-ID"]).strip("<>")
        delivered = f"{len(self.calls):04d}-{ours.split('@')[0]}@ap-southeast-1.amazonses.com"
        message.replace_header("Message-ID", f"<{delivered}>")
        super().send(message)
        return delivered


def test_a_nudge_answers_the_message_id_the_provider_delivered_the_step_with(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    sender = ReplacesMessageId(home.outbox_dir, home.calls)
    with home.stack(email=sender) as s:
        for day in (MON + timedelta(days=n) for n in range(4)):
            assert s.tick(day).ok

    (step,) = [m for m in home.calls if m["Subject"].startswith("Welcome")]
    (nudge,) = [m for m in home.calls if m["Subject"].startswith("A gentle reminder")]
    assert str(step["Message-ID"]).endswith("@ap-southeast-1.amazonses.com>")
    assert nudge["In-Reply-To"] == step["Message-ID"]
    assert nudge["References"] == step["Message-ID"]


def test_a_personalized_step_gets_the_same_html_treatment(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    rules = home.path / "rules.txt"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("Personalized: no", "Personalized: yes", 1), encoding="utf-8")
    with home.stack() as s:
        report = s.tick(MON)
        assert report.ok, report.error
        assert "Personalize" in [
            e["state"] for e in report.journeys[0].events if e["type"].endswith("StateEntered")
        ]

    step = _eml(home, "c-1", "welcome", "step")
    text_part = step.get_body(("plain",))
    assert text_part is not None and LABEL in text_part.get_content()  # the rewritten body
    html = step.get_body(("html",))
    assert html is not None and LABEL in html.get_content()
    link = done_link_in(step)
    assert link and _button(step) == link
