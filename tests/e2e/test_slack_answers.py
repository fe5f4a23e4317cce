"""done-handler and the requests a public Slack endpoint really receives: malformed and forged
ones are refused (401/400, counted) and change nothing; a double click or a Slack retry answers a
flag once; the answer is recorded before Slack is answered and the slow part (resuming the
journey, updating the message) runs after it, retried when it fails."""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from og import wiring
from og.adapters.ports import PendingFlag
from og.local import function_url
from og.local.stack import LocalStack

from .support import Home, journey_of, journey_record, utc

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")

MON = date(2026, 12, 14)
FLAGGED = MON + timedelta(days=7)
AT = utc(FLAGGED, 3)
MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T08:00:00+08:00,,,"
OWNER = "U0OWNER01"
CHANNEL = "D0OWNER01"


def _secret(home: Home) -> str:
    secrets: dict[str, str] = json.loads((home.path / "secrets.json").read_text())
    return secrets["og/slack/signing-secret"]


def _flagged(s: LocalStack, home: Home) -> tuple[PendingFlag, str, dict[str, Any]]:
    """Welcome on Monday, no click for a week: the owner's flag. Returns the flag, its journey's
    execution and the message Slack shows (as Slack echoes it in a click: ts and blocks)."""
    assert s.tick(MON).ok
    report = s.tick(FLAGGED)
    journey = journey_of(report, "c-1", "flag")  # the customer's step email may go out too
    assert journey.status == "WAITING_FOR_OWNER"
    [flag] = home.store.open_flags("c-1")
    [post] = home.slack("chat.postMessage")
    message = {"ts": "1765000000.000100", "blocks": post["payload"]["blocks"]}
    return flag, journey.name, message


def _click(action: str, key: str, message: dict[str, Any] | None, user: str = OWNER) -> dict:
    """A button click as Slack sends it from a message in the owner's DM."""
    click: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user},
        "trigger_id": f"trigger.{user}",
        "actions": [{"action_id": action, "value": key, "type": "button"}],
    }
    if message is not None:
        click["container"] = {
            "type": "message",
            "channel_id": CHANNEL,
            "message_ts": message["ts"],
        }
        click["message"] = message
    return click


def _signed(
    body: bytes, secret: str, *, timestamp: str | None = None, extra: dict[str, str] | None = None
) -> dict[str, Any]:
    """A form POST to /slack/interactions signed as Slack signs it (base64-encoded by the
    Function URL, as AWS delivers a form body)."""
    ts = timestamp or str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body.decode())
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature or "",
        **(extra or {}),
    }
    return function_url.request_event("POST", "/slack/interactions", "", headers.items(), body)


def _form(payload: Any) -> bytes:
    return urlencode(
        {"payload": payload if isinstance(payload, str) else json.dumps(payload)}
    ).encode()


def _everything(home: Home) -> tuple[Any, ...]:
    return (
        home.state("c-1"),
        home.store.audit_trail("c-1"),
        home.store.all_flags("c-1"),
        home.slack(),
    )


# --- 1. malformed and forged requests -----------------------------------------------------------
def _unverifiable(secret: str, key: str) -> dict[str, dict[str, Any]]:
    body = _form(_click("done", key, None))
    now = str(int(time.time()))

    def without(event: dict[str, Any], header: str) -> dict[str, Any]:
        event["headers"].pop(header)
        return event

    not_utf8 = _signed(body, secret)
    not_utf8["body"] = base64.b64encode(b"payload=\xff\xfe").decode()
    return {
        "no timestamp": without(_signed(body, secret), "x-slack-request-timestamp"),
        "non-numeric timestamp": _signed(body, secret, timestamp="soon"),
        "timestamp with a sign": _signed(body, secret, timestamp="+" + now),
        "stale timestamp": _signed(body, secret, timestamp=str(int(time.time()) - 600)),
        "no signature": without(_signed(body, secret), "x-slack-signature"),
        "wrong secret": _signed(body, "not-the-secret"),
        "body not UTF-8": not_utf8,
    }


