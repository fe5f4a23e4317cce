"""Speed and cost figures for the onboarding guide; prints them, never asserts on speed.

    .venv/bin/python scripts/benchmark.py --quick            # about 30 seconds
    .venv/bin/python scripts/benchmark.py --sizes 1000,10000 --json bench.json

1. Decision core: customers decided per second by og.core.decide.plan_day on generated
   customers and journeys (a steady state: most customers on track).
2. Local tick: an og home with N generated customers whose signups are spread over the previous
   30 days and whose history (sends, done clicks) is simulated day by day with the real decision
   core, so only a realistic fraction need a move; then `LocalStack(home).tick(day)` through the
   real state machines on moto. Wall time, peak RSS. Each size runs in a fresh process.
3. Counts taken from that run: state transitions (execution histories; Distributed Map children
   through a counting event manager, since moto keeps no history for them), Lambda invocations,
   store and S3 operations per action and per done click.
4. A monthly cost model for 250 to 10,000 active customers from those counts and AWS's
   published prices (PRICES below, each with its source): the tick's Map children as EXPRESS
   batches (and, for comparison, as a STANDARD child per move), Lambda INIT included.
6. Cold starts: each function of template.yaml imported in a fresh interpreter, beside `import
   boto3`, plus the AWS adapters its first request builds; enroll's first and warm request
   against moto's AWS in process.
7. `--simulate N`: `og simulate` for 21 days on a seeded home of N customers (wall, CPU, load).

See docs/benchmark.md for the method and the measured figures.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import io
import json
import math
import os
import platform
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------------------------------------
# Prices, USD. Region ap-southeast-1 (Singapore) where AWS publishes a per-region figure that could
# be read; otherwise the published figure found, said so. "Checked" is the date these sources were
# read for this script (the pages themselves carry no date unless noted).
# ------------------------------------------------------------------------------------------------
PRICES_CHECKED = "2026-11-28"
PRICES: dict[str, dict[str, Any]] = {
    "sfn_transition": {
        # "Asia Pacific (Singapore) | $0.0250" per 1,000 state transitions (Standard); 4,000 free
        # transitions a month. Retries count as transitions.
        "usd": 0.025 / 1000,
        "unit": "state transition (Standard)",
        "source": "https://aws.amazon.com/step-functions/pricing/",
        "region": "ap-southeast-1",
    },
    "sfn_distributed_map_child": {
        # "When you use a Map state in Distributed mode, you are charged one state transition for
        # each child workflow execution that the Distributed Map state starts" (on top of the
        # child's own transitions for a STANDARD child).
        "usd": 0.025 / 1000,
        "unit": "child execution started (billed as 1 transition)",
        "source": "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html",
        "region": "all regions (at the transition price)",
    },
    "lambda_request": {
        # $0.20 per 1M requests; 1M requests a month free. AWS renders its per-region table in the
        # browser, so the Singapore row could not be read from a stored page; $0.20/1M is the
        # request price AWS quotes on that page.
        "usd": 0.20 / 1_000_000,
        "unit": "request",
        "source": "https://aws.amazon.com/lambda/pricing/",
        "region": "published figure (Singapore row not readable)",
    },
    "lambda_arm_gb_s": {
        # Arm, first 7.5 billion GB-s/month: $0.0000133334 per GB-s; 400,000 GB-s a month free.
        # ap-southeast-1 is at the base Arm price: artillery's Lambda price table (from
        # aws.amazon.com/lambda/pricing) lists only af-south-1, ap-east-1, eu-south-1,
        # me-south-1 and me-central-1 as differing from base (arm64 1333340e-11).
        "usd": 0.0000133334,
        "unit": "GB-second (arm64)",
        "source": "https://aws.amazon.com/lambda/pricing/ ; "
        "https://app.unpkg.com/artillery@2.0.28/files/lib/platform/aws-lambda/prices.js",
        "region": "ap-southeast-1 (base Arm price)",
    },
    "ddb_write_unit": {
        # On-demand: $0.625 per million write request units after the November 2024 50% cut.
        # Unit rules (1 WRU per 1 KB written; a transactional write costs 2 WRU per KB) from the
        # AWS on-demand pricing page. The Singapore figure could not be read (client-side table);
        # this is the us-east-1 figure, as quoted by airbyte.com (dated 2025-07-21).
        "usd": 0.625 / 1_000_000,
        "unit": "write request unit (on-demand)",
        "source": "https://aws.amazon.com/dynamodb/pricing/on-demand/ ; "
        "https://airbyte.com/data-engineering-resources/dynamodb-pricing (2025-07-21)",
        "region": "us-east-1 (Singapore figure not found)",
    },
    "ddb_read_unit": {
        # On-demand: $0.125 per million read request units (4 KB strongly consistent, or 8 KB
        # eventually consistent, per unit). Same sources and caveat as writes.
        "usd": 0.125 / 1_000_000,
        "unit": "read request unit (on-demand)",
        "source": "https://aws.amazon.com/dynamodb/pricing/on-demand/ ; "
        "https://airbyte.com/data-engineering-resources/dynamodb-pricing (2025-07-21)",
        "region": "us-east-1 (Singapore figure not found)",
    },
    "scheduler_invocation": {
        # EventBridge Scheduler: $1.00 per million invocations, 14 million a month free
        # (cloudburn.io guide, dated 2026-03-13, "consistent across most commercial regions").
        "usd": 1.00 / 1_000_000,
        "unit": "schedule invocation",
        "source": "https://aws.amazon.com/eventbridge/pricing/ ; "
        "https://cloudburn.io/blog/amazon-eventbridge-pricing (2026-03-13)",
        "region": "us-east-1 (Singapore figure not found)",
    },
    "s3_put": {
        # S3 Standard: $0.005 per 1,000 PUT, COPY, POST, LIST requests (c3x.dev; us-east-1).
        "usd": 0.005 / 1000,
        "unit": "PUT request",
        "source": "https://aws.amazon.com/s3/pricing/ ; "
        "https://c3x.dev/blog/s3-request-fees-explained",
        "region": "us-east-1 (Singapore figure not found)",
    },
    "s3_get": {
        # S3 Standard: $0.0004 per 1,000 GET, SELECT and all other requests (c3x.dev; us-east-1).
        "usd": 0.0004 / 1000,
        "unit": "GET request",
        "source": "https://aws.amazon.com/s3/pricing/ ; "
        "https://c3x.dev/blog/s3-request-fees-explained",
        "region": "us-east-1 (Singapore figure not found)",
    },
    "sfn_express_request": {
        # Express Workflows: "$1.00 per million invocations versus $25 per million for Standard"
        # (AWS Compute Blog); the pricing page counts "a request each time it starts executing a
        # workflow". The per-region table is rendered client-side: the published figure.
        "usd": 1.00 / 1_000_000,
        "unit": "Express execution started (the Map's EXPRESS child, one per batch)",
        "source": "https://aws.amazon.com/step-functions/pricing/ ; "
        "https://aws.amazon.com/blogs/compute/building-cost-effective-aws-step-functions-workflows/",
        "region": "published figure (Singapore row not readable)",
    },
    "sfn_express_gb_s": {
        # Express duration: "rounded up to the nearest 100ms, and the amount of memory used in
        # the execution of your workflow, billed in 64-MB chunks"; $0.00001667 per GB-second
        # for the first 1,000 GB-hours is the us-east-1 figure (the table could not be read).
        "usd": 0.00001667,
        "unit": "Express GB-second (first 1,000 GB-hours)",
        "source": "https://aws.amazon.com/step-functions/pricing/",
        "region": "us-east-1 figure (Singapore row not readable)",
    },
    "lambda_init": {
        # "Effective August 1, 2025, AWS will standardize billing for the initialization (INIT)
        # phase ... on-demand invocations of Lambda functions packaged as ZIP files that use
        # managed runtimes": INIT is billed as duration, at the GB-second price above.
        "usd": 0.0000133334,
        "unit": "GB-second of INIT (arm64, as duration)",
        "source": "https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/",
        "region": "ap-southeast-1 (base Arm price)",
    },
    "secrets_manager_secret_month": {
        # Not in the orchestration total (the cloud adapters are not written yet): $0.40 per
        # secret per month + $0.05 per 10,000 API calls (hivebook.wiki summary of AWS pricing).
        "usd": 0.40,
        "unit": "secret-month (if Secrets Manager holds the og/* secrets)",
        "source": "https://aws.amazon.com/secrets-manager/pricing/ ; "
        "https://hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms",
        "region": "published figure",
    },
}

# Lambda CPU: "At 1,769 MB, a function has the equivalent of one vCPU"
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html). Measured CPU seconds
# on this machine are scaled by 1769 / MemorySize, assuming one local core ~ one Lambda vCPU.
LAMBDA_MB_PER_VCPU = 1769
MEMORY_MB = {"og-guide": 512}  # template.yaml: GuideFunction 512 MB, every other function 256 MB
DEFAULT_MEMORY_MB = 256
# Time a function waits on the network in AWS, which the local run does not see (assumptions).
IO_WAIT_S = {
    "og-guide": 0.50,  # 3 S3 GETs, 1 PUT, the og-state/og-sends Scan pages
    "og-sender": 0.15,  # 2 S3 GETs, 2-3 DynamoDB calls, 1 SES SendRawEmail
    "og-notify-owner": 0.25,  # as sender, plus a Slack chat.postMessage
    "og-personalize": 2.00,  # one Bedrock (Haiku) call
    "og-done-handler": 0.15,  # S3 GETs and DynamoDB calls
}

DAYS_PER_MONTH = 30.4  # the tick runs every day
# An active customer is one on the list. The generated list keeps each customer for 30 days after
# signup (signups spread evenly), so a customer-month carries 30.4/30 of one whole onboarding's
# actions (its lifetime actions, measured in the seeded history).
LIST_TENURE_DAYS = 30
OPEN_DAYS_PER_MONTH = 21.7  # cross-check only: weekday moves x open days
# template.yaml grants GetSecretValue on og/done-link/secret, og/slack/signing-secret and
# og/slack/bot-token; Powertools caches them per execution environment, so API calls are few.
SECRETS = 3
CLICK_RATE = 2 / 3  # share of customer emails that get a done click (as `og simulate` assumes)

# DynamoDB request units per JourneyStore operation, read off og/adapters/aws/dynamodb_store.py
# (the store AWS runs; locally the SQLite store stands in and its calls are counted). Items are
# under 1 KB; GetItem/Query/BatchGetItem are strongly consistent (1 RRU per 4 KB); a
# TransactWriteItems item costs 2 WRU. (read units, write units)
DDB_UNITS: dict[str, tuple[float, float]] = {
    "claim_send/one_per_day": (0, 4),  # transaction: Put og-sends + Put og-send-days
    "claim_send": (0, 2),  # transaction of one conditional Put on og-sends
    "confirm_send": (0, 1),  # conditional UpdateItem
    "release_send": (2, 4),  # 2 GetItem, then a transaction of up to 2 Deletes
    "save_flag": (1, 6),  # GetItem og-state; transaction: state + audit + og-flags Put
    "flag": (1, 0),  # GetItem og-flags
    "all_flags": (1, 0),  # filtered Scan of og-flags (1 RRU while the table is under 4 KB)
    "open_flags": (1, 0),
    "journey": (2, 0),  # GetItem og-state + Query og-sends
    "record_owner_action": (2, 6),  # GetItem flag + state; transaction: state+audit+flag
    "record_step_done": (1, 4),  # GetItem og-state; transaction: state + audit
    "record_step_done/finished": (1, 6),  # extra when it finishes: Query og-sends, ~6 sends
    # BatchWritten to og-sends-archive
    "load_journeys": (0, 0),  # the daily Scans: priced by size, see SCAN_ITEM_BYTES
}
SCAN_ITEM_BYTES = {"state": 200, "send": 300}  # assumed DynamoDB item sizes for the daily Scans

# ------------------------------------------------------------------------------------------------
# 1. Decision core
# ------------------------------------------------------------------------------------------------
TIMEZONES = (
    "Asia/Singapore",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "America/Los_Angeles",
    "Asia/Kolkata",
)
BUSINESS_TZ = "Asia/Singapore"


def make_rules() -> Any:
    from og.core.models import Plan, Rules, Step

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


def make_population(n: int, rules: Any, now: datetime, seed: int = 20261201) -> tuple[list, dict]:
    """A steady state: the tick has run daily, so most customers are on track; a few came back
    from a gap (overdue steps), some are paused, finished or have not signed up yet."""
    from og.core.calendar import local_date
    from og.core.models import Customer, CustomerState, Journey, SendKind, SendRecord

    def record(cid: str, step_id: str, kind: SendKind, day: date) -> SendRecord:
        sent_at = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
        return SendRecord(cid, step_id, kind, sent_at, day)

    rng = random.Random(seed)
    plan_keys = list(rules.plans)
    customers = []
    journeys = {}
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
        sends = []
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


def bench_decide(n: int, runs: int) -> dict[str, Any]:
    from og.core.decide import plan_day
    from og.core.models import Config, SendCalendar

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
    best = best_cpu = float("inf")
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        day = plan_day(customers, rules, journeys, now, config)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    kinds = dict(sorted(Counter(m.kind.value for m in day.moves).items()))
    return {
        "customers": n,
        "runs": runs,
        "best_wall_s": round(best, 4),
        "best_cpu_s": round(best_cpu, 4),
        "customers_per_s": round(n / best),
        "customers_per_cpu_s": round(n / best_cpu),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "decisions": len(day.decisions),
        "moves": kinds,
    }


# ------------------------------------------------------------------------------------------------
# 2. A generated og home with a simulated history
# ------------------------------------------------------------------------------------------------
LIST_TIMEZONES = ("America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata")


def generate_list(n: int, day: date, seed: int) -> str:
    """N customers, signups spread over the 30 days before `day` (business clock), 70% in the
    business timezone, the plans of examples/rules.txt."""
    rng = random.Random(seed)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["customer_id", "name", "email", "plan", "signup_at", "timezone", "owner", "notes"])
    for i in range(n):
        tz = "" if rng.random() < 0.7 else rng.choice(LIST_TIMEZONES)
        # Day 0 only in the business timezone and before the 09:00 tick, and other timezones
        # from two days back (09:00 in Singapore is the evening before in New York), so no row
        # has a signup in the future.
        offset = rng.randint(0 if not tz else 2, 30)
        minute = rng.randint(0, 8 * 60 + 59) if offset == 0 else rng.randint(0, 1439)
        signup = datetime.combine(day - timedelta(days=offset), wall(0)) + timedelta(minutes=minute)
        plan = "Starter" if rng.random() < 0.6 else "Pro"
        w.writerow(
            [
                f"b{i:06d}",
                f"Customer{i} Test",
                f"customer{i}@example.com",
                plan,
                signup.strftime("%Y-%m-%d %H:%M"),
                tz,
                "",
                "",
            ]
        )
    return out.getvalue()


def _clicks(*parts: str) -> bool:
    """Deterministic simulated customers: about two in three messages get a done click."""
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest(), 16) % 3 != 0


def seed_home(home: Path, n: int, day: date, seed: int) -> dict[str, Any]:
    """A fresh og home for `day`: the example config, rules and voice, a generated list, and the
    history the daily tick would have left over the previous 31 days (sends at their send
    windows, done clicks three hours later for about two in three messages; flags stay
    unanswered), written through the real JourneyStore."""
    from og.adapters.local.store import SqliteJourneyStore
    from og.core.calendar import local_date
    from og.core.config_doc import read_config_entries
    from og.core.customer_list import parse_customer_list
    from og.core.decide import plan_day
    from og.core.models import Channel, CustomerState, Journey, MoveKind, SendKind, SendRecord
    from og.core.progress import apply_step_done
    from og.local.stack import init_home, tick_time
    from og.logic.documents import parse_docs

    class _SeedStore(SqliteJourneyStore):
        """The real store's operations on one unsynchronised connection (seeding only)."""

        def __init__(self, path: Path):
            super().__init__(path)
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA synchronous=OFF")
            self._db.execute("BEGIN")

        @contextlib.contextmanager
        def _tx(self) -> Iterator[sqlite3.Connection]:
            yield self._db

        def close(self) -> None:
            self._db.execute("COMMIT")
            self._db.close()

    started = time.perf_counter()
    shutil.rmtree(home, ignore_errors=True)
    init_home(home, ROOT)
    (home / "onboarding.csv").write_text(generate_list(n, day, seed), encoding="utf-8")
    docs = parse_docs(
        read_config_entries((home / "config.txt").read_text(encoding="utf-8"), "config.txt"),
        ("rules.txt", (home / "rules.txt").read_text(encoding="utf-8")),
        ("voice.txt", (home / "voice.txt").read_text(encoding="utf-8")),
    )
    config = docs.config
    customers, problems = parse_customer_list(
        (home / "onboarding.csv").read_text(encoding="utf-8"),
        docs.rules,
        tick_time(home, day),
        config.timezone,
    )
    step_ids = {key: tuple(s.id for s in p.steps) for key, p in docs.rules.plans.items()}
    kind_of = {MoveKind.STEP_DUE: SendKind.STEP, MoveKind.NUDGE: SendKind.NUDGE}
    journeys: dict[str, Journey] = {}
    store = _SeedStore(home / "og.sqlite")
    sends = clicks = 0
    try:
        for back in range(31, 0, -1):
            d = day - timedelta(days=back)
            plan = plan_day(customers, docs.rules, journeys, tick_time(home, d), config)
            for move in plan.moves:
                c = move.customer
                at = move.window.at
                if move.kind is MoveKind.FLAG:
                    kind, channel, recipient = SendKind.FLAG, Channel.SLACK, config.owner_slack_id
                    on = local_date(at, config.timezone)
                else:
                    kind, channel = kind_of[move.kind], move.step.channel
                    recipient = c.email if channel is Channel.EMAIL else config.owner_slack_id
                    on = local_date(at, c.timezone or config.timezone)
                record = SendRecord(c.customer_id, move.step.id, kind, at, on, channel, recipient)
                one_per_day = channel is Channel.EMAIL
                outcome = store.claim_send(record, "seed", one_per_day=one_per_day)
                if outcome.value != "claimed":
                    continue
                store.confirm_send(record, "seed", f"seed.{c.customer_id}.{record.send_key}")
                sends += 1
                j = journeys.get(c.customer_id) or Journey(CustomerState(c.customer_id))
                state = j.state
                if kind is not SendKind.FLAG and _clicks(c.customer_id, move.step.id, kind.value):
                    state, _ = store.record_step_done(
                        c.customer_id,
                        move.step.id,
                        by_user="customer",
                        at=at + timedelta(hours=3),
                        plan_step_ids=step_ids[c.plan],
                    )
                    expected = apply_step_done(j.state, move.step.id, step_ids[c.plan])
                    assert state == expected, (state, expected)
                    clicks += 1
                journeys[c.customer_id] = replace(j, state=state, sends=(*j.sends, record))
    finally:
        store.close()
    # Messages a customer gets over a whole onboarding: customers who signed up 20+ days ago
    # (every plan's steps, nudges and flags fall within 16 days of signup).
    settled = [
        len(journeys[c.customer_id].sends) if c.customer_id in journeys else 0
        for c in customers
        if (day - local_date(c.signup_at, c.timezone or config.timezone)).days >= 20
    ]
    return {
        "lifetime_actions_per_customer": round(sum(settled) / max(len(settled), 1), 3),
        "lifetime_sample": len(settled),
        "customers": len(customers),
        "row_problems": len(problems),
        "seeded_sends": sends,
        "seeded_done_clicks": clicks,
        "seed_s": round(time.perf_counter() - started, 2),
    }


