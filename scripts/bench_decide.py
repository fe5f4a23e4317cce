"""Times the decision core (plan_day) on generated customers; prints a figure, no pass/fail.

.venv/bin/python scripts/bench_decide.py [N]
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall

from og.core.calendar import local_date
from og.core.decide import plan_day
from og.core.models import (
    Config,
    Customer,
    CustomerState,
    Journey,
    Plan,
    Rules,
    SendCalendar,
    SendKind,
    SendRecord,
    Step,
)

TIMEZONES = (
    "Asia/Singapore",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "America/Los_Angeles",
    "Asia/Kolkata",
)
BUSINESS_TZ = "Asia/Singapore"


def make_rules() -> Rules:
    def steps(n: int, gap: int) -> tuple[Step, ...]:
        return tuple(
            Step(
                id=f"s{i}",
                title=f"Step {i}",
                day=i * gap,
                nudge_after_days=2 if i % 2 == 0 else None,
                flag_after_days=5 if i % 3 == 0 else None,
            )
            for i in range(n)
        )

    plans = {
        "starter": Plan("starter", "Starter", steps(4, 2)),
        "growth": Plan("growth", "Growth", steps(7, 2)),
        "enterprise": Plan("enterprise", "Enterprise", steps(10, 3)),
    }
    return Rules(plans)


def make_population(
    n: int, rules: Rules, now: datetime, seed: int = 20261201
) -> tuple[list[Customer], dict[str, Journey]]:
    """A steady state: the tick has run daily, so most customers are on track; a few came back
    from a gap (overdue steps), some are paused, finished or have not signed up yet."""
    rng = random.Random(seed)
    plan_keys = list(rules.plans)
    customers: list[Customer] = []
    journeys: dict[str, Journey] = {}
    for i in range(n):
        cid = f"c{i:06d}"
        plan = rules.plans[rng.choice(plan_keys)]
        tz = rng.choice(TIMEZONES) if rng.random() < 0.7 else None
        signup = now - timedelta(days=rng.randint(-1, 40), minutes=rng.randint(0, 1439))
        customers.append(
            Customer(
                customer_id=cid,
                name=f"Customer {i}",
                email=f"c{i}@example.com",
                plan=plan.key,
                signup_at=signup,
                timezone=tz,
            )
        )
        stage = rng.random()
        if stage < 0.05:
            continue  # no journey yet: the first tick after import
        zone = tz or BUSINESS_TZ
        signup_day = local_date(signup, zone)
        today = local_date(now, zone)
        gap = rng.random() < 0.05  # sends stopped a while ago (e.g. the stack was down)
        sends: list[SendRecord] = []
        done: set[str] = set()
        for step in plan.steps:
            day = signup_day + timedelta(days=step.day + rng.randint(0, 1))
            if day >= today or (gap and day >= today - timedelta(days=6)):
                break
            sends.append(record(cid, step.id, SendKind.STEP, day))
            if rng.random() < 0.75:
                done.add(step.id)
                continue
            for kind, after in (
                (SendKind.NUDGE, step.nudge_after_days),
                (SendKind.FLAG, step.flag_after_days),
            ):
                if after is not None and day + timedelta(days=after) < today:
                    sends.append(record(cid, step.id, kind, day + timedelta(days=after)))
        state = CustomerState(
            cid,
            steps_done=frozenset(done),
            paused=stage > 0.98,
            finished=0.97 < stage <= 0.98,
        )
        journeys[cid] = Journey(state, tuple(sends))
    return customers, journeys


def record(cid: str, step_id: str, kind: SendKind, day: date) -> SendRecord:
    sent_at = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
    return SendRecord(cid, step_id, kind, sent_at, day)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    calendar = SendCalendar(
        quiet_start=wall(20, 0),
        quiet_end=wall(8, 0),
        weekend_days=frozenset({5, 6}),
        holiday_country="SG",
    )
    config = Config(
        business_name="Acme",
        timezone=BUSINESS_TZ,
        calendar=calendar,
        sender="Acme <hello@acme.example>",
        owner_slack_id="U000",
    )
    now = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # a Wednesday, 09:00 in Singapore
    rules = make_rules()
    customers, journeys = make_population(n, rules, now)
    runs = 5
    best = best_cpu = float("inf")
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        day = plan_day(customers, rules, journeys, now, config)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    kinds = dict(sorted(Counter(m.kind.value for m in day.moves).items()))
    print(f"decision core: {n} customers in {best:.3f} s = {n / best:,.0f} customers/s")
    print(
        f"(best of {runs} runs, wall clock; CPU time {best_cpu:.3f} s; "
        f"{len(day.decisions)} decisions, moves {kinds})"
    )


if __name__ == "__main__":
    main()
