"""What the og-cost-alarm topic carries, in the owner's words: a CloudWatch alarm that went
into ALARM (its JSON state change) or an AWS Budgets alert (plain text). The same topic emails
the on-call admin; this is the Slack copy the build sheet asks for."""

from __future__ import annotations

import json
from dataclasses import dataclass

__all__ = ["AlarmNotice", "read_alarm_message"]

_MAX_BODY = 2_500
# The lines of a budget alert worth repeating; the rest is a letter to "Dear AWS Customer".
_BUDGET_LINES = (
    "Budget Name:",
    "Budgeted Amount:",
    "Alert Threshold:",
    "ACTUAL Amount:",
    "FORECASTED Amount:",
)


@dataclass(frozen=True, slots=True)
class AlarmNotice:
    title: str
    body: str
    lines: tuple[str, ...] = ()


def read_alarm_message(subject: str | None, message: str) -> AlarmNotice | None:
    """The notice for one SNS message on the alarm topic, or None when there is nothing to tell
    (an alarm going back to OK, or to INSUFFICIENT_DATA)."""
    try:
        alarm = json.loads(message)
    except ValueError:
        alarm = None
    if isinstance(alarm, dict) and "AlarmName" in alarm:
        if alarm.get("NewStateValue") != "ALARM":
            return None
        name = str(alarm["AlarmName"])
        description = str(alarm.get("AlarmDescription") or "").strip()
        reason = str(alarm.get("NewStateReason") or "").strip()
        when = str(alarm.get("StateChangeTime") or "")
        return AlarmNotice(
            f"Alarm {name}: {description}" if description else f"Alarm {name}",
            reason[:_MAX_BODY],
            (f"Since {when}",) if when else (),
        )
    text = message.strip()
    picked = tuple(
        line.strip() for line in text.splitlines() if line.strip().startswith(_BUDGET_LINES)
    )
    title = (subject or "").strip() or "A message on the alarm topic"
    if picked:
        return AlarmNotice(title, "", picked)
    return AlarmNotice(title, text[:_MAX_BODY])