# ------------------------------------------------------------------------------------------------
# 3. The tick, instrumented (runs in a worker process per size)
# ------------------------------------------------------------------------------------------------
class Meter:
    """Counts adapter calls by (phase, function, operation); times Lambda handlers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.phase = "setup"
        self.tls = threading.local()
        self.ops: Counter[tuple[str, str, str]] = Counter()
        self.scanned: Counter[str] = Counter()
        self.invocations: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
        self.child_events: Counter[str] = Counter()

    def count(self, op: str, n: int = 1) -> None:
        fn = getattr(self.tls, "function", None) or "local"
        with self.lock:
            self.ops[(self.phase, fn, op)] += n

    def wrap(self, cls: type, name: str, op: Callable[..., str] | None = None) -> None:
        original = getattr(cls, name)
        meter = self

        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            meter.count(op(*args, **kwargs) if op else name)
            return original(self, *args, **kwargs)

        setattr(cls, name, wrapper)

    def install(self) -> None:
        """Before the stack starts: store, S3, config/secrets and the Distributed Map's events."""
        from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
            distributed_iteration_component as dmap,
        )

        from og.adapters.aws.s3_documents import S3Documents
        from og.adapters.local.config_file import ConfigFile, SecretsFile
        from og.adapters.local.store import SqliteJourneyStore

        for name in DDB_UNITS:
            if "/" not in name and name != "claim_send" and hasattr(SqliteJourneyStore, name):
                self.wrap(SqliteJourneyStore, name)
        self.wrap(
            SqliteJourneyStore,
            "claim_send",
            lambda *a, one_per_day, **k: "claim_send/one_per_day" if one_per_day else "claim_send",
        )
        meter = self
        original_done = SqliteJourneyStore.record_step_done

        def record_step_done(self: Any, *args: Any, **kwargs: Any) -> Any:
            state, changed = original_done(self, *args, **kwargs)
            if state.finished and changed:  # the journey's sends were archived (first finish)
                meter.count("record_step_done/finished")
            return state, changed

        SqliteJourneyStore.record_step_done = record_step_done  # type: ignore[method-assign]
        original_load = SqliteJourneyStore.load_journeys

        def load_journeys(self: Any) -> Any:
            journeys = original_load(self)
            with meter.lock:
                meter.scanned["state"] += len(journeys)
                meter.scanned["send"] += sum(len(j.sends) for j in journeys.values())
            return journeys

        SqliteJourneyStore.load_journeys = load_journeys  # type: ignore[method-assign]
        self.wrap(S3Documents, "read_text", lambda bucket, key: f"s3_get:{key.split('/')[0]}")
        self.wrap(
            S3Documents, "write_text", lambda bucket, key, *a, **k: f"s3_put:{key.split('/')[0]}"
        )
        self.wrap(ConfigFile, "entries", lambda: "config_read")
        self.wrap(SecretsFile, "get", lambda name: "secret_get")

        class CountingEventManager(dmap.EventManager):  # type: ignore[name-defined,misc]
            """The Distributed Map's children's events, which moto discards."""

            def add_event(self, context: Any, event_type: Any, *args: Any, **kw: Any) -> int:
                with meter.lock:
                    meter.child_events[str(getattr(event_type, "value", event_type))] += 1
                return int(super().add_event(context, event_type, *args, **kw))

        dmap.EventManager = CountingEventManager  # type: ignore[attr-defined,misc]

    def install_lambda_timer(self) -> None:
        """After moto_bridge.apply(): time each in-process Lambda invocation (wall, thread CPU)."""
        from moto.awslambda.models import LambdaFunction

        original = LambdaFunction._invoke_lambda
        meter = self

        def timed(self: Any, event: Any = None) -> Any:
            meter.tls.function = self.function_name
            wall0, cpu0 = time.perf_counter(), time.thread_time()
            try:
                return original(self, event)
            finally:
                elapsed = (time.perf_counter() - wall0, time.thread_time() - cpu0)
                meter.tls.function = None
                with meter.lock:
                    meter.invocations[(meter.phase, self.function_name)].append(elapsed)

        LambdaFunction._invoke_lambda = timed  # type: ignore[method-assign]


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def journey_task_resources() -> dict[str, str]:
    definition = json.loads((ROOT / "statemachines/customer-journey.asl.json").read_text())
    return {
        name: s.get("Resource", "")
        for name, s in definition["States"].items()
        if s["Type"] == "Task"
    }


