"""The day's moves as CSV rows: what the guide writes and what each journey execution carries
(the customer context travels with the move, so no task re-reads the list)."""

from __future__ import annotations

import csv
import io
from datetime import date

from og.contracts import JourneyMove
from og.core.models import Channel, Move, MoveKind

COLUMNS = tuple(JourneyMove.model_fields)


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
    return JourneyMove(
        execution_name=execution_name(c.customer_id, day, move.kind, move.step.channel),
        customer_id=c.customer_id,
        move=move.kind,
        step_id=move.step.id,
        reason=move.reason,
        send_at=move.window.rfc3339,
        deferred_because=move.window.deferred_because or "",
        date=day,
        days_since_signup=move.days_since_signup,
        personalized=move.step.personalized,
        channel=move.step.channel,
        name=c.name,
        email=c.email,
        plan=c.plan,
        signup_at=c.signup_at,
        timezone=c.timezone,
        owner=c.owner,
    ).csv_row()


def to_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
