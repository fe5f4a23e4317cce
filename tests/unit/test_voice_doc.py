from pathlib import Path
from textwrap import dedent

import pytest

from og.core.errors import DocumentError, Problem
from og.core.models import SendKind
from og.core.rules_doc import parse_rules
from og.core.voice_doc import Voice, check_voice, parse_voice

RULES = parse_rules(
    dedent(
        """\
        Plan: Starter
        Step: welcome
        Day: 0
        Nudge after: 2 days
        Flag after: 5 days
        Step: first-order
        Day: 2
        Nudge after: 2 days
        Flag after: never
        """
    )
)

VOICE = dedent(
    """\
    # Notes before the first section are fine.

    === step: welcome ===
    Subject: Welcome, {{ first_name }}!

    Hi {{ first_name }},

    - set up your account
    - invite your team

    Thanks,
    {{ business_name }}


    === step: first-order ===
    Subject: Your first order
    Order here: {{ done_link }}
    === nudge ===
    Subject: Reminder: {{ step_title }}
    Still on {{ step_title }}?
    === nudge: welcome ===
    Subject: Have you set up your account?
    Hi {{ first_name }}, just checking.
    === flag ===
    Subject: {{ name }} is stuck
    {{ reason }}
    === problems ===
    Subject: {{ problem_count }} rows skipped
    {{ problems }}
    """
)


def voice_problems(text: str) -> list[Problem]:
    with pytest.raises(DocumentError) as info:
        parse_voice(text)
    return info.value.problems


def test_parses_sections() -> None:
    voice = parse_voice(VOICE)
    welcome = voice.template_for(SendKind.STEP, "welcome")
    assert welcome.name == "step: welcome"
    assert welcome.subject == "Welcome, {{ first_name }}!"
    # Leading and trailing blank lines trimmed; inner blank lines and bullets kept as written.
    assert welcome.body == (
        "Hi {{ first_name }},\n\n- set up your account\n- invite your team\n\n"
        "Thanks,\n{{ business_name }}"
    )
    assert (welcome.source, welcome.line, welcome.subject_line, welcome.body_line) == (
        "voice.txt",
        3,
        4,
        6,
    )
    assert voice.template_for(SendKind.STEP, "first-order").body == "Order here: {{ done_link }}"


def test_nudge_and_flag_fall_back_to_defaults() -> None:
    voice = parse_voice(VOICE)
    assert voice.template_for(SendKind.NUDGE, "welcome").name == "nudge: welcome"
    assert voice.template_for(SendKind.NUDGE, "first-order").name == "nudge (default)"
    assert voice.template_for(SendKind.FLAG, "welcome").name == "flag (default)"
    assert voice.problems_template.name == "problems"
    with pytest.raises(KeyError):
        voice.template_for(SendKind.STEP, "missing")


def test_missing_templates_raise_key_error() -> None:
    voice = Voice(source="voice.txt")
    with pytest.raises(KeyError):
        voice.template_for(SendKind.NUDGE, "welcome")
    with pytest.raises(KeyError):
        voice.template_for(SendKind.FLAG, "welcome")
    with pytest.raises(KeyError):
        _ = voice.problems_template


def test_google_docs_export_noise() -> None:
    text = (
        "\ufeff=== Step:\u00a0Welcome ===\r\n"
        "\u2022 SUBJECT: Hi {{ first_name }} \u2014 it\u2019s time\r\n"
        "\r\n"
        "\u201cQuoted\u201d\u200b text\r\n"
        "\u2022 a bullet stays\r\n"
    )
    voice = parse_voice(text)
    t = voice.steps["welcome"]
    assert t.subject == "Hi {{ first_name }} \u2014 it's time"
    assert t.body == '"Quoted" text\n\u2022 a bullet stays'
    assert (t.line, t.subject_line, t.body_line) == (1, 2, 4)


def test_text_before_first_section() -> None:
    problems = voice_problems("Hello there\nmore text\n=== problems ===\nSubject: x\nbody\n")
    assert len(problems) == 1
    assert str(problems[0]).startswith("voice.txt line 1: text before the first section")


def test_unknown_section_kind() -> None:
    (p,) = voice_problems("=== reminder: welcome ===\nSubject: x\nbody\n")
    assert p.line == 1
    assert "unknown section kind 'reminder'" in p.message


def test_malformed_header() -> None:
    (p,) = voice_problems("=== step: welcome\nSubject: x\nbody\n")
    assert p.line == 1
    assert "is not a section header" in p.message


def test_header_needs_valid_step_id() -> None:
    problems = voice_problems("=== step ===\nSubject: x\nbody\n=== nudge: first order ===\n")
    assert [(p.line, p.field) for p in problems] == [(1, "step"), (4, "nudge: first order")]
    assert "needs a step id" in problems[0].message
    assert "not a step id" in problems[1].message


def test_problems_section_takes_no_step() -> None:
    (p,) = voice_problems("=== problems: welcome ===\nSubject: x\nbody\n")
    assert (p.line, p.field) == (1, "problems")


def test_missing_subject() -> None:
    (p,) = voice_problems("=== step: welcome ===\n\nHi there\n")
    assert (p.line, p.field) == (3, "step: welcome")
    assert "must be 'Subject: ...'" in p.message


