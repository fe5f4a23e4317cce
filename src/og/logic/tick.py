"""The guide's daily job: decide every customer's move and write the day's moves for the
Distributed Map. Reads only (but for telling the owner, once, about a document that stops it);
every write happens in the journey that carries a move out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from og.adapters.ports import JourneyStore, Once, OwnerChat
from og.core.decide import plan_day
from og.core.errors import DocumentError
from og.core.models import DayPlan
from og.core.step_identity import unknown_progress_problems
from og.logic import blocked_tick, in_doubt
from og.logic.documents import GuideFiles, load_docs, read_customers
from og.logic.moves import move_row, to_csv


@dataclass(frozen=True)
class TickPorts:
    files: GuideFiles
    store: JourneyStore
    chat: OwnerChat
    once: Once
    clock: Callable[[], datetime]
    moves_prefix: str
    send_timeout_seconds: int | None


def plan(a: TickPorts, tick_at: datetime) -> DayPlan:
    docs = load_docs(a.files)
    customers, problems = read_customers(a.files, docs, tick_at)
    journeys = a.store.load_journeys()
    # Reported with the skipped rows: the planner holds these customers until the owner acts.
    problems += unknown_progress_problems(customers, docs.rules, journeys, a.files.at.list_key)
    day = plan_day(customers, docs.rules, journeys, tick_at, docs.config, problems)
    return in_doubt.flag_timed_out(
        a.store, a.send_timeout_seconds, day, customers, docs.rules, journeys, docs.config
    )


def run(a: TickPorts, tick_at: datetime) -> dict[str, Any]:
    try:
        day = plan(a, tick_at)
    except DocumentError as err:
        # The owner gets the problem list; the tick still fails with it, for the alarm, even
        # when Slack cannot be reached.
        try:
            blocked = blocked_tick.BlockedTickPorts(
                a.store, a.files.config, a.chat, a.once, a.clock
            )
            blocked_tick.tell_owner(blocked, err)
        finally:
            raise err
    s = a.files.at
    rows = [move_row(m, day.business_date) for m in day.moves]
    key = f"{a.moves_prefix}{day.business_date.isoformat()}.csv"
    a.files.documents.write_text(s.list_bucket, key, to_csv(rows), "text/csv")
    unreported = set(a.once.unclaimed([p.key for p in day.problems]))
    new_problems = [{"key": p.key, "text": str(p)} for p in day.problems if p.key in unreported]
    return {
        "date": day.business_date.isoformat(),
        "closed_because": day.closed_because,
        "moves_bucket": s.list_bucket,
        "moves_key": key,
        "move_count": len(rows),
        "customer_count": len(day.decisions),
        "new_problems": new_problems,
        "new_problem_count": len(new_problems),
    }
