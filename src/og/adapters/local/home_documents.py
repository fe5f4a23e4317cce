"""The Documents port over an og home's files, for `og sync`: locally the home's onboarding.csv,
rules.txt and voice.txt are the documents in force (what S3 holds in AWS; the local stack
mirrors them into its S3 on every run). The bucket is not part of the place: every key is a
file of the home."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from og.adapters.ports import CONTENT_HASH
from og.core.errors import DocumentError
from og.core.text import decode_export


class HomeDocuments:
    def __init__(self, home: Path):
        self.home = home

    def read_text(self, bucket: str, key: str) -> str:
        return decode_export(self.read_bytes(bucket, key), key)

    def read_bytes(self, bucket: str, key: str) -> bytes:
        return (self.home / key).read_bytes()

    def write_text(
        self,
        bucket: str,
        key: str,
        text: str,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        # Whole or not at all: a tick reading the home meanwhile sees the old file or the new.
        path = self.home / key
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(text.encode("utf-8"))
        os.replace(partial, path)

    def read_metadata(self, bucket: str, key: str) -> dict[str, str] | None:
        """The hash of the file's text, as drive-sync hashes an export, from the file itself: the
        owner also edits the home's files by hand, so a hash kept from the last sync could be
        stale. (A file that is not UTF-8 hashes as its bytes: any good export differs.)"""
        path = self.home / key
        if not path.exists():
            return None
        data = path.read_bytes()
        with contextlib.suppress(DocumentError):
            data = decode_export(data, key).encode("utf-8")
        return {CONTENT_HASH: hashlib.sha256(data).hexdigest()}

    def version(self, bucket: str, key: str) -> str | None:
        meta = self.read_metadata(bucket, key)
        return None if meta is None else meta[CONTENT_HASH]