def category(move: dict[str, Any]) -> str:
    if move["move"] == "flag":
        return "flag"
    if move["channel"] == "slack":
        return "owner_step"
    what = "step" if move["move"] == "step_due" else "nudge"
    return f"{what}_personalized" if move["personalized"] is True else f"{what}_email"


def journey_counts(records: list[Any]) -> dict[str, Any]:
    """From the ExecutionRecords of one day's journeys: states entered and Lambda tasks."""
    resources = journey_task_resources()
    by_cat: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records:
        c = by_cat[category(r.input["move"])]
        c["executions"] += 1
        c["parked_on_owner"] += r.status == "WAITING_FOR_OWNER"
        c["failed"] += r.status not in ("SUCCEEDED", "WAITING_FOR_OWNER")
        current = None
        for ev in r.events:
            kind = ev["type"]
            if kind.endswith("StateEntered"):
                c["states_entered"] += 1
                c[kind] += 1
                current = ev["state"]
            elif kind == "TaskScheduled":
                lam = resources.get(current or "", "").startswith("arn:aws:states:::lambda:")
                c["lambda_invocations" if lam else "other_tasks"] += 1
    return {k: dict(v) for k, v in sorted(by_cat.items())}


def tick_worker(home: Path, day: date, days: int, clicks: int) -> dict[str, Any]:
    import warnings

    from og.local.engine import TICK_MACHINE
    from og.local.stack import LocalStack, done_link_in, outbox_messages

    # done-handler's Powertools Metrics warns on every invocation without a metric.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    meter = Meter()
    meter.install()
    result: dict[str, Any] = {"rss_mb_before_stack": round(maxrss_mb(), 1), "ticks": []}
    t0 = time.perf_counter()
    with LocalStack(home) as stack:
        result["startup_s"] = round(time.perf_counter() - t0, 2)
        meter.install_lambda_timer()
        for i in range(days):
            d = day + timedelta(days=i)
            meter.phase = f"tick{i + 1}"
            t, cpu = time.perf_counter(), time.process_time()
            report = stack.tick(d)
            tick_s, tick_cpu_s = time.perf_counter() - t, time.process_time() - cpu
            rss = maxrss_mb()
            meter.phase = "read"
            tick_arn = next(
                e["executionArn"]
                for e in stack.engine.executions(TICK_MACHINE)
                if e["name"] == f"tick-{d.isoformat()}"
            )
            events = stack.engine.history(tick_arn)
            entered = Counter(e["type"] for e in events if e["type"].endswith("StateEntered"))
            day_result = {
                "day": d.isoformat(),
                "status": report.status,
                "error": report.error,
                "customers": report.plan.get("customer_count"),
                "moves": report.plan.get("move_count"),
                "closed_because": report.plan.get("closed_because"),
                "tick_s": round(tick_s, 2),
                "tick_cpu_s": round(tick_cpu_s, 2),
                "load_avg_1m": round(os.getloadavg()[0], 2),
                "peak_rss_mb": round(rss, 1),
                "tick_states_entered": dict(entered),
                "tick_lambda_tasks": sum(
                    1
                    for e in events
                    if e["type"] == "TaskScheduled"
                    and e["taskScheduledEventDetails"]["resourceType"] == "lambda"
                ),
                "journeys": journey_counts(report.journeys),
                "journey_status": dict(Counter(r.status for r in report.journeys)),
            }
            result["ticks"].append(day_result)
            if i == 0 and clicks:
                # Done clicks through the real done-handler, on today's customer emails.
                meter.phase = "click"
                done = 0
                t = time.perf_counter()
                for message in outbox_messages(home):
                    link = done_link_in(message)
                    if not link:
                        continue
                    sent = datetime.strptime(str(message["Date"]), "%a, %d %b %Y %H:%M:%S %z")
                    stack.click_done_link(link, sent + timedelta(hours=3))
                    done += 1
                    if done >= clicks:
                        break
                result["clicks"] = {"count": done, "wall_s": round(time.perf_counter() - t, 2)}
    result["peak_rss_mb"] = round(maxrss_mb(), 1)
    result["child_events"] = dict(meter.child_events)
    result["ops"] = [
        {"phase": p, "function": f, "op": o, "count": n}
        for (p, f, o), n in sorted(meter.ops.items())
    ]
    result["scanned"] = dict(meter.scanned)
    result["invocations"] = [
        {
            "phase": p,
            "function": f,
            "count": len(v),
            "wall_s_mean": round(sum(w for w, _ in v) / len(v), 4),
            "cpu_s_mean": round(sum(c for _, c in v) / len(v), 4),
            "cpu_s_max": round(max(c for _, c in v), 4),
        }
        for (p, f), v in sorted(meter.invocations.items())
    ]
    return result


