"""Done in Slack, on a flag or an owner task, is recorded and answered without reading the
onboarding list or the rules and voice docs: the flag or task carries its customer's plan from
the post, and one HEAD of the rules doc says whether that plan still stands. With S3's reads
failing, Done still answers and records; the sheet's finished_at and the message update come
after the answer; a rules doc edited since the post is read again (a rename is honoured)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from og import wiring
from og.core.done_link import done_link, sign_done_token
from og.local import function_url
from og.local.stack import LocalStack

from .support import Home, journey_of, journey_record, utc

pytestmark = [
    pytest.mark.filterwarnings("ignore:No application metrics:UserWarning"),
    pytest.mark.filterwarnings("ignore:The `get_header_value` function is deprecated"),
]

MON = date(2026, 12, 14)  # a Singapore business day
TUE = MON + timedelta(days=1)
FLAGGED = MON + timedelta(days=7)
MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T08:00:00+08:00,,,"
ANA = "p-1,Ana Lim,ana@kopibakes.example,Pro,2026-12-14T08:00:00+08:00,,,"
OWNER = "U0OWNER01"
CHANNEL = "D0OWNER01"


class _ReadsFail:
    """S3 as done-handler sees it, with every object read failing (as a slow S3 that times out
    would): what was tried is recorded, and version (a HEAD) still works."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.reads: list[str] = []
        self.heads: list[str] = []

    def read_text(self, bucket: str, key: str) -> str:
        self.reads.append(key)
        raise TimeoutError(f"GET s3://{bucket}/{key} timed out")

    def read_bytes(self, bucket: str, key: str) -> bytes:
        self.reads.append(key)
        raise TimeoutError(f"GET s3://{bucket}/{key} timed out")

    def version(self, bucket: str, key: str) -> str | None:
        self.heads.append(key)
        version: str | None = self.inner.version(bucket, key)
        return version

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _CountingReads(_ReadsFail):
    def read_text(self, bucket: str, key: str) -> str:
        self.reads.append(key)
        text: str = self.inner.read_text(bucket, key)
        return text


def _secret(home: Home, name: str = "og/slack/signing-secret") -> str:
    secrets: dict[str, str] = json.loads((home.path / "secrets.json").read_text())
    return secrets[name]


def _press(
    s: LocalStack, home: Home, post: dict[str, Any], at: Any, *, then_after_answer: bool = True
) -> dict[str, Any]:
    """The owner clicks the Done button of `post` (a chat.postMessage in slack.jsonl); Slack
    sends the message with the click, as it does for a button in a message."""
    blocks = post["payload"]["blocks"]
    [actions] = [b for b in blocks if b.get("type") == "actions"]
    button = next(e for e in actions["elements"] if e["text"]["text"] == "Done")
    click = {
        "type": "block_actions",
        "user": {"id": OWNER},
        "trigger_id": "local.trigger",
        "actions": [{"action_id": button["action_id"], "value": button["value"]}],
        "container": {"type": "message", "channel_id": CHANNEL, "message_ts": "1765.0001"},
        "message": {"ts": "1765.0001", "blocks": blocks},
    }
    event = function_url.slack_event(click, _secret(home))
    return s.invoke_done_handler(event, at, then_after_answer=then_after_answer)


