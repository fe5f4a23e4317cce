"""A customer's links, through the real done-handler as a Function URL delivers the requests:
opening a link (a mail scanner, a link preview, the customer) changes nothing; only the page's
button — or a mail client's RFC 8058 one-click POST — acts, and a repeat changes nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from og import wiring
from og.core.done_link import (
    done_link,
    sign_done_token,
    sign_unsubscribe_token,
)
from og.core.models import OwnerAction
from og.local import function_url
from og.local.history import customer_timeline
from og.local.stack import LocalStack
from og.logic.moves import move_row

from .support import ROOT, DownSlack, Home, utc

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")

MON = date(2026, 12, 14)
WED = date(2026, 12, 16)
MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T08:00:00+08:00,,,"
BASE = "http://localhost:8787/done"
AFTER = utc(MON, 4)  # three hours after the welcome email went out


def secret(home: Home) -> str:
    value: str = json.loads((home.path / "secrets.json").read_text())["og/done-link/secret"]
    return value


def get(s: LocalStack, url: str, at: datetime = AFTER) -> dict[str, Any]:
    return s.invoke_done_handler(function_url.get_event(url), at)


def open_page(s: LocalStack, url: str, at: datetime = AFTER) -> str:
    """Open a link's page; the value of its form's hidden field `t`."""
    page = get(s, url, at)
    token = re.search(r'name="t" value="([^"]*)"', page["body"])
    assert token is not None, page["body"]
    return token[1]


def submit(s: LocalStack, url: str, token: str, at: datetime = AFTER) -> dict[str, Any]:
    """The page's button: its form posts to the page's own URL, with the hidden field `t`."""
    return s.invoke_done_handler(function_url.form_post_event(url, {"t": token}), at)


def press(s: LocalStack, url: str, at: datetime = AFTER) -> dict[str, Any]:
    return submit(s, url, open_page(s, url, at), at)


def nothing_changed(home: Home, before: tuple[Any, ...]) -> bool:
    return (home.state("c-1"), home.store.audit_trail("c-1"), home.slack()) == before


def snapshot(home: Home) -> tuple[Any, ...]:
    return home.state("c-1"), home.store.audit_trail("c-1"), home.slack()


# --- done links ----------------------------------------------------------------------------------
def test_a_link_scanner_opening_every_link_changes_nothing(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        s.tick(MON)
        [mail] = home.outbox()
        before = snapshot(home)
        links = [*re.findall(r"https?://\S+", mail.body), mail.unsubscribe_link]
        assert mail.done_link in links and mail.unsubscribe_link is not None

        pages = [get(s, url) for url in links for _ in range(3)]  # scanner, preview, the reader

        assert {p["statusCode"] for p in pages} == {200}
        assert nothing_changed(home, before)
        page = get(s, mail.done_link)["body"]
        assert "Welcome — set up your wholesale account" in page
        assert "Harbour &amp; Hearth Bakery Supplies" in page  # escaped, as every value
        assert '<form method="post">' in page  # no action: it posts to this very URL
        assert f'<input type="hidden" name="t" value="{mail.done_link.split("?t=")[1]}">' in page
        assert '<button id="confirm" type="submit"' in page


def test_the_button_marks_the_step_done_once(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        s.tick(MON)
        [mail] = home.outbox()
        assert mail.done_link is not None

        token = open_page(s, mail.done_link)
        first = submit(s, mail.done_link, token)
        double_click = submit(s, mail.done_link, token)
        from_the_form_field_only = submit(s, BASE, token)

        assert (first["statusCode"], "Thanks, marked as done" in first["body"]) == (200, True)
        for again in (double_click, from_the_form_field_only):
            assert again["statusCode"] == 200 and "Already done" in again["body"]
        assert home.state("c-1").steps_done == {"welcome"}
        assert [(e.action, e.by_user) for e in home.store.audit_trail("c-1")] == [
            ("done:welcome", "customer")
        ]
        reopened = get(s, mail.done_link)
        assert "Already done" in reopened["body"] and "<form" not in reopened["body"]
    done = [ln for ln in customer_timeline(home.path, "c-1") if "marked done" in ln]
    assert done == ["2026-12-14 12:00  step 'welcome' marked done by customer"]


def _bad_tokens(home: Home) -> dict[str, tuple[str, str]]:
    """What a person may hold: (path, token) that must be refused."""
    key = secret(home)
    good = sign_done_token("c-1", "welcome", key, AFTER)
    rotated_away = json.dumps([{"kid": "2027-01", "key": "a-new-key-0123456789abcdefghij"}])
    return {
        "tampered": ("done", good.replace("c-1", "c-2")),
        "expired": ("done", sign_done_token("c-1", "welcome", key, AFTER - timedelta(days=121))),
        "future-dated": (
            "done",
            sign_done_token("c-1", "welcome", key, AFTER + timedelta(hours=1)),
        ),
        "unsubscribe token on /done": ("done", sign_unsubscribe_token("c-1", key, AFTER)),
        "done token on /unsubscribe": ("unsubscribe", good),
        "signed with a key not in the secret": (
            "done",
            sign_done_token("c-1", "welcome", rotated_away, AFTER),
        ),
        "cut short": ("done", good[:-5]),
        "missing": ("done", ""),
    }


def test_bad_links_get_a_clear_400_page_and_change_nothing(
    make_home: Callable[..., Home], metrics_counted: list[str]
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        s.tick(MON)
        before = snapshot(home)
        bad = _bad_tokens(home)
        for what, (path, token) in bad.items():
            url = f"http://localhost:8787/{path}?t={token}"
            for event in (
                function_url.get_event(url),
                function_url.form_post_event(url, {"t": token}),
                function_url.form_post_event(url, {"List-Unsubscribe": "One-Click"}),
            ):
                answer = s.invoke_done_handler(event, AFTER)
                assert answer["statusCode"] == 400, what
                assert "This link did not work" in answer["body"], what
                assert "<form" not in answer["body"], what
        assert nothing_changed(home, before)
        assert metrics_counted.count("DoneLinkRejected") == 3 * len(bad)


def test_a_done_link_for_a_step_no_longer_in_the_plan_is_not_a_success(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        before = snapshot(home)
        gone = done_link(BASE, sign_done_token("c-1", "tasting-visit", secret(home), AFTER))
        not_listed = done_link(BASE, sign_done_token("c-9", "welcome", secret(home), AFTER))
        for url in (gone, not_listed):
            for event in (
                function_url.get_event(url),
                function_url.form_post_event(url, {"t": url.split("?t=")[1]}),
            ):
                answer = s.invoke_done_handler(event, AFTER)
                assert answer["statusCode"] == 410
                assert "This step is no longer in your plan" in answer["body"]
                assert "Thanks" not in answer["body"] and "<form" not in answer["body"]
        assert nothing_changed(home, before)
        assert home.store.audit_trail("c-9") == []


def test_links_signed_with_the_old_key_still_work_after_a_new_key_is_added(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        s.tick(MON)
        [old_mail] = home.outbox()
        assert old_mail.done_link is not None and old_mail.unsubscribe_link is not None
        secrets_file = home.path / "secrets.json"
        secrets = json.loads(secrets_file.read_text())
        old_key = secrets["og/done-link/secret"]
        new_key = "new-key-added-for-2027-0123456789abcdefghij"
        secrets["og/done-link/secret"] = json.dumps(
            [{"kid": "2027-01", "key": new_key}, {"kid": "0", "key": old_key}]
        )
        secrets_file.write_text(json.dumps(secrets))

        s.tick(WED)  # first-order, signed with the new key
        new_mail = next(m for m in home.outbox() if "first-order" in m.message_id)
        assert new_mail.done_link is not None and ".2027-01.c-1.first-order." in new_mail.done_link

        later = utc(WED, 6)
        assert "Thanks, marked as done" in press(s, old_mail.done_link, later)["body"]
        assert "Thanks, marked as done" in press(s, new_mail.done_link, later)["body"]
        assert home.state("c-1").steps_done == {"welcome", "first-order"}

        # The old key removed: its links are refused; the new key's still work.
        secrets["og/done-link/secret"] = json.dumps([{"kid": "2027-01", "key": new_key}])
        secrets_file.write_text(json.dumps(secrets))
        assert get(s, old_mail.unsubscribe_link, later)["statusCode"] == 400
        assert get(s, new_mail.unsubscribe_link or "", later)["statusCode"] == 200


# --- unsubscribe ---------------------------------------------------------------------------------
def test_every_customer_email_offers_one_click_unsubscribe(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        s.tick(MON)
    [mail] = home.outbox()
    assert mail.unsubscribe_link is not None
    assert mail.unsubscribe_link.startswith("http://localhost:8765/unsubscribe?t=u.0.c-1.")
    assert " ".join(mail.headers["List-Unsubscribe"].split()) == (
        f"<{mail.unsubscribe_link}>, <mailto:hello@harbourhearth.example?subject=unsubscribe>"
    )
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_one_click_unsubscribe_stops_every_email_and_tells_the_owner_once(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        s.tick(MON)
        [mail] = home.outbox()
        assert mail.unsubscribe_link is not None

        answers = [s.one_click_unsubscribe(mail.unsubscribe_link, AFTER) for _ in range(2)]

        assert [a["statusCode"] for a in answers] == [200, 200]
        assert all("You are unsubscribed" in a["body"] for a in answers)
        assert home.state("c-1").unsubscribed
        assert [(e.action, e.by_user) for e in home.store.audit_trail("c-1")] == [
            ("unsubscribed", "customer")
        ]
        [told] = home.slack("chat.postMessage")
        text = json.dumps(told)
        assert "Mei Ling Tan (c-1, meiling@kopibakes.example) unsubscribed" in text

        # Two weeks of ticks: steps, nudges and flags would all be due; nothing goes out.
        for n in range(1, 15):
            report = s.tick(MON + timedelta(days=n))
            assert report.ok and report.journeys == [], report.journeys
        assert len(home.outbox()) == 1
        assert len(home.slack("chat.postMessage")) == 1
        decision = {d.customer_id: d for d in s.dry_run(WED).decisions}["c-1"]
        assert (decision.move, decision.reason) == (None, "unsubscribed: no more email")
    timeline = customer_timeline(home.path, "c-1")
    assert [ln for ln in timeline if "unsubscribed" in ln] == [
        "2026-12-14 12:00  unsubscribed by customer: no email goes to them any more"
    ]


def test_an_unsubscribe_stands_when_slack_or_the_docs_are_down_and_the_owner_is_told_later(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        s.tick(MON)
        [mail] = home.outbox()
        assert mail.unsubscribe_link is not None
        (home.path / "rules.txt").write_text("Plan: Starter\nDay: two\n")  # a broken doc
        with wiring.overridden(chat=DownSlack()):
            answer = s.one_click_unsubscribe(mail.unsubscribe_link, AFTER)
        assert answer["statusCode"] == 200 and "You are unsubscribed" in answer["body"]
        assert home.state("c-1").unsubscribed
        assert home.slack("chat.postMessage") == []

        # The mail client (or the customer) tries again: the owner is told now, and only now.
        s.one_click_unsubscribe(mail.unsubscribe_link, AFTER)  # docs still broken: not yet
        assert home.slack("chat.postMessage") == []
        (home.path / "rules.txt").write_text((ROOT / "examples" / "rules.txt").read_text())
        for _ in range(2):
            s.one_click_unsubscribe(mail.unsubscribe_link, AFTER)
        assert len(home.slack("chat.postMessage")) == 1
        assert [e.action for e in home.store.audit_trail("c-1")] == ["unsubscribed"]


def test_the_unsubscribe_page_changes_nothing_until_its_button_is_pressed(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        s.tick(MON)
        [mail] = home.outbox()
        assert mail.unsubscribe_link is not None
        before = snapshot(home)

        page = get(s, mail.unsubscribe_link)

        assert page["statusCode"] == 200 and '<button id="confirm"' in page["body"]
        assert '<form method="post">' in page["body"]
        assert nothing_changed(home, before)
        assert "You are unsubscribed" in press(s, mail.unsubscribe_link)["body"]
        assert home.state("c-1").unsubscribed
        again = get(s, mail.unsubscribe_link)
        assert "You are unsubscribed" in again["body"] and "<form" not in again["body"]


@pytest.mark.parametrize("meanwhile", ["unsubscribed", "paused"])
def test_a_journey_waiting_for_its_send_window_sends_nothing_after_a_stop(
    make_home: Callable[..., Home], meanwhile: str
) -> None:
    """The tick plans Wednesday's step; before its send window comes the customer unsubscribes
    (or the owner pauses them); the sender, run as the journey's SendEmail task, sends nothing."""
    home = make_home([MEI])
    with home.stack() as s:
        s.tick(MON)
        [mail] = home.outbox()
        assert mail.unsubscribe_link is not None
        [move] = s.dry_run(WED).moves
        assert move.step.id == "first-order"
        name = f"c-1-{WED.isoformat()}-step_due"

        if meanwhile == "unsubscribed":
            s.one_click_unsubscribe(mail.unsubscribe_link, utc(WED, 0, 30))
        else:
            home.store.record_owner_action(
                "c-1", OwnerAction.PAUSE, by_user="U0OWNER01", at=utc(WED, 0, 30)
            )
        task = {"journey": {"move": move_row(move, WED)}, "execution": name}
        result = s.invoke("SenderFunction", task, move.window.at)

        assert result == {
            "outcome": "skipped",
            "detail": f"{meanwhile} since the move was planned; nothing sent",
        }
        assert len(home.outbox()) == 1 and len(home.calls) == 1
        assert "first-order#step" not in home.claims("c-1")
