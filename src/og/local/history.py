"""`og history`: one customer's timeline from the local records — executions (with the reason
for each move, its send window and what came of it), messages sent, flags, done clicks,
unsubscribes, owner answers, and every pause and resume (who, and the note)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from og.adapters.local.store import SqliteJourneyStore
from og.adapters.ports import AuditEntry
from og.adapters.records import state_from_item
from og.core.models import OwnerAction
from og.core.progress import held_because
from og.local.runs import RunLog


def _at(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%MZ")


def customer_timeline(home: Path, customer_id: str) -> list[str]:
    store = SqliteJourneyStore(home / "og.sqlite")
    entries: list[tuple[datetime, int, list[str]]] = []
    for r in RunLog(home / "og.sqlite").for_customer(customer_id):
        move = r.input["move"]
        lines = [
            f"execution {r.name}: {r.status}",
            f"    why: {move['reason']}",
            f"    send window: {move['send_at']}"
            + (f" (deferred: {move['deferred_because']})" if move["deferred_because"] else ""),
        ]
        states = [e["state"] for e in r.events if e["type"].endswith("StateEntered")]
        lines.append(f"    states: {' > '.join(states)}")
        sent = (r.output or {}).get("sent")
        if sent:
            lines.append(f"    {sent['outcome']}: {sent['detail']}")
        lines += [
            f"    {e['type']}: {e['error']}: {(e['cause'] or '')[:200]}"
            for e in r.events
            if e.get("error")
        ]
        entries.append((r.started_at, 0, lines))
    for record, status, message_id in store.sends_with_status(customer_id):
        what = {"step": "step", "nudge": "nudge", "flag": "flag to owner"}[record.kind.value]
        entries.append(
            (
                record.sent_at,
                1,
                [
                    f"sent {what} '{record.step_id}' by {record.channel.value} "
                    f"to {record.recipient} [{status}{', ' + message_id if message_id else ''}]"
                ],
            )
        )
    for flag in store.all_flags(customer_id):
        entries.append(
            (
                flag.posted_at,
                2,
                [
                    f"flag '{flag.step_id}' ({flag.flag_key}): {flag.reason}",
                    f"    answer: {flag.answer or 'open'}",
                ],
            )
        )
    for entry in store.audit_trail(customer_id):
        entries.append((entry.ts, 3, [_audit_line(entry)]))
    out = []
    for ts, _, lines in sorted(entries, key=lambda e: (e[0], e[1])):
        out.append(f"{_at(ts)}  {lines[0]}")
        out += [f"{'':19}{line}" for line in lines[1:]]
    return out


def _audit_line(entry: AuditEntry) -> str:
    """Customers' clicks and the owner's pauses in words; the rest as recorded."""
    note = entry.after.get("note")
    if entry.action.startswith("done:"):
        return f"step '{entry.action.removeprefix('done:')}' marked done by {entry.by_user}"
    if entry.action == "unsubscribed":
        return f"unsubscribed by {entry.by_user}: no email goes to them any more"
    if entry.action == f"owner:{OwnerAction.PAUSE.value}":
        return f"PAUSED by {entry.by_user}" + (f": {note}" if note else " (no note)")
    if entry.action == f"owner:{OwnerAction.RESUME.value}":
        was = held_because(state_from_item(entry.before))
        return f"RESUMED by {entry.by_user} (was {was})" + (f": {note}" if note else "")
    return f"{entry.action} by {entry.by_user}" + (f": {note}" if note else "")
