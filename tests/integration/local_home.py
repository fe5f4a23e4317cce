"""An og home on the local adapters (SQLite, slack.jsonl, outbox, the home's onboarding.csv) with
moto's S3 holding the mirrored list and docs and og-raw-mime, and the real handlers called as
Lambda would call them. Shared by the intake, digest, summary and bounce tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from og import wiring
from og.adapters.local.after_answer import QueuedWork
from og.adapters.local.slack_log import read_slack_log
from og.adapters.local.store import SqliteJourneyStore
from og.adapters.ports import AFTER_ANSWER
from og.local.engine import load_handler
from og.local.moto_bridge import LambdaContext
from og.local.stack import init_home
from og.local.template import load_yaml

ROOT = Path(__file__).resolve().parents[2]
REGION = "ap-southeast-1"
LIST_BUCKET = "og-list-source"
RULES_BUCKET = "og-rules-source"
RAW_MIME_BUCKET = "og-raw-mime"


class KilledAfterPosting:
    """The owner chat of a process killed right after Slack accepted its post."""

    def __init__(self, chat: Any):
        self.chat = chat

    def post(self, channel: str, message: Any) -> str:
        self.chat.post(channel, message)
        raise SystemExit("killed")


@dataclass
class LocalHome:
    path: Path
    s3: Any

    def sync(self) -> None:
        """What drive-sync does: mirror the home's list and docs into S3."""
        for name, bucket in (
            ("onboarding.csv", LIST_BUCKET),
            ("rules.txt", RULES_BUCKET),
            ("voice.txt", RULES_BUCKET),
        ):
            self.s3.put_object(Bucket=bucket, Key=name, Body=(self.path / name).read_bytes())

    def edit_config(self, extra: str) -> None:
        """Add the settings of `extra`, each replacing the line that set it before, if any."""
        config = self.path / "config.txt"
        keys = {line.split(":", 1)[0].strip() for line in extra.splitlines() if ":" in line}
        kept = [
            line
            for line in config.read_text(encoding="utf-8").splitlines(keepends=True)
            if line.split(":", 1)[0].strip() not in keys
        ]
        config.write_text("".join(kept) + extra, encoding="utf-8")

    def unset_config(self, key: str) -> None:
        config = self.path / "config.txt"
        lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
        config.write_text("".join(ln for ln in lines if not ln.startswith(f"{key}:")), "utf-8")

    def slack(self, method: str | None = None) -> list[dict[str, Any]]:
        return read_slack_log(self.path / "slack.jsonl", method)

    @property
    def store(self) -> SqliteJourneyStore:
        return SqliteJourneyStore(self.path / "og.sqlite")

    @property
    def signing_secret(self) -> str:
        secrets: dict[str, str] = json.loads((self.path / "secrets.json").read_text())
        return secrets["og/slack/signing-secret"]


def invoke(function_dir: str, event: dict[str, Any]) -> Any:
    """The function's handler, loaded from functions/<dir>/app.py as the runtime would."""
    handler = load_handler(f"test_{function_dir}", ROOT / "functions" / function_dir, "app.handler")
    context = LambdaContext(function_dir, 256, f"arn:aws:lambda:{REGION}:1:function:x", "req-1")
    return handler(event, context)


def sns_delivery(message: str, topic: str, subject: str | None = None) -> dict[str, Any]:
    """SNS's delivery of one message to a subscribed Lambda."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"arn:aws:sns:{REGION}:1:{topic}:sub",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": "95df01b4",
                    "TopicArn": f"arn:aws:sns:{REGION}:1:{topic}",
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": "2026-12-13T10:00:00.000Z",
                    "SignatureVersion": "1",
                    "Signature": "x",
                    "SigningCertUrl": "x",
                    "UnsubscribeUrl": "x",
                    "MessageAttributes": {},
                },
            }
        ]
    }


def run_after_answer() -> list[Any]:
    """What Lambda does after done-handler's answer: run the work it queued for later (its
    asynchronous self-invocation)."""
    queue = wiring.adapters().after_answer
    assert isinstance(queue, QueuedWork)
    return [invoke("done_handler", {AFTER_ANSWER: work}) for work in queue.take()]


def create_template_tables(client: Any) -> None:
    """template.yaml's DynamoDB tables, as the store contract tests create them."""
    resources = load_yaml(ROOT / "template.yaml")["Resources"]
    for r in resources.values():
        if r["Type"] == "AWS::DynamoDB::Table":
            p = r["Properties"]
            client.create_table(
                TableName=p["TableName"],
                KeySchema=p["KeySchema"],
                AttributeDefinitions=p["AttributeDefinitions"],
                BillingMode=p["BillingMode"],
            )


@contextmanager
def local_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, now: datetime
) -> Iterator[LocalHome]:
    home = tmp_path / "home"
    init_home(home, ROOT)
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "OG_BACKEND": "local",
        "OG_HOME": str(home),
        "OG_LIST_BUCKET": LIST_BUCKET,
        "OG_RULES_BUCKET": RULES_BUCKET,
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (LIST_BUCKET, RULES_BUCKET, RAW_MIME_BUCKET):
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
        local = LocalHome(home, s3)
        local.sync()
        wiring.reset()
        try:
            with wiring.overridden(clock=lambda: now):
                yield local
        finally:
            wiring.reset()
