"""Each customer is counted once, in the first standing that is true of them."""

from __future__ import annotations

from og.core.models import CustomerState
from og.core.standings import Standings, count_standings


def _state(n: int, **flags: object) -> CustomerState:
    return CustomerState(f"c-{n}", **flags)  # type: ignore[arg-type]


def test_each_customer_counts_once_in_the_first_standing_true_of_them() -> None:
    states = [
        _state(1, finished=True, unsubscribed=True, flagged=True),
        _state(2, unsubscribed=True, paused=True),
        _state(3, handed_off_to="Siti", paused=True, flagged=True),
        _state(4, paused=True, flagged=True),
        _state(5, flagged=True),
        _state(6, steps_done=frozenset({"welcome"})),
        _state(7),
    ]

    counted = count_standings(states)

    assert counted == Standings(
        finished=1, unsubscribed=1, handed_off=1, paused=1, flagged=1, onboarding=2
    )
    assert counted.line() == (
        "7 customers: 1 finished, 1 flagged, 1 paused, 1 handed off, 1 unsubscribed, "
        "2 still onboarding"
    )


def test_no_customers_yet() -> None:
    assert count_standings([]).line() == (
        "0 customers: 0 finished, 0 flagged, 0 paused, 0 handed off, 0 unsubscribed, "
        "0 still onboarding"
    )
