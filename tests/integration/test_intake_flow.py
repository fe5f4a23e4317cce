"""intake-ses-parser and the owner's Approve / Edit / Discard, through the real handlers on the
local adapters: an S3 PUT event for a forwarded welcome email in og-raw-mime becomes a proposal
in slack.jsonl; the answers go through done-handler as signed Slack requests."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from botocore.exceptions import ClientError
from local_home import (
    RAW_MIME_BUCKET,
    KilledAfterPosting,
    LocalHome,
    invoke,
    local_home,
    run_after_answer,
)

from og import wiring
from og.adapters.local.writer import PROPOSAL_LABEL, StandInWriter
from og.adapters.ports import ProposalDecision
from og.local import function_url
from og.logic.intake import proposal_key

NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
KEY = "inbound/0100018c-welcome+mei ling"
WELCOME = b"""From: Owner <owner@harbourhearth.example>
To: welcome@harbourhearth.example
Subject: Fwd: Welcome to Harbour & Hearth, Jun!
Date: Wed, 09 Dec 2026 18:02:00 +0800
Content-Type: text/plain; charset=utf-8

New customer, please add.

---------- Forwarded message ---------
From: Harbour & Hearth <hello@harbourhearth.example>
Date: Wed, Dec 9, 2026 at 5:40 PM
Subject: Welcome to Harbour & Hearth, Jun!
To: Tan Jun Wei <junwei@tanbakery.example>

Hi Jun Wei,

Thanks for choosing the Pro plan.
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalHome]:
    with local_home(tmp_path, monkeypatch, NOW) as h:
        yield h


