from dataclasses import replace
from datetime import UTC, datetime, time

import pytest

from og.core.errors import TemplateError
from og.core.models import Config, Customer, RowProblem, SendCalendar, Step
from og.core.templates import (
    PROBLEM_REPORT_VARIABLES,
    TEMPLATE_VARIABLES,
    MessageTemplate,
    RenderedMessage,
    _compile,
    message_context,
    problems_context,
    render,
    sample_context,
    sample_problems_context,
    template_problems,
)

CONFIG = Config(
    business_name="Harbour & Hearth",
    timezone="Asia/Singapore",
    calendar=SendCalendar(time(20, 0), time(8, 0), frozenset({5, 6})),
    sender="Harbour & Hearth <hello@harbourhearth.example>",
    owner_slack_id="U0OWNER01",
)
CUSTOMER = Customer(
    customer_id="hh-1001",
    name="Mei Ling Tan",
    email="meiling@kopibakes.example",
    plan="starter",
    signup_at=datetime(2026, 12, 1, 17, 0, tzinfo=UTC),  # 2 Dec 01:00 in Singapore
)
STEP = Step("first-order", "Place your first order", 2, 2, 4)


def template(subject: str, body: str) -> MessageTemplate:
    return MessageTemplate(
        name="step: welcome",
        subject=subject,
        body=body,
        source="voice.txt",
        line=10,
        subject_line=11,
        body_line=13,
    )


def context() -> dict[str, object]:
    return message_context(
        CUSTOMER,
        STEP,
        CONFIG,
        plan_name="Starter",
        days_since_signup=3,
        done_link="http://localhost:8787/done?t=abc",
        reason="no reply",
    )


def test_message_context() -> None:
    assert context() == {
        "first_name": "Mei",
        "name": "Mei Ling Tan",
        "email": "meiling@kopibakes.example",
        "plan": "Starter",
        "business_name": "Harbour & Hearth",
        "step_title": "Place your first order",
        "step_id": "first-order",
        "days_since_signup": 3,
        "done_link": "http://localhost:8787/done?t=abc",
        "reason": "no reply",
        "customer_id": "hh-1001",
        "signup_date": "2026-12-02",
    }
    assert set(context()) == set(TEMPLATE_VARIABLES)


def test_signup_date_in_customer_timezone() -> None:
    customer = replace(CUSTOMER, timezone="America/New_York")
    ctx = message_context(customer, None, CONFIG, plan_name="Starter", days_since_signup=0)
    assert ctx["signup_date"] == "2026-12-01"
    assert (ctx["step_id"], ctx["step_title"], ctx["done_link"]) == ("", "", "")


def test_sample_contexts_cover_the_documented_variables() -> None:
    assert set(sample_context()) == set(TEMPLATE_VARIABLES)
    assert sample_context(STEP)["step_title"] == "Place your first order"
    assert set(sample_problems_context()) == set(PROBLEM_REPORT_VARIABLES)


def test_render() -> None:
    t = template(
        "Welcome, {{ first_name }}!  ",
        "Hi {{ first_name }} & co,\n\n{% if done_link %}Done? {{ done_link }}{% endif %}\n",
    )
    assert render(t, context()) == RenderedMessage(
        subject="Welcome, Mei!",
        body="Hi Mei & co,\n\nDone? http://localhost:8787/done?t=abc\n",
    )


def test_unknown_variable_names_line_and_template() -> None:
    t = template("Hello", "Hi,\n\n{{ frist_name }}")
    with pytest.raises(TemplateError) as info:
        render(t, context())
    assert info.value.template == "step: welcome"
    assert info.value.variable == "frist_name"
    assert "voice.txt line 15 (template 'step: welcome'): unknown variable 'frist_name'" in str(
        info.value
    )


def test_unknown_variable_in_branch_not_taken_is_still_caught() -> None:
    t = template("Hello", "{% if False %}{{ nope }}{% endif %}")
    with pytest.raises(TemplateError, match=r"line 13 .*unknown variable 'nope'"):
        render(t, context())


def test_loop_variables_and_globals_are_not_unknown() -> None:
    t = template("Hi", "{% for i in range(2) %}{{ i }}{% endfor %}{% set x = 1 %}{{ x }}")
    assert render(t, context()).body == "011"


def test_syntax_error_names_line() -> None:
    t = template("Hello", "line one\n{% if first_name %}\nno end")
    with pytest.raises(TemplateError, match=r"voice.txt line 14 \(template 'step: welcome'\)"):
        render(t, context())
    t = template("Hello {{ first_name ", "body")
    with pytest.raises(TemplateError, match=r"voice.txt line 11 .*syntax error"):
        render(t, context())


def test_unknown_filter_is_a_syntax_error() -> None:
    t = template("Hello", "\n{{ first_name | shout }}")
    with pytest.raises(TemplateError, match=r"line 14 .*No filter named 'shout'"):
        render(t, context())


def test_runtime_error_names_line() -> None:
    t = template("Hello", "a\nb\n{{ first_name.nickname }}")
    with pytest.raises(TemplateError, match=r"line 15 .*has no attribute 'nickname'"):
        render(t, context())
    t = template("Hello", "{{ days_since_signup / 0 }}")
    with pytest.raises(TemplateError, match=r"line 13 .*cannot render"):
        render(t, context())


def test_sandbox_blocks_internals() -> None:
    t = template("Hello", "{{ first_name.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(TemplateError):
        render(t, context())


def test_subject_must_be_one_line() -> None:
    customer = replace(CUSTOMER, name="Eve\r\nBcc: victim@example.com")
    ctx = message_context(customer, STEP, CONFIG, plan_name="Starter", days_since_signup=0)
    t = template("Hello {{ name }}", "body")
    with pytest.raises(TemplateError, match=r"line 11 .*single line"):
        render(t, ctx)


def test_template_problems_lists_everything() -> None:
    t = template("Hi {{ a }}", "{{ b }}\n{{ c }}")
    problems = template_problems(t, sample_context())
    variables = f"(variables: {', '.join(sorted(sample_context()))})"
    assert [str(p) for p in problems] == [
        f"voice.txt line 11, step: welcome: unknown variable 'a' {variables}",
        f"voice.txt line 13, step: welcome: unknown variable 'b' {variables}",
        f"voice.txt line 14, step: welcome: unknown variable 'c' {variables}",
    ]


def test_line_falls_back_to_header_line() -> None:
    t = MessageTemplate("nudge (default)", "Hi", "{{ oops }}", "voice.txt", 7)
    (p,) = template_problems(t, sample_context())
    assert (p.line, p.field) == (7, "nudge (default)")


def test_problems_context() -> None:
    problem = RowProblem("onboarding.csv", 9, "hh-1007", "email", "'x@@y' is not valid")
    ctx = problems_context([problem], business_name="Harbour & Hearth")
    assert ctx == {
        "business_name": "Harbour & Hearth",
        "problem_count": 1,
        "problems": "- onboarding.csv line 9 (customer hh-1007), email: 'x@@y' is not valid",
        "list_name": "onboarding.csv",
    }


def test_templates_compile_once() -> None:
    _compile.cache_clear()
    t = template("Hi {{ first_name }}", "Body {{ name }} unique-text-for-cache-test")
    for _ in range(3):
        render(t, context())
    info = _compile.cache_info()
    assert (info.misses, info.hits) == (2, 4)