def _rows(home: Home) -> list[dict[str, str]]:
    with (home.path / "onboarding.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def _everything(home: Home, customer_id: str) -> tuple[Any, ...]:
    return (
        home.state(customer_id),
        home.store.audit_trail(customer_id),
        home.store.all_flags(customer_id),
        home.slack(),
        _rows(home),
        [m.path.name for m in home.outbox()],
    )


def test_done_on_a_flag_reads_no_document_before_or_after_the_answer(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    at = utc(FLAGGED, 3)
    with home.stack() as s:
        assert s.tick(MON).ok
        flag = journey_of(s.tick(FLAGGED), "c-1", "flag")
        [open_flag] = home.store.open_flags("c-1")
        [post] = home.slack("chat.postMessage")
        assert open_flag.plan is not None and open_flag.rules_version
        before = _everything(home, "c-1")

        documents = _ReadsFail(wiring.adapters().documents)
        with wiring.overridden(documents=documents):
            answer = _press(s, home, post, at, then_after_answer=False)

            assert (answer["statusCode"], answer["body"]) == (200, "")
            assert (documents.reads, documents.heads) == ([], ["rules.txt"])
            state, trail, flags, slack, rows, outbox = _everything(home, "c-1")
            assert state == before[0].__class__(
                "c-1", steps_done=frozenset({"welcome"}), flagged=False
            )
            new = trail[len(before[1]) :]
            assert trail[: len(before[1])] == before[1]
            assert [(e.action, e.by_user, e.ts) for e in new] == [("owner:done", OWNER, at)]
            [answered] = flags
            assert (answered.answer, answered.answered_by, answered.answered_at) == (
                "done",
                OWNER,
                at,
            )
            assert (slack, rows, outbox) == before[3:]  # nothing else, not yet the update
            assert journey_record(s, flag.name).status == "WAITING_FOR_OWNER"

        [after] = s.run_after_answer(at)
        s.record_resumed(flag.name)
        assert journey_record(s, flag.name).status == "SUCCEEDED"

    assert after == {"flag": open_flag.flag_key, "resumed": True}
    [update] = home.slack("chat.update")
    assert "actions" not in [b["type"] for b in update["payload"]["blocks"]]


def _task_pending_last(home: Home, s: LocalStack) -> dict[str, Any]:
    """Ana (plan Pro) clicks every step's done link on Monday but the owner's kickoff call,
    posted to the owner on Tuesday: its post."""
    secret = _secret(home, "og/done-link/secret")
    at = utc(MON, 5)
    assert s.tick(MON).ok
    for step in ("welcome", "first-order", "menu-review", "delivery-schedule"):
        token = sign_done_token("p-1", step, secret.encode(), at)
        link = done_link("http://localhost:8787/done", token)
        assert s.click_done_link(link, at)["statusCode"] == 200
    assert s.tick(TUE).ok
    [post] = [
        p
        for p in home.slack("chat.postMessage")
        if any(b.get("block_id") == "og_owner_task" for b in p["payload"]["blocks"])
    ]
    task = home.store.owner_task(post["payload"]["blocks"][-1]["elements"][0]["value"])
    assert task is not None and task.plan is not None and task.rules_version
    return post


def test_done_on_an_owner_task_answers_then_fills_the_sheet_and_takes_the_buttons(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([ANA, MEI])
    pressed = utc(TUE, 6)
    with home.stack() as s:
        post = _task_pending_last(home, s)
        before = _everything(home, "p-1")
        mei = (home.state("c-1"), home.store.audit_trail("c-1"))
        documents = _ReadsFail(wiring.adapters().documents)
        with wiring.overridden(documents=documents):
            first = _press(s, home, post, pressed, then_after_answer=False)

            # Slack has its answer: the step is done and the journey finished, audited once;
            # the sheet and the message are as they were.
            assert (first["statusCode"], first["body"]) == (200, "")
            state = home.state("p-1")
            assert state.finished and "kickoff-call" in state.steps_done
            trail = home.store.audit_trail("p-1")
            assert trail[: len(before[1])] == before[1]
            assert [(e.action, e.by_user, e.ts) for e in trail[len(before[1]) :]] == [
                ("done:kickoff-call", OWNER, pressed)
            ]
            assert (home.slack(), _rows(home)) == (before[3], before[4])
            assert "finished_at" not in _rows(home)[0]

            s.run_after_answer(pressed)  # what the asynchronous self-invocation does
            again = _press(s, home, post, pressed + timedelta(seconds=2))  # a double click

        assert (documents.reads, documents.heads) == ([], ["rules.txt", "rules.txt"])
    assert again["statusCode"] == 200
    assert home.store.audit_trail("p-1") == trail  # the second click changed nothing
    assert [(r["customer_id"], r["finished_at"]) for r in _rows(home)] == [
        ("p-1", "2026-12-15T06:00:00Z"),
        ("c-1", ""),
    ]
    # Both clicks' messages show the one Done, with its time, and no button.
    updates = home.slack("chat.update")
    assert len(updates) == 2 and updates[0]["payload"] == updates[1]["payload"]
    update = updates[0]["payload"]
    assert (update["channel"], update["ts"]) == (CHANNEL, "1765.0001")
    kept = [b for b in post["payload"]["blocks"] if b["type"] != "actions"]
    assert update["blocks"][:-1] == kept
    assert [b["type"] for b in update["blocks"]] == [*(b["type"] for b in kept), "context"]
    line = f"*Done* by <@{OWNER}> at <!date^{int(pressed.timestamp())}^"
    assert update["blocks"][-1]["elements"][0]["text"].startswith(line)
    assert update["text"].startswith(line)
    assert (home.state("c-1"), home.store.audit_trail("c-1")) == mei
    assert [m.path.name for m in home.outbox()] == before[5]


def test_a_rules_doc_edited_after_the_task_was_posted_is_read_at_done(
    make_home: Callable[..., Home],
) -> None:
    """'kickoff-call' renamed to 'intro-call (was: kickoff-call)' after the post: the carried
    plan no longer stands, so Done reads the list and rules and marks the step by its new id."""
    home = make_home([ANA])
    with home.stack() as s:
        post = _task_pending_last(home, s)
        rules = home.path / "rules.txt"
        rules.write_text(
            rules.read_text(encoding="utf-8").replace(
                "Step: kickoff-call", "Step: intro-call (was: kickoff-call)"
            )
        )
        voice = home.path / "voice.txt"
        text = voice.read_text(encoding="utf-8")
        voice.write_text(text.replace(": kickoff-call", ": intro-call"))
        documents = _CountingReads(wiring.adapters().documents)
        with wiring.overridden(documents=documents):
            assert _press(s, home, post, utc(TUE, 6))["statusCode"] == 200

    assert documents.heads == ["rules.txt"]
    assert {"onboarding.csv", "rules.txt"} <= set(documents.reads)
    state = home.state("p-1")
    assert "intro-call" in state.steps_done and "kickoff-call" not in state.steps_done
    assert state.finished
    assert [e.action for e in home.store.audit_trail("p-1")][-1] == "done:intro-call"
    [update] = home.slack("chat.update")
    assert "*Done* by" in update["payload"]["text"]
