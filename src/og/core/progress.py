"""How a customer's progress changes when they click a done link or the owner answers a flag."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from og.core.models import CustomerState, OwnerAction


def apply_step_done(
    state: CustomerState, step_id: str, plan_step_ids: tuple[str, ...]
) -> CustomerState:
    done = state.steps_done | {step_id}
    finished = bool(plan_step_ids) and set(plan_step_ids) <= done
    return replace(state, steps_done=done, finished=state.finished or finished)


def apply_owner_action(
    state: CustomerState,
    action: OwnerAction,
    *,
    step_id: str | None,
    note: str | None,
    by_user: str,
    plan_step_ids: tuple[str, ...],
) -> CustomerState:
    """Pause stops all messages; Hand off gives the customer to a person; Done marks the flagged
    step done (the owner vouches for it). Any answer clears the flag. Resume undoes a pause or a
    hand-off; it answers no flag, and a customer's own unsubscribe is theirs: it stays."""
    if action is OwnerAction.RESUME:
        return replace(state, paused=False, paused_note=None, handed_off_to=None)
    state = replace(state, flagged=False)
    if action is OwnerAction.PAUSE:
        return replace(state, paused=True, paused_note=note or None)
    if action is OwnerAction.HAND_OFF:
        return replace(state, handed_off_to=note or by_user)
    if step_id is None:
        return state
    return apply_step_done(state, step_id, plan_step_ids)


def held_because(state: CustomerState) -> str | None:
    """Why the owner holds the customer back (what a resume undoes), or None."""
    if state.paused:
        return f"paused: {state.paused_note}" if state.paused_note else "paused"
    if state.handed_off_to:
        return f"handed off to {state.handed_off_to}"
    return None


def state_as_dict(state: CustomerState) -> dict[str, Any]:
    return {
        "customer_id": state.customer_id,
        "steps_done": sorted(state.steps_done),
        "paused": state.paused,
        "finished": state.finished,
        "flagged": state.flagged,
        "handed_off_to": state.handed_off_to,
        "paused_note": state.paused_note,
        "unsubscribed": state.unsubscribed,
    }
