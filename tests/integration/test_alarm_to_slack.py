"""alarm-to-slack through its real handler: what CloudWatch and AWS Budgets publish to the
og-cost-alarm topic reaches the owner in Slack (the topic's email subscription is AWS's)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from local_home import LocalHome, invoke, local_home, sns_delivery

NOW = datetime(2026, 12, 13, 10, 0, tzinfo=UTC)
TOPIC = "og-cost-alarm"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalHome]:
    with local_home(tmp_path, monkeypatch, NOW) as h:
        yield h


def alarm(state: str, *, name: str = "og-customer-journey-failed") -> dict[str, Any]:
    """CloudWatch's state-change message to an SNS alarm action."""
    return {
        "AlarmName": name,
        "AlarmDescription": "A customer's journey execution failed in the last hour.",
        "AWSAccountId": "123456789012",
        "NewStateValue": state,
        "NewStateReason": (
            "Threshold Crossed: 1 out of the last 1 datapoints [2.0 (13/12/26 09:00:00)] was "
            "greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition)."
        ),
        "StateChangeTime": "2026-12-13T10:00:00.000+0000",
        "Region": "Asia Pacific (Singapore)",
        "OldStateValue": "OK",
        "Trigger": {"MetricName": "ExecutionsFailed", "Namespace": "AWS/States"},
    }


BUDGET = """AWS Budget Notification December 13, 2026
AWS Account 123456789012

Dear AWS Customer,

You requested that we alert you when the ACTUAL Cost associated with your og-monthly budget is
greater than $12.00 for the current month. The ACTUAL Cost associated with this budget is
$12.41. You can find additional details below and by accessing the AWS Budgets dashboard [1].

Budget Name: og-monthly
Budget Type: Cost
Budgeted Amount: $15.00
Alert Type: ACTUAL
Alert Threshold: > $12.00
ACTUAL Amount: $12.41

[1] https://console.aws.amazon.com/billing/home#/budgets
"""


def posts(home: LocalHome) -> list[dict[str, Any]]:
    return [p["payload"] for p in home.slack("chat.postMessage")]


def test_an_alarm_going_off_is_posted_to_the_owner(home: LocalHome) -> None:
    out = invoke("alarm_to_slack", sns_delivery(json.dumps(alarm("ALARM")), TOPIC, "ALARM: x"))

    assert out == {
        "results": [
            {
                "outcome": "posted",
                "title": "Alarm og-customer-journey-failed: A customer's journey execution "
                "failed in the last hour.",
            }
        ]
    }
    [post] = posts(home)
    assert post["channel"] == "U0OWNER01"
    shown = json.dumps(post["blocks"])
    assert post["text"].startswith("Alarm og-customer-journey-failed")
    assert "Threshold Crossed: 1 out of the last 1 datapoints" in shown
    assert "Since 2026-12-13T10:00:00.000+0000" in shown
    assert home.store.audit_trail("hh-1001") == []


def test_an_alarm_going_back_to_ok_is_not_posted(home: LocalHome) -> None:
    ok = sns_delivery(json.dumps(alarm("OK")), TOPIC, "OK: x")
    unknown = sns_delivery(json.dumps(alarm("INSUFFICIENT_DATA")), TOPIC)

    out = invoke("alarm_to_slack", {"Records": ok["Records"] + unknown["Records"]})

    assert [r["outcome"] for r in out["results"]] == ["ignored", "ignored"]
    assert home.slack() == []


def test_a_budget_alert_is_posted_with_its_amounts(home: LocalHome) -> None:
    subject = "AWS Budgets: og-monthly has exceeded your alert threshold"

    out = invoke("alarm_to_slack", sns_delivery(BUDGET, TOPIC, subject))

    assert out["results"] == [{"outcome": "posted", "title": subject}]
    [post] = posts(home)
    shown = json.dumps(post["blocks"])
    for line in (
        "Budget Name: og-monthly",
        "Budgeted Amount: $15.00",
        "Alert Threshold: &gt; $12.00",
        "ACTUAL Amount: $12.41",
    ):
        assert line in shown
    assert "Dear AWS Customer" not in shown


def test_nothing_is_posted_without_an_owner_to_tell(home: LocalHome) -> None:
    config = home.path / "config.txt"
    config.write_text(
        "\n".join(
            line
            for line in config.read_text(encoding="utf-8").splitlines()
            if not line.startswith("owner_slack_id")
        ),
        encoding="utf-8",
    )

    out = invoke("alarm_to_slack", sns_delivery(json.dumps(alarm("ALARM")), TOPIC))

    assert out["results"][0]["outcome"] == "skipped"
    assert home.slack() == []
