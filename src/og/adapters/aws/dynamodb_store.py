"""JourneyStore on DynamoDB: the tables of template.yaml, with the same rules as the SQLite store
(og.adapters.local.store) — a conditional claim before every send, state and audit written in one
transaction.

Layout:
- og-sends (customer_id, send_key): one item per message, status 'sending' until confirmed.
- og-send-days (customer_id, local_date): the customer's one customer-facing message that day.
- og-state (customer_id): progress, plus `version` for optimistic locking (SQLite serializes the
  read-modify-write with a lock; here a conditional Put does, and a conflict re-reads).
- og-audit (customer_id, ts): ts is "<at ISO>#<state version>", unique per customer even when
  two changes share a clock reading, and sorted like SQLite's (ts, rowid).
- og-sends-archive (customer_id, journey_send_key = "<journey_id>#<send_key>").
- og-flags (flag_key): pending flags, the reported list problems as "problem#<sha256 of the
  problem key>" items (keys are free text and could exceed the 2 KB key limit), and the
  proposals from forwarded welcome emails as "proposal#<key>" items.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from og.adapters.ports import (
    AuditEntry,
    ClaimOutcome,
    OwnerTask,
    PendingFlag,
    Proposal,
    ProposalDecision,
    SendClaim,
)
from og.adapters.records import (
    OWNER_TASK_PREFIX,
    PROPOSAL_PREFIX,
    flag_from_item,
    flag_item,
    owner_task_from_item,
    owner_task_item,
    proposal_audit,
    proposal_from_item,
    proposal_item,
    send_from_item,
    send_item,
    state_from_item,
)
from og.core.errors import StoreContention
from og.core.models import (
    CustomerState,
    Journey,
    OwnerAction,
    SendRecord,
)
from og.core.progress import apply_owner_action, apply_step_done, state_as_dict

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()

_ATTEMPTS = 6  # transaction conflicts, unprocessed batch items, optimistic-lock retries
_BATCH_WRITE = 25  # BatchWriteItem limit
# Cancellation codes that say "try again", as opposed to a condition that did not hold.
_TRANSIENT = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}


class TableNames(Protocol):
    """The table names (og.wiring.Settings has them)."""

    @property
    def sends_table(self) -> str: ...
    @property
    def send_days_table(self) -> str: ...
    @property
    def state_table(self) -> str: ...
    @property
    def audit_table(self) -> str: ...
    @property
    def archive_table(self) -> str: ...
    @property
    def flags_table(self) -> str: ...


class _ConditionFailed(Exception):
    """A transaction was cancelled because a condition did not hold; `reasons` are DynamoDB's
    CancellationReasons, one per action in request order."""

    def __init__(self, reasons: list[dict[str, Any]]):
        super().__init__(", ".join(r.get("Code", "None") for r in reasons))
        self.reasons = reasons

    def failed(self, index: int) -> bool:
        return self.reasons[index].get("Code") == "ConditionalCheckFailed"


class DynamoJourneyStore:
    def __init__(self, tables: TableNames, client: Any = None):
        self.tables = tables
        self._db = client or boto3.client("dynamodb")

    # --- reads -------------------------------------------------------------------------------
    def load_journeys(self) -> dict[str, Journey]:
        # Scan, not a Query per customer: the daily tick reads every customer once a day, and one
        # Scan of each table costs far fewer requests (and read units) than N Queries. Eventually
        # consistent is enough: a send confirmed a moment ago that this read misses is still
        # stopped by claim_send's condition.
        states = {
            item["customer_id"]: _state_from(item)[0]
            for item in self._scan(self.tables.state_table)
        }
        sends: dict[str, list[dict[str, Any]]] = {}
        for item in self._scan(self.tables.sends_table):
            sends.setdefault(item["customer_id"], []).append(item)
        return {
            cid: _journey(states.get(cid, CustomerState(cid)), sends.get(cid, []))
            for cid in states.keys() | sends.keys()
        }

    def journey(self, customer_id: str) -> Journey:
        state, _ = self._state(customer_id)
        return _journey(state, self._sends(customer_id))

    def claims_in_doubt(
        self, claimed_before: datetime, customer_id: str | None = None
    ) -> list[SendClaim]:
        if customer_id:
            items: Iterator[dict[str, Any]] = (
                i
                for i in self._query(self.tables.sends_table, customer_id)
                if i["status"] == "sending"
            )
        else:
            items = self._scan(
                self.tables.sends_table,
                FilterExpression="#status = :sending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=_dump({":sending": "sending"}),
                ConsistentRead=True,
            )
        # Compared as instants: sent_at text may carry different UTC offsets.
        claims = [SendClaim(send_from_item(i), i["attempt"], i.get("message_id")) for i in items]
        return sorted(
            (c for c in claims if c.record.sent_at < claimed_before),
            key=lambda c: c.record.sent_at,
        )

    # --- exactly once ------------------------------------------------------------------------
    def claim_send(self, record: SendRecord, attempt: str, *, one_per_day: bool) -> ClaimOutcome:
        actions = [
            {
                "Put": {
                    "TableName": self.tables.sends_table,
                    "Item": _dump(send_item(record) | {"status": "sending", "attempt": attempt}),
                    "ConditionExpression": "attribute_not_exists(customer_id)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        ]
        if one_per_day:
            actions.append(
                {
                    "Put": {
                        "TableName": self.tables.send_days_table,
                        "Item": _dump(
                            {
                                "customer_id": record.customer_id,
                                "local_date": record.local_date.isoformat(),
                                "send_key": record.send_key,
                            }
                        ),
                        "ConditionExpression": "attribute_not_exists(customer_id)",
                    }
                }
            )
        try:
            self._transact(actions)
        except _ConditionFailed as err:
            # The send's own record decides first, as in SQLite: a message already sent or in
            # doubt is reported as such even when the day is also taken.
            if err.failed(0):
                old = err.reasons[0].get("Item")
                status = _load(old).get("status") if old else None
                return ClaimOutcome.ALREADY_SENT if status == "sent" else ClaimOutcome.IN_DOUBT
            return ClaimOutcome.DAY_TAKEN
        return ClaimOutcome.CLAIMED

    def confirm_send(self, record: SendRecord, attempt: str, message_id: str) -> None:
        try:
            self._db.update_item(
                TableName=self.tables.sends_table,
                Key=_dump({"customer_id": record.customer_id, "send_key": record.send_key}),
                UpdateExpression="SET #status = :sent, message_id = :message_id",
                ConditionExpression="attempt = :attempt",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=_dump(
                    {":sent": "sent", ":message_id": message_id, ":attempt": attempt}
                ),
            )
        except ClientError as err:
            # Another attempt owns the claim (or none exists): nothing of ours to confirm.
            if _code(err) != "ConditionalCheckFailedException":
                raise

    def sent_message_id(self, customer_id: str, send_key: str) -> str | None:
        key = {"customer_id": customer_id, "send_key": send_key}
        item = self._get(self.tables.sends_table, key)
        return str(item["message_id"]) if item and item.get("status") == "sent" else None

    def release_send(self, record: SendRecord, attempt: str) -> None:
        key = {"customer_id": record.customer_id, "send_key": record.send_key}
        claim = self._get(self.tables.sends_table, key)
        if claim is None or claim["attempt"] != attempt or claim["status"] != "sending":
            return
        # The day is freed only if this send took it; nothing else can take it meanwhile, since
        # the day item stays until this very claim is released.
        day_key = {"customer_id": record.customer_id, "local_date": claim["local_date"]}
        day = self._get(self.tables.send_days_table, day_key)
        actions: list[dict[str, Any]] = [
            {
                "Delete": {
                    "TableName": self.tables.sends_table,
                    "Key": _dump(key),
                    "ConditionExpression": "attempt = :attempt AND #status = :sending",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": _dump(
                        {":attempt": attempt, ":sending": "sending"}
                    ),
                }
            }
        ]
        if day is not None and day["send_key"] == record.send_key:
            actions.append(
                {
                    "Delete": {
                        "TableName": self.tables.send_days_table,
                        "Key": _dump(day_key),
                        "ConditionExpression": "send_key = :send_key",
                        "ExpressionAttributeValues": _dump({":send_key": record.send_key}),
                    }
                }
            )
        try:
            self._transact(actions)
        except _ConditionFailed:
            return  # confirmed or released by another attempt since we read it

    # --- flags -------------------------------------------------------------------------------
    def save_flag(self, flag: PendingFlag) -> None:
        """Store the flag (a retried task replaces the token) and mark the customer flagged."""
        put_flag = {"Put": {"TableName": self.tables.flags_table, "Item": _dump(flag_item(flag))}}
        self._change_state(
            flag.customer_id,
            lambda before: None if before.flagged else replace(before, flagged=True),
            action=f"flag:{flag.step_id}",
            by_user="guide",
            at=flag.posted_at,
            note=flag.reason,
            also=[put_flag],
        )

    def flag(self, flag_key: str) -> PendingFlag | None:
        item = self._get(self.tables.flags_table, {"flag_key": flag_key})
        return flag_from_item(item) if item else None

    def all_flags(self, customer_id: str | None = None) -> list[PendingFlag]:
        # og-flags is keyed by flag_key only (a Slack button carries just that), so finding a
        # customer's flags is a filtered Scan; the table holds a small business's few flags.
        # Only flags have a customer_id (proposals and problem markers do not).
        if customer_id is not None:
            filtered: dict[str, Any] = {
                "FilterExpression": "customer_id = :customer_id",
                "ExpressionAttributeValues": _dump({":customer_id": customer_id}),
            }
        else:
            filtered = {"FilterExpression": "attribute_exists(customer_id)"}
        items = self._scan(self.tables.flags_table, ConsistentRead=True, **filtered)
        return sorted((flag_from_item(i) for i in items), key=lambda f: f.posted_at)

    def open_flags(self, customer_id: str | None = None) -> list[PendingFlag]:
        return [f for f in self.all_flags(customer_id) if f.answer is None]

    def save_owner_task(self, task: OwnerTask) -> None:
        self._db.put_item(TableName=self.tables.flags_table, Item=_dump(owner_task_item(task)))

    def owner_task(self, key: str) -> OwnerTask | None:
        item = self._get(self.tables.flags_table, {"flag_key": OWNER_TASK_PREFIX + key})
        return owner_task_from_item(item) if item else None

    # --- owner and customer actions ------------------------------------------------------------
    def record_owner_action(
        self,
        customer_id: str,
        action: OwnerAction,
        *,
        by_user: str,
        at: datetime,
        flag_key: str | None = None,
        step_id: str | None = None,
        note: str | None = None,
        plan_step_ids: tuple[str, ...] = (),
    ) -> CustomerState:
        also = []
        flag = self._get(self.tables.flags_table, {"flag_key": flag_key}) if flag_key else None
        if flag is not None:
            if flag.get("answer") is not None:
                return self._state(customer_id)[0]  # a double click or a Slack retry
            also.append(_answer_flag(self.tables.flags_table, flag_key, action, by_user, at))

        def evolve(before: CustomerState) -> CustomerState | None:
            after = apply_owner_action(
                before,
                action,
                step_id=step_id,
                note=note,
                by_user=by_user,
                plan_step_ids=plan_step_ids,
            )
            # Answering no flag and changing nothing (a double-submitted pause): not recorded.
            return None if flag_key is None and after == before else after

        try:
            return self._change_state(
                customer_id,
                evolve,
                action=f"owner:{action.value}",
                by_user=by_user,
                at=at,
                note=note,
                also=also,
            )
        except StoreContention as err:
            cancelled = err.__cause__
            if also and isinstance(cancelled, _ConditionFailed) and cancelled.failed(2):
                return self._state(customer_id)[0]  # answered by a concurrent click
            raise

    def record_step_done(
        self,
        customer_id: str,
        step_id: str,
        *,
        by_user: str,
        at: datetime,
        plan_step_ids: tuple[str, ...],
    ) -> tuple[CustomerState, bool]:
        def evolve(before: CustomerState) -> CustomerState | None:
            after = apply_step_done(before, step_id, plan_step_ids)
            return None if after == before else after

        return self._change_state_once(
            customer_id, evolve, action=f"done:{step_id}", by_user=by_user, at=at
        )

    def record_unsubscribed(
        self, customer_id: str, *, by_user: str, at: datetime
    ) -> tuple[CustomerState, bool]:
        return self._change_state_once(
            customer_id,
            lambda before: None if before.unsubscribed else replace(before, unsubscribed=True),
            action="unsubscribed",
            by_user=by_user,
            at=at,
        )

    def _change_state_once(
        self,
        customer_id: str,
        evolve: Callable[[CustomerState], CustomerState | None],
        *,
        action: str,
        by_user: str,
        at: datetime,
    ) -> tuple[CustomerState, bool]:
        """`_change_state`, and whether its last (the successful) attempt changed anything."""
        changed = False

        def tracked(before: CustomerState) -> CustomerState | None:
            nonlocal changed
            after = evolve(before)
            changed = after is not None
            return after

        state = self._change_state(
            customer_id, tracked, action=action, by_user=by_user, at=at, note=None
        )
        return state, changed

    def _change_state(
        self,
        customer_id: str,
        evolve: Callable[[CustomerState], CustomerState | None],
        *,
        action: str,
        by_user: str,
        at: datetime,
        note: str | None,
        also: Sequence[dict[str, Any]] = (),
    ) -> CustomerState:
        """Read the state, apply `evolve` (None: nothing to record), and write the new state, its
        audit entry and `also` in one transaction, conditional on the state not having changed
        since it was read; a concurrent writer makes it read again."""
        for _ in range(_ATTEMPTS):
            before, version = self._state(customer_id)
            after = evolve(before)
            if after is None:
                if also:
                    self._transact(also)
                return before
            if after.finished and not before.finished:
                # Before the state write: if we stop in between, the archive is there and the
                # done click can be repeated; the other order could lose the archive for good.
                self._archive(customer_id, at)
            try:
                self._transact(
                    [
                        self._state_put(after, version),
                        self._audit_put(before, after, version + 1, action, by_user, at, note),
                        *also,
                    ]
                )
            except _ConditionFailed as err:
                if err.failed(0):
                    continue
                raise StoreContention(
                    f"writing {self.tables.state_table} for {customer_id} ({action}) was "
                    f"cancelled: {err}"
                ) from err
            return after
        raise StoreContention(
            f"{self.tables.state_table} item {customer_id} kept changing under {action}; "
            f"gave up after {_ATTEMPTS} attempts"
        )

    def _state_put(self, after: CustomerState, version: int) -> dict[str, Any]:
        condition = (
            {"ConditionExpression": "attribute_not_exists(customer_id)"}
            if version == 0
            else {
                "ConditionExpression": "#version = :version",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": _dump({":version": version}),
            }
        )
        item = state_as_dict(after) | {"version": version + 1}
        return {"Put": {"TableName": self.tables.state_table, "Item": _dump(item), **condition}}

    def _audit_put(
        self,
        before: CustomerState,
        after: CustomerState,
        version: int,
        action: str,
        by_user: str,
        at: datetime,
        note: str | None,
    ) -> dict[str, Any]:
        item = {
            "customer_id": after.customer_id,
            "ts": f"{at.isoformat()}#{version:010d}",
            "at": at.isoformat(),
            "action": action,
            "by_user": by_user,
            "before": state_as_dict(before),
            "after": state_as_dict(after) | ({"note": note} if note else {}),
        }
        return {"Put": {"TableName": self.tables.audit_table, "Item": _dump(item)}}

    def _archive(self, customer_id: str, at: datetime) -> None:
        """og-sends-archive: the finished journey's sends, keyed by journey id."""
        journey_id = f"{customer_id}@{at.date().isoformat()}"
        items = [
            item
            | {"journey_id": journey_id, "journey_send_key": f"{journey_id}#{item['send_key']}"}
            for item in self._sends(customer_id)
        ]
        self._batch_write(self.tables.archive_table, items)

    def audit_trail(self, customer_id: str) -> list[AuditEntry]:
        return [_audit_entry(item) for item in self._query(self.tables.audit_table, customer_id)]

    def audit_between(self, start: datetime, end: datetime) -> list[AuditEntry]:
        # og-audit is keyed by customer, so a time range is a Scan. At a small business's
        # volume (a few thousand entries a year) a weekly or monthly Scan costs next to nothing;
        # filtering here compares instants, whatever UTC offset a ts was written with.
        entries = [_audit_entry(item) for item in self._scan(self.tables.audit_table)]
        return sorted((e for e in entries if start <= e.ts < end), key=lambda e: e.ts)

    def archived_sends(self, customer_id: str) -> list[tuple[str, SendRecord]]:
        return [
            (item["journey_id"], send_from_item(item))
            for item in self._query(self.tables.archive_table, customer_id)
        ]

    # --- proposals from forwarded welcome emails -------------------------------------------------
    def save_proposal(self, proposal: Proposal) -> bool:
        try:
            self._db.put_item(
                TableName=self.tables.flags_table,
                Item=_dump(proposal_item(proposal)),
                ConditionExpression="attribute_not_exists(decision)",
            )
        except ClientError as err:
            if _code(err) != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def proposal(self, key: str) -> Proposal | None:
        item = self._get(self.tables.flags_table, {"flag_key": PROPOSAL_PREFIX + key})
        return proposal_from_item(item) if item else None

    def pending_proposals(self) -> list[Proposal]:
        items = self._scan(
            self.tables.flags_table,
            FilterExpression="begins_with(flag_key, :prefix) AND attribute_not_exists(decision)",
            ExpressionAttributeValues=_dump({":prefix": PROPOSAL_PREFIX}),
            ConsistentRead=True,
        )
        return sorted((proposal_from_item(i) for i in items), key=lambda p: p.proposed_at)

    def decide_proposal(
        self,
        key: str,
        decision: ProposalDecision,
        *,
        row: dict[str, str],
        by_user: str,
        at: datetime,
    ) -> Proposal | None:
        before = self.proposal(key)
        if before is None or before.decision is not None:
            return None
        action, audit_before, audit_after = proposal_audit(before, decision, row)
        try:
            self._transact(
                [
                    {
                        "Update": {
                            "TableName": self.tables.flags_table,
                            "Key": _dump({"flag_key": PROPOSAL_PREFIX + key}),
                            "UpdateExpression": (
                                "SET decision = :decision, decided_by = :by, "
                                "decided_at = :at, #row = :row"
                            ),
                            "ConditionExpression": (
                                "attribute_exists(flag_key) AND attribute_not_exists(decision)"
                            ),
                            "ExpressionAttributeNames": {"#row": "row"},
                            "ExpressionAttributeValues": _dump(
                                {
                                    ":decision": decision.value,
                                    ":by": by_user,
                                    ":at": at.isoformat(),
                                    ":row": dict(row),
                                }
                            ),
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.tables.audit_table,
                            "Item": _dump(
                                {
                                    "customer_id": row["customer_id"],
                                    # One decision per proposal: the key keeps ts unique.
                                    "ts": f"{at.isoformat()}#{PROPOSAL_PREFIX}{key}",
                                    "at": at.isoformat(),
                                    "action": action,
                                    "by_user": by_user,
                                    "before": audit_before,
                                    "after": audit_after,
                                }
                            ),
                        }
                    },
                ]
            )
        except _ConditionFailed:
            return None  # decided by a concurrent click since we read it
        return replace(before, row=dict(row), decision=decision, decided_by=by_user, decided_at=at)

    # --- the list problem report ---------------------------------------------------------------
    # --- DynamoDB plumbing ---------------------------------------------------------------------
    def _state(self, customer_id: str) -> tuple[CustomerState, int]:
        item = self._get(self.tables.state_table, {"customer_id": customer_id})
        return _state_from(item) if item else (CustomerState(customer_id), 0)

    def _sends(self, customer_id: str) -> list[dict[str, Any]]:
        return list(self._query(self.tables.sends_table, customer_id))

    def _get(self, table: str, key: Mapping[str, str]) -> dict[str, Any] | None:
        item = self._db.get_item(TableName=table, Key=_dump(key), ConsistentRead=True).get("Item")
        return _load(item) if item else None

    def _query(self, table: str, customer_id: str) -> Iterator[dict[str, Any]]:
        pages = self._db.get_paginator("query").paginate(
            TableName=table,
            KeyConditionExpression="customer_id = :customer_id",
            ExpressionAttributeValues=_dump({":customer_id": customer_id}),
            ConsistentRead=True,
        )
        for page in pages:
            yield from (_load(item) for item in page["Items"])

    def _scan(self, table: str, **options: Any) -> Iterator[dict[str, Any]]:
        for page in self._db.get_paginator("scan").paginate(TableName=table, **options):
            yield from (_load(item) for item in page["Items"])

    def _transact(self, actions: Sequence[dict[str, Any]]) -> None:
        """TransactWriteItems; raises _ConditionFailed when a condition did not hold, retries
        cancellations that were only conflicts with concurrent transactions or throttling."""
        for attempt in range(_ATTEMPTS):
            try:
                self._db.transact_write_items(TransactItems=list(actions))
                return
            except ClientError as err:
                if _code(err) != "TransactionCanceledException":
                    raise
                reasons: list[dict[str, Any]] = err.response.get("CancellationReasons", [])
                codes = {r.get("Code") for r in reasons}
                if "ConditionalCheckFailed" in codes:
                    raise _ConditionFailed(reasons) from err
                if not codes & _TRANSIENT or attempt == _ATTEMPTS - 1:
                    raise
            _backoff(attempt)

    def _batch_write(self, table: str, items: Sequence[Mapping[str, Any]]) -> None:
        for start in range(0, len(items), _BATCH_WRITE):
            pending = {
                table: [
                    {"PutRequest": {"Item": _dump(i)}} for i in items[start : start + _BATCH_WRITE]
                ]
            }
            for attempt in range(_ATTEMPTS):
                pending = self._db.batch_write_item(RequestItems=pending).get(
                    "UnprocessedItems", {}
                )
                if not pending:
                    break
                _backoff(attempt)
            else:
                raise StoreContention(
                    f"{table}: {len(pending[table])} items still unprocessed by BatchWriteItem "
                    f"after {_ATTEMPTS} attempts"
                )


