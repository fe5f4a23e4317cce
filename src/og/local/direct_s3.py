"""The local documents' S3 client: boto3's, except that a conditional read S3 would answer with
`304 Not Modified` is answered in-process from moto's S3 backend.

Every Lambda task reads the rules and voice docs, and a warm environment does it with the ETag
of the text it kept (og.adapters.aws.s3_documents). Through botocore and moto's HTTP mocking
that unchanged answer still cost ~3 ms of CPU per read, a fifth of a local tick. Only the 304 is
made here, from the object's current ETag, as moto's S3 would make it; a changed or missing
object, and every other call, goes through boto3 and moto's S3 as before, with their errors.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends

from og.local.template import ACCOUNT


class NotModifiedInProcess:
    @cached_property
    def _client(self) -> Any:
        return boto3.client("s3")

    def get_object(self, **params: Any) -> Any:
        unless = params.get("IfNoneMatch")
        if unless is not None and _current_etag(params["Bucket"], params["Key"]) in (
            unless,
            f'"{unless}"',
        ):
            raise ClientError(
                {
                    "Error": {"Code": "304", "Message": "Not Modified"},
                    "ResponseMetadata": {"HTTPStatusCode": 304},
                },
                "GetObject",
            )
        return self._client.get_object(**params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def _current_etag(bucket: str, key: str) -> str | None:
    try:
        current = s3_backends[ACCOUNT]["aws"].get_object(bucket, key)
    except MissingBucket:
        return None
    return None if current is None else str(current.etag)
