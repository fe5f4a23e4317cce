"""The guide's daily job: decide every customer's move and write the day's moves for the
Distributed Map. Reads only (but for telling the owner, once, about a document that stops it);
every write happens in the journey that carries a move out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from og.core.decide import plan_day
from og.core.errors import DocumentError
from og.core.models import DayPlan
from og.core.step_identity import unknown_progress_problems
from og.logic import blocked_tick, in_doubt
from og.logic.documents import load_docs, read_customers
from og.logic.moves import move_row, to_csv
from og.wiring import Adapters


def plan(a: Adapters, tick_at: datetime) -> DayPlan:
    docs = load_docs(a)
    customers, problems = read_customers(a, docs, tick_at)
    journeys = a.store.load_journeys()
    # Reported with the skipped rows: the planner holds these customers until the owner acts.
    problems += unknown_progress_problems(customers, docs.rules, journeys, a.settings.list_key)
    day = plan_day(customers, docs.rules, journeys, tick_at, docs.config, problems)
    return in_doubt.flag_timed_out(a, day, customers, docs.rules, journeys, docs.config)


def run(a: Adapters, tick_at: datetime) -> dict[str, Any]:
    try:
        day = plan(a, tick_at)
    except DocumentError as err:
        # The owner gets the problem list; the tick still fails with it, for the alarm, even
        # when Slack cannot be reached.
        try:
            blocked_tick.tell_owner(a, err)
        finally:
            raise err
    s = a.settings
    rows = [move_row(m, day.business_date) for m in day.moves]
    key = f"{s.moves_prefix}{day.business_date.isoformat()}.csv"
    a.documents.write_text(s.list_bucket, key, to_csv(rows), "text/csv")
    unreported = set(a.store.unreported([p.key for p in day.problems]))
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
