"""`og digest` and `og summary` on the example home after a simulated fortnight: each runs its
real handler as the schedule would (Sunday 6pm; the first Monday 9am after the month), the
digest is posted once to the local Slack log and printed, the summary written once to the
outbox and printed with where it is."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from og.adapters.local.slack_log import read_slack_log
from og.adapters.local.store import SqliteJourneyStore
from og.cli import main as og
from og.local.reports import digest_time
from og.local.stack import init_home

from .support import ROOT

pytestmark = [
    pytest.mark.filterwarnings("ignore:No application metrics:UserWarning"),
]
SUNDAY = date(2026, 12, 13)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("reports") / "home"
    init_home(home, ROOT)
    assert og(["simulate", "--home", str(home), "--start", "2026-12-01", "--days", "11"]) == 0
    return home


def test_og_digest_posts_the_week_once_and_prints_it(
    simulated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    log = simulated / "slack.jsonl"
    before = len(read_slack_log(log, "chat.postMessage"))

    assert og(["digest", "--home", str(simulated), "--date", "2026-12-13"]) == 0
    printed = capsys.readouterr().out
    assert og(["digest", "--home", str(simulated), "--date", "2026-12-13"]) == 0
    again = capsys.readouterr().out

    [post] = read_slack_log(log, "chat.postMessage")[before:]
    assert post["payload"]["text"].startswith("Onboarding, the week to 2026-12-13: ")
    assert printed.startswith(f"posted to U0OWNER01 ({log}):\nWeekly onboarding digest\n")
    assert post["payload"]["text"] in printed
    # Every flag awaiting an answer at Sunday 6pm is listed, with its step's business date.
    at = digest_time(simulated, SUNDAY)
    store = SqliteJourneyStore(simulated / "og.sqlite")
    waiting = [f for f in store.open_flags() if f.posted_at < at]
    assert waiting, "the simulated fortnight raises flags"
    assert f"*Flags awaiting your answer ({len(waiting)})*" in printed
    for flag in waiting:
        assert any(line.startswith(flag.customer_id) for line in printed.splitlines())
    assert again == f"the digest of the week to {SUNDAY} was already posted ({log})\n"


def test_og_summary_writes_the_months_email_once_and_says_where(
    simulated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = simulated / "config.txt"
    example = config.read_text(encoding="utf-8")
    config.write_text(example.replace("summary_recipients:", "# summary_recipients:"), "utf-8")
    capsys.readouterr()
    assert og(["summary", "--home", str(simulated), "--month", "2026-12"]) == 1
    assert capsys.readouterr().out == (
        "no summary: summary_recipients is not set in the config.\n"
        f"Add a line like `summary_recipients: you@example.com` to {config}.\n"
    )
    config.write_text(example, encoding="utf-8")  # the example sends it to the owner

    assert og(["summary", "--home", str(simulated), "--month", "2026-12"]) == 0
    printed = capsys.readouterr().out
    assert og(["summary", "--home", str(simulated), "--month", "2026-12"]) == 0
    again = capsys.readouterr().out

    [path] = (simulated / "outbox").glob("og.summary.2026-12.*.eml")
    assert printed.startswith(f"the summary of 2026-12 is in {path} (")
    message = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "Harbour & Hearth Bakery Supplies: onboarding in December 2026"
    # The first Monday after December, 9am in Singapore, as og-monthly-summary fires.
    assert message["Date"].datetime == datetime(2027, 1, 4, 1, 0, tzinfo=UTC)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.replace("\r\n", "\n").strip() in printed
    assert "Activation funnel, Starter" in printed
    assert [p.get_content_type() for p in message.walk()] == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "image/png",
    ]
    assert again == f"the summary of 2026-12 was already sent ({simulated / 'outbox'})\n"


def test_og_summary_refuses_a_month_that_is_not_one(
    simulated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert og(["summary", "--home", str(simulated), "--month", "2026-13"]) == 2
    assert "not a month (YYYY-MM, like 2026-12): '2026-13'" in capsys.readouterr().err
