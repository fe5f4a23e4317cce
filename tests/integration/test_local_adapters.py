import json
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default

import pytest

from og.adapters.local.config_file import ConfigFile, SecretsFile
from og.adapters.local.outbox import OutboxEmailSender
from og.adapters.local.slack_log import SlackLogChat
from og.adapters.local.writer import LABEL, StandInWriter
from og.core.emails import build_email

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
    ts = chat.post_message("U0OWNER01", "Flag", [{"type": "section"}])
    chat.open_view("trigger", {"type": "modal"})
    lines = [json.loads(x) for x in (tmp_path / "slack.jsonl").read_text().splitlines()]
    assert [x["method"] for x in lines] == ["chat.postMessage", "views.open"]
    assert lines[0]["payload"]["channel"] == "U0OWNER01" and lines[0]["at"] == AT.isoformat()
    assert ts.startswith("local.")


def test_bedrock_stand_in_is_labelled_and_deterministic():
    out = StandInWriter().rewrite("Hi there\n", instructions="x")
    assert out == StandInWriter().rewrite("Hi there\n", instructions="y")
    assert LABEL in out and out.startswith("Hi there")


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
