"""done-handler on finish: the last done click writes finished_at into the owner's sheet (locally
the home's onboarding.csv). The click is recorded first and stands on its own: a sheet that
cannot be written never costs the customer their finish."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date, datetime

import pytest

from og import wiring
from og.core.done_link import done_link, sign_done_token

from .support import Home, utc

MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T09:00:00+08:00,,,"
ARJUN = "c-2,Arjun Pillai,arjun@pillaicatering.example,Starter,2026-12-14T09:00:00+08:00,,,"
STARTER = ("welcome", "first-order", "delivery-schedule", "feedback")
AT = utc(date(2026, 12, 20), 3)


def _link(home: Home, customer_id: str, step_id: str) -> str:
    secret = json.loads((home.path / "secrets.json").read_text())["og/done-link/secret"]
    token = sign_done_token(customer_id, step_id, secret.encode(), AT)
    return done_link("http://localhost:8787/done", token)


def _rows(home: Home) -> list[dict[str, str]]:
    with (home.path / "onboarding.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def test_the_finishing_click_sets_finished_at_once(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI, ARJUN])
    with home.stack() as s:
        for step in STARTER[:-1]:
            assert s.click_done_link(_link(home, "c-1", step), AT)["statusCode"] == 200
        assert "finished_at" not in _rows(home)[0]  # not finished yet: the sheet is untouched

        last = s.click_done_link(_link(home, "c-1", "feedback"), AT)
        assert last["statusCode"] == 200 and "All done!" in last["body"]
        assert [(r["customer_id"], r["finished_at"]) for r in _rows(home)] == [
            ("c-1", "2026-12-20T03:00:00Z"),
            ("c-2", ""),
        ]

        s.click_done_link(_link(home, "c-1", "feedback"), utc(date(2026, 12, 22)))
    assert _rows(home)[0]["finished_at"] == "2026-12-20T03:00:00Z"  # the first finish stands
    assert home.state("c-1").finished


class BrokenSheet:
    def mark_finished(self, customer_id: str, at: datetime) -> bool:
        raise TimeoutError("Sheets API did not answer")


def test_a_sheet_failure_does_not_lose_the_click(
    make_home: Callable[..., Home], caplog: pytest.LogCaptureFixture
) -> None:
    home = make_home([MEI])
    with home.stack() as s, wiring.overridden(sheet=BrokenSheet()):
        for step in STARTER:
            answer = s.click_done_link(_link(home, "c-1", step), AT)
            assert answer["statusCode"] == 200
    assert "All done!" in answer["body"]
    assert home.state("c-1").finished
    assert home.state("c-1").steps_done == set(STARTER)
    [failure] = [r for r in caplog.records if r.getMessage().startswith("could not set finished")]
    assert failure.customer_id == "c-1"  # type: ignore[attr-defined]
    assert failure.exc_info is not None and "did not answer" in str(failure.exc_info[1])
