"""Documents on S3: the mirrored onboarding list, rules and voice docs, and the day's moves."""

from __future__ import annotations

from typing import Any

import boto3


class S3Documents:
    def __init__(self, client: Any = None):
        self._s3 = client or boto3.client("s3")

    def read_text(self, bucket: str, key: str) -> str:
        body = self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return bytes(body).decode("utf-8-sig")

    def write_text(self, bucket: str, key: str, text: str, content_type: str) -> None:
        self._s3.put_object(
            Bucket=bucket, Key=key, Body=text.encode("utf-8"), ContentType=content_type
        )
