"""`og init DIR --blank`: an owner starts a home of their own business, not the bundled bakery;
it validates and ticks as written, and the first customer they add gets the welcome email."""

from __future__ import annotations

import csv
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from og.cli import main as og
from og.core.config_doc import read_config_entries

pytestmark = [pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]

BUSINESS = "Pastelaria Belém & Filhos, Lda"


def _init(home: Path, *more: str) -> int:
    return og(
        ["init", str(home), "--blank", "--business", BUSINESS, "--timezone", "Europe/Lisbon", *more]
    )


def test_a_blank_home_validates_ticks_and_welcomes_its_first_customer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "my-shop"
    h = str(home)

    assert _init(home) == 0
    assert sorted(p.name for p in home.iterdir()) == [
        "config.txt",
        "onboarding.csv",
        "rules.txt",
        "secrets.json",
        "voice.txt",
    ]
    config = {k: v for k, (v, _) in read_config_entries((home / "config.txt").read_text()).items()}
    assert config["business_name"] == BUSINESS
    assert config["timezone"] == "Europe/Lisbon"
    assert config["sender"] == f'"{BUSINESS}" <hello@example.com>'
    assert "bakery" not in (home / "rules.txt").read_text().lower()
    with (home / "onboarding.csv").open(encoding="utf-8") as f:
        assert list(csv.reader(f)) == [
            ["customer_id", "name", "email", "plan", "signup_at", "timezone", "owner"]
        ]
    capsys.readouterr()

    assert og(["validate", "--home", h, "--date", "2026-12-14"]) == 0
    assert "onboarding.csv: 0 customers ok, 0 rows skipped" in capsys.readouterr().out
    assert og(["tick", "--home", h, "--date", "2026-12-14"]) == 0
    assert "0 customers, 0 moves" in capsys.readouterr().out

    # The owner adds a customer on the example plan, as a spreadsheet would save the row.
    with (home / "onboarding.csv").open("a", encoding="utf-8") as f:
        f.write("c-1,Ana Sousa,ana@example.com,Standard,2026-12-15 08:30,,,\n")
    assert og(["tick", "--home", h, "--date", "2026-12-15"]) == 0
    assert "1 customers, 1 moves" in capsys.readouterr().out
    (sent,) = (home / "outbox").glob("*.eml")
    mail = message_from_bytes(sent.read_bytes(), policy=default)
    assert mail["Subject"] == f"Welcome to {BUSINESS}, Ana!"
    assert "http://localhost:8765/done" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_holidays_follow_the_timezone_unless_given(tmp_path: Path) -> None:
    assert _init(tmp_path / "lisbon") == 0
    assert _init(tmp_path / "madeira-too", "--holidays", "PT-30") == 0
    assert (
        og(["init", str(tmp_path / "ship"), "--blank", "--business", "Ship", "--timezone", "UTC"])
        == 0
    )

    def holidays(name: str) -> str:
        return read_config_entries((tmp_path / name / "config.txt").read_text())["holidays"][0]

    assert [holidays(n) for n in ("lisbon", "madeira-too", "ship")] == ["PT", "PT-30", "none"]


def test_what_init_blank_refuses_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = tmp_path / "example"
    assert og(["init", str(example)]) == 0
    before = {p.name: p.read_bytes() for p in example.iterdir()}
    capsys.readouterr()

    assert _init(example) == 2
    assert "already has config.txt, rules.txt, voice.txt, onboarding.csv" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in example.iterdir()} == before

    nowhere = tmp_path / "nowhere"
    args = ["init", str(nowhere), "--blank", "--business", "X", "--timezone", "Europe/Lisbn"]
    assert og(args) == 2
    assert "--timezone: 'Europe/Lisbn' is not an IANA timezone name" in capsys.readouterr().err
    assert og(["init", str(nowhere), "--blank", "--timezone", "Europe/Lisbon"]) == 2
    assert "needs --business NAME and --timezone TZ" in capsys.readouterr().err
    assert og(["init", str(nowhere), "--blank", "--business", "X", "--timezone", "UTC",
               "--sender", "not an address"]) == 2  # fmt: skip
    assert "config.txt line " in capsys.readouterr().err
    assert og(["init", str(nowhere), "--business", "X"]) == 2
    assert "go with --blank" in capsys.readouterr().err
    assert not nowhere.exists()
