"""drive-sync: mirror the owner's Google files into S3 for the guide — the onboarding sheet as
og-list-source/onboarding.csv, the rules and voice docs as og-rules-source/rules.txt, voice.txt.

An object is written only when its content changed: each mirrored object carries the SHA-256
of its text (metadata og-content-sha256) and the Drive version it came from
(og-source-version). The content is compared rather than Drive's version because the version
also moves for changes that do not reach the export (sharing, comments, formatting), and the
buckets are versioned: every write is a version kept for years.

A changed file is checked first, with `og validate`'s checks (og.logic.validate), against the
documents that will be in force after the run: the rules, the voice against those rules, the
list against them. A file that fails is kept out — the last good version stays live, and the
tick keeps running on it — and the owner is told once per broken content, in Slack, every
problem by file, line and field. That is the owner's to fix, not an outage: the run succeeds,
unless the owner could not be told (no owner_slack_id, Slack down), when the run fails and the
alarm tells. One file failing does not stop the others; a file that could not be exported or
written fails the run at the end, naming every such file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from og.adapters.owner_messages import ReportPost
from og.adapters.ports import (
    CONTENT_HASH,
    SOURCE_VERSION,
    ConfigSource,
    Documents,
    OnboardingSheet,
    Once,
    OwnerChat,
    OwnerDocs,
)
from og.core.config_doc import owner_slack_id_in
from og.core.errors import DocumentError, DriveSyncFailed, Problem
from og.core.models import RowProblem
from og.logic.documents import DocPlaces
from og.logic.post_once import post_once
from og.logic.validate import Checked, check_documents

MAX_LISTED = 100  # problems listed in one post (lines cut at 300 characters)


@dataclass(frozen=True)
class DriveSyncPorts:
    sheet: OnboardingSheet
    owner_docs: OwnerDocs
    documents: Documents
    config: ConfigSource
    chat: OwnerChat
    once: Once
    clock: Callable[[], datetime]
    at: DocPlaces


@dataclass(frozen=True)
class Mirrored:
    target: str  # s3://bucket/key
    outcome: str  # "written" | "unchanged" | "kept out" | "failed"
    version: str = ""
    detail: str = ""
    told: bool = True  # for "kept out": the owner was told (now or by an earlier run)


@dataclass(frozen=True)
class _Source:
    bucket: str
    key: str
    content_type: str
    export: Callable[[], tuple[str, str]]

    @property
    def target(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class _Export:
    source: _Source
    text: str | None = None  # None: not exported
    version: str = ""
    live_hash: str | None = None
    live_version: str = ""
    problems: tuple[Problem, ...] = ()  # the export itself is unreadable (not UTF-8)
    error: str = ""  # could not be exported or its mirror not read
    digest: str = field(init=False, default="")

    def __post_init__(self) -> None:
        content = self.text if self.text is not None else "\n".join(map(str, self.problems))
        object.__setattr__(self, "digest", hashlib.sha256(content.encode("utf-8")).hexdigest())

    @property
    def changed(self) -> bool:
        return not self.error and self.live_hash != self.digest


def _sources(sheet: OnboardingSheet, owner_docs: OwnerDocs, at: DocPlaces) -> list[_Source]:
    csv, text = "text/csv; charset=utf-8", "text/plain; charset=utf-8"
    return [
        _Source(at.list_bucket, at.list_key, csv, sheet.export_csv),
        _Source(at.rules_bucket, at.rules_key, text, lambda: owner_docs.export_text("rules")),
        _Source(at.rules_bucket, at.voice_key, text, lambda: owner_docs.export_text("voice")),
    ]


def sync(a: DriveSyncPorts) -> list[dict[str, Any]]:
    """Mirror the list and both docs, keeping out what fails the checks; returns each file's
    outcome. Raises DriveSyncFailed (after mirroring the others) when a file could not be
    exported or written, or a kept-out file could not be told to the owner."""
    exports = [_export(a.documents, s) for s in _sources(a.sheet, a.owner_docs, a.at)]
    kept: dict[str, list[Problem]] = {}
    skipped: tuple[RowProblem, ...] = ()
    if any(e.changed and not e.problems for e in exports):
        kept, skipped = _kept_out(a, exports)
    results = []
    for e in exports:
        if e.error:
            results.append(Mirrored(e.source.target, "failed", detail=e.error))
        elif not e.changed:
            results.append(Mirrored(e.source.target, "unchanged", e.live_version))
        elif e.problems or kept.get(e.source.key):
            results.append(_keep_out(a, e, list(e.problems) or kept[e.source.key]))
        else:
            notes = [str(p) for p in skipped if p.source == e.source.key]
            results.append(_write(a.documents, e, "\n".join(notes)))
    if any(r.outcome == "failed" or not r.told for r in results):
        raise DriveSyncFailed(results)
    return [asdict(r) for r in results]


def mirror(
    sheet: OnboardingSheet, owner_docs: OwnerDocs, documents: Documents, at: DocPlaces
) -> list[Mirrored]:
    """Mirror the files as they are, unchecked: for sources that are already the documents in
    force (the local og home, which the owner edits in place and the tick checks). What an
    export or a write raises is raised."""
    results = []
    for source in _sources(sheet, owner_docs, at):
        text, version = source.export()
        current = documents.read_metadata(source.bucket, source.key) or {}
        results.append(_write(documents, _Export(source, text, version, *_live(current))))
    if any(r.outcome == "failed" for r in results):
        raise DriveSyncFailed(results)
    return results


def _export(documents: Documents, source: _Source) -> _Export:
    try:
        text, version = source.export()
        current = documents.read_metadata(source.bucket, source.key) or {}
    except DocumentError as err:
        if all(p.source == source.key for p in err.problems):  # e.g. not saved as UTF-8
            return _Export(source, problems=tuple(err.problems))
        return _Export(source, error=f"{type(err).__name__}: {err}")  # e.g. no file id set
    except Exception as err:  # reported with the others, then raised together
        return _Export(source, error=f"{type(err).__name__}: {err}")
    return _Export(source, text, version, *_live(current))


def _live(metadata: dict[str, str]) -> tuple[str | None, str]:
    return metadata.get(CONTENT_HASH), metadata.get(SOURCE_VERSION, "")


def _write(documents: Documents, e: _Export, detail: str = "") -> Mirrored:
    if not e.changed:
        return Mirrored(e.source.target, "unchanged", e.live_version)
    assert e.text is not None
    try:
        documents.write_text(
            e.source.bucket,
            e.source.key,
            e.text,
            e.source.content_type,
            metadata={CONTENT_HASH: e.digest, SOURCE_VERSION: e.version},
        )
    except Exception as err:  # reported with the others, then raised together
        return Mirrored(e.source.target, "failed", detail=f"{type(err).__name__}: {err}")
    return Mirrored(e.source.target, "written", e.version, detail)


def _kept_out(
    a: DriveSyncPorts, exports: list[_Export]
) -> tuple[dict[str, list[Problem]], tuple[RowProblem, ...]]:
    """The problems of each changed file, checked with what will be in force beside it: the
    voice and the list against the rules published now, or the live rules when these are kept
    out. New rules that the live voice does not fit (when the new voice is kept out) are kept
    out too. Also the list's rows the tick will skip."""
    s = a.at
    by_key = {e.source.key: e for e in exports}
    live = _LiveTexts(a.documents, s)

    def proposed(key: str) -> str:
        e = by_key[key]
        return e.text if e.text is not None and not e.error else live.text(key)

    entries, now = a.config.entries(), a.clock()

    def check(rules: str, voice: str) -> Checked:
        onboarding = (s.list_key, proposed(s.list_key))
        return check_documents(entries, (s.rules_key, rules), (s.voice_key, voice), onboarding, now)

    new_rules, new_voice = proposed(s.rules_key), proposed(s.voice_key)
    checked = check(new_rules, new_voice)
    kept = {s.rules_key: checked.problems_in(s.rules_key)}
    rules_in_force = live.text(s.rules_key) if kept[s.rules_key] else new_rules
    if kept[s.rules_key]:
        checked = check(rules_in_force, new_voice)
    kept[s.voice_key] = checked.problems_in(s.voice_key)
    kept[s.list_key] = checked.problems_in(s.list_key)
    rules_published = by_key[s.rules_key].changed and not kept[s.rules_key]
    if kept[s.voice_key] and rules_published and live.text(s.voice_key):
        kept[s.rules_key] = check(new_rules, live.text(s.voice_key)).problems_in(s.voice_key)
    return kept, checked.skipped


