"""The checks of the owner's documents, as `og validate` runs them and drive-sync runs them
before publishing: config, rules, voice (against those rules) and the list (against those rules,
in the config's timezone). Every problem names its file, line and field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from og.core.config_doc import parse_config
from og.core.customer_list import parse_customer_list
from og.core.errors import DocumentError, Problem
from og.core.models import Customer, RowProblem
from og.core.rules_doc import parse_rules
from og.core.voice_doc import check_voice, parse_voice
from og.logic.documents import GuideDocs, collect_problems

Source = tuple[str, str]  # (file name, text)


@dataclass(frozen=True)
class Checked:
    """What the checks found. `problems` make a document unusable (the tick would not run);
    `skipped` are rows of the list the tick skips and reports, one by one."""

    problems: tuple[Problem, ...]
    docs: GuideDocs | None
    customers: tuple[Customer, ...]
    skipped: tuple[RowProblem, ...]

    def problems_in(self, source: str) -> list[Problem]:
        return [p for p in self.problems if p.source == source]


def check_documents(
    config_entries: dict[str, tuple[str, str]],
    rules: Source,
    voice: Source,
    onboarding: Source,
    now: datetime,
) -> Checked:
    """Check all four together. The voice is checked against the rules and the list against
    the rules' plans only when the rules parse; a config with problems does not stop the
    others being checked (the list's naive sign-up times are then read in UTC)."""
    problems: list[Problem] = []
    config = collect_problems(problems, lambda: parse_config(config_entries))
    rules_doc = collect_problems(problems, lambda: parse_rules(rules[1], rules[0]))
    voice_doc = collect_problems(problems, lambda: parse_voice(voice[1], voice[0]))
    if rules_doc is None:
        return Checked(tuple(problems), None, (), ())
    if voice_doc is not None:
        problems += check_voice(voice_doc, rules_doc)
    customers: list[Customer] = []
    skipped: list[RowProblem] = []
    try:
        customers, skipped = parse_customer_list(
            onboarding[1], rules_doc, now, config.timezone if config else "UTC", onboarding[0]
        )
    except DocumentError as err:
        problems += err.problems
    docs = None
    if config is not None and voice_doc is not None and not problems:
        docs = GuideDocs(config, rules_doc, voice_doc)
    return Checked(tuple(problems), docs, tuple(customers), tuple(skipped))
