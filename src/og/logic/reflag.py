"""Flags raised again about a message in doubt. A customer whose message is in doubt is held
until the owner answers Done on the flag about it. Answered with Pause or Hand off and later
resumed, the customer would be held for ever with no button left to press; so each flag about a
step has a successor, raised under a new key (the answered one stays answered, as audited),
whenever the flags before it were all answered with Pause or Hand off and the customer has been
resumed since."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC

from og.adapters.ports import JourneyStore, PendingFlag
from og.core.models import CustomerState, OwnerAction
from og.core.progress import held_because

_LET_GO = frozenset({OwnerAction.PAUSE.value, OwnerAction.HAND_OFF.value})


def flag_key(*parts: str) -> str:
    """The short key a flag's (or an owner task's) Slack buttons carry."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class StepFlag:
    """Where a customer's flags about one step stand: the one a post about the step uses now."""

    key: str
    reflag: int  # 0: the step's first flag; n: raised again n times
    flag: PendingFlag | None  # the flag under `key`, once saved (answered or not)
    let_go: PendingFlag | None  # the last earlier flag, answered with Pause or Hand off

    @property
    def is_open(self) -> bool:
        return self.flag is not None and self.flag.answer is None


def step_flag(store: JourneyStore, state: CustomerState, step_id: str) -> StepFlag:
    """The flag about `step_id` a post would use now: past every flag answered with Pause or
    Hand off, when the customer has been resumed since (while they are still paused or handed
    off, that answer stands and no new flag is due)."""
    cid = state.customer_id
    reflag, key, let_go = 0, flag_key(cid, step_id, "flag"), None
    flag = store.flag(key)
    while flag is not None and flag.answer in _LET_GO and held_because(state) is None:
        reflag, let_go = reflag + 1, flag
        key = flag_key(cid, step_id, "flag", str(reflag))
        flag = store.flag(key)
    return StepFlag(key, reflag, flag, let_go)


def flagged_again(let_go: PendingFlag, name: str) -> str:
    """What a flag raised again says first: why the owner sees it again."""
    answer = {"pause": "Pause", "hand_off": "Hand off"}[str(let_go.answer)]
    at = let_go.answered_at
    when = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if at else "earlier"
    return (
        f"flagged again: you answered the earlier flag about this with {answer} ({when}) and "
        f"have resumed {name} since, but this message still holds them"
    )