def run_size(n: int, day: date, days: int, clicks: int, seed: int, keep: Path | None) -> dict:
    """Seed an og home and tick it, each in a fresh process (clean moto state, honest RSS)."""
    work = keep or Path(tempfile.mkdtemp(prefix=f"og-bench-{n}-"))
    home = work / f"home-{n}"
    try:
        seeded = _worker(["seed", str(home), str(n), day.isoformat(), str(seed)])
        ticked = _worker(["tick", str(home), day.isoformat(), str(days), str(clicks)])
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return {"size": n, "seed": seeded, **ticked}


def _worker(args: list[str]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = Path(f.name)
    try:
        subprocess.run(
            [sys.executable, __file__, "--worker", *args, "--worker-out", str(out)],
            check=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        return dict(json.loads(out.read_text()))
    finally:
        out.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------------
# 5. done-handler's time to answer a Slack interaction, with a slow Step Functions
# ------------------------------------------------------------------------------------------------
SLOW_RESUME_S = 2.0  # SendTaskSuccess taking this long: Slack gives up on an answer after 3 s
_SLACK_ROWS = [
    f"c-{i},Customer {i},c{i}@example.com,Starter,2026-12-14T08:00:00+08:00,,," for i in range(1, 5)
]
SLACK_LIST_ROWS = 10_000  # the onboarding list when the owner answers: Done must not parse it


def slack_import_worker() -> dict[str, Any]:
    """A fresh interpreter as a cold Lambda: import done-handler and build its AWS adapters
    (clients only; nothing is called), as the first request does."""
    _as_cold_lambda("functions/done_handler")
    start = time.perf_counter()
    import app  # type: ignore[import-not-found]  # noqa: F401  (functions/done_handler/app.py)

    imported = time.perf_counter() - start
    from og.wiring import adapters

    adapters()
    built = time.perf_counter() - start - imported
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("googleapiclient", "google"))
    return {"import_s": imported, "adapters_s": built, "google_modules": len(loaded)}


class _SlowWorkflow:
    def __init__(self, inner: Any, seconds: float):
        self.inner, self.seconds = inner, seconds

    def resume(self, task_token: str, output: dict[str, Any]) -> bool:
        time.sleep(self.seconds)
        resumed: bool = self.inner.resume(task_token, output)
        return resumed


def slack_answer_worker(work: Path) -> dict[str, Any]:
    """Four flagged customers on the local stack, then the list grown to SLACK_LIST_ROWS rows;
    Step Functions answers in SLOW_RESUME_S. The first request after the adapters are rebuilt,
    then warm ones: Done (answer, and the work after it), Pause (the modal), and a Done after
    the rules doc was edited (its flag's plan no longer stands: the list and rules are read)."""
    from og import wiring
    from og.local import function_url
    from og.local.stack import LocalStack, init_home

    home = work / "home-slack"
    init_home(home, ROOT)
    header = "customer_id,name,email,plan,signup_at,timezone,owner,notes"
    (home / "onboarding.csv").write_text("\n".join([header, *_SLACK_ROWS]) + "\n")
    secret = json.loads((home / "secrets.json").read_text())["og/slack/signing-secret"]
    monday = date(2026, 12, 14)
    at = datetime(2026, 12, 21, 3, tzinfo=UTC)
    out: dict[str, Any] = {"slow_resume_s": SLOW_RESUME_S, "list_rows": SLACK_LIST_ROWS}
    with LocalStack(home) as stack:
        stack.tick(monday)
        stack.tick(monday + timedelta(days=7))
        flags = [wiring.adapters().store.open_flags(f"c-{i}")[0].flag_key for i in (1, 2, 3, 4)]
        more = [
            f"f-{i},Filler {i},f{i}@example.com,Starter,2026-12-14T08:00:00+08:00,,,"
            for i in range(len(_SLACK_ROWS) + 1, SLACK_LIST_ROWS + 1)
        ]
        (home / "onboarding.csv").write_text("\n".join([header, *_SLACK_ROWS, *more]) + "\n")

        def click(action: str, key: str) -> float:
            payload = {
                "type": "block_actions",
                "user": {"id": "U0OWNER01"},
                "trigger_id": f"bench.{key}",
                "actions": [{"action_id": action, "value": key}],
            }
            event = function_url.slack_event(payload, secret)
            start = time.perf_counter()
            answer = stack.invoke_done_handler(event, at, then_after_answer=False)
            took = time.perf_counter() - start
            assert answer["statusCode"] == 200, answer
            return took

        def after() -> float:
            start = time.perf_counter()
            stack.run_after_answer(at)
            return time.perf_counter() - start

        wiring.reset()  # the first request builds the adapters, as in a new Lambda environment
        slow = _SlowWorkflow(wiring.adapters().workflow, SLOW_RESUME_S)
        wiring.reset()
        with wiring.overridden(workflow=slow):
            out["first_done_s"] = click("done", flags[0])
            out["first_after_s"] = after()
            out["warm_done_s"] = click("done", flags[1])
            out["warm_after_s"] = after()
            out["warm_pause_s"] = click("pause", flags[2])
            rules = home / "rules.txt"
            rules.write_text(rules.read_text(encoding="utf-8") + "\n")  # same plans, new ETag
            out["edited_done_s"] = click("done", flags[3])
            out["edited_after_s"] = after()
    return out


def bench_slack(work: Path, runs: int = 3) -> dict[str, Any]:
    """Best of `runs` fresh interpreters for the import (the machine is shared)."""
    imported = min(
        (_worker(["slack-import"]) for _ in range(runs)),
        key=lambda r: float(r["import_s"]) + float(r["adapters_s"]),
    )
    answered = _worker(["slack-answer", str(work)])
    cold = imported["import_s"] + imported["adapters_s"] + answered["first_done_s"]
    return {**imported, **answered, "cold_done_s": cold}


# ------------------------------------------------------------------------------------------------
# 6. Cold starts: every function's import in a fresh interpreter, and enroll's first request
# ------------------------------------------------------------------------------------------------
_COLD_ENV = {
    "OG_LIST_BUCKET": "og-list-source",
    "OG_RULES_BUCKET": "og-rules-source",
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "POWERTOOLS_METRICS_NAMESPACE": "OnboardingGuide",
    "POWERTOOLS_SERVICE_NAME": "onboarding-guide",
    # Keeps the workers' output to the figures; a log line or metric costs well under 1 ms.
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_METRICS_DISABLED": "true",
}


def template_functions() -> dict[str, str]:
    """Each function in template.yaml: its name -> its CodeUri."""
    from og.local.template import load_yaml

    resources = load_yaml(ROOT / "template.yaml")["Resources"].values()
    return {
        r["Properties"]["FunctionName"]: r["Properties"]["CodeUri"].rstrip("/")
        for r in resources
        if r["Type"] == "AWS::Serverless::Function"
    }


def _as_cold_lambda(code_uri: str) -> None:
    os.environ.update(_COLD_ENV)
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / code_uri)]


def boto3_import_worker() -> dict[str, Any]:
    start = time.perf_counter()
    import boto3  # noqa: F401

    return {"import_s": time.perf_counter() - start}


def cold_import_worker(code_uri: str) -> dict[str, Any]:
    """A fresh interpreter as a cold Lambda: `import app`, then the AWS adapters its first
    request builds (clients only; nothing is called)."""
    _as_cold_lambda(code_uri)
    start = time.perf_counter()
    import app  # type: ignore[import-not-found]  # noqa: F401

    imported = time.perf_counter() - start
    from og.wiring import adapters

    adapters()
    built = time.perf_counter() - start - imported
    return {
        "import_s": imported,
        "adapters_s": built,
        "modules": len(sys.modules),
        "boto3_at_import": "boto3" in sys.modules,
    }


def import_profile(code_uri: str) -> dict[str, float]:
    """Where a function's `import app` goes: `python -X importtime` in a fresh interpreter,
    each module's own time summed by package (og's by subpackage), in ms. importtime slows every
    import alike, so read the shares, not the sums; modules the bare interpreter loads are left
    out."""

    def own_times(code: str) -> dict[str, int]:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT / code_uri,
            env={**os.environ, **_COLD_ENV, "PYTHONPATH": str(ROOT / "src")},
        )
        times = {}
        for line in done.stderr.splitlines():
            parts = line.removeprefix("import time:").split("|")
            if len(parts) == 3 and parts[0].strip().isdigit():
                times[parts[2].strip()] = int(parts[0])
        return times

    bare = own_times("pass")
    groups: dict[str, float] = defaultdict(float)
    for module, us in own_times("import app").items():
        if module not in bare:
            parts = module.split(".")
            groups[".".join(parts[:2]) if parts[0] == "og" else parts[0]] += us / 1000
    return dict(sorted(groups.items(), key=lambda g: -g[1]))


