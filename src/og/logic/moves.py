"""The day's moves as CSV rows: what the guide writes and what each journey execution carries
(the customer context travels with the move, so no task re-reads the list)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from og.core.errors import StepNotInRules
from og.core.models import Channel, Customer, Move, MoveKind, Plan, Rules, SendKind, Step

COLUMNS = (
    "execution_name",
    "customer_id",
    "move",
    "step_id",
    "reason",
    "send_at",
    "deferred_because",
    "date",
    "days_since_signup",
    "personalized",
    "channel",
    "name",
    "email",
    "plan",
    "signup_at",
    "timezone",
    "owner",
)


def execution_name(
    customer_id: str, day: date, kind: MoveKind, channel: Channel = Channel.EMAIL
) -> str:
    """<customer>-<date>-<move>: one customer's executions sort and filter together, and a
    second tick on the same day finds the same name (Step Functions refuses a duplicate). An
    owner task and a nudge about it are `owner_task` and `owner_task_nudge`: they can go out
    the same day as the customer's step or nudge email."""
    move = kind.value
    if channel is not Channel.EMAIL and kind is not MoveKind.FLAG:
        move = "owner_task" if kind is MoveKind.STEP_DUE else "owner_task_nudge"
    return f"{customer_id}-{day.isoformat()}-{move}"


def move_row(move: Move, day: date) -> dict[str, str]:
    c = move.customer
    return {
        "execution_name": execution_name(c.customer_id, day, move.kind, move.step.channel),
        "customer_id": c.customer_id,
        "move": move.kind.value,
        "step_id": move.step.id,
        "reason": move.reason,
        "send_at": move.window.rfc3339,
        "deferred_because": move.window.deferred_because or "",
        "date": day.isoformat(),
        "days_since_signup": str(move.days_since_signup),
        "personalized": "true" if move.step.personalized else "false",
        "channel": move.step.channel.value,
        "name": c.name,
        "email": c.email,
        "plan": c.plan,
        "signup_at": c.signup_at.isoformat(),
        "timezone": c.timezone or "",
        "owner": c.owner or "",
    }


def to_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def customer_of(row: dict[str, str]) -> Customer:
    return Customer(
        customer_id=row["customer_id"],
        name=row["name"],
        email=row["email"],
        plan=row["plan"],
        signup_at=datetime.fromisoformat(row["signup_at"]),
        timezone=row["timezone"] or None,
        owner=row["owner"] or None,
    )


def plan_and_step(rules: Rules, row: dict[str, str]) -> tuple[Plan, Step]:
    """The move's plan and step in today's rules; they may have changed since the tick."""
    plan = rules.plan(row["plan"])
    step = plan.step(row["step_id"]) if plan else None
    if plan is None or step is None:
        raise StepNotInRules(
            f"rules no longer have plan '{row['plan']}' step '{row['step_id']}' "
            f"(move {row['execution_name']})"
        )
    return plan, step


def send_kind(row: dict[str, str]) -> SendKind:
    return {"step_due": SendKind.STEP, "nudge": SendKind.NUDGE, "flag": SendKind.FLAG}[row["move"]]
