"""The rules doc: the owner's plans and their steps, one "Key: value" per line.

    Plan: Starter

    Step: welcome
    Title: Welcome and set up your account
    Day: 0
    Nudge after: 2 days
    Flag after: 5 days
    Personalized: no
    Channel: email

A renamed step names the ids it had before, so its sends and done clicks carry over
("Step: maker-profile (was: profile)"); "Retired: <id>" under a plan drops a step for good.
Keys are case-insensitive, list bullets and blank lines are fine, lines starting with # are notes.
Every problem in the doc is collected and raised together as one DocumentError.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from og.core.errors import DocumentError, Problem
from og.core.models import Channel, Plan, Rules, Step
from og.core.text import normalize_export, split_lines, strip_bullet

__all__ = ["STEP_ID_PATTERN", "parse_rules", "plan_key"]

STEP_ID_PATTERN = re.compile(r"^[a-z0-9-]{1,40}$")

_STEP_FIELDS = ("title", "day", "nudge after", "flag after", "personalized", "channel")
_KEYS = ("plan", "step", *_STEP_FIELDS, "retired")
_FIELD_NAMES = {
    "plan": "Plan",
    "step": "Step",
    "retired": "Retired",
    "title": "Title",
    "day": "Day",
    "nudge after": "Nudge after",
    "flag after": "Flag after",
    "personalized": "Personalized",
    "channel": "Channel",
}

_KEY_VALUE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z _-]*?)\s*:\s*(?P<value>.*)$")
_DAY = re.compile(r"^(?:day\s*)?(?P<n>-?\d+)(?:\s*days?)?$", re.IGNORECASE)
_AFTER = re.compile(r"^(?P<n>-?\d+)(?:\s*days?)?$", re.IGNORECASE)
_NEVER = frozenset({"never", "none"})
_YES = frozenset({"yes", "true", "y"})
_NO = frozenset({"no", "false", "n"})
# "maker-profile (was: profile, setup)": the step id, then optionally its former ids.
_STEP_VALUE = re.compile(r"^(?P<id>[^()]*?)\s*(?:\(\s*was\s*:?(?P<was>[^()]*)\))?$", re.IGNORECASE)
_RENAME_EXAMPLE = "'Step: maker-profile (was: profile)'"


def plan_key(name: str) -> str:
    """How a plan name is matched: case and spacing do not matter ("Pro  Plus" is "pro plus")."""
    return " ".join(name.split()).lower()


@dataclass
class _StepDraft:
    id: str
    line: int
    values: dict[str, tuple[str, int]] = field(default_factory=dict)
    former: tuple[str, ...] = ()


@dataclass
class _PlanDraft:
    name: str
    line: int
    steps: list[_StepDraft] = field(default_factory=list)
    retired: dict[str, int] = field(default_factory=dict)  # step id -> its 'Retired:' line


_Report = Callable[[int | None, str | None, str], None]


def parse_rules(text: str, source: str = "rules.txt") -> Rules:
    """Parse the rules doc; raises DocumentError listing every problem found."""
    problems: list[Problem] = []

    def problem(line: int | None, fld: str | None, message: str) -> None:
        problems.append(Problem(source, line, fld, message))

    plans = _read_plans(text, problem)
    if not plans and not problems:
        problem(None, None, "no plans found; start the doc with a line like 'Plan: Starter'")

    built: dict[str, Plan] = {}
    first_line: dict[str, int] = {}
    for draft in plans:
        key = plan_key(draft.name)
        if key in first_line:
            problem(
                draft.line,
                "Plan",
                f"plan '{draft.name}' appears twice (first on line {first_line[key]}); "
                "plan names must be unique, ignoring upper/lower case",
            )
            continue
        first_line[key] = draft.line
        steps = _build_steps(draft, source, problems)
        _check_renames(draft, source, problems)
        built[key] = Plan(
            key=key, name=draft.name, steps=steps, retired_ids=frozenset(draft.retired)
        )

    if problems:
        raise DocumentError(sorted(problems, key=_by_line))
    return Rules(plans=built)


def _read_plans(text: str, problem: _Report) -> list[_PlanDraft]:
    """The doc's lines gathered into plan and step drafts, each value with its line number."""
    plans: list[_PlanDraft] = []
    plan: _PlanDraft | None = None
    step: _StepDraft | None = None

    for number, raw in enumerate(split_lines(normalize_export(text)), start=1):
        line = strip_bullet(raw)
        if not line or line.startswith("#"):
            continue
        match = _KEY_VALUE.match(line)
        key = _normalize_key(match["key"]) if match else ""
        if match is None or key not in _KEYS:
            _bad_line(number, line, match, problem)
            continue
        value = match["value"].strip()
        name = _FIELD_NAMES[key]

        if key == "plan":
            step = None
            if not value:
                problem(number, name, "plan name is empty; write it like 'Plan: Starter'")
                plan = None
                continue
            plan = _PlanDraft(" ".join(value.split()), number)
            plans.append(plan)
        elif key == "step":
            step = _step_draft(value, number, problem)
            if plan is None:
                # The step's own lines are absorbed by this detached draft: one problem, not many.
                problem(
                    number,
                    name,
                    f"step '{value}' is not inside a plan; add a line like 'Plan: Starter' "
                    "above it",
                )
                continue
            plan.steps.append(step)
        elif key == "retired":
            if plan is None:
                problem(number, name, "'Retired' is outside a plan; put it under a 'Plan:' line")
                continue
            for retired in _id_list(value, number, name, problem):
                plan.retired.setdefault(retired, number)
        else:
            _step_value(step, key, value, number, problem)
    return plans


