from pathlib import Path
from textwrap import dedent

import pytest

from og.core.errors import DocumentError, Problem
from og.core.models import Channel
from og.core.rules_doc import parse_rules

GOOD = dedent(
    """\
    # Onboarding rules
    Plan: Starter

    Step: welcome
    Title: Welcome and set up your account
    Day: 0
    Nudge after: 2 days
    Flag after: 5 days
    Personalized: no
    Channel: email

    Step: first-order
    Day: 2
    Nudge after: 1 day
    Flag after: never

    Plan: Pro
    Step: kickoff-call
    Day: day 1
    Nudge after: 3
    Channel: Slack
    Personalized: Yes
    """
)


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(DocumentError) as info:
        parse_rules(text)
    return info.value.problems


def only_problem(text: str) -> Problem:
    problems = problems_of(text)
    assert len(problems) == 1, problems
    return problems[0]


def test_parses_plans_and_steps() -> None:
    rules = parse_rules(GOOD)
    assert list(rules.plans) == ["starter", "pro"]
    starter = rules.plans["starter"]
    assert starter.name == "Starter"
    assert [s.id for s in starter.steps] == ["welcome", "first-order"]
    welcome = starter.steps[0]
    assert welcome.title == "Welcome and set up your account"
    assert (welcome.day, welcome.nudge_after_days, welcome.flag_after_days) == (0, 2, 5)
    assert welcome.personalized is False
    assert welcome.channel is Channel.EMAIL
    first = starter.steps[1]
    assert first.title == "First order"  # from the step id
    assert (first.nudge_after_days, first.flag_after_days) == (1, None)
    kickoff = rules.plans["pro"].steps[0]
    assert (kickoff.day, kickoff.nudge_after_days, kickoff.flag_after_days) == (1, 3, None)
    assert kickoff.channel is Channel.SLACK
    assert kickoff.personalized is True
    assert rules.plan(" PRO ") is rules.plans["pro"]


def test_google_docs_export_noise() -> None:
    text = (
        "\ufeffPLAN:\u00a0Starter\r\n"
        "\r\n"
        "\u2022 step: welcome\r\n"
        "\u25cf  TITLE: Welcome \u2014 it\u2019s \u201cgreat\u201d\r\n"
        "*\tDay:\u00a00\r\n"
        "- Nudge  after :   2 days\r\n"
        "1. Flag_after: 5 days\r\n"
        "nudge-AFTER\u200b: 2\r\n"
    )
    problems = problems_of(text)
    # Every line was understood; only the repeated key (line 8) is a problem.
    assert [str(p) for p in problems] == [
        "rules.txt line 8, Nudge after: 'Nudge after' given twice for step 'welcome' "
        "(first on line 6)"
    ]
    rules = parse_rules(text.rsplit("nudge-AFTER", 1)[0])
    step = rules.plans["starter"].steps[0]
    assert step.title == 'Welcome \u2014 it\'s "great"'
    assert (step.day, step.nudge_after_days, step.flag_after_days) == (0, 2, 5)


def test_steps_sorted_by_day_stable() -> None:
    text = dedent(
        """\
        Plan: A
        Step: late
        Day: 5
        Step: early
        Day: 1
        Step: also-early
        Day: 1
        Step: start
        Day: 0
        """
    )
    steps = parse_rules(text).plans["a"].steps
    assert [s.id for s in steps] == ["start", "early", "also-early", "late"]


def test_plan_key_collapses_spaces() -> None:
    rules = parse_rules("Plan:  Pro   Plus \nStep: a\nDay: 0\n")
    assert list(rules.plans) == ["pro plus"]
    assert rules.plans["pro plus"].name == "Pro Plus"


def test_unknown_key() -> None:
    p = only_problem("Plan: A\nStep: a\nDay: 0\nDelay: 3\n")
    assert (p.source, p.line, p.field) == ("rules.txt", 4, "Delay")
    assert "unknown key 'Delay'" in str(p)
    assert "Nudge after" in p.message


def test_line_without_key() -> None:
    p = only_problem("Plan: A\nStep: a\nDay: 0\nsend it on day three\n")
    assert str(p).startswith("rules.txt line 4: expected 'Key: value'")


def test_field_outside_a_step() -> None:
    p = only_problem("Plan: A\nDay: 0\nStep: a\nDay: 0\n")
    assert (p.line, p.field) == (2, "Day")
    assert "outside a step" in p.message


