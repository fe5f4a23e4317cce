"""The owner's console at `/` of `og serve`, and `og report`: in a real browser (headless
Chromium) an owner finds the flag, presses Pause, and sees the pause in the customer's timeline
and in the store; the press reached done-handler as a signed Slack request (done-handler
refuses any other), which updated the flag's Slack message."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from og.cli import main as og

from .support import Home, utc
from .test_og_intake import WELCOME
from .test_serve import request, served

pytestmark = [
    pytest.mark.filterwarnings("ignore:No application metrics:UserWarning"),
    pytest.mark.filterwarnings("ignore:The `get_header_value` function is deprecated"),
]

MON = date(2026, 12, 14)
MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T08:00:00+08:00,,,"
TOM = (  # signed up a week after Mei: only his welcome has gone out
    "c-2,Tom Whitfield,tom@whitfieldpies.example,Starter,2026-12-21T08:00:00+08:00,Europe/London,,"
)
NOTE = "on holiday until January"


def test_pause_pressed_in_the_browser_shows_in_the_timeline_and_the_store(
    make_home: Callable[..., Home], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    home = make_home([MEI, TOM])
    with served(home) as s:
        assert s.stack.tick(MON).ok
        assert s.stack.tick(MON + timedelta(days=7)).ok  # Mei never clicked: flagged
        [flag] = home.store.open_flags("c-1")

        browser.get(s.url("/"))
        row = browser.find_element(By.XPATH, "//tr[.//a[text()='Mei Ling Tan']]")
        assert "flagged" in row.text
        browser.find_element(By.LINK_TEXT, "Flags & proposals").click()
        card = browser.find_element(By.ID, f"flag-{flag.flag_key}")
        assert "Mei Ling Tan" in card.text and flag.reason in card.text
        card.find_element(By.XPATH, ".//summary[text()='Pause']").click()
        card.find_element(By.NAME, "note").send_keys(NOTE)
        card.find_element(By.CSS_SELECTOR, "button[value='pause']").click()

        told = browser.find_element(By.ID, "told").text  # the customer's page, after the answer
        assert "pause sent as Slack would: done-handler 200; flag answered: pause" in told
        timeline = browser.find_element(By.CLASS_NAME, "timeline").text
        assert f"PAUSED by U0OWNER01: {NOTE}" in timeline
        assert "answer: pause" in timeline
        assert "Pause" not in [b.text for b in browser.find_elements(By.TAG_NAME, "summary")]

        state = home.state("c-1")
        assert (state.paused, state.paused_note) == (True, NOTE)
        assert home.store.all_flags("c-1")[0].answer == "pause"
        assert s.server.wait_until_idle()
        # the Slack message of the flag was updated, as after a press in Slack
        [update] = home.slack("chat.update")
        [post] = [p for p in home.slack("chat.postMessage") if flag.flag_key in json.dumps(p)]
        assert update["payload"]["channel"] == post["payload"]["channel"]
        assert "Paused" in update["payload"]["text"]


def test_the_customer_list_filters_and_each_email_is_shown_with_its_links(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI, TOM])
    with served(home) as s:
        assert s.stack.tick(MON).ok
        assert s.stack.tick(MON + timedelta(days=7)).ok

        _, _, everyone = request(s.url("/"))
        _, _, flagged = request(s.url("/?status=flagged"))
        _, _, london = request(s.url("/?q=whitfield"))
        _, _, mei = request(s.url("/console/customers/c-1"))
        _, _, tom = request(s.url("/console/customers/c-2"))
        status, _, funnel = request(s.url("/console/funnel"))

    assert "Mei Ling Tan" in everyone and "Tom Whitfield" in everyone
    assert "Mei Ling Tan" in flagged and "Tom Whitfield" not in flagged
    assert "Tom Whitfield" in london and "Mei Ling Tan" not in london
    assert 'badge s-waiting">waiting' in london
    # the email, rendered in a frame whose links open (the done link among them)
    [welcome] = [m for m in home.outbox() if m.to.startswith("Mei") and "Welcome" in m.subject]
    assert welcome.done_link is not None
    assert welcome.done_link in mei
    assert 'sandbox="allow-popups' in mei
    # a London customer's times: the business's, then theirs
    assert "Europe/London (the customer)" in tom and "their time" in tom
    assert status == 200 and "signed up" in funnel and "Weekly digest" in funnel
    # the preview lists the flag still waiting for the owner, as the digest Lambda posts it
    assert "Flags awaiting your answer (1)" in funnel


def test_og_report_is_one_file_with_the_funnel_the_stuck_and_every_timeline(
    make_home: Callable[..., Home], capsys: pytest.CaptureFixture[str]
) -> None:
    home = make_home([MEI, TOM])
    with home.stack() as s:
        assert s.tick(MON).ok
        assert s.tick(MON + timedelta(days=7)).ok
    out = home.path / "report.html"
    capsys.readouterr()

    assert og(["report", "--home", str(home.path), "--out", str(out)]) == 0

    assert capsys.readouterr().out.startswith(f"wrote {out}: 2 customers, ")
    text = out.read_text(encoding="utf-8")
    for absent in ("<script", "<form", "<link", "http://", "https://", 'src="'):
        assert absent not in text, absent
    assert "<style>" in text
    assert "Welcome — set up your wholesale account" in text  # a funnel stage
    stuck = text.split("<h1>Stuck")[1].split("<h1>")[0]
    assert "Mei Ling Tan" in stuck and "flagged" in stuck
    assert 'id="c-c-1"' in text and 'id="c-c-2"' in text  # each customer's timeline
    assert text.count("execution c-1-2026-12-21-flag") == 1


def test_the_console_page_is_served_beside_the_function_urls(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI, "c-9,Ana Silva,ana@example.com,Starter,2099-01-05,,,"])
    with served(home) as s:
        assert s.stack.tick(MON).ok
        status, headers, body = request(s.url("/"))
        done_status, _, _ = request(s.url("/done"))
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(s.url("/"), method="DELETE"))
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "Mei Ling Tan" in body
    assert "1 row of the list is not used" in body  # with its line and why
    assert "onboarding.csv line 3 (customer c-9), signup_at:" in body and "in the future" in body
    assert done_status == 400  # done-handler's answer to a link without its token, as before
    assert refused.value.code == 405


def test_a_proposal_edited_in_the_console_joins_the_list_through_done_handler(
    make_home: Callable[..., Home], tmp_path: Path
) -> None:
    home = make_home([MEI])
    saved = tmp_path / "welcome.eml"
    saved.write_bytes(WELCOME)
    assert og(["intake", "--home", str(home.path), str(saved), "--at", "2026-12-10T02:00:00Z"]) == 0
    [proposal] = home.store.pending_proposals()
    with served(home) as s:
        _, _, inbox = request(s.url("/console/inbox"))
        assert f'id="proposal-{proposal.key}"' in inbox and "Tan Jun Wei" in inbox
        form = {"kind": "proposal", "key": proposal.key, "action": "edit"}
        fields = {f"set:{k}": v for k, v in proposal.row.items()}
        fields |= {"set:plan": "Starter", "set:signup_at": "2026-11-20"}
        status, headers, _ = _press(s.url(""), form | fields)

    assert status == 303 and "edit+sent+as+Slack+would" in headers["location"]
    decided = home.store.proposal(proposal.key)
    assert decided is not None and decided.decision is not None
    assert decided.decision.value == "approved" and decided.row["plan"] == "Starter"
    assert "junwei@tanbakery.example,Starter" in (home.path / "onboarding.csv").read_text()
    [opened] = home.slack("views.open")  # the Edit modal, opened by done-handler
    assert opened["payload"]["trigger_id"].startswith(f"console.{proposal.key}.")


def test_the_console_answers_only_a_browser_on_this_machine(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with served(home) as s:
        assert s.stack.tick(MON).ok
        assert s.stack.tick(MON + timedelta(days=7)).ok
        [flag] = home.store.open_flags("c-1")
        press = {"kind": "flag", "key": flag.flag_key, "customer": "c-1", "action": "done"}
        tunnelled = request(s.url("/"), headers={"X-Forwarded-For": "203.0.113.9"})
        rebound = request(s.url("/"), headers={"Host": "attacker.example"})
        cross_site = _press(s.url(""), press, origin="http://attacker.example")
        fetched_cross_site = _press(s.url(""), press, fetch_site="cross-site")
        assert home.store.open_flags("c-1") == [flag]  # none of them answered it
        own_page = _press(s.url(""), press)

    assert [r[0] for r in (tunnelled, rebound, cross_site, fetched_cross_site)] == [403] * 4
    assert "only on this machine" in tunnelled[2] and "only on this machine" in rebound[2]
    assert "console&#x27;s own page" in cross_site[2]
    assert own_page[0] == 303
    assert home.store.all_flags("c-1")[0].answer == "done"


def _press(
    base: str, form: dict[str, str], *, origin: str | None = None, fetch_site: str = "same-origin"
) -> tuple[int, dict[str, str], str]:
    """A console form posted by a browser (its Origin and Sec-Fetch-Site), not following the
    answer's redirect."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    host = urlsplit(base).netloc
    req = urllib.request.Request(
        base + "/console/answer",
        data=urlencode(form).encode(),
        method="POST",
        headers={"Origin": origin or f"http://{host}", "Sec-Fetch-Site": fetch_site},
    )
    try:
        with urllib.request.build_opener(NoRedirect).open(req, timeout=60) as answer:
            status, headers, body = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as err:
        status, headers, body = err.code, err.headers, err.read()
    return status, {k.lower(): v for k, v in headers.items()}, body.decode()


def test_the_next_move_is_the_one_of_the_next_open_day(make_home: Callable[..., Home]) -> None:
    from og.local.console_data import read_home

    home = make_home([MEI])
    with home.stack() as s:
        assert s.tick(MON).ok
        assert s.tick(MON + timedelta(days=4)).ok  # Friday; Saturday and Sunday are closed
    [row] = read_home(home.path).rows
    assert (row.next_move, row.next_at) == (
        "step due: 'Choose your delivery days'",
        utc(date(2026, 12, 21), 1),  # Monday 09:00 in Singapore
    )
