"""The owner pauses and resumes any customer with `/og pause|resume` in Slack: signed slash-command
requests through the real done-handler on the local stack, and `og pause` / `og resume` /
`og history`, which send the same requests."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from og.cli import main as og
from og.local import function_url
from og.local.stack import LocalStack

from .support import Home, journey_of, journey_record, states_entered, utc

pytestmark = [
    pytest.mark.filterwarnings("ignore:No application metrics:UserWarning"),
    pytest.mark.filterwarnings("ignore:The `get_header_value` function is deprecated"),
]

MON = date(2026, 12, 14)  # Starter: welcome on day 0, first-order on day 2, nudges after 2
TUE, WED, THU = (MON + timedelta(days=n) for n in range(1, 4))
MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T08:00:00+08:00,,,"
OWNER = "U0OWNER01"  # examples/config.txt owner_slack_id


def _secret(home: Home) -> str:
    secret: str = json.loads((home.path / "secrets.json").read_text())["og/slack/signing-secret"]
    return secret


def _command(s: LocalStack, home: Home, text: str, *, by: str = OWNER, **kw: Any) -> dict[str, Any]:
    event = function_url.slack_command_event("/og", text, by, _secret(home), **kw)
    return s.invoke_done_handler(event, utc(MON, 3))


def _ephemeral(answer: dict[str, Any]) -> str:
    assert answer["statusCode"] == 200, answer
    body = json.loads(answer["body"])
    assert body["response_type"] == "ephemeral"
    text: str = body["text"]
    return text


def _owner_actions(home: Home, customer_id: str) -> list[tuple[str, str]]:
    return [
        (e.action, e.by_user)
        for e in home.store.audit_trail(customer_id)
        if e.action.startswith("owner:")
    ]


def test_pause_stops_the_next_ticks_emails_and_resume_brings_them_back(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        assert s.tick(MON).ok

        paused = _ephemeral(_command(s, home, "pause c-1 on holiday  until March"))

        assert paused.startswith("Paused Mei Ling Tan (c-1): the guide sends them nothing")
        assert "Note: on holiday until March." in paused
        state = home.state("c-1")
        assert (state.paused, state.paused_note) == (True, "on holiday until March")
        quiet = [s.tick(day) for day in (TUE, WED)]  # first-order falls due on Wednesday
        assert [(r.ok, r.journeys) for r in quiet] == [(True, []), (True, [])]
        assert [m.subject for m in home.outbox()] == [
            "Welcome to Harbour & Hearth Bakery Supplies, Mei!"
        ]

        resumed = _ephemeral(_command(s, home, "resume c-1"))

        assert resumed == (
            "Resumed Mei Ling Tan (c-1) (was paused: on holiday until March): the next daily "
            "tick carries on from where they are."
        )
        assert home.state("c-1") == type(state)("c-1")
        report = s.tick(THU)
        j = journey_of(report, "c-1")
        assert (j.input["move"]["move"], j.input["move"]["step_id"]) == ("step_due", "first-order")
        assert j.status == "SUCCEEDED"
    assert len(home.sent("c-1", "first-order")) == 1
    assert _owner_actions(home, "c-1") == [("owner:pause", OWNER), ("owner:resume", OWNER)]


def test_forged_or_stale_commands_are_refused_counted_and_change_nothing(
    make_home: Callable[..., Home], metrics_counted: list[str]
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        s.sync_documents()
        forged = function_url.slack_command_event("/og", "pause c-1", OWNER, "not-the-secret")
        stale = function_url.slack_command_event(
            "/og", "pause c-1", OWNER, _secret(home), timestamp=int(time.time()) - 6 * 60
        )
        tampered = function_url.slack_command_event("/og", "resume c-1", OWNER, _secret(home))
        # Function URLs deliver a form body base64-encoded; tamper with what it carries.
        body = base64.b64decode(tampered["body"]).decode().replace("resume", "pause")
        tampered["body"] = base64.b64encode(body.encode()).decode()

        answers = [s.invoke_done_handler(e, utc(MON, 3)) for e in (forged, stale, tampered)]

    assert [(a["statusCode"], a["body"]) for a in answers] == [(401, "invalid signature")] * 3
    assert metrics_counted == ["SignatureVerificationFailures"] * 3
    assert home.state("c-1").paused is False
    assert home.store.audit_trail("c-1") == []
    assert home.slack() == []


def test_only_the_owner_may_pause_or_resume(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        s.sync_documents()

        refused = _ephemeral(_command(s, home, "pause c-1 spam", by="U0STRANGER"))

        assert refused == (
            "Sorry, only the guide's owner (<@U0OWNER01>) can pause or resume customers. "
            "Nothing changed."
        )
        assert home.state("c-1").paused is False
        _ephemeral(_command(s, home, "pause c-1"))
        _ephemeral(_command(s, home, "resume c-1", by="U0STRANGER"))
        assert home.state("c-1").paused is True
    assert _owner_actions(home, "c-1") == [("owner:pause", OWNER)]


def test_a_double_submit_is_harmless_and_audited_once(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        s.sync_documents()
        event = function_url.slack_command_event("/og", "pause c-1 away", OWNER, _secret(home))

        first, again = (_ephemeral(s.invoke_done_handler(event, utc(MON, 3))) for _ in range(2))

        assert first.startswith("Paused Mei Ling Tan (c-1)")
        assert again == "Mei Ling Tan (c-1) is already paused (away). Nothing changed."
        resume = function_url.slack_command_event("/og", "resume c-1", OWNER, _secret(home))
        resumed, not_paused = (
            _ephemeral(s.invoke_done_handler(resume, utc(MON, 4))) for _ in range(2)
        )
        assert resumed.startswith("Resumed Mei Ling Tan (c-1) (was paused: away)")
        assert not_paused == "Mei Ling Tan (c-1) is not paused. Nothing changed."
    assert _owner_actions(home, "c-1") == [("owner:pause", OWNER), ("owner:resume", OWNER)]


def test_unknown_customers_and_anything_else_get_a_clear_answer(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        s.sync_documents()

        unknown = _ephemeral(_command(s, home, "pause c-9 away"))
        help_ = _ephemeral(_command(s, home, ""))
        wrong = _ephemeral(_command(s, home, "stop c-1"))
        missing = _ephemeral(_command(s, home, "resume"))

    assert unknown == (
        "There is no customer `c-9` on the onboarding list (its customer_id column). "
        "Nothing changed."
    )
    assert help_.startswith("Usage: `/og pause CUSTOMER_ID [note]`")
    assert wrong.startswith("I don't know 'stop'; I know pause and resume.\nUsage:")
    assert missing.startswith("'resume' needs the customer id of the onboarding list.\nUsage:")
    assert home.store.audit_trail("c-1") == []


def test_pausing_a_flagged_customer_answers_the_flag_and_ends_its_waiting_journey(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        assert s.tick(MON).ok
        report = s.tick(MON + timedelta(days=7))  # welcome unclicked for 7 days: flag after 5
        flagged = journey_of(report, "c-1", "flag")  # first-order goes out the same day
        assert flagged.status == "WAITING_FOR_OWNER"
        [flag] = home.store.open_flags("c-1")

        outcome, text = s.owner_command("pause", "c-1", utc(MON + timedelta(days=7), 3))

        assert outcome == "paused"
        assert text.endswith("Their open flag on welcome is answered as Pause.")
        j = journey_record(s, flagged.name)
        assert j.status == "SUCCEEDED"
        assert states_entered(j)[-1] == "OwnerAnswered"
        assert j.output is not None
        assert j.output["owner_answer"] == {"action": "pause", "by": OWNER, "note": ""}
        assert home.store.open_flags("c-1") == []
        assert home.store.flag(flag.flag_key).answer == "pause"  # type: ignore[union-attr]
        assert home.state("c-1").paused and not home.state("c-1").flagged
        assert s.tick(MON + timedelta(days=8)).journeys == []
    assert _owner_actions(home, "c-1") == [("owner:pause", OWNER)]


def test_og_pause_resume_and_history(
    make_home: Callable[..., Home], capsys: pytest.CaptureFixture[str]
) -> None:
    home = make_home([MEI])
    h = str(home.path)
    assert og(["tick", "--home", h, "--date", MON.isoformat()]) == 0
    capsys.readouterr()

    assert og(["pause", "--home", h, "c-1", "--note", "on holiday until March"]) == 0
    paused = capsys.readouterr().out
    assert og(["pause", "--home", h, "c-1"]) == 0
    again = capsys.readouterr().out
    assert og(["pause", "--home", h, "c-9"]) == 1
    unknown = capsys.readouterr().out
    assert og(["resume", "--home", h, "c-1", "--by", "U0STRANGER"]) == 1
    stranger = capsys.readouterr().out
    assert og(["resume", "--home", h, "c-1"]) == 0
    resumed = capsys.readouterr().out
    assert og(["history", "--home", h, "c-1"]) == 0
    history = capsys.readouterr().out

    assert paused.startswith("Paused Mei Ling Tan (c-1)") and "on holiday until March" in paused
    assert again.startswith("Mei Ling Tan (c-1) is already paused")
    assert unknown.startswith("There is no customer `c-9`")
    assert stranger.startswith("Sorry, only the guide's owner")
    assert resumed.startswith("Resumed Mei Ling Tan (c-1) (was paused: on holiday until March)")
    lines = [line.split("  ", 1)[1].strip() for line in history.splitlines() if line[:2] == "20"]
    assert lines[-2:] == [
        "PAUSED by U0OWNER01: on holiday until March",
        "RESUMED by U0OWNER01 (was paused: on holiday until March)",
    ]
