"""How journey records look as plain items, shared by the SQLite and DynamoDB stores."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from og.adapters.ports import PendingFlag
from og.core.models import Channel, CustomerState, SendKind, SendRecord


def send_item(r: SendRecord) -> dict[str, str]:
    return {
        "customer_id": r.customer_id,
        "send_key": r.send_key,
        "step_id": r.step_id,
        "kind": r.kind.value,
        "sent_at": r.sent_at.isoformat(),
        "local_date": r.local_date.isoformat(),
        "channel": r.channel.value,
        "recipient": r.recipient,
    }


def send_from_item(item: Mapping[str, Any]) -> SendRecord:
    return SendRecord(
        customer_id=item["customer_id"],
        step_id=item["step_id"],
        kind=SendKind(item["kind"]),
        sent_at=datetime.fromisoformat(item["sent_at"]),
        local_date=date.fromisoformat(item["local_date"]),
        channel=Channel(item["channel"]),
        recipient=item["recipient"],
    )


def state_from_item(item: Mapping[str, Any]) -> CustomerState:
    return CustomerState(
        customer_id=item["customer_id"],
        steps_done=frozenset(item.get("steps_done", [])),
        paused=item.get("paused", False),
        finished=item.get("finished", False),
        flagged=item.get("flagged", False),
        handed_off_to=item.get("handed_off_to"),
        paused_note=item.get("paused_note"),
    )


def flag_item(f: PendingFlag) -> dict[str, Any]:
    return {
        "flag_key": f.flag_key,
        "customer_id": f.customer_id,
        "step_id": f.step_id,
        "reason": f.reason,
        "task_token": f.task_token,
        "execution": f.execution,
        "posted_at": f.posted_at.isoformat(),
        "answer": f.answer,
    }


def flag_from_item(item: Mapping[str, Any]) -> PendingFlag:
    return PendingFlag(
        flag_key=item["flag_key"],
        customer_id=item["customer_id"],
        step_id=item["step_id"],
        reason=item["reason"],
        task_token=item["task_token"],
        execution=item["execution"],
        posted_at=datetime.fromisoformat(item["posted_at"]),
        answer=item.get("answer"),
    )
