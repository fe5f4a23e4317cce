"""A flag post to the owner's Slack left in doubt (the task was killed between its claim and its
confirm) is posted again once that task has surely timed out, never while it may still be
posting. The logic gets its store and clock as arguments: here the local SQLite store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from og.adapters.local.store import SqliteJourneyStore
from og.core.models import Channel, SendKind, SendRecord
from og.logic.in_doubt import claim_owner_post

T0 = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
TIMEOUT_S = 300  # the sender's Lambda timeout


def _flag_post(at: datetime) -> SendRecord:
    return SendRecord("c-1", "welcome", SendKind.FLAG, at, date(2026, 12, 14), Channel.SLACK, "U1")


def test_a_post_left_in_doubt_is_taken_over_only_after_its_task_timed_out(tmp_path: Path) -> None:
    store = SqliteJourneyStore(tmp_path / "og.sqlite")

    def claim(at: datetime, attempt: str) -> str | None:
        return claim_owner_post(
            store, lambda: at, _flag_post(at), attempt, send_timeout_seconds=TIMEOUT_S
        )

    assert claim(T0, "exec-1/a") == "new"  # ...and the task is killed before it confirms
    assert claim(T0 + timedelta(minutes=5), "exec-1/b") is None  # it may still be posting
    late = T0 + timedelta(seconds=TIMEOUT_S, minutes=11)
    assert claim(late, "exec-1/c") == "again"
    [held] = store.claims_in_doubt(late + timedelta(seconds=1), "c-1")
    assert held.attempt == "exec-1/c"
    assert claim(late + timedelta(minutes=1), "exec-1/d") is None  # c is posting now

    store.confirm_send(_flag_post(late), "exec-1/c", "1733000000.000100")
    assert claim(late + timedelta(hours=1), "exec-1/e") is None  # posted: never again


def test_a_post_already_made_is_not_claimed_again(tmp_path: Path) -> None:
    store = SqliteJourneyStore(tmp_path / "og.sqlite")
    store.claim_send(_flag_post(T0), "exec-1/a", one_per_day=False)
    store.confirm_send(_flag_post(T0), "exec-1/a", "1733000000.000100")
    later = T0 + timedelta(days=1)
    assert (
        claim_owner_post(
            store, lambda: later, _flag_post(later), "exec-2/a", send_timeout_seconds=TIMEOUT_S
        )
        is None
    )
