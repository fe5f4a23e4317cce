"""The voice doc: the owner's message templates, one section per message.

    === step: welcome ===
    Subject: Welcome to {{ business_name }}, {{ first_name }}!

    Hi {{ first_name }}, ...

    === nudge ===          (any step without its own nudge)
    === nudge: welcome === (this step only)
    === flag ===           (to the owner; "flag: <step>" for one step)
    === problems ===       (the owner's report of skipped onboarding list rows)

parse_voice checks the shape of the doc; check_voice checks it against the rules doc and renders
every template with sample values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from og.core.errors import DocumentError, NoTemplate, Problem
from og.core.models import Rules, SendKind, Step
from og.core.templates import (
    MessageTemplate,
    sample_context,
    sample_problems_context,
    template_problems,
)
from og.core.text import normalize_export, split_lines, strip_bullet

__all__ = ["MessageTemplate", "Voice", "check_voice", "parse_voice"]

_HEADER = re.compile(
    r"^={2,}\s*(?P<kind>[A-Za-z]+)\s*(?::\s*(?P<arg>[^=]*?))?\s*={2,}$",
)
_SUBJECT = re.compile(r"^subject\s*:\s*(?P<subject>.*)$", re.IGNORECASE)
_STEP_ID = re.compile(r"^[a-z0-9-]{1,40}$")
_KINDS = ("step", "nudge", "flag", "problems")
_HEADER_EXAMPLES = (
    "'=== step: welcome ===', '=== nudge ===', '=== nudge: welcome ===', '=== flag ===', "
    "'=== flag: welcome ===' or '=== problems ==='"
)


@dataclass(frozen=True, slots=True)
class Voice:
    source: str
    steps: Mapping[str, MessageTemplate] = field(default_factory=dict)
    nudges: Mapping[str, MessageTemplate] = field(default_factory=dict)
    flags: Mapping[str, MessageTemplate] = field(default_factory=dict)
    default_nudge: MessageTemplate | None = None
    default_flag: MessageTemplate | None = None
    problem_report: MessageTemplate | None = None

    def template_for(self, kind: SendKind, step_id: str) -> MessageTemplate:
        """The template of a step message, nudge or flag; nudges and flags fall back to the
        default section. Raises NoTemplate when the doc has none."""
        found: MessageTemplate | None
        if kind is SendKind.STEP:
            found = self.steps.get(step_id)
        elif kind is SendKind.NUDGE:
            found = self.nudges.get(step_id, self.default_nudge)
        else:
            found = self.flags.get(step_id, self.default_flag)
        if found is None:
            raise NoTemplate(f"{self.source}: no {kind.value} template for step '{step_id}'")
        return found

    @property
    def problems_template(self) -> MessageTemplate:
        """The owner's report of skipped list rows. Raises NoTemplate when the doc has none."""
        if self.problem_report is None:
            raise NoTemplate(f"{self.source}: no '=== problems ===' section")
        return self.problem_report


