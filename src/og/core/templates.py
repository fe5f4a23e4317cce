"""Message templates from the voice doc, rendered with sandboxed Jinja2.

A template may only use the documented variables (TEMPLATE_VARIABLES, or PROBLEM_REPORT_VARIABLES
for the problem report); anything else is an error that names the voice doc line, so a typo like
{{ frist_name }} is caught by the checks instead of reaching a customer.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from functools import cache, lru_cache
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from og.core.errors import Problem, TemplateError
from og.core.models import Config, Customer, RowProblem, SendCalendar, Step

if TYPE_CHECKING:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

__all__ = [
    "PROBLEM_REPORT_VARIABLES",
    "TEMPLATE_VARIABLES",
    "MessageTemplate",
    "RenderedMessage",
    "message_context",
    "problems_context",
    "render",
    "sample_context",
    "sample_problems_context",
    "template_problems",
]


@dataclass(frozen=True, slots=True)
class MessageTemplate:
    """One section of the voice doc. `line` is the section's header line; `subject_line` and
    `body_line` (0 when unknown) point at the subject and the first body line, so errors inside
    the template can name the exact line of the doc."""

    name: str  # "step: welcome", "nudge (default)", "problems", ...
    subject: str
    body: str
    source: str
    line: int
    subject_line: int = 0
    body_line: int = 0


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    subject: str
    body: str
    done_link: str = ""  # the step's done link, for the email's "Mark as done" button


TEMPLATE_VARIABLES: Mapping[str, str] = MappingProxyType(
    {
        "first_name": "the customer's first name (first word of the name column)",
        "name": "the customer's full name, as in the onboarding list",
        "email": "the customer's email address",
        "plan": "the plan name, as written in the rules doc (e.g. Starter)",
        "business_name": "your business name (business_name in the config)",
        "step_title": "the step's title from the rules doc",
        "step_id": "the step's id from the rules doc (e.g. first-order)",
        "days_since_signup": "whole days since the customer signed up (0 on the signup day)",
        "done_link": "the customer's link to mark this step done (empty until deployed)",
        "reason": "why a nudge or flag is sent (e.g. 'no reply 5 days after Welcome')",
        "customer_id": "the customer's id from the onboarding list",
        "signup_date": "the signup date, YYYY-MM-DD, in the customer's timezone",
    }
)

PROBLEM_REPORT_VARIABLES: Mapping[str, str] = MappingProxyType(
    {
        "business_name": "your business name (business_name in the config)",
        "problem_count": "how many rows of the onboarding list were skipped",
        "problems": "the skipped rows, one per line: file, line, customer, column and what is "
        "wrong",
        "list_name": "the onboarding list's file name",
    }
)

_TEMPLATE_FILENAME = "<template>"
_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")
# ${name} or { name } (not jinja's {{ name }}).
_OTHER_PLACEHOLDER = re.compile(r"\$\{\s*(\w+)\s*\}|(?<![{$])\{\s*(\w+)\s*\}(?!\})")
_LINE_BREAKS = ("\r", "\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029")


@dataclass(frozen=True, slots=True)
class _Compiled:
    template: jinja2.Template
    variables: tuple[tuple[str, int], ...]  # (name, first line used) of every free variable


@dataclass(frozen=True, slots=True)
class _Issue:
    line: int
    message: str
    variable: str | None = None


@cache
def _sandbox() -> SandboxedEnvironment:
    """jinja2's sandbox, built with the first template: jinja2 is imported (here and in the two
    functions below) only on a path that renders or checks a template, not by a Slack answer or
    a signup, which read no voice doc."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    )


@lru_cache(maxsize=1024)
def _compile(text: str) -> _Compiled:
    from jinja2 import meta, nodes

    ast = _sandbox().parse(text)
    free = meta.find_undeclared_variables(ast)
    first: dict[str, int] = {}
    for node in ast.find_all(nodes.Name):
        if node.name in free and node.ctx == "load":
            first[node.name] = min(first.get(node.name, node.lineno), node.lineno)
    variables = tuple(sorted(first.items(), key=lambda item: (item[1], item[0])))
    return _Compiled(_sandbox().from_string(ast), variables)


def _run(
    text: str, context: Mapping[str, object], base_line: int, *, find_all: bool
) -> tuple[str | None, list[_Issue]]:
    """Render one part (subject or body); issue lines are doc lines (base_line is its line 1)."""
    from jinja2 import TemplateSyntaxError, UndefinedError

    try:
        compiled = _compile(text)
    except TemplateSyntaxError as exc:
        line = base_line + (exc.lineno or 1) - 1
        return None, [_Issue(line, f"template syntax error: {exc.message or exc}")]
    issues = [
        _Issue(base_line + lineno - 1, _unknown(name, context), name)
        for name, lineno in compiled.variables
        if name not in context and name not in _sandbox().globals
    ]
    issues += _sent_as_written(text, context, base_line)
    if issues and not find_all:
        return None, issues[:1]
    if issues:
        return None, issues
    try:
        return compiled.template.render(context), []
    except Exception as exc:  # a template is owner-written code: any failure is a template error
        lineno = _template_line(exc.__traceback__)
        line = base_line + (lineno or 1) - 1
        message = str(exc)
        undefined = _UNDEFINED_NAME.match(message)
        if isinstance(exc, UndefinedError) and undefined:
            name = undefined[1]
            return None, [_Issue(line, _unknown(name, context), name)]
        return None, [_Issue(line, f"cannot render: {message or type(exc).__name__}")]


