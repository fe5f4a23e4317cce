"""Documents on S3: the mirrored onboarding list, rules and voice docs, the day's moves, and the
raw inbound mail."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

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
        return decode_export(self.read_bytes(bucket, key), key)

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
