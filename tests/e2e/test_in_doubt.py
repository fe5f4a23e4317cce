"""Messages left in doubt (claimed, never confirmed) on the real state machines: the next tick
after the sender's timeout flags the owner once, with what is known; the message is never sent
again and nothing is built on it until the owner answers. tests/e2e/test_kill.py gets there by
killing `og tick`; these tests start from the state such a kill leaves."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from og import wiring
from og.adapters.local.slack_log import SlackLogChat
from og.adapters.owner_messages import OwnerPost
from og.core.models import Channel, SendKind, SendRecord
from og.local.moto_bridge import current_now
from og.local.template import read_template
from og.logic.in_doubt import MARGIN

from .support import ROOT, FailingSender, Home, utc

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")

MON = date(2026, 12, 14)
TUE, WED, THU = (MON + timedelta(days=n) for n in (1, 2, 3))
MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T08:00:00+08:00,,,"


def welcome(at_hour: int = 1, day: date = MON, minute: int = 0) -> SendRecord:
    return SendRecord(
        "c-1",
        "welcome",
        SendKind.STEP,
        utc(day, at_hour, minute),
        day,
        Channel.EMAIL,
        "meiling@kopibakes.example",
    )


def moves(report: Any) -> list[tuple[str, str]]:
    return [(r.input["move"]["move"], r.input["move"]["step_id"]) for r in report.journeys]


def flag_texts(home: Home) -> list[str]:
    return [
        p["payload"]["blocks"][1]["text"]["text"]
        for p in home.slack("chat.postMessage")
        if any(b.get("block_id") == "og_flag" for b in p["payload"]["blocks"])
    ]


def test_a_claim_left_by_a_killed_tick_is_flagged_once_the_next_day(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    # What `og tick` killed between claim and confirm leaves behind.
    home.store.claim_send(welcome(), "c-1-2026-12-14-step_due/req-1", one_per_day=True)
    with home.stack() as s:
        monday = s.tick(MON)  # the same day: the claim may still be sending
        tuesday = s.tick(TUE)
        wednesday = s.tick(WED)
        s.owner_answers("c-1", "done", utc(WED, 3))  # the owner checked: Mei has it
        thursday = s.tick(THU)

    assert monday.journeys == []
    assert moves(tuesday) == [("flag", "welcome")]
    [flag] = flag_texts(home)
    assert (
        "'Welcome — set up your wholesale account' (welcome#step) was claimed "
        "2026-12-14T01:00:00+00:00 by c-1-2026-12-14-step_due and never confirmed as emailed to "
        "meiling@kopibakes.example; it may or may not have gone out (no provider message id was "
        "recorded). It will not be sent again"
    ) in flag
    assert wednesday.journeys == []  # no nudge, no flag after N days, no next step, no 2nd flag
    assert moves(thursday) == [("step_due", "first-order")]
    assert home.calls and all("welcome" not in str(m["Message-ID"]) for m in home.calls)
    assert home.claims("c-1") == {
        "welcome#step": "sending",
        "welcome#flag": "sent",
        "first-order#step": "sent",
    }


def test_a_claim_younger_than_the_senders_timeout_is_left_alone(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    timeout = read_template(ROOT).parameters["SenderTimeoutSeconds"]
    # Claimed a minute before Tuesday's tick (01:00Z): that send may still be running.
    recent = welcome(0, TUE, 59)
    home.store.claim_send(recent, "c-1-2026-12-14-step_due/req-1", one_per_day=True)
    with home.stack() as s:
        assert os.environ["OG_SEND_TIMEOUT_SECONDS"] == timeout  # from template.yaml
        assert timedelta(minutes=1) < timedelta(seconds=int(timeout)) + MARGIN
        tuesday = s.tick(TUE)
        wednesday = s.tick(WED)

    assert tuesday.journeys == []
    assert moves(wednesday) == [("flag", "welcome")]


class LostAnswerChat(SlackLogChat):
    """Slack takes the post, but its answer never arrives (the connection drops)."""

    def post(self, channel: str, message: OwnerPost) -> str:
        super().post(channel, message)
        raise ConnectionError("connection reset before Slack's answer")


def test_a_flag_post_left_in_doubt_is_posted_again_once(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    email = FailingSender(home.outbox_dir, home.calls, ConnectionError("reset"), delivers=True)
    with home.stack(email=email) as s:
        chat = LostAnswerChat(home.path / "slack.jsonl", clock=current_now)
        with wiring.overridden(chat=chat):
            monday = s.tick(MON)  # welcome in doubt; the flag about it in doubt too
        assert [r.status for r in monday.journeys] == ["FAILED"]
        assert home.claims("c-1") == {"welcome#step": "sending", "welcome#flag": "sending"}
        tuesday = s.tick(TUE)
        wednesday = s.tick(WED)

    assert moves(tuesday) == [("flag", "welcome")]
    assert wednesday.journeys == []
    first, again = flag_texts(home)
    assert "could not send the step" in first and "it will not be sent again" in first
    assert again == first.replace(
        "it will not be sent again",
        "it will not be sent again (posted again: an earlier post of this flag may not have "
        "reached you)",
    )
    assert len(home.calls) == 1
    assert home.claims("c-1") == {"welcome#step": "sending", "welcome#flag": "sent"}
