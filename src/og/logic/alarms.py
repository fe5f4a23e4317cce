"""The alarm topic's messages (CloudWatch alarms, the monthly budget) posted to the owner in
Slack; the topic's email subscription stays the backstop when Slack itself is what broke."""

from __future__ import annotations

from typing import Any

from og.adapters.owner_messages import ReportPost
from og.adapters.ports import ConfigSource, OwnerChat
from og.core.alarm_notice import read_alarm_message
from og.core.config_doc import owner_slack_id_in

FOOTER = "What each alarm means and what to check: README, Deploy to AWS, Alarms."


def tell_owner(
    config: ConfigSource, chat: OwnerChat, subject: str | None, message: str
) -> dict[str, Any]:
    notice = read_alarm_message(subject, message)
    if notice is None:
        return {"outcome": "ignored", "detail": "not an alarm going into ALARM"}
    owner = owner_slack_id_in(config.entries())
    if owner is None:
        return {"outcome": "skipped", "detail": "no valid owner_slack_id in the config"}
    chat.post(owner, ReportPost(notice.title, notice.body, items=notice.lines, footer=FOOTER))
    return {"outcome": "posted", "title": notice.title}