def _unknown(name: str, context: Mapping[str, object]) -> str:
    """ "unknown variable 'frist_name'; did you mean 'first_name'?" and the variables there are."""
    known = sorted(context)
    close = difflib.get_close_matches(name, known, n=1)
    guess = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown variable '{name}'{guess} (variables: {', '.join(known)})"


def _sent_as_written(text: str, context: Mapping[str, object], base_line: int) -> list[_Issue]:
    """`{ first_name }` and `${first_name}` (other tools' placeholders) are plain text to jinja:
    the customer would get them as written."""
    issues = []
    for found in _OTHER_PLACEHOLDER.finditer(text):
        name = found[1] or found[2]
        meant = [name] if name in context else difflib.get_close_matches(name, list(context), n=1)
        if meant:
            line = base_line + text.count("\n", 0, found.start())
            issues.append(
                _Issue(line, f"'{found[0]}' would be sent as written; write {{{{ {meant[0]} }}}}")
            )
    return issues


def _template_line(tb: TracebackType | None) -> int | None:
    # Jinja rewrites tracebacks so that frames of the template carry template line numbers.
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _TEMPLATE_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _render(
    template: MessageTemplate, context: Mapping[str, object], *, find_all: bool
) -> tuple[RenderedMessage | None, list[_Issue]]:
    subject_line = template.subject_line or template.line
    body_line = template.body_line or template.line
    subject, issues = _run(template.subject, context, subject_line, find_all=find_all)
    if issues and not find_all:
        return None, issues
    if subject is not None:
        subject = subject.strip()
        if any(ch in subject for ch in _LINE_BREAKS):
            issues.append(
                _Issue(
                    subject_line,
                    "the subject must be a single line, but it rendered with a line break "
                    "(check the variables it uses)",
                )
            )
            if not find_all:
                return None, issues
        elif not subject:
            issues.append(_Issue(subject_line, "the subject rendered empty"))
    body, body_issues = _run(template.body, context, body_line, find_all=find_all)
    issues.extend(body_issues)
    if issues or subject is None or body is None:
        return None, issues
    return RenderedMessage(subject=subject, body=body), []


def render(template: MessageTemplate, context: Mapping[str, object]) -> RenderedMessage:
    """Render subject and body; raises TemplateError naming the doc line of the problem."""
    rendered, issues = _render(template, context, find_all=False)
    if rendered is None:
        issue = issues[0] if issues else _Issue(template.line, "cannot render")
        raise TemplateError(
            template.name,
            f"{template.source} line {issue.line} (template '{template.name}'): {issue.message}",
            issue.variable,
        )
    return rendered


def template_problems(template: MessageTemplate, context: Mapping[str, object]) -> list[Problem]:
    """Every problem found rendering `template` with `context` (for the document checks)."""
    _, issues = _render(template, context, find_all=True)
    return [Problem(template.source, i.line, template.name, i.message) for i in issues]


def message_context(
    customer: Customer,
    step: Step | None,
    config: Config,
    *,
    plan_name: str,
    days_since_signup: int,
    done_link: str = "",
    reason: str = "",
) -> dict[str, object]:
    """The variables of a step, nudge or flag message (TEMPLATE_VARIABLES)."""
    zone = ZoneInfo(customer.timezone or config.timezone)
    return {
        "first_name": customer.first_name,
        "name": customer.name,
        "email": customer.email,
        "plan": plan_name,
        "business_name": config.business_name,
        "step_title": step.title if step else "",
        "step_id": step.id if step else "",
        "days_since_signup": days_since_signup,
        "done_link": done_link,
        "reason": reason,
        "customer_id": customer.customer_id,
        "signup_date": customer.signup_at.astimezone(zone).date().isoformat(),
    }


def problems_context(
    problems: Sequence[RowProblem | str], *, business_name: str, list_name: str = "onboarding.csv"
) -> dict[str, object]:
    """The variables of the problem report (PROBLEM_REPORT_VARIABLES)."""
    return {
        "business_name": business_name,
        "problem_count": len(problems),
        "problems": "\n".join(f"- {p}" for p in problems),
        "list_name": list_name,
    }


_SAMPLE_CONFIG = Config(
    business_name="Sample Business",
    timezone="UTC",
    calendar=SendCalendar(quiet_start=time(0, 0), quiet_end=time(0, 0), weekend_days=frozenset()),
    sender="Sample <hello@sample.example>",
    owner_slack_id="U0SAMPLE1",
)


def sample_context(step: Step | None = None) -> dict[str, object]:
    """Plausible values for every TEMPLATE_VARIABLE, for checking templates."""
    customer = Customer(
        customer_id="sample-001",
        name="Alex Sample",
        email="alex@sample.example",
        plan="starter",
        signup_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
    )
    sample_step = step or Step(
        id="sample-step",
        title="Sample step",
        day=0,
        nudge_after_days=2,
        flag_after_days=5,
    )
    return message_context(
        customer,
        sample_step,
        _SAMPLE_CONFIG,
        plan_name="Starter",
        days_since_signup=3,
        done_link="https://guide.example/done?t=sample",
        reason="no reply 3 days after 'Sample step'",
    )


def sample_problems_context() -> dict[str, object]:
    """Plausible values for every PROBLEM_REPORT_VARIABLE, for checking the report template."""
    return problems_context(
        [RowProblem("onboarding.csv", 7, "sample-001", "email", "'alex@' is not an email address")],
        business_name=_SAMPLE_CONFIG.business_name,
    )