def _bad_line(number: int, line: str, match: re.Match[str] | None, problem: _Report) -> None:
    if match is None:
        problem(
            number,
            None,
            f"expected 'Key: value' (for example 'Day: 2'), found '{_clip(line)}'",
        )
    else:
        problem(
            number,
            match["key"].strip(),
            f"unknown key '{match['key'].strip()}'; the keys are "
            + ", ".join(_FIELD_NAMES[k] for k in _KEYS),
        )


def _step_value(
    step: _StepDraft | None, key: str, value: str, number: int, problem: _Report
) -> None:
    name = _FIELD_NAMES[key]
    if step is None:
        problem(
            number,
            name,
            f"'{name}' is outside a step; put it under a 'Step: <step id>' line",
        )
    elif key in step.values:
        problem(
            number,
            name,
            f"'{name}' given twice for step '{step.id}' (first on line {step.values[key][1]})",
        )
    else:
        step.values[key] = (value, number)


def _build_steps(draft: _PlanDraft, source: str, problems: list[Problem]) -> tuple[Step, ...]:
    if not draft.steps:
        problems.append(
            Problem(
                source,
                draft.line,
                "Plan",
                f"plan '{draft.name}' has no steps; add at least one 'Step: <step id>' "
                "with a 'Day:' below it",
            )
        )
        return ()
    steps: list[Step] = []
    seen: dict[str, int] = {}
    for s in draft.steps:
        before = len(problems)

        def problem(line: int, fld: str, message: str, s: _StepDraft = s) -> None:
            problems.append(Problem(source, line, fld, f"step '{s.id}': {message}"))

        _check_step_id(s, draft, seen, source, problems)
        title = s.values.get("title", ("", 0))[0] or _title_from_id(s.id)
        day = _day(s, problem)
        nudge = _after(s, "nudge after", problem)
        flag = _after(s, "flag after", problem)
        if nudge is not None and flag is not None and flag <= nudge:
            problem(
                s.values["flag after"][1],
                "Flag after",
                f"flag after ({flag} days) must be later than nudge after ({nudge} days)",
            )
        personalized = _personalized(s, problem)
        channel = _channel(s, problem)

        if len(problems) == before and day is not None:
            steps.append(
                Step(
                    id=s.id,
                    title=title,
                    day=day,
                    nudge_after_days=nudge,
                    flag_after_days=flag,
                    personalized=personalized,
                    channel=channel,
                    former_ids=s.former,
                )
            )
    steps.sort(key=lambda st: st.day)
    return tuple(steps)


def _check_step_id(
    s: _StepDraft, draft: _PlanDraft, seen: dict[str, int], source: str, problems: list[Problem]
) -> None:
    if not STEP_ID_PATTERN.match(s.id):
        problems.append(
            Problem(
                source,
                s.line,
                "Step",
                f"step id '{s.id}' is not allowed; use 1 to 40 lower-case letters, digits "
                "and dashes, like 'first-order'",
            )
        )
    elif s.id in seen:
        problems.append(
            Problem(
                source,
                s.line,
                "Step",
                f"step '{s.id}' appears twice in plan '{draft.name}' (first on line "
                f"{seen[s.id]}); step ids must be unique within a plan",
            )
        )
    else:
        seen[s.id] = s.line


def _day(s: _StepDraft, problem: Callable[[int, str, str], None]) -> int | None:
    if "day" not in s.values:
        problem(s.line, "Day", "no 'Day:' line; add one like 'Day: 0' (days after signup)")
        return None
    raw, line = s.values["day"]
    m = _DAY.match(raw)
    if m is None or int(m["n"]) < 0:
        problem(
            line,
            "Day",
            f"'{raw}' is not a day; write a whole number of days after signup, 0 or "
            "more, like 'Day: 2'",
        )
        return None
    return int(m["n"])


