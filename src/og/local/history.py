"""One customer's timeline from the local records — executions (the states they passed, the
reason for each move, its send window and any deferral), messages sent, flags and the owner's
answers, done clicks, unsubscribes, and every pause and resume (who, and the note).

Each event is listed once. The records overlap: a flag is a send (its Slack post), a flag record
(its answer) and an audit entry; an email is in the execution's output and in the sends. Here
the flag record carries its post, the send carries the email, and the audit entries that only
repeat a flag are left out. `og history` prints the events as text and the console
(og.local.console_html) draws them: both in the customer's and the business's local time."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from og.adapters.local.store import SqliteJourneyStore
from og.adapters.ports import AuditEntry, PendingFlag
from og.adapters.records import state_from_item
from og.core.config_doc import read_config_entries
from og.core.errors import DocumentError
from og.core.models import OwnerAction, SendKind, SendRecord
from og.core.progress import held_because
from og.local import console_data
from og.local.engine import ExecutionRecord
from og.local.runs import RunLog

# What happened, in the order events of the same minute are listed.
EXECUTION, MESSAGE, FLAG, DONE, ANSWER, UNSUBSCRIBED, AUDIT = (
    "execution",
    "message",
    "flag",
    "done",
    "answer",
    "unsubscribed",
    "audit",
)
_ORDER = (EXECUTION, MESSAGE, FLAG, DONE, ANSWER, UNSUBSCRIBED, AUDIT)


@dataclass(frozen=True, slots=True)
class StatePassed:
    name: str
    failed: bool = False  # an error was raised here (caught by a Retry or Catch, or not)


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime  # aware, UTC
    kind: str  # one of EXECUTION ... AUDIT
    text: str
    details: tuple[str, ...] = ()
    states: tuple[StatePassed, ...] = ()  # an execution's path
    status: str = ""  # an execution's status, a send's status, a flag's answer ("open")
    flag_key: str = ""  # a flag's
    channel: str = ""  # a message's: email or slack
    message_id: str | None = None  # a sent message's id (an email's Message-ID)
    window: datetime | None = None  # an execution's send window
    deferred: str = ""  # why the send window is later than the move's day asked


@dataclass(frozen=True, slots=True)
class Zones:
    business: ZoneInfo
    customer: ZoneInfo

    def local(self, at: datetime) -> tuple[str, str]:
        """`at` as the business's and the customer's wall clock, YYYY-MM-DD HH:MM."""
        return (
            at.astimezone(self.business).strftime("%Y-%m-%d %H:%M"),
            at.astimezone(self.customer).strftime("%Y-%m-%d %H:%M"),
        )

    @property
    def same(self) -> bool:
        return self.business.key == self.customer.key


def customer_events(home: Path, customer_id: str) -> list[Event]:
    """The customer's events, oldest first, each once."""
    store = SqliteJourneyStore(home / "og.sqlite")
    sends = store.sends_with_status(customer_id)
    # A step flagged again (og.logic.reflag) has a post per flag: the n-th post is the n-th flag's.
    posts: dict[str, list[tuple[str, str | None]]] = {}
    for record, status, message_id in sorted(sends, key=lambda s: s[0].reflag):
        if record.kind is SendKind.FLAG:
            posts.setdefault(record.step_id, []).append((status, message_id))
    events = [_execution(r) for r in RunLog(home / "og.sqlite").for_customer(customer_id)]
    events += [
        _send(record, status, message_id)
        for record, status, message_id in sends
        if record.kind is not SendKind.FLAG
    ]
    events += [
        _flag(flag, posts.get(flag.step_id, []))
        for flag in sorted(store.all_flags(customer_id), key=lambda f: f.posted_at)
    ]
    events += [
        _audit(entry)
        for entry in store.audit_trail(customer_id)
        if not entry.action.startswith("flag:")  # the flag itself is listed
    ]
    return sorted(events, key=lambda e: (e.at, _ORDER.index(e.kind)))


def _execution(r: ExecutionRecord) -> Event:
    move = r.input["move"]
    details = [f"why: {move['reason']}"]
    sent = (r.output or {}).get("sent")
    if sent and sent["outcome"] != "sent":  # a message that went out is its own event
        details.append(f"{sent['outcome']}: {sent['detail']}")
    details += [
        f"{e['type']}: {e['error']}: {(e['cause'] or '')[:200]}" for e in r.events if e.get("error")
    ]
    return Event(
        r.started_at,
        EXECUTION,
        f"execution {r.name}: {r.status}",
        tuple(details),
        states=_path(r.events),
        status=r.status,
        window=datetime.fromisoformat(move["send_at"].replace("Z", "+00:00")),
        deferred=move["deferred_because"] or "",
    )


