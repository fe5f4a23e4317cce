"""digest, summary and ses-feedback through their real handlers on the local adapters; the bounce
handler also against the DynamoDB store (moto, template.yaml's tables)."""

from __future__ import annotations

import email
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import boto3
import pytest
from local_home import (
    REGION,
    KilledAfterPosting,
    LocalHome,
    create_template_tables,
    invoke,
    local_home,
    sns_delivery,
)

from og import wiring
from og.adapters.aws.dynamodb_once import DynamoOnce
from og.adapters.aws.dynamodb_store import DynamoJourneyStore
from og.adapters.local.writer import NARRATIVE_LABEL
from og.adapters.ports import JourneyStore, PendingFlag
from og.core.errors import SendRejected
from og.core.models import CustomerState, OwnerAction

NOW = datetime(2026, 12, 13, 10, 0, tzinfo=UTC)  # Sunday 18:00 in Singapore
STARTER = ("welcome", "first-order", "delivery-schedule", "feedback")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalHome]:
    with local_home(tmp_path, monkeypatch, NOW) as h:
        yield h


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, home: LocalHome) -> Iterator[JourneyStore]:
    """The store the handlers see: the home's SQLite, or DynamoDB (moto) in its place."""
    if request.param == "sqlite":
        yield home.store
        return
    client = boto3.client("dynamodb", region_name=REGION)
    create_template_tables(client)
    dynamo = DynamoJourneyStore(wiring.Settings(list_bucket="l", rules_bucket="r"), client)
    once = DynamoOnce(wiring.Settings(list_bucket="l", rules_bucket="r"), client)
    with wiring.overridden(store=dynamo, once=once):
        yield dynamo


# --- ses-feedback --------------------------------------------------------------------------------
def sns(notification: dict[str, Any]) -> dict[str, Any]:
    """SNS's delivery to a subscribed Lambda, the SES notification as its Message."""
    return sns_delivery(json.dumps(notification), "og-ses-feedback")


def hard_bounce(*addresses: str, bounce_type: str = "Permanent") -> dict[str, Any]:
    return {
        "eventType": "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": "General",
            "bouncedRecipients": [
                {"emailAddress": a, "diagnosticCode": "smtp; 550 5.1.1 user unknown"}
                for a in addresses
            ],
        },
        "mail": {"source": "hello@harbourhearth.example"},
    }


def test_a_hard_bounce_pauses_the_customer_once(home: LocalHome, store: JourneyStore) -> None:
    first = invoke("ses_feedback", sns(hard_bounce("MeiLing@KopiBakes.example")))
    again = invoke("ses_feedback", sns(hard_bounce("meiling@kopibakes.example")))

    [result] = first["results"]
    assert result["recipients"] == [
        {"address": "meiling@kopibakes.example", "customer_id": "hh-1001", "outcome": "paused"}
    ]
    assert again["results"][0]["recipients"][0]["outcome"] == "already_paused"
    assert store.journey("hh-1001").state == CustomerState(
        "hh-1001", paused=True, paused_note="hard bounce: smtp; 550 5.1.1 user unknown"
    )
    [entry] = store.audit_trail("hh-1001")
    assert (entry.action, entry.by_user, entry.ts) == ("owner:pause", "ses", NOW)
    [notice] = home.slack("chat.postMessage")
    assert notice["payload"]["text"] == (
        "Paused Mei Ling Tan (hh-1001); the guide sends meiling@kopibakes.example nothing more. "
        "SES reported a hard bounce: smtp; 550 5.1.1 user unknown"
    )


def test_a_complaint_pauses_and_transient_bounces_and_strangers_do_not(
    home: LocalHome, store: JourneyStore
) -> None:
    complaint = {
        "notificationType": "Complaint",
        "complaint": {
            "complainedRecipients": [{"emailAddress": "sarah@brooklynloaf.example"}],
            "complaintFeedbackType": "abuse",
        },
    }

    out = invoke(
        "ses_feedback",
        {
            "Records": [
                *sns(complaint)["Records"],
                *sns(hard_bounce("tom@whitfieldpies.example", bounce_type="Transient"))["Records"],
                *sns(hard_bounce("nobody@example.com"))["Records"],
            ]
        },
    )

    complained, transient, stranger = out["results"]
    assert complained["recipients"][0]["outcome"] == "paused"
    assert transient["outcome"] == "ignored"
    assert stranger["recipients"] == [
        {"address": "nobody@example.com", "outcome": "unknown_address"}
    ]
    assert store.journey("hh-1003").state.paused_note == "complaint: abuse"
    assert store.journey("hh-1004").state.paused is False