class _LiveTexts:
    """The documents in force (their mirror), read when needed; "" for one not mirrored yet."""

    def __init__(self, documents: Documents, at: DocPlaces):
        self._documents, self._at, self._read = documents, at, dict[str, str]()

    def text(self, key: str) -> str:
        if key not in self._read:
            bucket = self._at.list_bucket if key == self._at.list_key else self._at.rules_bucket
            missing = self._documents.read_metadata(bucket, key) is None
            self._read[key] = "" if missing else self._documents.read_text(bucket, key)
        return self._read[key]


def _keep_out(a: DriveSyncPorts, e: _Export, problems: list[Problem]) -> Mirrored:
    detail = "\n".join(str(p) for p in problems)  # one problem a line
    target = e.source.target
    try:
        owner = owner_slack_id_in(a.config.entries())
        if owner is None:
            detail += "\nnot told: the config has no owner_slack_id"
            return Mirrored(target, "kept out", detail=detail, told=False)
        post_once(a, f"drive-sync:{e.source.key}:{e.digest[:32]}", owner, _post(e, problems))
    except Exception as err:  # the run fails and the alarm tells; the next run posts again
        return Mirrored(target, "kept out", detail=f"{detail}\nnot told: {err}", told=False)
    return Mirrored(target, "kept out", detail=detail)


def _post(e: _Export, problems: list[Problem]) -> ReportPost:
    count, name = len(problems), e.source.key
    lines = [str(p)[:300] for p in problems[:MAX_LISTED]]
    if count > MAX_LISTED:
        lines.append(f"…and {count - MAX_LISTED} more")
    meanwhile = (
        f"The guide keeps using the last good {name} until it is fixed."
        if e.live_hash is not None
        else "The guide has no version of it to use until it is fixed."
    )
    return ReportPost(
        f"{name} was not published: {count} problem{'s' if count != 1 else ''}. {meanwhile}",
        fixed_width=tuple(lines),
        footer=(
            "Each line names the file, the line and the field, and says how to fix it. Fix it "
            "where you keep it (the Google Doc or Sheet); the next sync publishes it. You hear "
            "again only if it changes and still has problems."
        ),
    )
