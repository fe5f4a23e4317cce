"""A real step email's HTML part, from a real tick, opened in headless Chromium: what a reader
sees, where the button goes, and that a hostile customer name stays text and nothing is loaded."""

from __future__ import annotations

import email
from collections.abc import Callable
from datetime import date
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest

from og.local.stack import done_link_in

from .support import Home

pytestmark = [pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]

MON = date(2026, 12, 14)
HOSTILE = "<script>alert(1)</script>"
CUSTOMER = f'c-1,"{HOSTILE} O\'Brien & Co",ana@example.com,Starter,2026-12-14T08:00:00+08:00,,,'


def _welcome(home: Home) -> EmailMessage:
    (path,) = list(home.outbox_dir.glob("og.c-1.welcome.step@*.eml"))
    return email.message_from_bytes(path.read_bytes(), policy=default_policy)  # type: ignore[return-value]


def test_a_step_email_reads_as_a_normal_email_in_chromium(
    make_home: Callable[..., Home], browser: Any, tmp_path: Path
) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    home = make_home([CUSTOMER])
    with home.stack() as s:
        assert s.tick(MON).ok
    message = _welcome(home)
    html_part = message.get_body(("html",))
    assert html_part is not None
    page = tmp_path / "welcome.html"
    page.write_text(html_part.get_content(), encoding="utf-8")

    browser.get(page.as_uri())

    paragraphs = [p.text for p in browser.find_elements(By.TAG_NAME, "p")]
    assert paragraphs[0] == f"Hi {HOSTILE},"  # the first word of the name, shown as text
    assert paragraphs[1].startswith("Thanks for choosing Harbour & Hearth Bakery Supplies")
    assert paragraphs[-1] == "Warmly,\nThe Harbour & Hearth team"
    assert [li.text for li in browser.find_elements(By.TAG_NAME, "li")] == [
        "Add your delivery address and opening hours",
        "Invite anyone on your team who places orders",
    ]
    button = browser.find_element(By.LINK_TEXT, "Mark as done")
    assert button.is_displayed()
    assert button.get_attribute("href") == done_link_in(message)
    assert button.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"
    assert browser.title == str(message["Subject"]).strip()

    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - reading it is the check
    assert browser.execute_script("return document.scripts.length") == 0
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert browser.find_elements(By.CSS_SELECTOR, "[src], link, img, iframe, object") == []

    shot = tmp_path / "welcome.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
