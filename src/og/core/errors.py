"""Errors that say which file, line and field is wrong, so a non-engineer can fix the doc."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    source: str  # file name or parameter name, e.g. "rules.txt" or "/og/config/timezone"
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f" line {self.line}"
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.message}"


class DocumentError(Exception):
    """One or more problems in a rules, voice or config document; the tick must not run."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class TemplateError(Exception):
    """A message template could not be rendered; nothing is sent. The message names the doc,
    line and template, e.g. "voice.txt line 12 (template 'step: welcome'): unknown variable"."""

    def __init__(self, template: str, message: str, variable: str | None = None):
        self.template = template
        self.variable = variable
        super().__init__(message)
