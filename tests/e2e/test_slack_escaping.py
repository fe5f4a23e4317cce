"""What reaches the owner's Slack from the onboarding list and from their own notes is shown as
text: a customer named `<!channel>` or with a `<https://…|click>` in their name pings nobody and
links nowhere, in any post's blocks or in the notification `text`, nor in `/og` answers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from og.local import function_url

from .support import Home, utc

pytestmark = [
    pytest.mark.filterwarnings("ignore:No application metrics:UserWarning"),
    pytest.mark.filterwarnings("ignore:The `get_header_value` function is deprecated"),
]

MON = date(2026, 12, 14)
EVIL = "Ana <!channel> <https://evil.example|click> & Co"
SHOWN = "Ana &lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; Co"
ANA = f"p-1,{EVIL},ana@kopibakes.example,Pro,2026-12-14T08:00:00+08:00,,,"
# Slack reads these as a mention, a broadcast or a link; only the guide's own <@owner> is meant.
LIVE = re.compile(r"<(?!@U0OWNER01>)[^>]*>")


def _mrkdwn(node: Any) -> list[str]:
    if isinstance(node, list):
        return [t for item in node for t in _mrkdwn(item)]
    if not isinstance(node, dict):
        return []
    own = [node["text"]] if node.get("type") == "mrkdwn" else []
    return own + [t for value in node.values() for t in _mrkdwn(value)]


def test_names_and_notes_reach_slack_as_text(make_home: Callable[..., Home]) -> None:
    home = make_home([ANA])
    secret = json.loads((home.path / "secrets.json").read_text())["og/slack/signing-secret"]
    with home.stack() as s:
        for n in range(8):  # the kickoff-call task on Tuesday, its flag three days on
            assert s.tick(MON + timedelta(days=n)).ok
        event = function_url.slack_command_event("/og", f"pause p-1 {EVIL}", "U0OWNER01", secret)
        answer = json.loads(s.invoke_done_handler(event, utc(MON + timedelta(days=8), 3))["body"])

    posts = [p["payload"] for p in home.slack("chat.postMessage")]
    kinds = {b["block_id"] for p in posts for b in p["blocks"] if "block_id" in b}
    assert {"og_owner_task", "og_flag"} <= kinds  # the owner task and its flag were posted
    texts = [answer["text"], *(p["text"] for p in posts), *_mrkdwn(posts)]
    assert [t for t in texts if LIVE.search(t)] == []
    assert all(SHOWN in p["text"] or SHOWN in json.dumps(p["blocks"]) for p in posts)
    assert SHOWN in answer["text"]
    # Only what Slack shows is escaped: the store keeps the note as the owner wrote it.
    assert home.state("p-1").paused_note == EVIL