def test_step_outside_a_plan_is_one_problem() -> None:
    p = only_problem("Step: a\nDay: 0\nTitle: x\nPlan: B\nStep: b\nDay: 0\n")
    assert (p.line, p.field) == (1, "Step")
    assert "not inside a plan" in p.message


def test_missing_day() -> None:
    p = only_problem("Plan: A\n\nStep: welcome\nTitle: Hi\n")
    assert str(p).startswith("rules.txt line 3, Day: step 'welcome': no 'Day:' line")


def test_bad_day() -> None:
    for value in ("-1", "soon", "2.5"):
        p = only_problem(f"Plan: A\nStep: a\nDay: {value}\n")
        assert (p.line, p.field) == (3, "Day"), value
        assert f"'{value}' is not a day" in p.message


def test_bad_nudge_and_flag() -> None:
    problems = problems_of("Plan: A\nStep: a\nDay: 0\nNudge after: a week\nFlag after: 0 days\n")
    assert [(p.line, p.field) for p in problems] == [(4, "Nudge after"), (5, "Flag after")]
    assert "'a week' is not a number of days" in problems[0].message
    assert "'Nudge after: never'" in problems[0].message


def test_flag_must_be_after_nudge() -> None:
    p = only_problem("Plan: A\nStep: a\nDay: 0\nNudge after: 3 days\nFlag after: 3 days\n")
    assert (p.line, p.field) == (5, "Flag after")
    assert "must be later than nudge after" in p.message


def test_bad_personalized_and_channel() -> None:
    problems = problems_of("Plan: A\nStep: a\nDay: 0\nPersonalized: maybe\nChannel: sms\n")
    assert [(p.line, p.field) for p in problems] == [(4, "Personalized"), (5, "Channel")]
    assert "'maybe' is not yes or no" in problems[0].message
    assert "'sms' is not a channel" in problems[1].message


def test_bad_step_id() -> None:
    for step_id in ("Welcome", "first order", "a" * 41, "caf\u00e9"):
        p = only_problem(f"Plan: A\nStep: {step_id}\nDay: 0\n")
        assert (p.line, p.field) == (2, "Step")
        assert "lower-case letters, digits and dashes" in p.message


def test_duplicate_step_id_in_plan() -> None:
    p = only_problem("Plan: A\nStep: a\nDay: 0\nStep: a\nDay: 1\n")
    assert (p.line, p.field) == (4, "Step")
    assert "appears twice in plan 'A' (first on line 2)" in p.message


def test_same_step_id_in_two_plans_is_fine() -> None:
    rules = parse_rules("Plan: A\nStep: a\nDay: 0\nPlan: B\nStep: a\nDay: 0\n")
    assert set(rules.plans) == {"a", "b"}


def test_duplicate_plan_ignoring_case() -> None:
    p = only_problem("Plan: Pro\nStep: a\nDay: 0\nPlan: PRO\nStep: b\nDay: 0\n")
    assert (p.line, p.field) == (4, "Plan")
    assert "appears twice (first on line 1)" in p.message


def test_plan_without_steps() -> None:
    p = only_problem("Plan: Empty\n\nPlan: A\nStep: a\nDay: 0\n")
    assert str(p).startswith("rules.txt line 1, Plan: plan 'Empty' has no steps")


def test_empty_plan_name() -> None:
    p = only_problem("Plan:\nPlan: A\nStep: a\nDay: 0\n")
    assert (p.line, p.field) == (1, "Plan")


def test_no_plans() -> None:
    p = only_problem("# nothing yet\n\n")
    assert p.line is None
    assert "no plans found" in p.message


def test_all_problems_are_collected_with_source() -> None:
    text = "Plan: A\nStep: Bad Id\nDay: x\nColour: red\nPlan: B\n"
    with pytest.raises(DocumentError) as info:
        parse_rules(text, source="my-rules.txt")
    lines = str(info.value).splitlines()
    assert len(lines) == 4
    assert all(line.startswith("my-rules.txt line ") for line in lines)


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_bundled_example_rules() -> None:
    # Bytes, so the CRLF line endings of the Google Docs style export are kept.
    raw = (EXAMPLES / "rules.txt").read_bytes().decode("utf-8")
    assert "\r\n" in raw and "\u2019" in raw and "\u2022 " in raw and raw.startswith("\ufeff")
    rules = parse_rules(raw)
    assert [p.name for p in rules.plans.values()] == ["Starter", "Pro"]
    pro = rules.plans["pro"]
    assert any(s.personalized for s in pro.steps)
    kickoff = pro.step("kickoff-call")
    assert kickoff is not None and kickoff.channel is Channel.SLACK
    first_order = rules.plans["starter"].step("first-order")
    assert first_order is not None and "it's" in first_order.title


