"""`og digest` and `og summary`: the weekly digest and the monthly summary run on an og home
through their real handlers (moto's Lambda, the local adapters), at the time their schedules
fire in template.yaml, so the digest lands in slack.jsonl and the summary in outbox/ exactly as
the Lambdas post and send them; then what came out, for the terminal."""

from __future__ import annotations

import email
import html
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from og.adapters.local.outbox import OutboxEmailSender
from og.adapters.local.slack_log import read_slack_log
from og.core.config_doc import read_config_entries
from og.core.errors import UsageError

DIGEST_TIME = time(18, 0)  # og-weekly-digest: cron(0 18 ? * SUN *) in the business timezone
SUMMARY_TIME = time(9, 0)  # og-monthly-summary: cron(0 9 ? * 2#1 *), the first Monday


@dataclass(frozen=True, slots=True)
class Ran:
    """A report's run: the handler's result and what the owner would see (the Slack post as
    text, or where the email was written), or the reason nothing new came out."""

    result: dict[str, Any]
    told: tuple[str, ...]
    ok: bool


def parse_month(text: str) -> date:
    """YYYY-MM as its first day."""
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise UsageError(f"not a month (YYYY-MM, like 2026-12): {text!r}") from None


def digest_time(home: Path, day: date) -> datetime:
    """18:00 on `day` in the business timezone: the digest covers the 7 days before it."""
    return datetime.combine(day, DIGEST_TIME, _zone(home))


def summary_time(home: Path, month: date) -> datetime:
    """09:00 on the first Monday of the month after `month`, when its summary goes out."""
    after = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    first_monday = after + timedelta(days=-after.weekday() % 7)
    return datetime.combine(first_monday, SUMMARY_TIME, _zone(home))


def run_digest(home: Path, day: date) -> Ran:
    from og.local.stack import LocalStack

    at = digest_time(home, day)
    log = home / "slack.jsonl"
    before = len(read_slack_log(log, "chat.postMessage"))
    with LocalStack(home) as stack:
        stack.sync_documents()
        result = stack.invoke("DigestFunction", _scheduled(at), at)
    posts = read_slack_log(log, "chat.postMessage")[before:]
    outcome = result.get("outcome")
    if outcome == "posted" and posts:
        payload = posts[-1]["payload"]
        return Ran(result, (f"posted to {payload['channel']} ({log}):", *slack_text(payload)), True)
    if outcome == "already_posted":
        return Ran(result, (f"the digest of the week to {day} was already posted ({log})",), True)
    return Ran(result, (f"{outcome}: {result.get('detail')}",), False)


def run_summary(home: Path, month: date) -> Ran:
    from og.local.stack import LocalStack

    at = summary_time(home, month)
    with LocalStack(home) as stack:
        stack.sync_documents()
        result = stack.invoke("SummaryFunction", _scheduled(at), at)
    outcome = result.get("outcome")
    label = f"{month:%Y-%m}"
    if outcome == "sent":
        path = OutboxEmailSender(home / "outbox").path_for(result["message_id"])
        whose = "the model's" if result["narrative"] == "model" else "the template's"
        told = (f"the summary of {label} is in {path} ({whose} paragraph):", "", *email_text(path))
        return Ran(result, told, True)
    if outcome == "already_sent":
        return Ran(result, (f"the summary of {label} was already sent ({home / 'outbox'})",), True)
    if outcome == "skipped":
        told = (
            f"no summary: {result.get('detail')}.",
            f"Add a line like `summary_recipients: you@example.com` to {home / 'config.txt'}.",
        )
        return Ran(result, told, False)
    return Ran(result, (f"{outcome}: {result.get('detail')}",), False)


def email_text(path: Path) -> list[str]:
    """The plain-text part of the .eml at `path`, as lines."""
    message = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(("plain",))
    return str(body.get_content() if body else "").replace("\r\n", "\n").rstrip("\n").split("\n")


def slack_text(payload: dict[str, Any]) -> list[str]:
    """A chat.postMessage payload as Slack shows it, roughly: each block's text in order."""
    lines: list[str] = []
    for block in payload.get("blocks", []):
        if block["type"] in ("header", "section"):
            lines += html.unescape(block["text"]["text"]).replace("```", "").strip("\n").split("\n")
        elif block["type"] == "context":
            lines += [html.unescape(e["text"]) for e in block["elements"] if "text" in e]
    return lines


def _scheduled(at: datetime) -> dict[str, str]:
    """EventBridge Scheduler's input in template.yaml: {"scheduled_time": <UTC, ISO 8601>}."""
    return {"scheduled_time": at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")}


def _zone(home: Path) -> ZoneInfo:
    entries = read_config_entries((home / "config.txt").read_text(encoding="utf-8"), "config.txt")
    return ZoneInfo(entries["timezone"][0]) if "timezone" in entries else ZoneInfo("UTC")
