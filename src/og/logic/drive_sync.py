"""drive-sync: mirror the owner's Google files into S3 for the guide — the onboarding sheet as
og-list-source/onboarding.csv, the rules and voice docs as og-rules-source/rules.txt, voice.txt.

An object is written only when its content changed: each mirrored object carries the SHA-256
of its text (metadata og-content-sha256) and the Drive version it came from
(og-source-version). The content is compared rather than Drive's version because the version
also moves for changes that do not reach the export (sharing, comments, formatting), and the
buckets are versioned: every write is a version kept for years. One file failing does not stop
the others; the run fails at the end, naming every file that could not be mirrored."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass

from og.adapters.ports import Documents, OnboardingSheet, OwnerDocs
from og.core.errors import DriveSyncFailed
from og.logic.documents import DocPlaces

CONTENT_HASH = "og-content-sha256"
SOURCE_VERSION = "og-source-version"


@dataclass(frozen=True)
class Mirrored:
    target: str  # s3://bucket/key
    outcome: str  # "written" | "unchanged" | "failed"
    version: str = ""
    detail: str = ""


def sync(
    sheet: OnboardingSheet, owner_docs: OwnerDocs, documents: Documents, at: DocPlaces
) -> list[dict[str, str]]:
    """Mirror the list and both docs; returns what was written and what was unchanged. Raises
    DriveSyncFailed (after mirroring the others) when a file could not be exported or written."""
    s = at
    sources: list[tuple[str, str, str, Callable[[], tuple[str, str]]]] = [
        (s.list_bucket, s.list_key, "text/csv; charset=utf-8", sheet.export_csv),
        (s.rules_bucket, s.rules_key, "text/plain; charset=utf-8", _doc(owner_docs, "rules")),
        (s.rules_bucket, s.voice_key, "text/plain; charset=utf-8", _doc(owner_docs, "voice")),
    ]
    results = [_mirror(documents, *source) for source in sources]
    if any(r.outcome == "failed" for r in results):
        raise DriveSyncFailed(results)
    return [asdict(r) for r in results]


def _doc(owner_docs: OwnerDocs, name: str) -> Callable[[], tuple[str, str]]:
    return lambda: owner_docs.export_text(name)


def _mirror(
    documents: Documents,
    bucket: str,
    key: str,
    content_type: str,
    export: Callable[[], tuple[str, str]],
) -> Mirrored:
    target = f"s3://{bucket}/{key}"
    try:
        text, version = export()
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        current = documents.read_metadata(bucket, key)
        if current is not None and current.get(CONTENT_HASH) == digest:
            return Mirrored(target, "unchanged", current.get(SOURCE_VERSION, ""))
        documents.write_text(
            bucket,
            key,
            text,
            content_type,
            metadata={CONTENT_HASH: digest, SOURCE_VERSION: version},
        )
        return Mirrored(target, "written", version)
    except Exception as err:  # reported with the others, then raised together
        return Mirrored(target, "failed", detail=f"{type(err).__name__}: {err}")