def test_a_message_that_is_not_an_ses_notification_changes_nothing(
    home: LocalHome, store: JourneyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The topic is a plain SNS topic: SNS's own test message, a hand-published string or
    another service's JSON may arrive next to the real notifications. Logged at WARNING, as
    in Lambda (the local engine's default level, ERROR, would hide the log call)."""
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "INFO")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "onboarding-guide")  # as template.yaml's
    logged: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = logged.append  # type: ignore[method-assign]
    powertools_logger = logging.getLogger("onboarding-guide")
    # Another function's Logger of the same service may have set the shared logger's level first.
    monkeypatch.setattr(powertools_logger, "level", logging.INFO)
    powertools_logger.addHandler(handler)  # powertools' logger
    not_json = sns({})
    not_json["Records"][0]["Sns"]["Message"] = "Successfully validated SNS topic for Amazon SES"
    a_list = sns({})
    a_list["Records"][0]["Sns"]["Message"] = "[1, 2]"
    other_json = sns({"AlarmName": "og-daily-tick-failed", "NewStateValue": "ALARM"})
    bounce = sns(hard_bounce("meiling@kopibakes.example"))
    before = {cid: store.journey(cid) for cid in ("hh-1001", "hh-1003")}

    try:
        out = invoke(
            "ses_feedback",
            {"Records": [r for e in (not_json, a_list, other_json) for r in e["Records"]]},
        )
    finally:
        logging.getLogger("onboarding-guide").removeHandler(handler)

    assert out == {
        "results": [
            {"outcome": "ignored", "kind": "unknown", "detail": "not a bounce or complaint ('')"}
        ]
    }
    skipped = [r for r in logged if r.getMessage() == "not an SES notification"]
    assert [(r.levelname, getattr(r, "sns_message", None)) for r in skipped] == [
        ("WARNING", "Successfully validated SNS topic for Amazon SES"),
        ("WARNING", "[1, 2]"),
    ]
    assert {cid: store.journey(cid) for cid in before} == before
    assert store.audit_trail("hh-1001") == [] and home.slack() == []
    # The real notification after them is still handled.
    [result] = invoke("ses_feedback", bounce)["results"]
    assert result["recipients"][0]["outcome"] == "paused"


# --- digest --------------------------------------------------------------------------------------
def test_the_weekly_digest_is_posted_once_to_its_channel(
    home: LocalHome, store: JourneyStore
) -> None:
    home.edit_config("digest_channel: C0DIGEST1\n")
    done_at = NOW - timedelta(days=2)
    for step_id in STARTER:
        store.record_step_done(
            "hh-1001", step_id, by_user="customer", at=done_at, plan_step_ids=STARTER
        )
    store.record_owner_action(
        "hh-1003", OwnerAction.PAUSE, by_user="ses", at=done_at, note="hard bounce: 550"
    )
    store.save_flag(
        PendingFlag("f1", "hh-1005", "welcome", "no done click after 5 days", "t", "e", done_at)
    )
    event = {"scheduled_time": "2026-12-13T10:00:00Z"}

    first = invoke("digest", event)
    again = invoke("digest", event)

    assert first["outcome"] == "posted" and first["rows"] == 3
    assert again == {"outcome": "already_posted", "detail": "digest:2026-12-13"}
    [post] = home.slack("chat.postMessage")
    payload = post["payload"]
    assert payload["channel"] == "C0DIGEST1"
    assert payload["text"] == (
        "Onboarding, the week to 2026-12-13: 1 finished, 1 stuck, 1 paused, 0 handed off"
    )
    table = payload["blocks"][2]["text"]["text"]
    assert table.startswith("```\nStatus    Customer  Name")
    assert "Finished  hh-1001   Mei Ling Tan" in table
    assert (
        "Stuck     hh-1005   Nur Aisyah Rahman  Starter  flagged: no done click after 5 days"
        in (table)
    )
    assert "Paused    hh-1003   Sarah O'Connor" in table


