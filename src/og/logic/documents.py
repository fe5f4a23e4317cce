"""Load and check the owner's documents: config, rules and voice. Any problem stops the caller
before anything is sent, with every problem named by file, line and field."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from og.adapters.ports import ConfigSource, Documents
from og.core.config_doc import parse_config
from og.core.customer_list import CustomerList, read_customer_list
from og.core.errors import DocumentError, Problem
from og.core.models import Config, Customer, RowProblem, Rules
from og.core.rules_doc import parse_rules
from og.core.voice_doc import Voice, check_voice, parse_voice

T = TypeVar("T")


@dataclass(frozen=True)
class GuideDocs:
    config: Config
    rules: Rules
    voice: Voice


@dataclass(frozen=True)
class DocPlaces:
    """Where the owner's documents are mirrored in S3 (OG_* settings)."""

    list_bucket: str
    list_key: str
    rules_bucket: str
    rules_key: str
    voice_key: str


@dataclass(frozen=True)
class GuideFiles:
    """What reading the owner's documents touches: the config entries and the S3 mirror."""

    config: ConfigSource
    documents: Documents
    at: DocPlaces


def load_docs(files: GuideFiles) -> GuideDocs:
    s = files.at
    return _parse_docs_once(
        tuple(sorted(files.config.entries().items())),
        (s.rules_key, files.documents.read_text(s.rules_bucket, s.rules_key)),
        (s.voice_key, files.documents.read_text(s.rules_bucket, s.voice_key)),
    )


@functools.lru_cache(maxsize=8)
def _parse_docs_once(
    config_entries: tuple[tuple[str, tuple[str, str]], ...],
    rules: tuple[str, str],
    voice: tuple[str, str],
) -> GuideDocs:
    """Every task reads the docs; a warm environment parses and checks the same text once.
    (A DocumentError is not cached: the next call parses again and raises again.)"""
    return parse_docs(dict(config_entries), rules, voice)


def read_customers(
    files: GuideFiles, docs: GuideDocs, now: datetime
) -> tuple[list[Customer], list[RowProblem]]:
    """The onboarding list (its S3 mirror) as it is now: the usable customers and the rows
    skipped."""
    s = files.at
    text = files.documents.read_text(s.list_bucket, s.list_key)
    return _read_list_once(text, docs.rules, docs.config.timezone, s.list_key).as_of(now)


_ListKey = tuple[str, Rules, str, str]
_last_list: tuple[_ListKey, CustomerList] | None = None


def _read_list_once(text: str, rules: Rules, business_tz: str, source: str) -> CustomerList:
    """A warm environment reads the same list text once (10,000 rows take most of a second);
    only the check against the clock runs at each use. One list kept: it can be megabytes.
    (A DocumentError is not kept: the next call reads the text again and raises again.)"""
    global _last_list
    key = (text, rules, business_tz, source)
    last = _last_list
    if last is not None and last[0] == key:  # the same str and Rules objects: no deep compare
        return last[1]
    customer_list = read_customer_list(text, rules, business_tz, source)
    _last_list = (key, customer_list)
    return customer_list


def parse_docs(
    config_entries: dict[str, tuple[str, str]],
    rules: tuple[str, str],
    voice: tuple[str, str],
) -> GuideDocs:
    """rules and voice are (source name, text). Raises one DocumentError with every problem."""
    problems: list[Problem] = []
    config_doc = collect_problems(problems, lambda: parse_config(config_entries))
    rules_doc = collect_problems(problems, lambda: parse_rules(rules[1], rules[0]))
    voice_doc = collect_problems(problems, lambda: parse_voice(voice[1], voice[0]))
    if config_doc is None or rules_doc is None or voice_doc is None:
        raise DocumentError(problems)
    voice_problems = check_voice(voice_doc, rules_doc)
    if voice_problems:
        raise DocumentError(voice_problems)
    return GuideDocs(config_doc, rules_doc, voice_doc)


def collect_problems(problems: list[Problem], parse: Callable[[], T]) -> T | None:
    try:
        return parse()
    except DocumentError as err:
        problems += err.problems
        return None
