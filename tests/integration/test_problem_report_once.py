"""The list of skipped rows reaches the owner at most once per problem: claimed before the post
(the Once port), so a notify-owner run killed right after posting never posts it again, while
a post that failed is tried again. The logic gets its ports as an argument."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from local_home import KilledAfterPosting, local_home

from og import wiring
from og.adapters.owner_messages import OwnerPost
from og.logic import owner

NOW = datetime(2026, 12, 14, 1, 0, tzinfo=UTC)
BAD_EMAIL = {"key": "onboarding.csv:hh-9:email", "text": "onboarding.csv line 9: email is empty"}
BAD_PLAN = {"key": "onboarding.csv:hh-8:plan", "text": "onboarding.csv line 8: no plan 'Gold'"}


class _SlackDown:
    def post(self, channel: str, message: OwnerPost) -> str:
        raise ConnectionError("slack.com unreachable")


def test_a_report_cut_off_after_its_post_is_never_posted_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with local_home(tmp_path, monkeypatch, NOW) as home:
        ports = wiring.owner_ports()
        with pytest.raises(SystemExit):
            owner.report_problems(replace(ports, chat=KilledAfterPosting(ports.chat)), [BAD_EMAIL])
        assert len(home.slack("chat.postMessage")) == 1

        assert owner.report_problems(ports, [BAD_EMAIL]) == {"posted": 0}
        assert owner.report_problems(ports, [BAD_EMAIL, BAD_PLAN]) == {"posted": 1}

        posts = home.slack("chat.postMessage")
        assert len(posts) == 2
        assert "no plan 'Gold'" in json.dumps(
            posts[1]["payload"]
        ) and "email is empty" not in json.dumps(posts[1]["payload"])


def test_a_report_whose_post_failed_is_posted_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with local_home(tmp_path, monkeypatch, NOW) as home:
        ports = wiring.owner_ports()
        with pytest.raises(ConnectionError):
            owner.report_problems(replace(ports, chat=_SlackDown()), [BAD_EMAIL])
        assert home.slack("chat.postMessage") == []

        assert owner.report_problems(ports, [BAD_EMAIL]) == {"posted": 1}
        assert owner.report_problems(ports, [BAD_EMAIL]) == {"posted": 0}
        [post] = home.slack("chat.postMessage")
        assert "email is empty" in json.dumps(post["payload"])