def _answer_flag(
    table: str, flag_key: str | None, action: OwnerAction, by_user: str, at: datetime
) -> dict[str, Any]:
    """The transaction item that records the owner's answer on a flag not answered yet."""
    return {
        "Update": {
            "TableName": table,
            "Key": _dump({"flag_key": flag_key}),
            "UpdateExpression": "SET answer = :answer, answered_by = :by, answered_at = :at",
            # Two clicks at once: the second transaction is cancelled here.
            "ConditionExpression": "attribute_not_exists(answer) OR attribute_type(answer, :null)",
            "ExpressionAttributeValues": _dump(
                {":answer": action.value, ":by": by_user, ":at": at.isoformat(), ":null": "NULL"}
            ),
        }
    }


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0, min(1.0, 0.05 * 2**attempt)))


def _code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def _dump(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _SERIALIZER.serialize(v) for k, v in item.items()}


def _load(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _DESERIALIZER.deserialize(v) for k, v in item.items()}


def _problem_item_key(problem_key: str) -> str:
    return "problem#" + hashlib.sha256(problem_key.encode()).hexdigest()


def _audit_entry(item: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(
        customer_id=item["customer_id"],
        ts=datetime.fromisoformat(item["at"]),
        action=item["action"],
        by_user=item["by_user"],
        before=dict(item["before"]),
        after=dict(item["after"]),
    )


def _journey(state: CustomerState, items: Sequence[Mapping[str, Any]]) -> Journey:
    return Journey(
        state,
        tuple(send_from_item(i) for i in items),
        tuple(send_from_item(i) for i in items if i["status"] == "sending"),
    )


def _state_from(item: Mapping[str, Any]) -> tuple[CustomerState, int]:
    return state_from_item(item), int(item.get("version", 0))
