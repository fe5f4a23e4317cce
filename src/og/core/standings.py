"""Where the guide's customers stand, counted once each: finished, unsubscribed, handed off,
paused, flagged (a flag waiting for the owner's answer), or still onboarding."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from og.core.models import CustomerState

__all__ = ["Standings", "count_standings", "standing"]


@dataclass(frozen=True, slots=True)
class Standings:
    finished: int = 0
    flagged: int = 0
    paused: int = 0
    handed_off: int = 0
    unsubscribed: int = 0
    onboarding: int = 0

    @property
    def customers(self) -> int:
        return (
            self.finished
            + self.flagged
            + self.paused
            + self.handed_off
            + self.unsubscribed
            + self.onboarding
        )

    def line(self) -> str:
        """One line, the same words in the same order every time (scripts read it)."""
        return (
            f"{self.customers} customers: {self.finished} finished, {self.flagged} flagged, "
            f"{self.paused} paused, {self.handed_off} handed off, "
            f"{self.unsubscribed} unsubscribed, {self.onboarding} still onboarding"
        )


def standing(state: CustomerState) -> str:
    """Where one customer stands: the first of finished, unsubscribed, handed_off, paused,
    flagged that is true of them, otherwise onboarding. A customer who finished and then
    unsubscribed has finished; a paused customer with an open flag is paused (nothing goes out
    to them whatever the answer)."""
    if state.finished:
        return "finished"
    if state.unsubscribed:
        return "unsubscribed"
    if state.handed_off_to:
        return "handed_off"
    if state.paused:
        return "paused"
    if state.flagged:
        return "flagged"
    return "onboarding"


def count_standings(states: Iterable[CustomerState]) -> Standings:
    """Each customer counted once, where they stand (`standing`)."""
    counts = dict.fromkeys(
        ("finished", "unsubscribed", "handed_off", "paused", "flagged", "onboarding"), 0
    )
    for state in states:
        counts[standing(state)] += 1
    return Standings(**counts)
