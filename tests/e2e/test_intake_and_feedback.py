"""End to end on the local stack: a forwarded welcome email dropped into og-raw-mime reaches
intake-ses-parser through the S3 notification, the owner approves it through done-handler, and
the next tick sends the new customer their welcome step. An SES hard bounce published to the
feedback topic pauses them; the weekly digest and the monthly summary report it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from og.local import function_url, moto_bridge
from og.local.stack import LocalStack
from og.logic.intake import proposal_key

from .support import Home, utc

ROW = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-01T09:00:00+08:00,,,"
MESSAGE_KEY = "0100018c-welcome-jun"
WELCOME = b"""From: Owner <owner@harbourhearth.example>
To: welcome@harbourhearth.example
Subject: Fwd: Welcome to Harbour & Hearth, Jun Wei!
Date: Mon, 14 Dec 2026 10:02:00 +0800
Content-Type: text/plain; charset=utf-8

---------- Forwarded message ---------
From: Harbour & Hearth <hello@harbourhearth.example>
Date: Mon, Dec 14, 2026 at 9:40 AM
Subject: Welcome to Harbour & Hearth, Jun Wei!
To: Tan Jun Wei <junwei@tanbakery.example>

Hi Jun Wei, thanks for choosing the Starter plan.
"""
FUNCTIONS = (
    "IntakeSesParserFunction",
    "SesFeedbackFunction",
    "DigestFunction",
    "SummaryFunction",
)


def deploy(s: LocalStack) -> dict[str, str]:
    """logical id -> the function's ARN in moto's Lambda, as the template deploys it."""
    lam = s.engine.client("lambda")
    return {
        lid: lam.get_function(FunctionName=s.engine.template.functions[lid].name)["Configuration"][
            "FunctionArn"
        ]
        for lid in FUNCTIONS
    }


def test_a_forwarded_welcome_email_becomes_a_customer_and_a_bounce_pauses_them(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([ROW])
    (home.path / "config.txt").write_text(
        (home.path / "config.txt").read_text()
        + "digest_channel: C0DIGEST1\n"  # the example sends the summary to the owner already
    )
    with home.stack() as s:
        arns = deploy(s)
        s3 = s.engine.client("s3")
        raw_mime = s.engine.template.buckets["RawMimeBucket"]
        s3.put_bucket_notification_configuration(
            Bucket=raw_mime,
            NotificationConfiguration={
                "LambdaFunctionConfigurations": [
                    {
                        "LambdaFunctionArn": arns["IntakeSesParserFunction"],
                        "Events": ["s3:ObjectCreated:*"],
                    }
                ]
            },
        )
        sns = s.engine.client("sns")
        topic = sns.create_topic(Name="og-ses-feedback")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arns["SesFeedbackFunction"])

        # The SES inbound rule stores the email; the S3 notification runs intake-ses-parser,
        # which reads the list and rules as drive-sync mirrors them.
        s.sync_documents()
        moto_bridge.set_now(utc(date(2026, 12, 14), 2, 5))
        s3.put_object(Bucket=raw_mime, Key=MESSAGE_KEY, Body=WELCOME)

        pkey = proposal_key(raw_mime, MESSAGE_KEY)
        [proposal] = home.slack("chat.postMessage")
        assert proposal["payload"]["text"].endswith(": Tan Jun Wei")
        approve = next(
            b
            for b in proposal["payload"]["blocks"][-1]["elements"]
            if b["action_id"] == "intake_approve"
        )
        secret = json.loads((home.path / "secrets.json").read_text())["og/slack/signing-secret"]
        click = {
            "type": "block_actions",
            "user": {"id": "U0OWNER01"},
            "trigger_id": "t-1",
            "actions": [{"action_id": "intake_approve", "value": approve["value"]}],
        }
        answer = s.invoke_done_handler(
            function_url.slack_event(click, secret), utc(date(2026, 12, 14), 2, 10)
        )
        assert answer["statusCode"] == 200
        customer_id = f"in-{pkey}"
        assert customer_id in (home.path / "onboarding.csv").read_text()

        # The next tick reads the list with the new row and sends them their welcome step.
        s.tick(date(2026, 12, 15))
        welcome = home.sent(customer_id, "welcome")
        assert [str(m["To"]) for m in welcome] == ["Tan Jun Wei <junwei@tanbakery.example>"]

        # SES reports the address does not exist: the feedback topic pauses them.
        moto_bridge.set_now(utc(date(2026, 12, 15), 3))
        bounce = {
            "eventType": "Bounce",
            "bounce": {
                "bounceType": "Permanent",
                "bounceSubType": "General",
                "bouncedRecipients": [
                    {
                        "emailAddress": "junwei@tanbakery.example",
                        "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                    }
                ],
            },
            "mail": {"messageId": str(welcome[0]["Message-ID"])},
        }
        sns.publish(TopicArn=topic, Message=json.dumps(bounce))
        state = home.state(customer_id)
        assert state.paused and state.paused_note == "hard bounce: smtp; 550 5.1.1 user unknown"

        sent_before = len(home.calls)
        for day in (16, 17, 18):
            s.tick(date(2026, 12, day))
        assert [m for m in home.calls[sent_before:] if customer_id in str(m["Message-ID"])] == []

        digest = s.invoke(
            "DigestFunction",
            {"scheduled_time": "2026-12-20T10:00:00Z"},
            utc(date(2026, 12, 20), 10),
        )
        assert digest["outcome"] == "posted"
        [post] = [
            p for p in home.slack("chat.postMessage") if p["payload"]["channel"] == "C0DIGEST1"
        ]
        table = post["payload"]["blocks"][2]["text"]["text"]
        paused = f"Paused  {customer_id}  Tan Jun Wei   Starter  hard bounce: smtp; 550 5.1.1"
        assert f"{paused} user unknown" in table.split("\n")

        summary = s.invoke(
            "SummaryFunction", {"scheduled_time": "2027-01-04T01:00:00Z"}, utc(date(2027, 1, 4), 1)
        )
        assert summary["outcome"] == "sent"
        [report] = [m for m in home.calls if str(m["To"]) == "owner@harbourhearth.example"]
        text = report.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "Sign-ups this month    2" in text.replace("\r\n", "\n").split("\n")