# --- renamed and retired steps ------------------------------------------------------------------
RENAMED = dedent(
    """\
    Plan: Starter
    Step: welcome
    Day: 0
    • Step: maker-profile (WAS:  profile ,setup)
    Day: 1
    Step: first-order (was: order)
    Day: 2
    Retired: survey, survey
    Retired: intro

    Plan: Pro
    Step: profile-setup (was: profile)
    Day: 1
    """
)


def test_renamed_steps_keep_their_former_ids() -> None:
    rules = parse_rules(RENAMED)
    starter = rules.plans["starter"]
    assert [(s.id, s.former_ids) for s in starter.steps] == [
        ("welcome", ()),
        ("maker-profile", ("profile", "setup")),
        ("first-order", ("order",)),
    ]
    assert starter.step("maker-profile") is starter.steps[1]
    # A done link signed for the old id finds the step under its new id.
    assert starter.step("profile") is starter.steps[1]
    assert starter.step("setup") is starter.steps[1]
    assert starter.step("survey") is None  # retired: no step answers for it
    assert starter.retired_ids == {"survey", "intro"}
    assert starter.renamed == {"profile": "maker-profile", "setup": "maker-profile"} | {
        "order": "first-order"
    }
    # The same former id in another plan is that plan's business.
    pro = rules.plans["pro"]
    assert pro.step("profile") is pro.steps[0] and pro.steps[0].id == "profile-setup"
    assert pro.retired_ids == frozenset()


def test_a_former_id_that_is_still_a_step_of_the_plan_is_refused() -> None:
    p = only_problem("Plan: A\nStep: maker-profile (was: profile)\nDay: 1\nStep: profile\nDay: 2\n")
    assert (p.source, p.line, p.field) == ("rules.txt", 2, "Step")
    assert p.message.startswith(
        "step 'maker-profile': former id 'profile' is still a step of plan 'A' (line 4)"
    )


def test_a_step_cannot_be_renamed_from_itself() -> None:
    p = only_problem("Plan: A\nStep: profile (was: profile)\nDay: 1\n")
    assert (p.line, p.field) == (2, "Step")
    assert "former id 'profile' is still a step of plan 'A' (line 2)" in p.message


def test_a_former_id_claimed_by_two_steps_is_refused() -> None:
    text = "Plan: A\nStep: maker (was: profile)\nDay: 1\nStep: shop (was: setup, profile)\nDay: 2\n"
    p = only_problem(text)
    assert (p.source, p.line, p.field) == ("rules.txt", 4, "Step")
    assert "former id 'profile' is also claimed by step 'maker' (line 2)" in p.message
    assert "one step only" in p.message


def test_bad_rename_syntax_is_refused_with_an_example() -> None:
    for value in ("maker (was: profile", "maker (profile)", "maker (was: )"):
        p = only_problem(f"Plan: A\nStep: {value}\nDay: 1\n")
        assert (p.line, p.field) == (2, "Step"), value
        assert "'Step: maker-profile (was: profile)'" in p.message, value
    p = only_problem("Plan: A\nStep: maker (was: Old Profile)\nDay: 1\n")
    assert (p.line, p.field) == (2, "Step")
    assert "former id 'Old Profile' is not allowed" in p.message


def test_retired_ids_are_checked_against_the_plan() -> None:
    text = dedent(
        """\
        Retired: early
        Plan: A
        Step: maker (was: profile)
        Day: 1
        Retired: maker
        Retired: profile, Old
        """
    )
    problems = problems_of(text)
    assert [(p.line, p.field) for p in problems] == [
        (1, "Retired"),
        (5, "Retired"),
        (6, "Retired"),
        (6, "Retired"),
    ]
    outside, current, bad, former = (p.message for p in problems)
    assert "'Retired' is outside a plan" in outside
    assert "'maker' is retired but is still a step of plan 'A' (line 3)" in current
    assert "step id 'Old' is not allowed" in bad
    assert "'profile' is retired but step 'maker' (line 3) was renamed from it" in former


def test_unknown_key_lists_retired() -> None:
    p = only_problem("Plan: A\nStep: a\nDay: 0\nDelay: 3\n")
    assert p.message.endswith("Personalized, Channel, Retired")
