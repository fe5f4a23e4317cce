"""done-handler refuses what it cannot verify: a forged Slack request, a tampered done link."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from og.local import function_url

from .support import Home, utc

ROW = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T09:00:00+08:00,,,"


def test_forged_slack_request_is_refused_and_changes_nothing(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([ROW])
    with home.stack() as s:
        click = {
            "type": "block_actions",
            "user": {"id": "U0EVIL"},
            "trigger_id": "t",
            "actions": [{"action_id": "pause", "value": "any"}],
        }
        forged = function_url.slack_event(click, signing_secret="not-the-secret")
        answer = s.invoke_done_handler(forged, utc(date(2026, 12, 14), 2))
        assert answer["statusCode"] == 401
        assert home.slack() == []
        assert home.state("c-1").paused is False


def test_tampered_done_link_is_refused(make_home: Callable[..., Home]) -> None:
    home = make_home([ROW])
    with home.stack() as s:
        link = _emailed_done_link(home, s)
        tampered = link[:-2] + ("AA" if not link.endswith("AA") else "BB")
        refused = s.click_done_link(tampered, utc(date(2026, 12, 14), 3))
        assert refused["statusCode"] == 400 and "did not work" in refused["body"]
        assert home.state("c-1").steps_done == frozenset()
        accepted = s.click_done_link(link, utc(date(2026, 12, 14), 3))
        assert accepted["statusCode"] == 200
        assert home.state("c-1").steps_done == {"welcome"}


def test_a_done_link_while_the_rules_doc_is_broken_asks_to_come_back_later(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([ROW])
    with home.stack() as s:
        done_link = _emailed_done_link(home, s)
        rules = home.path / "rules.txt"
        rules.write_text(rules.read_text().replace("Day: 0", "Day: zero", 1))
        answer = s.click_done_link(done_link, utc(date(2026, 12, 14), 3))
        assert answer["statusCode"] == 503
        assert "retry later" in answer["body"] and "zero" not in answer["body"]
        assert answer["headers"]["Retry-After"] == "600"
        assert home.state("c-1").steps_done == frozenset()


def test_an_unexpected_failure_is_a_500_page_that_shows_nothing_of_it(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([ROW])
    with home.stack() as s:
        done_link = _emailed_done_link(home, s)
        secrets = home.path / "secrets.json"
        kept = json.loads(secrets.read_text())
        secrets.write_text(json.dumps({k: v for k, v in kept.items() if "done-link" not in k}))
        answer = s.click_done_link(done_link, utc(date(2026, 12, 14), 3))
        assert answer["statusCode"] == 500
        assert "Something went wrong" in answer["body"]
        assert "secret" not in answer["body"] and "secrets.json" not in answer["body"]
        secrets.write_text(json.dumps(kept))  # the owner puts it back: the same link works
        answer = s.click_done_link(done_link, utc(date(2026, 12, 14), 3))
        assert answer["statusCode"] == 200
        assert home.state("c-1").steps_done == {"welcome"}


def _emailed_done_link(home: Home, stack: Any) -> str:
    """The done link of the welcome email the day's tick sends c-1."""
    stack.tick(date(2026, 12, 14))
    (mail,) = home.outbox()
    assert mail.done_link is not None
    return mail.done_link