def s3_put(key: str) -> dict[str, Any]:
    """The S3 event notification as AWS delivers it: the key URL-encoded (spaces as +)."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "ap-southeast-1",
                "eventTime": "2026-12-10T02:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "bucket": {"name": RAW_MIME_BUCKET, "arn": f"arn:aws:s3:::{RAW_MIME_BUCKET}"},
                    "object": {"key": quote_plus(key), "size": 1, "eTag": "x"},
                },
            }
        ]
    }


def receive(home: LocalHome, raw: bytes = WELCOME, key: str = KEY) -> dict[str, Any]:
    home.s3.put_object(Bucket=RAW_MIME_BUCKET, Key=key, Body=raw)
    result: dict[str, Any] = invoke("intake_ses_parser", s3_put(key))
    return result


def click(home: LocalHome, payload: dict[str, Any]) -> dict[str, Any]:
    event = function_url.slack_event(payload | {"user": {"id": "U0OWNER01"}}, home.signing_secret)
    answer: dict[str, Any] = invoke("done_handler", event)
    assert answer["statusCode"] == 200, answer
    run_after_answer()
    return answer


def button(action_id: str, key: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "trigger_id": "trigger-1",
        "actions": [{"action_id": action_id, "value": key}],
    }


def list_rows(home: LocalHome) -> list[dict[str, str]]:
    with (home.path / "onboarding.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_a_forwarded_email_is_proposed_to_the_owner_once(home: LocalHome) -> None:
    pkey = proposal_key(RAW_MIME_BUCKET, KEY)

    first = receive(home)
    again = invoke("intake_ses_parser", s3_put(KEY))  # S3 may deliver an event twice

    assert first == {"results": [{"outcome": "posted", "detail": pkey, "problems": 0}]}
    assert again == {"results": [{"outcome": "already_posted", "detail": pkey}]}
    [post] = home.slack("chat.postMessage")
    payload = post["payload"]
    assert payload["channel"] == "U0OWNER01"
    assert payload["text"] == "New customer from a forwarded welcome email: Tan Jun Wei"
    fields = [f["text"] for f in payload["blocks"][1]["fields"]]
    assert fields == [
        f"*Customer id*\nin-{pkey}",
        "*Name*\nTan Jun Wei",
        "*Email*\njunwei@tanbakery.example",
        "*Plan*\nPro",
        "*Signup date*\n2026-12-09",
    ]
    context = [e["text"] for e in payload["blocks"][2]["elements"]]
    assert context == [
        "Forwarded by Owner &lt;owner@harbourhearth.example&gt;: "
        "Fwd: Welcome to Harbour &amp; Hearth, Jun!",
        PROPOSAL_LABEL,
    ]
    actions = payload["blocks"][-1]["elements"]
    assert [(b["action_id"], b["value"], b.get("style")) for b in actions] == [
        ("intake_approve", pkey, "primary"),
        ("intake_edit", pkey, None),
        ("intake_discard", pkey, "danger"),
    ]
    proposal = home.store.proposal(pkey)
    assert proposal is not None and proposal.message_ts is not None
    assert proposal.source == f"s3://{RAW_MIME_BUCKET}/{KEY}"


def test_approve_answers_slack_first_and_adds_the_row_after(home: LocalHome) -> None:
    receive(home)
    pkey = proposal_key(RAW_MIME_BUCKET, KEY)
    rows = list_rows(home)
    [post] = home.slack("chat.postMessage")
    message = {"ts": "1765000000.000200", "blocks": post["payload"]["blocks"]}
    approve = button("intake_approve", pkey) | {
        "user": {"id": "U0OWNER01"},
        "container": {"type": "message", "channel_id": "D0OWNER01", "message_ts": message["ts"]},
        "message": message,
    }

    answer = invoke("done_handler", function_url.slack_event(approve, home.signing_secret))

    # Slack has its answer before the list is read or the Sheet written.
    assert (answer["statusCode"], answer["body"]) == (200, "")
    assert list_rows(home) == rows
    assert home.slack("chat.update") == []
    proposal = home.store.proposal(pkey)
    assert proposal is not None and proposal.decision is None

    [after] = run_after_answer()

    assert after["outcome"] == "approved"
    assert [r["customer_id"] for r in list_rows(home)] == [
        *(r["customer_id"] for r in rows),
        f"in-{pkey}",
    ]
    [update] = home.slack("chat.update")
    assert (update["payload"]["channel"], update["payload"]["ts"]) == ("D0OWNER01", message["ts"])
    blocks = update["payload"]["blocks"]
    assert blocks[:-1] == [b for b in message["blocks"] if b["type"] != "actions"]
    assert blocks[-1]["elements"][0]["text"].startswith("*Approved* by <@U0OWNER01> at <!date^")


def test_approve_adds_the_row_to_the_list_once_and_audits_it(home: LocalHome) -> None:
    receive(home)
    pkey = proposal_key(RAW_MIME_BUCKET, KEY)

    click(home, button("intake_approve", pkey))
    click(home, button("intake_approve", pkey))  # a second click changes nothing

    added = [r for r in list_rows(home) if r["customer_id"] == f"in-{pkey}"]
    assert added == [
        {
            "customer_id": f"in-{pkey}",
            "name": "Tan Jun Wei",
            "email": "junwei@tanbakery.example",
            "plan": "Pro",
            "signup_at": "2026-12-09",
            "timezone": "",
            "owner": "",
            "notes": "",
        }
    ]
    [entry] = home.store.audit_trail(f"in-{pkey}")
    assert (entry.action, entry.by_user, entry.ts) == ("intake:approved", "U0OWNER01", NOW)
    assert entry.after["row"]["email"] == "junwei@tanbakery.example"
    proposal = home.store.proposal(pkey)
    assert proposal is not None and proposal.decision is ProposalDecision.APPROVED
    confirmations = [p["payload"]["text"] for p in home.slack("chat.postMessage")[1:]]
    assert confirmations == [f"Added Tan Jun Wei (in-{pkey}) to the onboarding list"]


def test_edit_opens_the_row_and_its_submission_approves_the_corrected_row(
    home: LocalHome,
) -> None:
    receive(home)
    pkey = proposal_key(RAW_MIME_BUCKET, KEY)

    click(home, button("intake_edit", pkey))

    [opened] = home.slack("views.open")
    view = opened["payload"]["view"]
    assert opened["payload"]["trigger_id"] == "trigger-1"
    assert view["callback_id"] == "og_intake_edit"
    assert json.loads(view["private_metadata"]) == {"proposal": pkey}
    prefilled = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"]}
    assert prefilled == {
        "customer_id": f"in-{pkey}",
        "name": "Tan Jun Wei",
        "email": "junwei@tanbakery.example",
        "plan": "Pro",
        "signup_at": "2026-12-09",
    }

    def submit(**values: str) -> dict[str, Any]:
        state = {
            block: {block: {"type": "plain_text_input", "value": value}}
            for block, value in (prefilled | values).items()
        }
        submission = {
            "type": "view_submission",
            "view": {
                "callback_id": view["callback_id"],
                "private_metadata": view["private_metadata"],
                "state": {"values": state},
            },
        }
        return json.loads(click(home, submission)["body"])

    refused = submit(email="junwei@@tanbakery", plan="Gold", customer_id="hh-1001")
    assert refused == {
        "response_action": "errors",
        "errors": {
            "email": "'junwei@@tanbakery' is not a valid email address",
            "plan": "unknown plan 'Gold'; the plans are Starter, Pro",
            "customer_id": "'hh-1001' is already on the list (Mei Ling Tan); choose another",
        },
    }
    assert home.store.proposal(pkey).decision is None  # type: ignore[union-attr]

    assert submit(customer_id="hh-1015", plan="starter") == {"response_action": "clear"}

    [added] = [r for r in list_rows(home) if r["customer_id"] == "hh-1015"]
    assert (added["name"], added["plan"]) == ("Tan Jun Wei", "starter")
    [entry] = home.store.audit_trail("hh-1015")
    assert entry.before["row"]["customer_id"] == f"in-{pkey}"
    assert entry.after["row"]["customer_id"] == "hh-1015"


def test_discard_records_the_decision_and_adds_nothing(home: LocalHome) -> None:
    receive(home)
    pkey = proposal_key(RAW_MIME_BUCKET, KEY)
    rows_before = list_rows(home)

    click(home, button("intake_discard", pkey))
    click(home, button("intake_approve", pkey))  # too late: it was discarded

    assert list_rows(home) == rows_before
    [entry] = home.store.audit_trail(f"in-{pkey}")
    assert (entry.action, entry.by_user) == ("intake:discarded", "U0OWNER01")
    texts = [p["payload"]["text"] for p in home.slack("chat.postMessage")[1:]]
    assert texts == ["Discarded the proposal for Tan Jun Wei"]


def test_a_customer_already_on_the_list_cannot_be_approved_as_it_is(home: LocalHome) -> None:
    duplicate = WELCOME.replace(b"junwei@tanbakery.example", b"meiling@kopibakes.example")

    assert receive(home, duplicate)["results"][0]["problems"] == 1

    [post] = home.slack("chat.postMessage")
    blocks = post["payload"]["blocks"]
    assert blocks[-2]["text"]["text"] == (
        "*Fix with Edit before it can be added:*\n"
        "• email: meiling@kopibakes.example is already on the list as customer hh-1001 "
        "(Mei Ling Tan)"
    )
    assert [b["action_id"] for b in blocks[-1]["elements"]] == ["intake_edit", "intake_discard"]


def test_an_unreadable_email_is_reported_once_and_ses_setup_notices_are_skipped(
    home: LocalHome,
) -> None:
    first = receive(home, b"\r\n", key="broken")
    invoke("intake_ses_parser", s3_put("broken"))
    setup = receive(home, b"x", key="AMAZON_SES_SETUP_NOTIFICATION")

    assert first["results"][0] == {
        "outcome": "unreadable",
        "detail": "s3://og-raw-mime/broken: the file is empty, not an email",
    }
    assert setup["results"][0]["outcome"] == "skipped"
    [post] = home.slack("chat.postMessage")
    assert post["payload"]["text"] == (
        "A forwarded welcome email could not be read, so no customer was proposed: "
        "s3://og-raw-mime/broken: the file is empty, not an email"
    )


def test_an_unreadable_email_whose_report_run_was_killed_is_not_reported_twice(
    home: LocalHome,
) -> None:
    with (
        wiring.overridden(chat=KilledAfterPosting(wiring.adapters().chat)),
        pytest.raises(SystemExit),
    ):
        receive(home, b"\r\n", key="broken")

    invoke("intake_ses_parser", s3_put("broken"))  # S3's retried event

    assert len(home.slack("chat.postMessage")) == 1


class ThrottledBedrock(StandInWriter):
    """Bedrock answering every call with ThrottlingException, as botocore raises it once its own
    retries are used up."""

    def propose_customer(self, text: str, *, plans: Sequence[str]) -> dict[str, str]:
        raise ClientError(
            {"Error": {"Code": "ThrottlingException", "Message": "Too many requests"}},
            "Converse",
        )


def test_a_model_that_stays_throttled_tells_the_owner_once_and_fails_for_a_retry(
    home: LocalHome,
) -> None:
    pkey = proposal_key(RAW_MIME_BUCKET, KEY)
    rows_before = list_rows(home)
    home.s3.put_object(Bucket=RAW_MIME_BUCKET, Key=KEY, Body=WELCOME)

    with wiring.overridden(writer=ThrottledBedrock()):
        for _ in range(3):  # the first try and Lambda's two retries of an async invocation
            with pytest.raises(ClientError, match="ThrottlingException"):
                invoke("intake_ses_parser", s3_put(KEY))

    [post] = home.slack("chat.postMessage")
    assert post["payload"]["channel"] == "U0OWNER01"
    assert post["payload"]["text"] == (
        "A forwarded welcome email (Fwd: Welcome to Harbour &amp; Hearth, Jun!, from Owner "
        "&lt;owner@harbourhearth.example&gt;) could not be read by the model: ClientError: An "
        "error occurred (ThrottlingException) when calling the Converse operation: Too many "
        f"requests. The email is kept at s3://{RAW_MIME_BUCKET}/{KEY}. The guide tries again "
        "twice in the next minutes; if no proposal follows, forward the email again."
    )
    kept = home.s3.get_object(Bucket=RAW_MIME_BUCKET, Key=KEY)["Body"].read()
    assert kept == WELCOME
    assert home.store.proposal(pkey) is None and list_rows(home) == rows_before

    # Bedrock answers again: the same stored email is proposed as usual.
    assert invoke("intake_ses_parser", s3_put(KEY))["results"][0]["outcome"] == "posted"
    assert len(home.slack("chat.postMessage")) == 2