def _unreadable(key: str) -> dict[str, bytes]:
    done = _click("done", key, None)
    return {
        "no payload field": b"text=hello",
        "payload not JSON": _form("{not json"),
        "payload not an object": _form("[1, 2]"),
        "unknown type": _form({**done, "type": "shortcut"}),
        "unknown action": _form({**done, "actions": [{"action_id": "delete", "value": key}]}),
        "resume is no button": _form({**done, "actions": [{"action_id": "resume", "value": key}]}),
        "no actions": _form({k: v for k, v in done.items() if k != "actions"}),
        "no user": _form({k: v for k, v in done.items() if k != "user"}),
        "unknown flag": _form({**done, "actions": [{"action_id": "done", "value": "nope"}]}),
        "unknown view": _form(
            {"type": "view_submission", "user": {"id": OWNER}, "view": {"callback_id": "x"}}
        ),
        "foreign private_metadata": _form(
            {
                "type": "view_submission",
                "user": {"id": OWNER},
                "view": {"callback_id": "og_owner_answer", "private_metadata": "{}"},
            }
        ),
    }


def test_every_malformed_slack_request_is_refused_counted_and_changes_nothing(
    make_home: Callable[..., Home], metrics_counted: list[str]
) -> None:
    home = make_home([MEI])
    secret = _secret(home)
    with home.stack() as s:
        flag, execution, _ = _flagged(s, home)
        before = _everything(home)
        answers = {}
        for name, event in _unverifiable(secret, flag.flag_key).items():
            answer = s.invoke_done_handler(event, AT)
            answers[name] = (answer["statusCode"], metrics_counted[:])
            metrics_counted.clear()
        for name, body in _unreadable(flag.flag_key).items():
            answer = s.invoke_done_handler(_signed(body, secret), AT)
            answers[name] = (answer["statusCode"], metrics_counted[:])
            metrics_counted.clear()

        assert answers == {
            **{name: (401, ["SignatureVerificationFailures"]) for name in _unverifiable("x", "k")},
            **{name: (400, ["MalformedSlackRequests"]) for name in _unreadable("k")},
        }
        assert _everything(home) == before
        assert journey_record(s, execution).status == "WAITING_FOR_OWNER"