def enroll_first_worker(work: Path) -> dict[str, Any]:
    """enroll cold against moto's AWS in this process: `import app`, then its first request
    (adapters; the config from SSM, the webhook secret, the rules doc from S3, the idempotency
    record on DynamoDB; the sheet is the local CSV stand-in, not Google), then a warm one. The
    data is put through a session of its own, so the request finds boto3 as a new Lambda does."""
    _as_cold_lambda("functions/enroll")
    start = time.perf_counter()
    import app  # type: ignore[import-not-found]

    imported = time.perf_counter() - start
    import boto3
    from moto import mock_aws

    from og import wiring
    from og.adapters.local.sheet_file import CsvSheet
    from og.core.config_doc import read_config_entries
    from og.local import function_url
    from og.local.moto_bridge import LambdaContext

    sheet = work / "onboarding.csv"
    shutil.copy(ROOT / "examples" / "onboarding.csv", sheet)
    opened: list[Any] = []
    counted_init = boto3.session.Session.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        opened.append(self)
        counted_init(self, *args, **kwargs)

    with mock_aws():
        s = wiring.Settings.from_env()
        setup = boto3.session.Session()
        ssm = setup.client("ssm")
        config = read_config_entries((ROOT / "examples" / "config.txt").read_text())
        for key, (value, _) in config.items():
            ssm.put_parameter(Name=f"{s.config_path}{key}", Value=value, Type="String")
        setup.client("secretsmanager").create_secret(Name=s.webhook_secret, SecretString="b")
        s3 = setup.client("s3")
        s3.create_bucket(
            Bucket=s.rules_bucket,
            CreateBucketConfiguration={"LocationConstraint": _COLD_ENV["AWS_DEFAULT_REGION"]},
        )
        s3.put_object(
            Bucket=s.rules_bucket, Key=s.rules_key, Body=(ROOT / "examples/rules.txt").read_bytes()
        )
        setup.client("dynamodb").create_table(
            TableName=s.idempotency_table,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        boto3.session.Session.__init__ = counting  # type: ignore[method-assign]
        headers = {"content-type": "application/json", "x-og-webhook-secret": "b"}

        def post(i: int) -> float:
            signup = {
                "signup_id": f"bench-{i}",
                "name": f"Customer {i}",
                "email": f"c{i}@example.com",
                "plan": "Starter",
                "signup_at": "2026-11-20T09:00:00+08:00",
            }
            event = function_url.post_event("/", json.dumps(signup), headers)
            context = LambdaContext("og-enroll", 256, "arn:aws:lambda:bench", f"request-{i}")
            began = time.perf_counter()
            answer = app.handler(event, context)
            took = time.perf_counter() - began
            assert answer["statusCode"] == 200, answer
            return took

        with wiring.overridden(sheet=CsvSheet(sheet)):
            first = post(1)
            sessions = len(opened)
            warm = post(2)
        boto3.session.Session.__init__ = counted_init  # type: ignore[method-assign]
    return {"import_s": imported, "first_s": first, "warm_s": warm, "sessions": sessions}


@contextlib.contextmanager
def _bytecode_cache(work: Path) -> Iterator[None]:
    """Workers read compiled bytecode, as Lambda reads the layer's (og.layer build precompiles
    it): a cache of this run's own (PYTHONPYCACHEPREFIX), even where PYTHONDONTWRITEBYTECODE is
    set. The first round fills it and is not counted."""
    saved = {k: os.environ.get(k) for k in ("PYTHONPYCACHEPREFIX", "PYTHONDONTWRITEBYTECODE")}
    os.environ["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        yield
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None)
            if value is not None:
                os.environ[key] = value


def bench_cold(work: Path, runs: int) -> dict[str, Any]:
    """Best of `runs` fresh interpreters each (the machine is shared; the file cache is warm, as
    on a Lambda host that has run the function before). Each round imports boto3 and then every
    function, so a change in the machine's load touches both sides of the ratio."""
    code_uris = template_functions()
    seen: dict[str, list[dict[str, Any]]] = defaultdict(list)
    load = [os.getloadavg()[0]]
    with _bytecode_cache(work):
        for round_ in range(runs + 1):
            boto3_run = _worker(["boto3-import"])
            ran = {name: _worker(["cold-import", uri]) for name, uri in code_uris.items()}
            if round_:
                seen["boto3"].append(boto3_run)
                for name, r in ran.items():
                    seen[name].append(r)
    load.append(os.getloadavg()[0])
    best = {
        name: min(rs, key=lambda r: float(r["import_s"]) + float(r.get("adapters_s", 0)))
        for name, rs in seen.items()
    }
    boto = float(best.pop("boto3")["import_s"])
    with _bytecode_cache(work):
        profiles = {name: import_profile(uri) for name, uri in code_uris.items()}
    enroll = min(
        (_worker(["enroll-first", str(work)]) for _ in range(runs)),
        key=lambda r: float(r["import_s"]) + float(r["first_s"]),
    )
    return {
        "runs": runs,
        "boto3_import_s": boto,
        "functions": best,
        "enroll": enroll,
        "load": load,
        "profiles": profiles,
    }


# ------------------------------------------------------------------------------------------------
# 4. Per-action figures and the cost model
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figures:
    """What one measured tick says, per customer-day, per action and per done click."""

    customers: int
    moves_per_customer_day: float  # on the measured open weekday
    actions_per_customer_month: float  # lifetime actions x DAYS_PER_MONTH / LIST_TENURE_DAYS
    mix: dict[str, float]
    tick_transitions: float  # per day (parent execution)
    map_child_transitions: float  # per action: billed child start + the child's own states
    journey_transitions: float  # per action, mean (+1 for flags still waiting on the owner)
    lambda_per_action: float
    ddb_per_day: tuple[float, float]  # read, write units (excl. Scan)
    ddb_per_action: tuple[float, float]
    ddb_per_click: tuple[float, float]
    scan_items: dict[str, float]  # items scanned per customer
    s3_per_day: tuple[float, float]  # GET, PUT
    s3_per_action: tuple[float, float]
    s3_per_click: tuple[float, float]
    secrets_per_action: float
    guide_cpu_s_per_customer: float
    cpu_s: dict[str, float]  # mean CPU seconds per invocation, by function
    lambda_calls_per_action: dict[str, float]
    click_cpu_s: float


def _units(ops: list[dict[str, Any]], phase: str, pred: Callable[[str], bool]) -> tuple:
    r = w = get = put = sec = 0.0
    for o in ops:
        if o["phase"] != phase or not pred(o["function"]):
            continue
        op, n = o["op"], o["count"]
        if op in DDB_UNITS:
            r += DDB_UNITS[op][0] * n
            w += DDB_UNITS[op][1] * n
        elif op.startswith("s3_get"):
            get += n
        elif op.startswith("s3_put"):
            put += n
        elif op == "secret_get":
            sec += n
    return (r, w), (get, put), sec


def figures(run: dict[str, Any]) -> Figures:
    day = run["ticks"][0]
    moves = max(day["moves"], 1)
    customers = day["customers"]
    journeys = day["journeys"]
    total = Counter[str]()
    for c in journeys.values():
        total.update(c)
    executions = max(total["executions"], 1)
    ops = run["ops"]
    per_day_ddb, per_day_s3, _ = _units(ops, "tick1", lambda f: f in ("og-guide", "local"))
    act_ddb, act_s3, act_sec = _units(ops, "tick1", lambda f: f not in ("og-guide", "local"))
    n_clicks = max(run.get("clicks", {}).get("count", 0), 1)
    clk_ddb, clk_s3, _ = _units(ops, "click", lambda f: True)
    inv = {(i["phase"], i["function"]): i for i in run["invocations"]}
    cpu = {f: i["cpu_s_mean"] for (p, f), i in inv.items() if p == "tick1"}
    calls = {f: i["count"] / moves for (p, f), i in inv.items() if p == "tick1" and f != "og-guide"}
    guide = inv.get(("tick1", "og-guide"), {"cpu_s_mean": 0.0})
    click = inv.get(("click", "og-done-handler"), {"cpu_s_mean": 0.0})
    child_entered = sum(v for k, v in run["child_events"].items() if k.endswith("StateEntered"))
    return Figures(
        customers=customers,
        moves_per_customer_day=day["moves"] / customers,
        actions_per_customer_month=(
            run["seed"]["lifetime_actions_per_customer"] * DAYS_PER_MONTH / LIST_TENURE_DAYS
            if "lifetime_actions_per_customer" in run["seed"]
            else day["moves"] / customers * OPEN_DAYS_PER_MONTH
        ),
        mix={k: v["executions"] / executions for k, v in journeys.items()},
        tick_transitions=sum(day["tick_states_entered"].values()),
        map_child_transitions=1 + child_entered / moves,
        journey_transitions=(total["states_entered"] + total["parked_on_owner"]) / executions,
        lambda_per_action=total["lambda_invocations"] / executions,
        ddb_per_day=per_day_ddb,
        ddb_per_action=(act_ddb[0] / moves, act_ddb[1] / moves),
        ddb_per_click=(clk_ddb[0] / n_clicks, clk_ddb[1] / n_clicks),
        scan_items={k: v / customers for k, v in run["scanned"].items()},
        s3_per_day=per_day_s3,
        s3_per_action=(act_s3[0] / moves, act_s3[1] / moves),
        s3_per_click=(clk_s3[0] / n_clicks, clk_s3[1] / n_clicks),
        secrets_per_action=act_sec / moves,
        guide_cpu_s_per_customer=guide["cpu_s_mean"] / customers,
        cpu_s=cpu,
        lambda_calls_per_action=calls,
        click_cpu_s=click["cpu_s_mean"],
    )


def lambda_seconds(function: str, cpu_s: float) -> float:
    memory = MEMORY_MB.get(function, DEFAULT_MEMORY_MB)
    return cpu_s * LAMBDA_MB_PER_VCPU / memory + IO_WAIT_S.get(function, 0.15)


# The tick's Map children. Before (commit 7342733 and earlier): one STANDARD child per move, 2
# transitions (the billed child start + its StartJourney state). Now: one EXPRESS child per
# batch of ItemBatcher.MaxItemsPerBatch moves (docs/local-engine.md, bridge 9): 1 billed child
# start per batch, and the child billed per request and duration, not per transition.
STANDARD_CHILD_TRANSITIONS = 2
SCALE = (250, 500, 1_000, 2_500, 10_000)  # active customers the cost table is computed for
EXPRESS_MB = 64  # billed in 64-MB chunks; a batch's input is ~30 KB (50 rows of ~0.6 KB)
EXPRESS_STEP_S = 0.05  # assumed: one state, or one round of StartExecution calls, inside SFN
EXPRESS_INLINE_AT_ONCE = 10  # daily-tick's inline Map: MaxConcurrency 10
# Lambda INIT (billed since 2025-08-01): cold starts per function and day, estimated from
# concurrency. guide runs once a day (its environment is gone by the next day): 1.
# done-handler answers clicks spread over the day: at most one cold start an hour. A journey
# function is called in bursts: every customer of a timezone is sent at that timezone's send
# window, so each burst starts as many environments as run at once, at most the account's
# concurrency (10 for a new account, as template.yaml's MapMaxConcurrency says).
LAMBDA_CONCURRENCY = 10
SEND_BURSTS_PER_DAY = len(LIST_TIMEZONES) + 1  # the generated list's timezones + the business's
INIT_LIMIT_S = 10.0  # "the INIT phase ... within a maximum duration of 10 seconds" (the blog)
ASSUMED_COLD_IMPORT_S = 1.0  # when the run has no cold-import figures (--skip-cold)


def tick_batch_size() -> int:
    """MaxItemsPerBatch of the tick's Map as deployed (1: no ItemBatcher)."""
    tick = json.loads((ROOT / "statemachines/daily-tick.asl.json").read_text())
    return int(tick["States"]["StartJourneys"].get("ItemBatcher", {}).get("MaxItemsPerBatch", 1))


def map_children(moves_per_day: float, shape: str) -> dict[str, float]:
    """A month of the tick's Map children: billed transitions, Express requests and GB-s."""
    if shape == "standard":
        return {
            "children": moves_per_day * DAYS_PER_MONTH,
            "transitions": moves_per_day * DAYS_PER_MONTH * STANDARD_CHILD_TRANSITIONS,
            "express_requests": 0.0,
            "express_gb_s": 0.0,
        }
    batch = tick_batch_size()
    per_day = -(-moves_per_day // batch)  # whole batches: the last one is smaller
    rows = min(batch, moves_per_day)
    steps = 1 + -(-rows // EXPRESS_INLINE_AT_ONCE)  # the inline Map, then rounds of starts
    seconds = math.ceil(round(steps * EXPRESS_STEP_S * 10, 6)) / 10  # rounded up to 100 ms
    children = per_day * DAYS_PER_MONTH
    return {
        "children": children,
        "transitions": children,  # the billed child start; the child's states are not
        "express_requests": children,
        "express_gb_s": children * seconds * EXPRESS_MB / 1024,
    }


def cold_starts_per_day(function: str, invocations_per_day: float) -> float:
    if function == "og-guide":
        return min(invocations_per_day, 1.0)
    if function == "og-done-handler":
        return min(invocations_per_day, 24.0)
    per_burst = -(-invocations_per_day // SEND_BURSTS_PER_DAY)
    return min(invocations_per_day, SEND_BURSTS_PER_DAY * min(LAMBDA_CONCURRENCY, per_burst))


def init_seconds(function: str, cold: dict[str, Any] | None) -> float:
    """One INIT: the function's cold import measured here (section 6: `import app` plus the
    adapters its first request builds), scaled to its memory's share of a vCPU as durations
    are, at most the 10 s INIT limit."""
    measured = (cold or {}).get("functions", {}).get(function)
    wall = measured["import_s"] + measured["adapters_s"] if measured else ASSUMED_COLD_IMPORT_S
    memory = MEMORY_MB.get(function, DEFAULT_MEMORY_MB)
    return float(min(INIT_LIMIT_S, wall * LAMBDA_MB_PER_VCPU / memory))


def lambda_init(f: Figures, actions: float, clicks: float, cold: dict | None) -> dict[str, Any]:
    """A month of INIT: cold starts per function and day, and the GB-s they bill."""
    per_day = {"og-guide": 1.0, "og-done-handler": clicks / DAYS_PER_MONTH}
    for fn, per_action in f.lambda_calls_per_action.items():
        per_day[fn] = actions / DAYS_PER_MONTH * per_action
    starts = {fn: cold_starts_per_day(fn, n) for fn, n in per_day.items()}
    gb_s = sum(
        DAYS_PER_MONTH * s * init_seconds(fn, cold) * MEMORY_MB.get(fn, DEFAULT_MEMORY_MB) / 1024
        for fn, s in starts.items()
    )
    return {"cold_starts_per_day": starts, "gb_s": gb_s, "measured": bool(cold)}


def monthly_cost(
    f: Figures, n: int, cold: dict[str, Any] | None = None, shape: str = "express"
) -> dict[str, Any]:
    p = {k: v["usd"] for k, v in PRICES.items()}
    ticks = DAYS_PER_MONTH
    actions = n * f.actions_per_customer_month
    emails = actions * sum(v for k, v in f.mix.items() if k.endswith(("_email", "_personalized")))
    clicks = emails * CLICK_RATE
    children = map_children(actions / DAYS_PER_MONTH, shape)
    transitions = (
        ticks * f.tick_transitions + children["transitions"] + actions * f.journey_transitions
    )
    requests = ticks * 1 + actions * f.lambda_per_action + clicks
    guide_s = lambda_seconds("og-guide", f.guide_cpu_s_per_customer * n)
    gb_s = ticks * guide_s * MEMORY_MB["og-guide"] / 1024
    for fn, per_action in f.lambda_calls_per_action.items():
        secs = lambda_seconds(fn, f.cpu_s.get(fn, 0.0))
        gb_s += actions * per_action * secs * MEMORY_MB.get(fn, DEFAULT_MEMORY_MB) / 1024
    gb_s += clicks * lambda_seconds("og-done-handler", f.click_cpu_s) * DEFAULT_MEMORY_MB / 1024
    init = lambda_init(f, actions, clicks, cold)
    scan_bytes = n * sum(f.scan_items.get(k, 0) * b for k, b in SCAN_ITEM_BYTES.items())
    scan_rru = scan_bytes / 4096 * 0.5  # eventually consistent Scan: 0.5 RRU per 4 KB
    rru = ticks * (f.ddb_per_day[0] + scan_rru) + actions * f.ddb_per_action[0]
    rru += clicks * f.ddb_per_click[0]
    wru = ticks * f.ddb_per_day[1] + actions * f.ddb_per_action[1] + clicks * f.ddb_per_click[1]
    # +1 GET a day: the Map's ItemReader reads moves/<date>.csv (moto reads it outside the
    # adapters); +3 PUTs a day: drive-sync mirrors the list, rules and voice (assumed daily).
    gets = ticks * (f.s3_per_day[0] + 1) + actions * f.s3_per_action[0] + clicks * f.s3_per_click[0]
    puts = ticks * (f.s3_per_day[1] + 3) + actions * f.s3_per_action[1] + clicks * f.s3_per_click[1]
    lines = {
        "step_functions": transitions * p["sfn_transition"],
        "sfn_express": children["express_requests"] * p["sfn_express_request"]
        + children["express_gb_s"] * p["sfn_express_gb_s"],
        "lambda_requests": requests * p["lambda_request"],
        "lambda_duration": gb_s * p["lambda_arm_gb_s"],
        "lambda_init": init["gb_s"] * p["lambda_init"],
        "dynamodb": rru * p["ddb_read_unit"] + wru * p["ddb_write_unit"],
        "scheduler": ticks * p["scheduler_invocation"],
        "s3_requests": gets * p["s3_get"] + puts * p["s3_put"],
    }
    total = sum(lines.values())
    secrets = SECRETS * PRICES["secrets_manager_secret_month"]["usd"]
    return {
        "active_customers": n,
        "shape": shape,
        "actions": round(actions),
        "done_clicks": round(clicks),
        "state_transitions": round(transitions),
        "transitions_per_action": round((transitions - ticks * f.tick_transitions) / actions, 3),
        "map_children": round(children["children"]),
        "express_gb_s": round(children["express_gb_s"], 2),
        "lambda_requests": round(requests),
        "lambda_gb_s": round(gb_s, 1),
        "lambda_init_gb_s": round(init["gb_s"], 1),
        "cold_starts_per_day": {k: round(v, 1) for k, v in init["cold_starts_per_day"].items()},
        "init_from_measured_imports": init["measured"],
        "guide_s_per_tick": round(guide_s, 2),
        "ddb_read_units": round(rru),
        "ddb_write_units": round(wru),
        "s3_get": round(gets),
        "s3_put": round(puts),
        "usd": {k: round(v, 4) for k, v in lines.items()},
        "usd_total": round(total, 2),
        "usd_per_customer_month": round(total / n, 6),
        "usd_per_action": round(total / actions, 7),
        # Not orchestration, not in the total: the og/* secrets in Secrets Manager.
        "usd_secrets_manager": round(secrets, 2),
        "usd_per_customer_month_with_secrets": round((total + secrets) / n, 6),
    }


def naive_cost(f: Figures, n: int) -> dict[str, Any]:
    """A design that starts a Standard child per CSV row per day, every customer a row."""
    p = PRICES["sfn_transition"]["usd"]
    rows = n * DAYS_PER_MONTH
    ours = STANDARD_CHILD_TRANSITIONS + f.journey_transitions
    brief = 9  # transitions per customer-day that the ~$67/month estimate implies
    return {
        "rows_per_month": round(rows),
        "transitions_per_row_this_shape": round(ours, 2),
        "usd_this_shape": round(rows * ours * p, 2),
        "usd_at_9_transitions": round(rows * brief * p, 2),
        "usd_at_9_transitions_30_days": round(n * 30 * brief * p, 2),
    }


# ------------------------------------------------------------------------------------------------
# 7. A 21-day simulation: `og simulate` on a seeded home, as an owner would preview a business
# ------------------------------------------------------------------------------------------------
def bench_simulation(n: int, day: date, days: int, seed: int) -> dict[str, Any]:
    """Seed a home of `n` customers for `day` (section 2), then `og simulate --days` on it in a
    fresh process: its wall time, its CPU time (user + system, from the child's rusage) and the
    machine's load before and after. The list keeps its customers (no new signups)."""
    work = Path(tempfile.mkdtemp(prefix=f"og-bench-sim-{n}-"))
    home = work / f"home-{n}"
    try:
        seeded = _worker(["seed", str(home), str(n), day.isoformat(), str(seed)])
        command = [sys.executable, "-m", "og.cli", "simulate", "--home", str(home)]
        command += ["--start", day.isoformat(), "--days", str(days)]
        load_before = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return {
        "customers": n,
        "days": days,
        "seed": seeded,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "load_avg_1m_before": round(load_before, 2),
        "load_avg_1m_after": round(os.getloadavg()[0], 2),
        "exit_code": done.returncode,
        "days_printed": [line.strip() for line in done.stdout.splitlines() if line.strip()],
        "stderr_tail": done.stderr.strip().splitlines()[-3:],
    }


def report_simulation(sim: dict[str, Any]) -> None:
    print(
        f"7. og simulate, {sim['customers']:,} customers, {sim['days']} days: "
        f"{sim['wall_s']:.1f} s wall, {sim['cpu_s']:.1f} s CPU (load {sim['load_avg_1m_before']}"
        f" -> {sim['load_avg_1m_after']}); goal <= 180 s; exit code {sim['exit_code']}"
    )
    for line in sim["days_printed"][-3:]:
        print(f"   {line}")
    print()


# ------------------------------------------------------------------------------------------------
# Output
# ------------------------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    commit = ""
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    return {
        "commit": commit,
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    line = "  ".join(f"{h:<{w}}" for h, w in zip(header, widths, strict=True))
    print(line)
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(f"{x!s:<{w}}" for x, w in zip(r, widths, strict=True)))
    print()


def report(out: dict[str, Any]) -> None:
    m = out["machine"]
    print(
        f"og benchmark {out['date']} (commit {m.get('commit') or '?'}) on {m['cpus']} cores "
        f"({m['cpu_model']}), {m['memory']}\n"
    )
    if "decide" in out:
        d = out["decide"]
        print("1. Decision core (plan_day, generated steady state)")
        print_table(
            [
                [
                    f"{d['customers']:,}",
                    f"{d['best_wall_s']:.3f}",
                    f"{d['best_cpu_s']:.3f}",
                    f"{d['customers_per_s']:,}",
                    f"{d['customers_per_cpu_s']:,}",
                    "100,000",
                    str(d["moves"]),
                ]
            ],
            ["customers", "wall s", "cpu s", "customers/s", "per cpu-s", "goal/s", "moves"],
        )
    if "slack" in out:
        sl = out["slack"]
        print(
            f"5. done-handler's answer to a Slack click (Slack waits 3 s), SendTaskSuccess taking "
            f"{sl['slow_resume_s']:.1f} s; import {sl['import_s']:.3f} s + AWS adapters "
            f"{sl['adapters_s']:.3f} s in a fresh interpreter, Google modules loaded: "
            f"{sl['google_modules']}; the list at {sl.get('list_rows', 3):,} rows"
        )
        print_table(
            [
                [
                    "Done, cold (import + adapters + first request)",
                    f"{sl['cold_done_s']:.3f}",
                    f"{sl['first_after_s']:.3f}",
                ],
                [
                    "Done, first request in the stack",
                    f"{sl['first_done_s']:.3f}",
                    f"{sl['first_after_s']:.3f}",
                ],
                ["Done, warm", f"{sl['warm_done_s']:.3f}", f"{sl['warm_after_s']:.3f}"],
                ["Pause, warm (views.open)", f"{sl['warm_pause_s']:.3f}", "-"],
                *(
                    [
                        [
                            "Done, warm, rules doc edited since the post",
                            f"{sl['edited_done_s']:.3f}",
                            f"{sl['edited_after_s']:.3f}",
                        ]
                    ]
                    if "edited_done_s" in sl
                    else []
                ),
            ],
            ["interaction", "answer s", "work after s"],
        )
        print()
    if "cold" in out:
        report_cold(out["cold"])
    if "simulation" in out:
        report_simulation(out["simulation"])
    for run in out.get("runs", []):
        if "error" in run:
            print(f"2. Local tick, {run['size']:,} customers: {run['error']}\n")
            continue
        print(f"2. Local tick, {run['size']:,} customers (seeded history: {run['seed']})")
        rows = []
        for t in run["ticks"]:
            rows.append(
                [
                    t["day"],
                    f"{t['customers']:,}",
                    f"{t['moves']:,}",
                    f"{t['tick_s']:.1f}",
                    f"{t['tick_cpu_s']:.1f}",
                    f"{t['load_avg_1m']:.1f}",
                    f"{t['peak_rss_mb']:.0f}",
                    t["status"] + (f" ({t['error']})" if t["error"] else ""),
                ]
            )
        print(
            f"   stack start-up {run['startup_s']} s; goals: 1,000 customers <= 6 s, "
            "10,000 <= 60 s (wall, idle machine)"
        )
        print_table(
            rows,
            ["day", "customers", "moves", "tick wall s", "cpu s", "load", "peak RSS MB", "status"],
        )
        inv = [i for i in run["invocations"] if i["phase"] in ("tick1", "click")]
        handlers_cpu = sum(i["count"] * i["cpu_s_mean"] for i in inv if i["phase"] == "tick1")
        tick_cpu = run["ticks"][0]["tick_cpu_s"]
        print(
            f"   first tick's CPU: handlers {handlers_cpu:.1f} s "
            f"({handlers_cpu / max(tick_cpu, 1e-9):.0%}), the rest (moto's interpreter, the "
            f"engine, threads) {tick_cpu - handlers_cpu:.1f} s"
        )
        print_table(
            [
                [
                    i["phase"],
                    i["function"],
                    str(i["count"]),
                    f"{i['wall_s_mean'] * 1000:.0f}",
                    f"{i['cpu_s_mean'] * 1000:.0f}",
                ]
                for i in inv
            ],
            ["phase", "function", "invocations", "wall ms mean", "cpu ms mean"],
        )
    if "figures" not in out:
        return
    f = out["figures"]
    print(f"3. Counts per action (from the {f['customers']:,}-customer tick)")
    print_table(
        [
            ["moves per customer (the measured weekday)", f"{f['moves_per_customer_day']:.3f}"],
            [
                "actions per active customer-month (lifetime x 30.4/30)",
                f"{f['actions_per_customer_month']:.2f}",
            ],
            [
                "  cross-check: weekday moves x 21.7 open days",
                f"{f['moves_per_customer_day'] * OPEN_DAYS_PER_MONTH:.2f}",
            ],
            ["child executions per on-track customer", "0"],
            ["tick transitions per day (parent)", f"{f['tick_transitions']:.0f}"],
            [
                "tick transitions per customer-day",
                f"{f['tick_transitions'] / f['customers']:.5f}",
            ],
            [
                "Map child states per action (1 start + states; billed if STANDARD)",
                _r(f, "map_child"),
            ],
            [
                "Map children per action now (EXPRESS, one per batch; 1 billed start each)",
                f"1/{tick_batch_size()} (whole batches a day)",
            ],
            ["journey transitions per action (mean)", _r(f, "journey")],
            ["Lambda invocations per action", f"{f['lambda_per_action']:.2f}"],
            ["DynamoDB RRU / WRU per action", _pair(f["ddb_per_action"])],
            ["DynamoDB RRU / WRU per done click", _pair(f["ddb_per_click"])],
            ["S3 GET / PUT per action", _pair(f["s3_per_action"])],
            ["S3 GET / PUT per done click", _pair(f["s3_per_click"])],
            ["S3 GET / PUT per tick (guide)", _pair(f["s3_per_day"])],
            ["action mix", ", ".join(f"{k} {v:.0%}" for k, v in f["mix"].items())],
        ],
        ["figure", "value"],
    )
    print("   per move kind (journey executions):")
    run = [r for r in out["runs"] if "error" not in r][-1]
    print_table(
        [
            [
                k,
                str(v["executions"]),
                f"{v.get('states_entered', 0) / v['executions']:.2f}",
                f"{v.get('lambda_invocations', 0) / v['executions']:.2f}",
                str(v.get("parked_on_owner", 0)),
            ]
            for k, v in run["ticks"][0]["journeys"].items()
        ],
        ["kind", "executions", "states entered", "lambda calls", "parked on owner"],
    )
    print("4. Monthly cost (list prices, no free tier; see PRICES in this script)")
    costs = out["cost"]
    report_costs(costs, "now: EXPRESS children in batches")
    if "cost_before" in out:
        before = out["cost_before"]
        report_costs(before, "before: a STANDARD child per move")
        print(
            "   per action, before -> now (10,000 customers; transitions exclude the tick's own):"
        )
        b, a = before["10000"], costs["10000"]
        print(
            f"   {b['transitions_per_action']:.2f} -> {a['transitions_per_action']:.2f} "
            f"transitions, ${b['usd_per_action']:.6f} -> ${a['usd_per_action']:.6f} all in; "
            f"per active customer-month ${b['usd_per_customer_month']:.5f} -> "
            f"${a['usd_per_customer_month']:.5f} (goal $0.0006, INIT included)"
        )
        starts = ", ".join(f"{k} {v:g}" for k, v in a["cold_starts_per_day"].items())
        measured = "measured cold imports" if a["init_from_measured_imports"] else "assumed 1 s"
        print(f"   Lambda cold starts a day at 10,000 ({measured}): {starts}\n")
    nv = out["naive"]
    print("   vs. a Standard child per CSV row per day (every customer a row), 10,000 customers:")
    print(
        f"   {nv['rows_per_month']:,} rows/month x {nv['transitions_per_row_this_shape']} "
        f"transitions (this project's child + journey) = ${nv['usd_this_shape']:.2f} "
        f"Step Functions alone; at 9 transitions a row (the ~$67 estimate): "
        f"${nv['usd_at_9_transitions']:.2f} (30-day month: "
        f"${nv['usd_at_9_transitions_30_days']:.2f}); this design: "
        f"${costs['10000']['usd']['step_functions']:.2f}.\n"
    )


def report_costs(costs: dict[str, Any], title: str) -> None:
    print(f"   {title}")
    names = list(next(iter(costs.values()))["usd"])
    rows = [[k, *[f"${c['usd'][k]:.2f}" for c in costs.values()]] for k in names]
    rows.append(["total", *[f"${c['usd_total']:.2f}" for c in costs.values()]])
    rows.append(
        [
            "per active customer-month",
            *[f"${c['usd_per_customer_month']:.5f}" for c in costs.values()],
        ]
    )
    rows.append(["goal per customer-month", *["$0.00060" for _ in costs]])
    rows.append(
        [
            "(outside) Secrets Manager, 3 secrets",
            *[f"${c['usd_secrets_manager']:.2f}" for c in costs.values()],
        ]
    )
    print_table(rows, ["USD / month", *[f"{c['active_customers']:,}" for c in costs.values()]])
    quantities = ["actions", "done_clicks", "state_transitions", "map_children", "express_gb_s"]
    quantities += ["lambda_requests", "lambda_gb_s", "lambda_init_gb_s", "ddb_read_units"]
    quantities += ["ddb_write_units", "s3_get", "s3_put"]
    print_table(
        [[q, *[f"{c[q]:,}" for c in costs.values()]] for q in quantities],
        ["quantity / month", *[f"{c['active_customers']:,}" for c in costs.values()]],
    )


def report_cold(cold: dict[str, Any]) -> None:
    boto3_s = cold["boto3_import_s"]
    load = cold.get("load", [float("nan")] * 2)
    print(
        f"6. Cold starts (fresh interpreters, best of {cold['runs']}, load {load[0]:.1f} -> "
        f"{load[-1]:.1f}): `import app`, then the AWS adapters its first request builds; "
        f"`import boto3` alone in the same rounds: {boto3_s:.3f} s (goal: import <= 1.25x)"
    )
    print_table(
        [
            [
                name,
                f"{r['import_s']:.3f}",
                f"{r['import_s'] / boto3_s:.2f}x",
                f"{r['adapters_s']:.3f}",
                f"{r['import_s'] + r['adapters_s']:.3f}",
                str(r["modules"]),
            ]
            for name, r in sorted(cold["functions"].items())
        ]
        + [["import boto3", f"{boto3_s:.3f}", "1.00x", "", "", ""]],
        ["function", "import s", "x boto3", "adapters s", "total s", "modules"],
    )
    over = [n for n, r in sorted(cold["functions"].items()) if r["import_s"] > 1.25 * boto3_s]
    if over and "profiles" in cold:
        print("   over the goal, where `import app` goes (-X importtime, own time by package):")
        for name in over:
            groups = cold["profiles"][name]
            total = sum(groups.values())
            parts = ", ".join(f"{g} {ms / total:.0%}" for g, ms in list(groups.items())[:8])
            print(f"   {name}: {parts}")
    e = cold["enroll"]
    print(
        f"   enroll against moto: import {e['import_s']:.3f} s + first request "
        f"{e['first_s']:.3f} s (boto3 sessions opened: {e['sessions']}); warm request "
        f"{e['warm_s']:.3f} s\n"
    )


def _r(f: dict[str, Any], key: str) -> str:
    return f"{f[key + '_transitions']:.2f}"


def _pair(v: list[float] | tuple[float, float]) -> str:
    return f"{v[0]:.2f} / {v[1]:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="customers per local tick run")
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute")
    parser.add_argument("--decide-n", type=int, default=100_000, help="rows for the core bench")
    parser.add_argument("--decide-runs", type=int, default=5)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 12, 2))
    parser.add_argument("--days", type=int, default=1, help="ticks in a row (2: a second day)")
    parser.add_argument("--clicks", type=int, default=25, help="done clicks to measure")
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--skip-decide", action="store_true")
    parser.add_argument("--skip-tick", action="store_true")
    parser.add_argument("--skip-slack", action="store_true")
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh interpreters per figure")
    parser.add_argument("--from-json", type=Path, help="reuse measured runs; recompute costs")
    parser.add_argument(
        "--simulate", type=int, default=0, help="customers for a 21-day og simulate (0: skip)"
    )
    parser.add_argument("--simulate-days", type=int, default=21, help="days for --simulate")
    parser.add_argument("--keep", type=Path, help="keep the generated og homes here")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        kind, *rest = args.worker
        if kind == "seed":
            res = seed_home(Path(rest[0]), int(rest[1]), date.fromisoformat(rest[2]), int(rest[3]))
        elif kind == "slack-import":
            res = slack_import_worker()
        elif kind == "slack-answer":
            res = slack_answer_worker(Path(rest[0]))
        elif kind == "boto3-import":
            res = boto3_import_worker()
        elif kind == "cold-import":
            res = cold_import_worker(rest[0])
        elif kind == "enroll-first":
            res = enroll_first_worker(Path(rest[0]))
        else:
            res = tick_worker(
                Path(rest[0]), date.fromisoformat(rest[1]), int(rest[2]), int(rest[3])
            )
        args.worker_out.write_text(json.dumps(res, indent=1, default=str))
        return 0

    sizes = [200] if args.quick else [int(s) for s in args.sizes.split(",") if s]
    out: dict[str, Any] = {"date": date.today().isoformat(), "machine": machine()}
    if args.from_json:
        previous = json.loads(args.from_json.read_text())
        kept = ("date", "machine", "decide", "runs", "slack", "cold", "simulation")
        out |= {k: previous[k] for k in kept if k in previous}
    else:
        if not args.skip_decide:
            runs = 3 if args.quick else args.decide_runs
            out["decide"] = bench_decide(args.decide_n, runs)
        if not args.skip_slack:
            print(
                f"... done-handler answering Slack, SendTaskSuccess {SLOW_RESUME_S} s", flush=True
            )
            with tempfile.TemporaryDirectory(prefix="og-bench-slack-") as work:
                out["slack"] = bench_slack(Path(work))
        if not args.skip_cold:
            print("... cold starts: each function imported in fresh interpreters", flush=True)
            with tempfile.TemporaryDirectory(prefix="og-bench-cold-") as work:
                out["cold"] = bench_cold(Path(work), args.cold_runs)
        if args.simulate:
            print(f"... og simulate: {args.simulate:,} customers, {args.simulate_days} days")
            out["simulation"] = bench_simulation(
                args.simulate, args.day, args.simulate_days, args.seed
            )
        if not args.skip_tick:
            out["runs"] = []
            for n in sizes:
                print(f"... {n:,} customers: seeding a home and ticking {args.day}", flush=True)
                try:
                    run = run_size(n, args.day, args.days, args.clicks, args.seed, args.keep)
                except subprocess.CalledProcessError as err:  # the worker printed its traceback
                    run = {"size": n, "error": f"worker failed ({err.returncode}); see stderr"}
                out["runs"].append(run)
    measured = [r for r in out.get("runs", []) if "error" not in r]
    if measured:
        f = figures(measured[-1])
        out["figures"] = {
            **f.__dict__,
            "map_child_transitions": f.map_child_transitions,
            "journey_transitions": f.journey_transitions,
        }
        cold = out.get("cold")
        out["cost"] = {str(n): monthly_cost(f, n, cold) for n in SCALE}
        out["cost_before"] = {str(n): monthly_cost(f, n, cold, "standard") for n in SCALE}
        out["naive"] = naive_cost(f, 10_000)
    out["prices"] = {"checked": PRICES_CHECKED, **PRICES}
    report(out)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, default=str) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
