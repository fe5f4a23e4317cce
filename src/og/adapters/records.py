"""How journey records look as plain items, shared by the SQLite and DynamoDB stores."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from og.adapters.ports import OwnerTask, PendingFlag, Proposal, ProposalDecision
from og.core.models import Channel, CustomerState, SendKind, SendRecord, send_key
from og.core.step_identity import PlanIds, StepIds


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
        reflag=_reflag(item),
    )


def _reflag(item: Mapping[str, Any]) -> int:
    """A re-flag's number is only in its send key ("<step>#flag#2"): the tables keep no column
    for it."""
    first = send_key(item["step_id"], SendKind(item["kind"]))
    key: str = item["send_key"]
    return 0 if key == first else int(key.removeprefix(f"{first}#"))


def state_from_item(item: Mapping[str, Any]) -> CustomerState:
    return CustomerState(
        customer_id=item["customer_id"],
        steps_done=frozenset(item.get("steps_done", [])),
        paused=item.get("paused", False),
        finished=item.get("finished", False),
        flagged=item.get("flagged", False),
        handed_off_to=item.get("handed_off_to"),
        paused_note=item.get("paused_note"),
        unsubscribed=item.get("unsubscribed", False),
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
        "answered_by": f.answered_by,
        "answered_at": f.answered_at.isoformat() if f.answered_at else None,
        "plan": _plan_item(f.plan),
        "rules_version": f.rules_version,
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
        answered_by=item.get("answered_by"),
        answered_at=datetime.fromisoformat(item["answered_at"])
        if item.get("answered_at")
        else None,
        plan=_plan_from_item(item),
        rules_version=item.get("rules_version"),
    )


def _plan_item(plan: PlanIds | None) -> list[dict[str, Any]] | None:
    if plan is None:
        return None
    return [{"id": s.id, "former_ids": list(s.former_ids)} for s in plan.steps]


def _plan_from_item(item: Mapping[str, Any]) -> PlanIds | None:
    """None for a record without a plan, e.g. one stored before flags carried it."""
    steps = item.get("plan")
    if steps is None:
        return None
    return PlanIds(tuple(StepIds(s["id"], tuple(s["former_ids"])) for s in steps))


# Owner tasks share og-flags too; the customer sits under its own name, so a scan for a
# customer's flags (customer_id = ...) never finds a task.
OWNER_TASK_PREFIX = "owner-task#"


def owner_task_item(t: OwnerTask) -> dict[str, Any]:
    return {
        "flag_key": OWNER_TASK_PREFIX + t.key,
        "task_customer_id": t.customer_id,
        "step_id": t.step_id,
        "posted_at": t.posted_at.isoformat(),
        "plan": _plan_item(t.plan),
        "rules_version": t.rules_version,
    }


def owner_task_from_item(item: Mapping[str, Any]) -> OwnerTask:
    return OwnerTask(
        key=item["flag_key"].removeprefix(OWNER_TASK_PREFIX),
        customer_id=item["task_customer_id"],
        step_id=item["step_id"],
        posted_at=datetime.fromisoformat(item["posted_at"]),
        plan=_plan_from_item(item),
        rules_version=item.get("rules_version"),
    )


PROPOSAL_PREFIX = "proposal#"  # proposals share og-flags with the flags, keyed by this prefix


def proposal_item(p: Proposal) -> dict[str, Any]:
    """No customer_id attribute (the flags of a customer are found by it) and no attribute for
    an absent value: "not decided yet" is an absent `decision`, which a condition can test."""
    item = {
        "flag_key": PROPOSAL_PREFIX + p.key,
        "proposal_key": p.key,
        "row": dict(p.row),
        "problems": list(p.problems),
        "source": p.source,
        "email_from": p.email_from,
        "email_subject": p.email_subject,
        "proposed_at": p.proposed_at.isoformat(),
        "note": p.note,
        "message_ts": p.message_ts,
        "decision": p.decision.value if p.decision else None,
        "decided_by": p.decided_by,
        "decided_at": p.decided_at.isoformat() if p.decided_at else None,
    }
    return {k: v for k, v in item.items() if v is not None}


def proposal_from_item(item: Mapping[str, Any]) -> Proposal:
    decided_at = item.get("decided_at")
    return Proposal(
        key=item["proposal_key"],
        row={str(k): str(v) for k, v in item["row"].items()},
        problems=tuple(item.get("problems", ())),
        source=item["source"],
        email_from=item["email_from"],
        email_subject=item["email_subject"],
        proposed_at=datetime.fromisoformat(item["proposed_at"]),
        note=item.get("note", ""),
        message_ts=item.get("message_ts"),
        decision=ProposalDecision(item["decision"]) if item.get("decision") else None,
        decided_by=item.get("decided_by"),
        decided_at=datetime.fromisoformat(decided_at) if decided_at else None,
    )


def proposal_audit(
    before: Proposal, decision: ProposalDecision, row: Mapping[str, str]
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(action, before, after) of the audit entry recording the owner's decision."""
    return (
        f"intake:{decision.value}",
        {"proposal": before.key, "status": "pending", "row": dict(before.row)},
        {"proposal": before.key, "status": decision.value, "row": dict(row)},
    )