# --- 1. double clicks and retries ---------------------------------------------------------------
def test_a_double_clicked_and_retried_done_answers_the_flag_once(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    secret = _secret(home)
    with home.stack() as s:
        flag, execution, message = _flagged(s, home)
        trail = home.store.audit_trail("c-1")
        click = _form(_click("done", flag.flag_key, message))

        answers = [
            s.invoke_done_handler(_signed(click, secret), AT),
            s.invoke_done_handler(_signed(click, secret), AT + timedelta(seconds=1)),
            # Slack retries a request it got no answer to, with the same body
            s.invoke_done_handler(
                _signed(click, secret, extra={"x-slack-retry-num": "1"}), AT + timedelta(1)
            ),
        ]
        s.record_resumed(execution)

        assert [a["statusCode"] for a in answers] == [200, 200, 200]
        new = home.store.audit_trail("c-1")[len(trail) :]
        assert [(e.action, e.by_user, e.ts) for e in new] == [("owner:done", OWNER, AT)]
        assert home.state("c-1").steps_done == {"welcome"}
        [answered] = home.store.all_flags("c-1")
        assert (answered.answer, answered.answered_by, answered.answered_at) == ("done", OWNER, AT)
        assert journey_record(s, execution).status == "SUCCEEDED"
        # Each click's message shows the one answer, with its time: who did what, and when.
        updates = home.slack("chat.update")
        assert len(updates) == 3
        assert len({json.dumps(u["payload"]) for u in updates}) == 1
        assert (
            f"*Done* by <@{OWNER}> at <!date^{int(AT.timestamp())}^"
            in updates[0]["payload"]["text"]
        )


def test_pause_pressed_on_a_flag_answered_already_says_who_answered(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    secret = _secret(home)
    with home.stack() as s:
        flag, _, message = _flagged(s, home)
        s.invoke_done_handler(_signed(_form(_click("done", flag.flag_key, message)), secret), AT)
        before = (home.state("c-1"), home.store.audit_trail("c-1"), home.store.all_flags("c-1"))

        click = _click("pause", flag.flag_key, message, user="U0SITI002")
        answer = s.invoke_done_handler(_signed(_form(click), secret), AT + timedelta(hours=1))
        # and a Pause modal left open from before the Done, submitted now
        submission = {
            "type": "view_submission",
            "user": {"id": "U0SITI002"},
            "view": {
                "callback_id": "og_owner_answer",
                "private_metadata": json.dumps({"flag_key": flag.flag_key, "action": "pause"}),
                "state": {"values": {"note": {"note": {"value": "away"}}}},
            },
        }
        late = s.invoke_done_handler(_signed(_form(submission), secret), AT + timedelta(hours=1))

        assert answer["statusCode"] == 200
        [view] = home.slack("views.open")
        assert view["payload"]["trigger_id"] == "trigger.U0SITI002"
        shown = view["payload"]["view"]
        assert "callback_id" not in shown and "submit" not in shown  # nothing to fill in
        said = shown["blocks"][0]["text"]["text"]
        assert said.startswith(f"Already answered: *Done* by <@{OWNER}> at <!date^")
        assert late["statusCode"] == 200
        late_answer = json.loads(late["body"])
        assert late_answer["response_action"] == "update"
        assert late_answer["view"]["blocks"][0]["text"]["text"] == said
        assert (home.state("c-1"), home.store.audit_trail("c-1"), home.store.all_flags("c-1")) == (
            before
        )


# --- 2. answer first, the slow part after ---------------------------------------------------------
class _SlowWorkflow:
    """Step Functions that takes its time (or fails): records when it was called."""

    def __init__(self, inner: Any, failures: int = 0):
        self.inner = inner
        self.failures = failures
        self.calls: list[str] = []

    def resume(self, task_token: str, output: dict[str, Any]) -> bool:
        self.calls.append(output["action"])
        if self.failures:
            self.failures -= 1
            raise TimeoutError("SendTaskSuccess timed out")
        time.sleep(0.2)  # slow, not timed: the order of events is what is asserted
        resumed: bool = self.inner.resume(task_token, output)
        return resumed


class _CountingDocuments:
    def __init__(self, inner: Any):
        self.inner = inner
        self.reads: list[str] = []

    def read_text(self, bucket: str, key: str) -> str:
        self.reads.append(key)
        text: str = self.inner.read_text(bucket, key)
        return text

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@contextmanager
def _slow(failures: int = 0) -> Iterator[_SlowWorkflow]:
    workflow = _SlowWorkflow(wiring.adapters().workflow, failures)
    with wiring.overridden(workflow=workflow):
        yield workflow


def test_done_is_recorded_and_answered_before_the_journey_is_resumed(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    secret = _secret(home)
    with home.stack() as s:
        flag, execution, message = _flagged(s, home)
        with _slow() as workflow:
            click = _signed(_form(_click("done", flag.flag_key, message)), secret)

            answer = s.invoke_done_handler(click, AT, then_after_answer=False)

            # Slack has its answer: the owner's answer is recorded, nothing slow has run yet.
            assert (answer["statusCode"], answer["body"]) == (200, "")
            assert workflow.calls == []
            assert home.store.open_flags("c-1") == []
            assert home.state("c-1").steps_done == {"welcome"}
            assert home.slack("chat.update") == []
            assert journey_record(s, execution).status == "WAITING_FOR_OWNER"

            [after] = s.run_after_answer(AT)

        s.record_resumed(execution)
        assert after == {"flag": flag.flag_key, "resumed": True}
        assert workflow.calls == ["done"]
        assert journey_record(s, execution).status == "SUCCEEDED"
        assert journey_record(s, execution).output["owner_answer"] == {  # type: ignore[index]
            "action": "done",
            "by": OWNER,
            "note": "",
        }
        [update] = home.slack("chat.update")
        assert (update["payload"]["channel"], update["payload"]["ts"]) == (CHANNEL, message["ts"])
        blocks = update["payload"]["blocks"]
        assert [b["type"] for b in blocks] == [
            *(b["type"] for b in message["blocks"] if b["type"] != "actions"),
            "context",
        ]
        assert blocks[:-1] == [b for b in message["blocks"] if b["type"] != "actions"]
        assert blocks[-1]["elements"][0]["text"].startswith(f"*Done* by <@{OWNER}> at <!date^")


def test_pause_opens_its_modal_before_any_document_is_read(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    secret = _secret(home)
    with home.stack() as s:
        flag, execution, message = _flagged(s, home)
        documents = _CountingDocuments(wiring.adapters().documents)
        with _slow() as workflow, wiring.overridden(documents=documents):
            click = _signed(_form(_click("pause", flag.flag_key, message)), secret)
            s.invoke_done_handler(click, AT)
            [view] = home.slack("views.open")
            assert documents.reads == [] and workflow.calls == []

            meta = view["payload"]["view"]["private_metadata"]
            submission = {
                "type": "view_submission",
                "user": {"id": OWNER},
                "view": {
                    "callback_id": "og_owner_answer",
                    "private_metadata": meta,
                    "state": {"values": {"note": {"note": {"value": "on leave"}}}},
                },
            }
            answer = s.invoke_done_handler(_signed(_form(submission), secret), AT)

        s.record_resumed(execution)
        assert json.loads(answer["body"]) == {"response_action": "clear"}
        assert documents.reads == []  # Pause needs no plan
        assert workflow.calls == ["pause"]
        assert (home.state("c-1").paused, home.state("c-1").paused_note) == (True, "on leave")
        assert journey_record(s, execution).status == "SUCCEEDED"
        [update] = home.slack("chat.update")
        assert update["payload"]["ts"] == message["ts"]
        assert "actions" not in [b["type"] for b in update["payload"]["blocks"]]
        assert "*Paused* by" in update["payload"]["text"]


def test_a_resume_that_fails_once_is_retried_and_completes(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        flag, execution, message = _flagged(s, home)
        click = _signed(_form(_click("done", flag.flag_key, message)), _secret(home))
        with _slow(failures=1) as workflow:
            assert s.invoke_done_handler(click, AT)["statusCode"] == 200
        s.record_resumed(execution)

        assert workflow.calls == ["done", "done"]
        assert journey_record(s, execution).status == "SUCCEEDED"
        assert [e.action for e in home.store.audit_trail("c-1")].count("owner:done") == 1
        assert len(home.slack("chat.update")) == 1


def test_a_lasting_failure_after_the_answer_is_logged_and_the_answer_stays(
    make_home: Callable[..., Home], caplog: pytest.LogCaptureFixture
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        flag, execution, message = _flagged(s, home)
        click = _signed(_form(_click("done", flag.flag_key, message)), _secret(home))
        with _slow(failures=5) as workflow, caplog.at_level(logging.WARNING):
            answer = s.invoke_done_handler(click, AT)

        assert answer["statusCode"] == 200
        assert workflow.calls == ["done", "done", "done"]  # once and two retries, as Lambda
        assert "gave up on work after an answer" in caplog.text
        # The answer stands, audited once; the journey waits (its timeout flags it).
        assert home.state("c-1").steps_done == {"welcome"}
        assert [e.action for e in home.store.audit_trail("c-1")].count("owner:done") == 1
        assert home.store.open_flags("c-1") == []
        assert journey_record(s, execution).status == "WAITING_FOR_OWNER"


def test_og_pause_on_a_flagged_customer_answers_before_the_journey_is_resumed(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        _, execution, _ = _flagged(s, home)
        command = function_url.slack_command_event("/og", "pause c-1 away", OWNER, _secret(home))
        with _slow() as workflow:
            answer = s.invoke_done_handler(command, AT, then_after_answer=False)

            assert answer["statusCode"] == 200
            assert answer["headers"]["x-og-outcome"] == "paused"
            assert workflow.calls == []
            assert home.state("c-1").paused and home.store.open_flags("c-1") == []

            s.run_after_answer(AT)
        s.record_resumed(execution)

        assert workflow.calls == ["pause"]
        assert journey_record(s, execution).status == "SUCCEEDED"
        assert [e.action for e in home.store.audit_trail("c-1")].count("owner:pause") == 1