def test_a_digest_run_killed_after_posting_is_in_doubt_and_not_posted_again(
    home: LocalHome, store: JourneyStore
) -> None:
    event = {"scheduled_time": "2026-12-13T10:00:00Z"}
    with (
        wiring.overridden(chat=KilledAfterPosting(wiring.adapters().chat)),
        pytest.raises(SystemExit),
    ):
        invoke("digest", event)

    again = invoke("digest", event)

    assert again["outcome"] == "in_doubt"
    assert len(home.slack("chat.postMessage")) == 1


# --- summary -------------------------------------------------------------------------------------
def outbox(home: LocalHome) -> list[EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=default)  # type: ignore[misc]
        for p in sorted((home.path / "outbox").glob("*.eml"))
    ]


def test_the_monthly_summary_is_emailed_once_to_its_recipients(
    home: LocalHome, store: JourneyStore
) -> None:
    home.edit_config("summary_recipients: owner@harbourhearth.example, Siti <siti@hh.example>\n")
    store.record_step_done("hh-1001", "welcome", by_user="customer", at=NOW, plan_step_ids=STARTER)
    event = {"scheduled_time": "2027-01-04T01:00:00Z"}  # first Monday, 9am in Singapore

    first = invoke("summary", event)
    again = invoke("summary", event)

    assert first["outcome"] == "sent"
    assert again == {"outcome": "already_sent", "detail": "summary:2026-12"}
    [message] = outbox(home)
    assert message["To"] == "owner@harbourhearth.example, Siti <siti@hh.example>"
    assert message["Subject"] == "Harbour & Hearth Bakery Supplies: onboarding in December 2026"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.startswith(NARRATIVE_LABEL + "\r\n\r\nDecember 2026")
    lines = text.replace("\r\n", "\n").split("\n")
    # 12 usable rows on the example list, all signed up in December; one done click.
    assert "Sign-ups this month    12" in lines
    assert "Steps marked done      1" in lines
    assert "Starter  Welcome — set up your wholesale account  1" in lines
    assert "Pro      (no step done yet)                       5" in lines


class SendsThen:
    """An email sender that sends, then fails as `then` says (a killed process, a timeout)."""

    def __init__(self, email: Any, then: BaseException):
        self.email, self.then = email, then

    def send(self, message: EmailMessage) -> str:
        self.email.send(message)
        raise self.then


class Refuses:
    def send(self, message: EmailMessage) -> str:
        raise SendRejected("MessageRejected: Email address is not verified")


def test_a_summary_run_killed_after_sending_is_in_doubt_and_not_sent_again(
    home: LocalHome, store: JourneyStore
) -> None:
    home.edit_config("summary_recipients: owner@harbourhearth.example\n")
    event = {"scheduled_time": "2027-01-04T01:00:00Z"}
    killed = SendsThen(wiring.adapters().email, SystemExit("killed"))
    with wiring.overridden(email=killed), pytest.raises(SystemExit):
        invoke("summary", event)

    assert invoke("summary", event)["outcome"] == "in_doubt"
    assert len(outbox(home)) == 1


def test_a_refused_summary_is_sent_by_the_next_run(home: LocalHome, store: JourneyStore) -> None:
    home.edit_config("summary_recipients: owner@harbourhearth.example\n")
    event = {"scheduled_time": "2027-01-04T01:00:00Z"}
    with wiring.overridden(email=Refuses()), pytest.raises(Exception, match="not verified"):
        invoke("summary", event)

    assert invoke("summary", event)["outcome"] == "sent"
    assert invoke("summary", event)["outcome"] == "already_sent"
    assert len(outbox(home)) == 1


def test_no_summary_without_recipients(home: LocalHome) -> None:
    home.unset_config("summary_recipients")
    assert invoke("summary", {"scheduled_time": "2027-01-04T01:00:00Z"}) == {
        "outcome": "skipped",
        "detail": "summary_recipients is not set in the config",
    }
    assert not (home.path / "outbox").exists() or outbox(home) == []