def _personalized(s: _StepDraft, problem: Callable[[int, str, str], None]) -> bool:
    if "personalized" not in s.values:
        return False
    raw, line = s.values["personalized"]
    answer = raw.lower()
    if answer not in _YES and answer not in _NO:
        problem(line, "Personalized", f"'{raw}' is not yes or no; write 'yes' or 'no'")
    return answer in _YES


def _channel(s: _StepDraft, problem: Callable[[int, str, str], None]) -> Channel:
    if "channel" not in s.values:
        return Channel.EMAIL
    raw, line = s.values["channel"]
    try:
        return Channel(raw.lower())
    except ValueError:
        problem(
            line,
            "Channel",
            f"'{raw}' is not a channel; write 'email' (a message to the customer) or "
            "'slack' (a task for you, posted to your Slack)",
        )
        return Channel.EMAIL


def _step_draft(
    value: str, line: int, problem: Callable[[int | None, str | None, str], None]
) -> _StepDraft:
    match = _STEP_VALUE.match(value)
    if match is None:
        problem(
            line,
            "Step",
            f"'{_clip(value)}' is not a step id with its former ids; write a renamed step like "
            f"{_RENAME_EXAMPLE}, several former ids separated by commas",
        )
        return _StepDraft(value.split("(")[0].strip(), line)
    was = match["was"]
    former = () if was is None else _id_list(was, line, "Step", problem, what="former id")
    return _StepDraft(match["id"], line, former=former)


def _id_list(
    value: str,
    line: int,
    fld: str,
    problem: Callable[[int | None, str | None, str], None],
    what: str = "step id",
) -> tuple[str, ...]:
    """Comma-separated step ids, each checked; duplicates are dropped."""
    ids = [i.strip() for i in value.split(",") if i.strip()]
    if not ids:
        example = _RENAME_EXAMPLE if what == "former id" else "'Retired: profile'"
        problem(line, fld, f"no {what} given; write it like {example}")
    for i in ids:
        if not STEP_ID_PATTERN.match(i):
            problem(
                line,
                fld,
                f"{what} '{_clip(i)}' is not allowed; use 1 to 40 lower-case letters, digits and "
                "dashes, as the step was called",
            )
    return tuple(dict.fromkeys(i for i in ids if STEP_ID_PATTERN.match(i)))


def _check_renames(draft: _PlanDraft, source: str, problems: list[Problem]) -> None:
    """A former or retired id names progress of a step the plan no longer has: it cannot be a
    step of the plan now, and its progress can go to one place only."""
    current: dict[str, int] = {}
    for s in draft.steps:
        current.setdefault(s.id, s.line)
    claimed: dict[str, _StepDraft] = {}
    for s in draft.steps:
        for former in s.former:
            if former in current:
                message = (
                    f"former id '{former}' is still a step of plan '{draft.name}' (line "
                    f"{current[former]}); '(was: {former})' is for a step whose id changed, so "
                    f"remove it, or rename that step too"
                )
            elif former in claimed:
                other = claimed[former]
                message = (
                    f"former id '{former}' is also claimed by step '{other.id}' (line "
                    f"{other.line}); its sends and done clicks can carry over to one step only, "
                    "so keep it in one '(was: …)'"
                )
            else:
                claimed[former] = s
                continue
            problems.append(Problem(source, s.line, "Step", f"step '{s.id}': {message}"))
    for retired, line in draft.retired.items():
        if retired in current:
            message = (
                f"'{retired}' is retired but is still a step of plan '{draft.name}' (line "
                f"{current[retired]}); remove it from 'Retired:' or remove the step"
            )
        elif retired in claimed:
            message = (
                f"'{retired}' is retired but step '{claimed[retired].id}' (line "
                f"{claimed[retired].line}) was renamed from it; keep one: '(was: {retired})' "
                f"carries its sends and done clicks over, 'Retired: {retired}' drops them"
            )
        else:
            continue
        problems.append(Problem(source, line, "Retired", message))


def _after(s: _StepDraft, key: str, problem: Callable[[int, str, str], None]) -> int | None:
    if key not in s.values:
        return None
    raw, line = s.values[key]
    name = _FIELD_NAMES[key]
    if raw.lower() in _NEVER:
        return None
    m = _AFTER.match(raw)
    if m is None or int(m["n"]) < 1:
        problem(
            line,
            name,
            f"'{raw}' is not a number of days; write it like '{name}: 3 days' (1 or more), "
            f"or '{name}: never'",
        )
        return None
    return int(m["n"])


def _by_line(problem: Problem) -> tuple[bool, int]:
    return problem.line is None, problem.line or 0


def _normalize_key(key: str) -> str:
    return " ".join(key.replace("_", " ").replace("-", " ").split()).lower()


def _title_from_id(step_id: str) -> str:
    words = step_id.replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
