"""A failed send is flagged once per execution. The flag (with its task token) is saved before
it is posted: a notify-owner run killed between the save and the post must still post it when
the task is retried (until now the saved flag read as posted, and the owner never saw it) — and
one killed once its post may have reached Slack must not post it twice: it stays open in the
store, listed by `og flags`."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from local_home import KilledAfterPosting, local_home

from og import wiring
from og.events import Journey
from og.logic import owner

NOW = datetime(2026, 12, 14, 1, 0, tzinfo=UTC)
EXECUTION = "arn:aws:states:ap-southeast-1:123456789012:execution:og-customer-journey:hh-1001-x"


def _failed_send() -> Journey:
    return Journey.model_validate(
        {
            "move": {
                "execution_name": "hh-1001-2026-12-14-step_due-welcome",
                "customer_id": "hh-1001",
                "move": "step_due",
                "step_id": "welcome",
                "reason": "day 13 since signup; welcome is due on day 0",
                "send_at": "2026-12-14T01:00:00Z",
                "date": "2026-12-14",
                "days_since_signup": 13,
                "personalized": False,
                "channel": "email",
                "name": "Mei Ling Tan",
                "email": "meiling@kopibakes.example",
                "plan": "Starter",
                "signup_at": "2026-12-01T01:15:00+00:00",
            },
            "failure": {"Error": "SendRejected", "Cause": "550 5.1.1 mailbox unavailable"},
        }
    )


class _KilledBeforeTheClaim:
    """The Once port of a process killed after the flag was saved, before its post was claimed."""

    def __init__(self, once: Any):
        self.once = once

    def claim(self, key: str, attempt: str, at: datetime) -> Any:
        raise SystemExit("killed")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.once, name)


def test_a_run_killed_after_saving_the_flag_posts_it_when_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with local_home(tmp_path, monkeypatch, NOW) as home:
        ports = wiring.owner_ports()
        with pytest.raises(SystemExit):
            owner.post_flag(
                replace(ports, once=_KilledBeforeTheClaim(ports.once)),
                _failed_send(),
                "token-1",
                EXECUTION,
            )
        assert home.slack("chat.postMessage") == []
        assert [f.task_token for f in wiring.adapters().store.open_flags("hh-1001")] == ["token-1"]

        # Step Functions retries the task: a new token, the same execution.
        assert owner.post_flag(ports, _failed_send(), "token-2", EXECUTION)["outcome"] == "posted"
        [post] = home.slack("chat.postMessage")
        assert "SendRejected: 550 5.1.1 mailbox unavailable" in json.dumps(post["payload"])
        [flag] = wiring.adapters().store.open_flags("hh-1001")
        assert flag.task_token == "token-2"

        again = owner.post_flag(ports, _failed_send(), "token-3", EXECUTION)
        assert again["outcome"] == "already_posted"
        assert len(home.slack("chat.postMessage")) == 1


def test_a_run_killed_after_slack_took_the_flag_does_not_post_it_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with local_home(tmp_path, monkeypatch, NOW) as home:
        ports = wiring.owner_ports()
        with pytest.raises(SystemExit):
            owner.post_flag(
                replace(ports, chat=KilledAfterPosting(ports.chat)),
                _failed_send(),
                "token-1",
                EXECUTION,
            )
        assert len(home.slack("chat.postMessage")) == 1

        retried = owner.post_flag(ports, _failed_send(), "token-2", EXECUTION)

        assert retried["outcome"] == "in_doubt"
        assert len(home.slack("chat.postMessage")) == 1
        [flag] = wiring.adapters().store.open_flags("hh-1001")
        assert flag.task_token == "token-2"  # a click still resumes the retried task
