"""Documents on S3: the mirrored onboarding list, rules and voice docs, the day's moves, and the
raw inbound mail."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from functools import cached_property
from typing import Any, NamedTuple

import boto3
from botocore.exceptions import ClientError

from og.core.text import decode_export


class S3Documents:
    def __init__(self, client: Any = None):
        self._client = client

    @cached_property
    def _s3(self) -> Any:
        # Built on first use: done-handler's Slack path answers Pause without reading a document.
        return self._client or boto3.client("s3")

    def read_text(self, bucket: str, key: str) -> str:
        """The text as it is now. A warm environment asks S3 for the body only when the object
        changed (GetObject If-None-Match: one request either way, a 304 has no body) and gives
        back the same str it decoded before, so parses keyed on the text hit their cache."""
        kept = _texts.get(bucket, key)
        unless_still = {} if kept is None else {"IfNoneMatch": kept.etag}
        try:
            got = self._s3.get_object(Bucket=bucket, Key=key, **unless_still)
        except ClientError as err:
            if kept is not None and _not_modified(err):
                return kept.text
            raise
        # A text that does not decode raises here and is not kept: it is refused at every read.
        text = decode_export(bytes(got["Body"].read()), key)
        _texts.keep(bucket, key, _Text(str(got["ETag"]), text))
        return text

    def read_bytes(self, bucket: str, key: str) -> bytes:
        return bytes(self._s3.get_object(Bucket=bucket, Key=key)["Body"].read())

    def write_text(
        self,
        bucket: str,
        key: str,
        text: str,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        self._s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=text.encode("utf-8"),
            ContentType=content_type,
            Metadata=dict(metadata or {}),
        )

    def read_metadata(self, bucket: str, key: str) -> dict[str, str] | None:
        head = self._head(bucket, key)
        return None if head is None else {k.lower(): v for k, v in head.get("Metadata", {}).items()}

    def version(self, bucket: str, key: str) -> str | None:
        # The ETag, not the VersionId: a sync that writes the same text again keeps it.
        head = self._head(bucket, key)
        return None if head is None else str(head["ETag"])

    def _head(self, bucket: str, key: str) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = self._s3.head_object(Bucket=bucket, Key=key)
        except ClientError as err:
            # HEAD has no body, so a missing object comes back as a bare 404.
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return head


def _not_modified(err: ClientError) -> bool:
    return bool(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 304)


class _Text(NamedTuple):
    etag: str
    text: str


class _LatestTexts:
    """The latest text read of each document, for the life of the process (a warm Lambda
    environment; locally, the engine's process). One version per key, and the keys read least
    recently go first: the list can be megabytes."""

    def __init__(self, keys: int):
        self._keys = keys
        self._lock = threading.Lock()
        self._texts: OrderedDict[tuple[str, str], _Text] = OrderedDict()

    def get(self, bucket: str, key: str) -> _Text | None:
        with self._lock:
            text = self._texts.get((bucket, key))
            if text is not None:
                self._texts.move_to_end((bucket, key))
            return text

    def keep(self, bucket: str, key: str, text: _Text) -> None:
        with self._lock:
            self._texts[(bucket, key)] = text
            self._texts.move_to_end((bucket, key))
            while len(self._texts) > self._keys:
                self._texts.popitem(last=False)


# The list, rules and voice docs, and room for a few more.
_texts = _LatestTexts(keys=8)