@dataclass
class _Section:
    kind: str
    arg: str | None
    line: int
    lines: list[tuple[int, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        if self.arg is not None:
            return f"{self.kind}: {self.arg}"
        return self.kind if self.kind == "problems" else f"{self.kind} (default)"


def parse_voice(text: str, source: str = "voice.txt") -> Voice:
    """Parse the voice doc; raises DocumentError listing every problem found."""
    problems: list[Problem] = []
    sections = _read_sections(text, source, problems)
    steps: dict[str, MessageTemplate] = {}
    nudges: dict[str, MessageTemplate] = {}
    flags: dict[str, MessageTemplate] = {}
    defaults: dict[str, MessageTemplate] = {}
    seen: dict[str, int] = {}
    for section in sections:
        if not section.kind:
            continue
        if section.name in seen:
            problems.append(
                Problem(
                    source,
                    section.line,
                    section.name,
                    f"section '{section.name}' appears twice (first on line "
                    f"{seen[section.name]}); keep one",
                )
            )
            continue
        seen[section.name] = section.line
        template = _template(section, source, problems)
        if template is None:
            continue
        if section.arg is None:
            defaults[section.kind] = template
        else:
            {"step": steps, "nudge": nudges, "flag": flags}[section.kind][section.arg] = template

    if not sections and not problems:
        problems.append(
            Problem(source, None, None, "no sections found; start with '=== step: welcome ==='")
        )
    if problems:
        raise DocumentError(sorted(problems, key=lambda p: (p.line is None, p.line or 0)))
    return Voice(
        source=source,
        steps=steps,
        nudges=nudges,
        flags=flags,
        default_nudge=defaults.get("nudge"),
        default_flag=defaults.get("flag"),
        problem_report=defaults.get("problems"),
    )


def _read_sections(text: str, source: str, problems: list[Problem]) -> list[_Section]:
    """The doc's lines gathered under their section headers, broken headers included."""
    sections: list[_Section] = []
    current: _Section | None = None
    reported_preamble = False
    for number, raw in enumerate(split_lines(normalize_export(text)), start=1):
        stripped = strip_bullet(raw)
        if stripped.startswith("=="):
            section = _header(stripped, number, source, problems)
            # A broken header still opens a section, so its lines are not blamed on the previous
            # one; it is simply not kept.
            current = section or _Section("", None, number)
            sections.append(current)
            continue
        if current is None:
            if stripped and not stripped.startswith("#") and not reported_preamble:
                reported_preamble = True
                problems.append(
                    Problem(
                        source,
                        number,
                        None,
                        "text before the first section; start each message with a header like "
                        "'=== step: welcome ===' (notes before it must start with #)",
                    )
                )
            continue
        current.lines.append((number, raw.rstrip()))
    return sections


def _header(line: str, number: int, source: str, problems: list[Problem]) -> _Section | None:
    match = _HEADER.match(line)
    if match is None:
        problems.append(
            Problem(
                source,
                number,
                None,
                f"'{line}' is not a section header; write one like {_HEADER_EXAMPLES}",
            )
        )
        return None
    kind = match["kind"].lower()
    arg = match["arg"].strip().lower() if match["arg"] is not None else None
    if kind not in _KINDS:
        problems.append(
            Problem(
                source,
                number,
                None,
                f"unknown section kind '{match['kind']}'; the kinds are step, nudge, flag and "
                f"problems, as in {_HEADER_EXAMPLES}",
            )
        )
        return None
    if kind == "problems" and arg:
        problems.append(
            Problem(
                source, number, "problems", "the problems section takes no step: '=== problems ==='"
            )
        )
        return None
    if kind == "problems":
        arg = None
    elif kind == "step" and not arg:
        problems.append(
            Problem(
                source, number, "step", "a step section needs a step id: '=== step: welcome ==='"
            )
        )
        return None
    elif arg == "":
        arg = None
    if arg is not None and not _STEP_ID.match(arg):
        problems.append(
            Problem(
                source,
                number,
                f"{kind}: {arg}",
                f"'{arg}' is not a step id; step ids are 1 to 40 lower-case letters, digits and "
                "dashes, as in the rules doc",
            )
        )
        return None
    return _Section(kind, arg, number)


def _template(section: _Section, source: str, problems: list[Problem]) -> MessageTemplate | None:
    lines = section.lines
    start = next((i for i, (_, text) in enumerate(lines) if text.strip()), None)
    if start is None:
        problems.append(
            Problem(
                source,
                section.line,
                section.name,
                "the section is empty; write 'Subject: ...' and then the message",
            )
        )
        return None
    subject_line, first = lines[start]
    match = _SUBJECT.match(strip_bullet(first))
    if match is None:
        problems.append(
            Problem(
                source,
                subject_line,
                section.name,
                f"the first line of a section must be 'Subject: ...', found '{first.strip()}'",
            )
        )
        return None
    subject = match["subject"].strip()
    if not subject:
        problems.append(Problem(source, subject_line, section.name, "the subject is empty"))
        return None
    body = lines[start + 1 :]
    while body and not body[0][1].strip():
        body.pop(0)
    while body and not body[-1][1].strip():
        body.pop()
    if not body:
        problems.append(
            Problem(
                source,
                subject_line,
                section.name,
                "the message has a subject but no text; write it below the 'Subject:' line",
            )
        )
        return None
    return MessageTemplate(
        name=section.name,
        subject=subject,
        body="\n".join(text for _, text in body),
        source=source,
        line=section.line,
        subject_line=subject_line,
        body_line=body[0][0],
    )


def check_voice(voice: Voice, rules: Rules) -> list[Problem]:
    """Problems of the voice doc against the rules doc: missing or unused sections, and templates
    that do not render (unknown variables, syntax errors)."""
    steps: dict[str, Step] = {}
    plans_of: dict[str, list[str]] = {}
    for plan in rules.plans.values():
        for step in plan.steps:
            steps.setdefault(step.id, step)
            plans_of.setdefault(step.id, []).append(plan.name)
    problems = _missing_sections(voice, rules, plans_of)
    problems.extend(_unused_or_broken_sections(voice, steps))
    return problems


def _missing_sections(voice: Voice, rules: Rules, plans_of: dict[str, list[str]]) -> list[Problem]:
    """A message for each step in the rules, a nudge and a flag for each that has one, and the
    problems report."""
    problems: list[Problem] = []
    src = voice.source

    def plans(step_id: str) -> str:
        names = plans_of[step_id]
        return ("plan " if len(names) == 1 else "plans ") + ", ".join(names)

    for step_id in plans_of:
        if step_id not in voice.steps:
            problems.append(
                Problem(
                    src,
                    None,
                    f"step: {step_id}",
                    f"no message for step '{step_id}' ({plans(step_id)}); add a section "
                    f"'=== step: {step_id} ===' with a Subject and the message",
                )
            )
        nudging = [s for s in _all_steps(rules, step_id) if s.nudge_after_days is not None]
        if nudging and step_id not in voice.nudges and voice.default_nudge is None:
            problems.append(
                Problem(
                    src,
                    None,
                    f"nudge: {step_id}",
                    f"step '{step_id}' has a 'Nudge after' in the rules but there is no nudge "
                    f"message; add '=== nudge: {step_id} ===' or a default '=== nudge ==='",
                )
            )
        flagging = [s for s in _all_steps(rules, step_id) if s.flag_after_days is not None]
        if flagging and step_id not in voice.flags and voice.default_flag is None:
            problems.append(
                Problem(
                    src,
                    None,
                    f"flag: {step_id}",
                    f"step '{step_id}' has a 'Flag after' in the rules but there is no flag "
                    f"message; add '=== flag: {step_id} ===' or a default '=== flag ==='",
                )
            )
    if voice.problem_report is None:
        problems.append(
            Problem(
                src,
                None,
                "problems",
                "no '=== problems ===' section; it is the message that tells you which rows "
                "of the onboarding list were skipped",
            )
        )
    return problems


def _unused_or_broken_sections(voice: Voice, steps: dict[str, Step]) -> list[Problem]:
    """Sections about a step no plan has, and templates that do not render."""
    problems: list[Problem] = []
    src = voice.source
    for templates in (voice.steps, voice.nudges, voice.flags):
        for step_id, template in templates.items():
            if step_id not in steps:
                problems.append(
                    Problem(
                        src,
                        template.line,
                        template.name,
                        f"no plan in the rules doc has a step '{step_id}'; fix the step id or "
                        "remove this section",
                    )
                )
            problems.extend(template_problems(template, sample_context(steps.get(step_id))))
    for default in (voice.default_nudge, voice.default_flag):
        if default is not None:
            problems.extend(template_problems(default, sample_context()))
    if voice.problem_report is not None:
        problems.extend(template_problems(voice.problem_report, sample_problems_context()))
    return problems


def _all_steps(rules: Rules, step_id: str) -> list[Step]:
    return [s for plan in rules.plans.values() for s in plan.steps if s.id == step_id]