def _path(events: Iterable[dict[str, Any]]) -> tuple[StatePassed, ...]:
    """The states entered, in order, each marked when an error was raised while in it."""
    names: list[str] = []
    failed: set[int] = set()
    for e in events:
        if e["type"].endswith("StateEntered"):
            names.append(e["state"])
        elif e.get("error") and names:
            failed.add(len(names) - 1)
    return tuple(StatePassed(name, i in failed) for i, name in enumerate(names))


def _send(record: SendRecord, status: str, message_id: str | None) -> Event:
    return Event(
        record.sent_at,
        MESSAGE,
        f"sent {record.kind.value} '{record.step_id}' by {record.channel.value} "
        f"to {record.recipient} [{status}{', ' + message_id if message_id else ''}]",
        status=status,
        channel=record.channel.value,
        message_id=message_id,
    )


def _flag(flag: PendingFlag, posts: list[tuple[str, str | None]]) -> Event:
    status, ts = posts.pop(0) if posts else ("not posted", None)
    return Event(
        flag.posted_at,
        FLAG,
        f"flag '{flag.step_id}' ({flag.flag_key}): {flag.reason}",
        (
            f"posted to the owner in Slack [{status}{', ' + ts if ts else ''}]",
            f"answer: {flag.answer or 'open'}",
        ),
        status=flag.answer or "open",
        flag_key=flag.flag_key,
    )


def _audit(entry: AuditEntry) -> Event:
    """Customers' clicks and the owner's answers in words; the rest as recorded."""
    note = entry.after.get("note")
    if entry.action.startswith("done:"):
        step = entry.action.removeprefix("done:")
        return Event(entry.ts, DONE, f"step '{step}' marked done by {entry.by_user}")
    if entry.action == "unsubscribed":
        text = f"unsubscribed by {entry.by_user}: no email goes to them any more"
        return Event(entry.ts, UNSUBSCRIBED, text)
    if entry.action == f"owner:{OwnerAction.PAUSE.value}":
        text = f"PAUSED by {entry.by_user}" + (f": {note}" if note else " (no note)")
    elif entry.action == f"owner:{OwnerAction.RESUME.value}":
        was = held_because(state_from_item(entry.before))
        text = f"RESUMED by {entry.by_user} (was {was})" + (f": {note}" if note else "")
    else:
        text = f"{entry.action} by {entry.by_user}" + (f": {note}" if note else "")
    return Event(entry.ts, ANSWER if entry.action.startswith("owner:") else AUDIT, text)


def timeline_text(events: Iterable[Event], zones: Zones) -> list[str]:
    """`og history`'s lines: a line naming the timezones, then each event at its local times."""
    if zones.same:
        out = [f"times in {zones.business.key} (the business's and the customer's)"]
    else:
        out = [f"times in {zones.business.key} (the business) | {zones.customer.key} (customer)"]
    for e in events:
        business, customer = zones.local(e.at)
        at = business if zones.same else f"{business} | {customer}"
        lines = [e.text, *_text_details(e, zones)]
        out.append(f"{at}  {lines[0]}")
        out += [f"{'':{len(at) + 4}}{line}" for line in lines[1:]]
    return out


def _text_details(e: Event, zones: Zones) -> list[str]:
    if e.kind != EXECUTION:
        return list(e.details)
    path = " > ".join(s.name + (" (error)" if s.failed else "") for s in e.states)
    return [*e.details[:1], window_text(e, zones), f"states: {path}", *e.details[1:]]


def window_text(e: Event, zones: Zones) -> str:
    """An execution's send window at both local times, and why it was deferred."""
    if e.window is None:
        return ""
    business, customer = zones.local(e.window)
    at = business if zones.same else f"{business} (business) | {customer} (customer)"
    return f"send window: {at}" + (f" (deferred: {e.deferred})" if e.deferred else "")


def customer_timeline(home: Path, customer_id: str) -> list[str]:
    """`og history`: the customer's timeline as text; [] when nothing is recorded."""
    events = customer_events(home, customer_id)
    return timeline_text(events, home_zones(home, customer_id)) if events else []


def home_zones(home: Path, customer_id: str) -> Zones:
    """The business's timezone (config.txt) and the customer's (their row of the list, else the
    business's). A list that cannot be read leaves the customer in the business's zone."""
    entries = read_config_entries(console_data.home_text(home, "config.txt"), "config.txt")
    business = entries.get("timezone", ("UTC", ""))[0]
    customer = None
    with contextlib.suppress(DocumentError, OSError, ValueError):
        docs = console_data.read_docs(home)
        now = console_data.console_now(home)
        customers, _ = console_data.read_list(home, docs, now)
        found = [c for c in customers if c.customer_id == customer_id]
        customer = found[0].timezone if found else None
    return Zones(ZoneInfo(business), ZoneInfo(customer or business))