def test_empty_subject_section_and_body() -> None:
    problems = voice_problems(
        "=== step: a ===\nSubject:\nbody\n=== step: b ===\n\n=== step: c ===\nSubject: c\n\n"
    )
    assert [(p.line, p.field) for p in problems] == [(2, "step: a"), (4, "step: b"), (7, "step: c")]
    assert "subject is empty" in problems[0].message
    assert "section is empty" in problems[1].message
    assert "no text" in problems[2].message


def test_duplicate_section() -> None:
    (p,) = voice_problems("=== nudge ===\nSubject: a\nbody\n=== nudge ===\nSubject: b\nbody\n")
    assert (p.line, p.field) == (4, "nudge (default)")
    assert "appears twice (first on line 1)" in p.message


def test_empty_doc() -> None:
    (p,) = voice_problems("# nothing\n")
    assert "no sections" in p.message


def test_check_voice_accepts_complete_doc() -> None:
    assert check_voice(parse_voice(VOICE), RULES) == []


def test_check_voice_missing_sections() -> None:
    text = "=== step: welcome ===\nSubject: Hi\nHello\n"
    problems = check_voice(parse_voice(text), RULES)
    fields = [p.field for p in problems]
    assert fields == [
        "nudge: welcome",
        "flag: welcome",
        "step: first-order",
        "nudge: first-order",
        "problems",
    ]
    assert all(p.source == "voice.txt" for p in problems)
    assert "'=== step: first-order ==='" in problems[2].message
    assert "plan Starter" in problems[2].message
    assert "'=== nudge: welcome ===' or a default '=== nudge ==='" in problems[0].message


def test_check_voice_section_for_unknown_step() -> None:
    text = VOICE + "=== step: farewell ===\nSubject: Bye\nBye\n=== flag: nope ===\nSubject: x\ny\n"
    problems = check_voice(parse_voice(text), RULES)
    assert [(p.line, p.field) for p in problems] == [
        (30, "step: farewell"),
        (33, "flag: nope"),
    ]
    assert "no plan in the rules doc has a step 'farewell'" in problems[0].message


STEP_VARIABLES = (
    "(variables: business_name, customer_id, days_since_signup, done_link, email, first_name, "
    "name, plan, reason, signup_date, step_id, step_title)"
)


def test_check_voice_renders_every_template() -> None:
    text = VOICE.replace("Still on {{ step_title }}?", "Still on {{ step_titel }}?").replace(
        "{{ problems }}", "{% for p in problems %}"
    )
    problems = check_voice(parse_voice(text), RULES)
    assert [str(p) for p in problems] == [
        "voice.txt line 20, nudge (default): unknown variable 'step_titel'; did you mean "
        f"'step_title'? {STEP_VARIABLES}",
        "voice.txt line 29, problems: template syntax error: Unexpected end of template. Jinja "
        "was looking for the following tags: 'endfor' or 'else'. The innermost block that "
        "needs to be closed is 'for'.",
    ]


def test_check_voice_catches_unknown_variable_in_subject() -> None:
    text = VOICE.replace("Subject: Welcome, {{ first_name }}!", "Subject: Hi {{ frist_name }}")
    (p,) = check_voice(parse_voice(text), RULES)
    assert (p.source, p.line, p.field) == ("voice.txt", 4, "step: welcome")
    assert (
        p.message == f"unknown variable 'frist_name'; did you mean 'first_name'? {STEP_VARIABLES}"
    )


def test_problem_variables_are_not_step_variables() -> None:
    text = VOICE.replace("{{ problems }}", "{{ first_name }}")
    (p,) = check_voice(parse_voice(text), RULES)
    assert (p.line, p.field) == (29, "problems")
    assert p.message.startswith("unknown variable 'first_name'")
    assert p.message.endswith("(variables: business_name, list_name, problem_count, problems)")


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_bundled_example_voice_matches_example_rules() -> None:
    rules = parse_rules((EXAMPLES / "rules.txt").read_bytes().decode("utf-8"))
    voice = parse_voice((EXAMPLES / "voice.txt").read_text(encoding="utf-8"))
    assert check_voice(voice, rules) == []
    assert voice.default_nudge is not None and voice.default_flag is not None


@pytest.mark.parametrize(
    "written", ["${first_name}", "{ first_name }", "{first_name}", "${frist_name}"]
)
def test_another_tools_placeholder_is_named_not_sent_as_written(written: str) -> None:
    text = VOICE.replace("Subject: Welcome, {{ first_name }}!", f"Subject: Welcome, {written}!")
    (p,) = check_voice(parse_voice(text), RULES)
    assert (p.line, p.field) == (4, "step: welcome")
    assert p.message == f"'{written}' would be sent as written; write {{{{ first_name }}}}"


def test_braces_in_prose_and_jinja_itself_are_left_alone() -> None:
    text = VOICE.replace(
        "Subject: Welcome, {{ first_name }}!", "Subject: Welcome {opening offer}, {{ first_name }}!"
    )
    assert check_voice(parse_voice(text), RULES) == []
