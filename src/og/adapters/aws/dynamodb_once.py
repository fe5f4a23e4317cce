"""Once on DynamoDB: claims live in og-flags beside the flags, keyed like the report markers they
replace ("problem#" + sha256 of the key), so a marker written before Once reads as done."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from og.adapters.aws.dynamodb_store import (
    _ATTEMPTS,
    TableNames,
    _backoff,
    _code,
    _dump,
    _load,
    _problem_item_key,
)
from og.adapters.ports import OnceOutcome
from og.core.errors import StoreContention

_BATCH_GET = 100  # BatchGetItem limit


class DynamoOnce:
    def __init__(self, tables: TableNames, client: Any = None):
        self.tables = tables
        self._db = client or boto3.client("dynamodb")

    def claim(self, key: str, attempt: str, at: datetime) -> OnceOutcome:
        item = {
            "flag_key": _problem_item_key(key),
            "problem_key": key,
            "once_status": "claimed",
            "attempt": attempt,
            "claimed_at": at.isoformat(),
        }
        try:
            self._db.put_item(
                TableName=self.tables.flags_table,
                Item=_dump(item),
                ConditionExpression="attribute_not_exists(flag_key)",
            )
            return OnceOutcome.CLAIMED
        except ClientError as err:
            if _code(err) != "ConditionalCheckFailedException":
                raise
        held = self._get(key)
        if held is None:  # released between the Put and the Get: claim afresh
            return self.claim(key, attempt, at)
        # A marker written before Once has no once_status: the report went out.
        if held.get("once_status", "done") == "done":
            return OnceOutcome.DONE
        return OnceOutcome.CLAIMED if held["attempt"] == attempt else OnceOutcome.IN_DOUBT

    def confirm(self, key: str, attempt: str, result: str, at: datetime) -> None:
        try:
            self._db.update_item(
                TableName=self.tables.flags_table,
                Key=_dump({"flag_key": _problem_item_key(key)}),
                UpdateExpression="SET once_status = :done, once_result = :result, "
                "reported_at = :at",
                ConditionExpression="attempt = :attempt",
                ExpressionAttributeValues=_dump(
                    {":done": "done", ":result": result, ":at": at.isoformat(), ":attempt": attempt}
                ),
            )
        except ClientError as err:
            if _code(err) != "ConditionalCheckFailedException":
                raise

    def result(self, key: str) -> str | None:
        held = self._get(key)
        if held is None or held.get("once_status") != "done":
            return None
        return held.get("once_result")

    def release(self, key: str, attempt: str) -> None:
        try:
            self._db.delete_item(
                TableName=self.tables.flags_table,
                Key=_dump({"flag_key": _problem_item_key(key)}),
                ConditionExpression="attempt = :attempt AND once_status = :claimed",
                ExpressionAttributeValues=_dump({":attempt": attempt, ":claimed": "claimed"}),
            )
        except ClientError as err:
            if _code(err) != "ConditionalCheckFailedException":
                raise

    def unclaimed(self, keys: list[str]) -> list[str]:
        wanted = list(dict.fromkeys(_problem_item_key(k) for k in keys))
        seen: set[str] = set()
        for start in range(0, len(wanted), _BATCH_GET):
            batch = [_dump({"flag_key": k}) for k in wanted[start : start + _BATCH_GET]]
            seen |= {item["flag_key"] for item in self._batch_get(batch)}
        return [k for k in keys if _problem_item_key(k) not in seen]

    def _get(self, key: str) -> dict[str, Any] | None:
        item = self._db.get_item(
            TableName=self.tables.flags_table,
            Key=_dump({"flag_key": _problem_item_key(key)}),
            ConsistentRead=True,
        ).get("Item")
        return _load(item) if item else None

    def _batch_get(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        table = self.tables.flags_table
        found: list[dict[str, Any]] = []
        pending: dict[str, Any] = {table: {"Keys": keys, "ConsistentRead": True}}
        for attempt in range(_ATTEMPTS):
            response = self._db.batch_get_item(RequestItems=pending)
            found += (_load(i) for i in response["Responses"].get(table, []))
            pending = response.get("UnprocessedKeys", {})
            if not pending:
                return found
            _backoff(attempt)
        raise StoreContention(
            f"{table}: {len(pending[table]['Keys'])} keys still unprocessed by BatchGetItem "
            f"after {_ATTEMPTS} attempts"
        )
