"""scripts/benchmark.py's cost model (section 4): what it bills for the tick's Map children and for
Lambda INIT, on made-up figures (docs/benchmark.md, "Monthly cost")."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("og_benchmark", ROOT / "scripts/benchmark.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["og_benchmark"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def figures(bench: ModuleType) -> object:
    return bench.Figures(
        customers=1000,
        moves_per_customer_day=0.2,
        actions_per_customer_month=6.0,
        mix={"step_email": 1.0},
        tick_transitions=5,
        map_child_transitions=2,
        journey_transitions=3.0,
        lambda_per_action=1.0,
        ddb_per_day=(0, 0),
        ddb_per_action=(0, 0),
        ddb_per_click=(0, 0),
        scan_items={},
        s3_per_day=(0, 0),
        s3_per_action=(0, 0),
        s3_per_click=(0, 0),
        secrets_per_action=0,
        guide_cpu_s_per_customer=0.0,
        cpu_s={"og-sender": 0.01},
        lambda_calls_per_action={"og-sender": 1.0},
        click_cpu_s=0.0,
    )


def test_the_deployed_tick_batches_its_moves(bench: ModuleType) -> None:
    assert bench.tick_batch_size() == 50


def test_express_batches_bill_one_child_start_per_whole_batch(bench: ModuleType) -> None:
    moves_per_day = 101.0  # 3 batches: 50, 50, 1
    now = bench.map_children(moves_per_day, "express")
    before = bench.map_children(moves_per_day, "standard")

    assert now["transitions"] == now["express_requests"] == 3 * bench.DAYS_PER_MONTH
    assert before["transitions"] == 2 * moves_per_day * bench.DAYS_PER_MONTH
    assert before["express_requests"] == before["express_gb_s"] == 0
    # a full batch: the inline Map and five rounds of 10 starts, 0.3 s (billed in 100 ms steps)
    assert now["express_gb_s"] == pytest.approx(3 * bench.DAYS_PER_MONTH * 0.3 * 64 / 1024)


def test_cold_starts_follow_concurrency_and_never_exceed_the_calls(bench: ModuleType) -> None:
    bursts = bench.SEND_BURSTS_PER_DAY
    assert bench.cold_starts_per_day("og-guide", 1) == 1
    assert bench.cold_starts_per_day("og-done-handler", 1000) == 24
    assert bench.cold_starts_per_day("og-done-handler", 3) == 3
    assert bench.cold_starts_per_day("og-sender", 2) == 2
    assert bench.cold_starts_per_day("og-sender", 5000) == bursts * bench.LAMBDA_CONCURRENCY


def test_an_init_is_the_cold_import_scaled_to_memory_and_capped(bench: ModuleType) -> None:
    cold = {"functions": {"og-sender": {"import_s": 0.3, "adapters_s": 0.2}}}
    assert bench.init_seconds("og-sender", cold) == pytest.approx(0.5 * 1769 / 256)
    slow = {"functions": {"og-sender": {"import_s": 2.0, "adapters_s": 1.0}}}
    assert bench.init_seconds("og-sender", slow) == bench.INIT_LIMIT_S
    assert bench.init_seconds("og-sender", None) == pytest.approx(1769 / 256)


def test_batches_cut_the_bill_and_fixed_costs_spread_as_the_list_grows(
    bench: ModuleType,
) -> None:
    f = figures(bench)
    now = {n: bench.monthly_cost(f, n) for n in bench.SCALE}
    before = {n: bench.monthly_cost(f, n, None, "standard") for n in bench.SCALE}

    assert before[10_000]["transitions_per_action"] == pytest.approx(5.0)
    assert now[10_000]["transitions_per_action"] < 3.03
    assert now[10_000]["usd"]["lambda_init"] > 0
    for n in bench.SCALE:
        assert now[n]["usd_total"] < before[n]["usd_total"]
    per_customer = [now[n]["usd_per_customer_month"] for n in bench.SCALE]
    assert per_customer == sorted(per_customer, reverse=True)
