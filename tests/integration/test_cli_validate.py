"""`og validate --date D` reads the list as the tick of business date D does, so the bundled
example (signed up in December 2026) is not "in the future" when checked for its own dates."""

from __future__ import annotations

from pathlib import Path

import pytest

from og import cli
from og.local.stack import init_home

ROOT = Path(__file__).resolve().parents[2]


def test_validate_checks_the_list_as_of_a_business_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    init_home(home, ROOT)

    # The example keeps two broken rows on purpose (a bad email, an unknown plan).
    assert cli.main(["validate", "--home", str(home), "--date", "2026-12-14"]) == 1
    out = capsys.readouterr().out
    assert "12 customers ok, 2 rows skipped" in out
    assert "in the future" not in out

    assert cli.main(["validate", "--home", str(home), "--date", "2026-12-08"]) == 1
    out = capsys.readouterr().out
    assert "(customer hh-1013), signup_at: '2026-12-09 10:30' is in the future" in out


def test_validate_refuses_a_date_that_is_not_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["validate", "--home", str(tmp_path), "--date", "14/12/2026"])
    assert exit_.value.code == 2
    assert "not a date (YYYY-MM-DD): '14/12/2026'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["tick", "--date", "2026-12-14"],
        ["simulate", "--start", "2026-12-14", "--days", "1"],
        ["flags"],
    ],
)
def test_a_missing_document_names_itself_whatever_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    home = tmp_path / "home"
    init_home(home, ROOT)
    (home / "rules.txt").unlink()

    assert cli.main([command[0], "--home", str(home), *command[1:]]) == 2

    assert capsys.readouterr().err == (
        f"og: {home / 'rules.txt'} is missing: an og home has config.txt, rules.txt, voice.txt "
        "and onboarding.csv (og init DIR makes one from the bundled example)\n"
    )
