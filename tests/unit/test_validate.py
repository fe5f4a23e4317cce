"""og validate's checks (og.logic.validate), as `og validate` and drive-sync run them: every
document is checked even when another has problems, the voice against the rules, the list
against the rules' plans."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from og.core.config_doc import read_config_entries
from og.logic.validate import Checked, check_documents

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOW = datetime(2026, 12, 31, tzinfo=UTC)


def _example(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8-sig")


def _check(config: str, rules: str, voice: str, onboarding: str) -> Checked:
    return check_documents(
        read_config_entries(config),
        ("rules.txt", rules),
        ("voice.txt", voice),
        ("onboarding.csv", onboarding),
        NOW,
    )


def test_the_example_passes_and_its_bad_rows_are_only_skipped() -> None:
    checked = _check(*map(_example, ("config.txt", "rules.txt", "voice.txt", "onboarding.csv")))

    assert checked.problems == () and checked.docs is not None
    assert checked.customers and checked.skipped  # the example has rows with problems


def test_a_broken_config_does_not_stop_the_list_and_voice_being_checked() -> None:
    config = _example("config.txt").replace("quiet_hours: 20:00-08:00", "quiet_hours: late")
    voice = _example("voice.txt").replace("\n=== step: welcome ===", "\n=== step: welcom ===")
    onboarding = "customer_id,name,email,plan\nhh-1,Ana,ana@x.example,Starter\n"

    checked = _check(config, _example("rules.txt"), voice, onboarding)

    assert checked.docs is None
    assert [p.source for p in checked.problems_in("config.txt")] == ["config.txt"]
    assert {p.field for p in checked.problems_in("voice.txt")} >= {"step: welcome"}
    [missing] = checked.problems_in("onboarding.csv")
    assert "signup_at" in missing.message


def test_the_voice_is_checked_against_the_rules_given_with_it() -> None:
    trial = "\nPlan: Trial\n\nStep: trial-call\nTitle: A call\nDay: 0\nNudge after: never\n"

    checked = _check(
        _example("config.txt"),
        _example("rules.txt") + trial,
        _example("voice.txt"),
        _example("onboarding.csv"),
    )

    [problem] = checked.problems
    assert (problem.source, problem.field) == ("voice.txt", "step: trial-call")
