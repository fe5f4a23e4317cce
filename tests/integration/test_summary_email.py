"""The monthly summary through its real handler on the local adapters: the model's paragraph is
used only when each number in it is a computed figure (else the template paragraph, and a log
line says why), and the email carries each plan's funnel as an inline PNG that its HTML shows
by Content-ID."""

from __future__ import annotations

import email
import re
import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from local_home import LocalHome, invoke, local_home

from og import wiring
from og.core.errors import BedrockError
from og.logic import summary

NOW = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)  # first Monday of January, 9am in Singapore
EVENT = {"scheduled_time": "2027-01-04T01:00:00Z"}
STARTER = ("welcome", "first-order", "delivery-schedule", "feedback")
# SES's largest message through the v2 API is 40 MB and through the v1 API 10 MB (SES developer
# guide, "Service quotas in Amazon SES"); the raw message must fit the smaller.
SES_V1_LIMIT = 10 * 1024 * 1024


class Narrator:
    """Bedrock's stand-in: answers every summary with `paragraph` (or fails with it)."""

    def __init__(self, paragraph: str | Exception):
        self.paragraph = paragraph
        self.figures: list[str] = []

    def narrate(self, figures: str, *, instructions: str) -> str:
        self.figures.append(figures)
        if isinstance(self.paragraph, Exception):
            raise self.paragraph
        return self.paragraph


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalHome]:
    with local_home(tmp_path, monkeypatch, NOW) as h:
        h.edit_config("summary_recipients: owner@harbourhearth.example\n")
        store = h.store
        done_at = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
        for step_id in STARTER:  # Mei Ling finished in December
            store.record_step_done(
                "hh-1001", step_id, by_user="customer", at=done_at, plan_step_ids=STARTER
            )
        store.record_step_done(
            "hh-1003", "welcome", by_user="customer", at=done_at, plan_step_ids=STARTER
        )
        yield h


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    logged: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(summary.logger, "warning", lambda msg, **extra: logged.append((msg, extra)))
    return logged


def sent(home: LocalHome) -> EmailMessage:
    [path] = sorted((home.path / "outbox").glob("*.eml"))
    message = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    assert len(path.read_bytes()) < SES_V1_LIMIT
    return message


def first_paragraph(message: EmailMessage) -> str:
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return str(text).replace("\r\n", "\n").split("\n\n")[0]


def test_a_paragraph_that_invents_a_number_is_replaced_by_the_template(
    home: LocalHome, warnings: list[tuple[str, dict[str, Any]]]
) -> None:
    model = Narrator("In December 2026, 14 customers signed up and 1 finished.")
    with wiring.overridden(writer=model):
        result = invoke("summary", EVENT)

    assert (result["outcome"], result["narrative"]) == ("sent", "template")
    [(why, extra)] = warnings
    assert "not computed figures" in why and extra["numbers"] == ["14"]
    paragraph = first_paragraph(sent(home))
    assert paragraph.startswith(
        "In December 2026, 12 customers signed up and 1 customer finished onboarding, in a "
        "median of "
    )
    assert "14" not in paragraph
    assert "Sign-ups this month    12" in model.figures[0]  # what the model was given


def test_a_paragraph_of_computed_figures_is_used(
    home: LocalHome, warnings: list[tuple[str, dict[str, Any]]]
) -> None:
    written = (
        "December 2026 brought twelve sign-ups; 1 customer finished onboarding, "
        "and most Pro customers stop between signing up and the welcome step."
    )
    with wiring.overridden(writer=Narrator(written)):
        result = invoke("summary", EVENT)

    assert result["narrative"] == "model" and warnings == []
    assert first_paragraph(sent(home)) == written


def test_a_failed_model_call_still_sends_the_summary_with_the_template(
    home: LocalHome, warnings: list[tuple[str, dict[str, Any]]]
) -> None:
    with wiring.overridden(writer=Narrator(BedrockError("ThrottlingException"))):
        result = invoke("summary", EVENT)

    assert (result["outcome"], result["narrative"]) == ("sent", "template")
    assert [extra["error"] for _, extra in warnings] == ["ThrottlingException"]
    assert first_paragraph(sent(home)).startswith("In December 2026, 12 customers signed up")


def test_the_funnel_is_an_inline_png_the_html_shows_by_content_id(home: LocalHome) -> None:
    invoke("summary", EVENT)

    message = sent(home)
    assert message.get_content_type() == "multipart/alternative"
    plain, related = message.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, *images = related.iter_parts()
    html = html_part.get_content()
    assert html_part.get_content_type() == "text/html"
    assert len(images) == 2  # Starter and Pro
    for image in images:
        assert image.get_content_type() == "image/png"
        assert image.get_content_disposition() == "inline"
        cid = str(image["Content-ID"]).strip("<>")
        assert f'src="cid:{cid}"' in html
        png = image.get_content()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])
        idat = png[png.index(b"IDAT") + 4 : png.index(b"IEND") - 8]
        assert len(zlib.decompress(idat)) == height * (1 + 3 * width)
    assert re.findall(r'src="cid:(funnel-\d\.2026-12@harbourhearth\.example)"', html) == [
        "funnel-1.2026-12@harbourhearth.example",
        "funnel-2.2026-12@harbourhearth.example",
    ]
    text = plain.get_content()
    assert "Activation funnel, Starter (everyone signed up by the month's end):" in text
    assert "Most stop between" in text
