import json
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default

import pytest

from og.adapters import slack_messages
from og.adapters.local.config_file import ConfigFile, SecretsFile
from og.adapters.local.outbox import OutboxEmailSender
from og.adapters.local.slack_log import SlackLogChat
from og.adapters.local.writer import LABEL, NARRATIVE_LABEL, PROPOSAL_LABEL, StandInWriter
from og.adapters.owner_messages import Answer, AnsweredPost, AnswerModal, FlagPost
from og.core.emails import build_email
from og.core.models import OwnerAction

AT = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)


def test_outbox_writes_one_rfc5322_file_per_message(tmp_path):
    sender = OutboxEmailSender(tmp_path / "outbox")
    msg = build_email(
        sender="A <a@x.example>",
        to_name="B",
        to_addr="b@y.example",
        subject="Hi",
        body="Hello\n",
        message_id="og.c1.welcome.step@x.example",
        sent_at=AT,
    )
    assert sender.send(msg) == "og.c1.welcome.step@x.example"
    (path,) = (tmp_path / "outbox").glob("*.eml")
    parsed = message_from_bytes(path.read_bytes(), policy=default)
    assert parsed["Subject"] == "Hi" and parsed["Date"] == "Thu, 10 Dec 2026 01:00:00 +0000"
    assert b"\r\n" in path.read_bytes()  # SMTP line endings


def test_slack_log_appends_method_payload_and_virtual_time(tmp_path):
    chat = SlackLogChat(tmp_path / "slack.jsonl", clock=lambda: AT)
    flag = FlagPost("f-1", "Flag", "Ana is stuck")
    pause = AnswerModal("f-1", OwnerAction.PAUSE)
    ts = chat.post("U0OWNER01", flag)
    chat.open_modal("trigger", pause)
    answered = AnsweredPost(tuple(slack_messages.message(flag).blocks), Answer("Done", "U1", AT))
    chat.update("U0OWNER01", ts, answered)
    lines = [json.loads(x) for x in (tmp_path / "slack.jsonl").read_text().splitlines()]
    assert [x["method"] for x in lines] == ["chat.postMessage", "views.open", "chat.update"]
    updated = slack_messages.answered(answered)
    assert lines[2]["payload"] == {
        "channel": "U0OWNER01",
        "ts": ts,
        "text": updated.text,
        "blocks": updated.blocks,
    }
    assert not [b for b in updated.blocks if b["type"] == "actions"]  # the buttons are gone
    assert lines[0]["payload"]["channel"] == "U0OWNER01" and lines[0]["at"] == AT.isoformat()
    # The Web API's own payloads, as the WebClient adapter sends them.
    built = slack_messages.message(flag)
    assert lines[0]["payload"] == {"channel": "U0OWNER01", "text": "Flag", "blocks": built.blocks}
    assert lines[1]["payload"] == {"trigger_id": "trigger", "view": slack_messages.modal(pause)}
    assert ts.startswith("local.")


def test_bedrock_stand_in_is_labelled_and_deterministic():
    out = StandInWriter().rewrite("Hi there\n", instructions="x")
    assert out == StandInWriter().rewrite("Hi there\n", instructions="y")
    assert LABEL in out and out.startswith("Hi there")


def test_bedrock_stand_in_reads_the_welcome_emails_headers_and_labels_itself():
    text = (
        "Forwarded by: Owner <owner@harbourhearth.example>\n"
        "Forwarded on: 2026-12-02T10:02:00+08:00\n"
        "--- The welcome email ---\n"
        "From: Harbour & Hearth <hello@harbourhearth.example>\n"
        "To: Mei Ling Tan <meiling@kopibakes.example>\n"
        "Date: Tue, Dec 1, 2026 at 9:15 AM\n\n"
        "Hi Mei Ling, thanks for choosing the pro plan.\n"
    )

    assert StandInWriter().propose_customer(text, plans=["Starter", "Pro"]) == {
        "name": "Mei Ling Tan",
        "email": "meiling@kopibakes.example",
        "plan": "Pro",
        "signup_date": "2026-12-01",
        "note": PROPOSAL_LABEL,
    }


def test_bedrock_stand_in_falls_back_to_labelled_lines_and_the_greeting():
    text = (
        "Forwarded on: 2026-12-02T10:02:00+08:00\n"
        "Hello Arjun,\nEmail: arjun@pillaicatering.example\nSigned up: 3 Dec 2026\n"
    )

    row = StandInWriter().propose_customer(text, plans=["Starter"])

    assert (row["name"], row["email"], row["plan"], row["signup_date"]) == (
        "Arjun",
        "arjun@pillaicatering.example",
        "",
        "2026-12-03",
    )
    assert StandInWriter().narrate("Sign-ups 4", instructions="x") == NARRATIVE_LABEL


def test_config_and_secrets_files(tmp_path):
    (tmp_path / "config.txt").write_text("timezone: Asia/Singapore\n")
    assert ConfigFile(tmp_path / "config.txt").entries()["timezone"] == (
        "Asia/Singapore",
        "config.txt line 1",
    )
    (tmp_path / "secrets.json").write_text('{"og/a": "s"}')
    secrets = SecretsFile(tmp_path / "secrets.json")
    assert secrets.get("og/a") == "s"
    with pytest.raises(KeyError, match="no secret named 'og/b'"):
        secrets.get("og/b")
