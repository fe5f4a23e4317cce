"""The owner's local commands on what waits for them: `og flags` lists the open flags and the
pending intake proposals with their keys (reading only: it answers while another command holds
the home); `og act` answers the flag chosen by key, as the configured owner; `og approve`,
`og edit` and `og discard` answer a proposal as the Slack buttons and the edit form do. Flags and
proposals are made the way the world makes them: sends the provider rejects, forwarded welcome
emails landing in og-raw-mime. Each answer is checked against a copy of the whole store: the one
flag or proposal answered changed, with its audit row, and nothing else."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

import pytest

from og.adapters.ports import PendingFlag, Proposal
from og.cli import main as og
from og.core.errors import SendRejected
from og.local.home_lock import WAIT_ENV, HomeLock
from og.local.owner_inbox import OpenItems, describe
from og.local.stack import LocalStack
from og.logic.intake import proposal_key

from .support import FailingSender, Home, utc

pytestmark = [
    pytest.mark.filterwarnings("ignore:No application metrics:UserWarning"),
    pytest.mark.filterwarnings("ignore:The `get_header_value` function is deprecated"),
]

MON = date(2026, 12, 14)
TUE = MON + timedelta(days=1)
MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T08:00:00+08:00,,,"
PRIYA = "c-2,Priya Nair,priya@spicebox.example,Starter,2026-12-15T08:00:00+08:00,,,"
OWNER = "U0BOSS42"  # the home's owner_slack_id: not the examples' U0OWNER01
WELCOME = """From: Owner <owner@harbourhearth.example>
To: welcome@harbourhearth.example
Subject: Fwd: Welcome to Harbour & Hearth!
Date: Tue, 15 Dec 2026 17:52:00 +0800
Content-Type: text/plain; charset=utf-8

New customer, please add.

---------- Forwarded message ---------
From: Harbour & Hearth <hello@harbourhearth.example>
Date: Tue, Dec 15, 2026 at 5:40 PM
Subject: Welcome to Harbour & Hearth!
To: {to}

Thanks for choosing the Pro plan.
"""
JUN = "Tan Jun Wei <junwei@tanbakery.example>"
AMIR = "Amir Hassan <amir@rotiamir.example>"
MEI_AGAIN = "Mei Ling Tan <meiling@kopibakes.example>"  # already on the list: a problem


def _forwarded(s: LocalStack, name: str, to: str) -> str:
    """A forwarded welcome email lands in og-raw-mime; S3 notifies intake-ses-parser."""
    bucket = s.engine.template.buckets["RawMimeBucket"]
    key = f"inbound/{name}"
    s.engine.put_object("RawMimeBucket", key, WELCOME.format(to=to).encode())
    record = {"s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key)}}}
    event = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", **record}]}
    [result] = s.invoke("IntakeSesParserFunction", event, utc(TUE, 10))["results"]
    assert result["outcome"] == "posted", result
    return proposal_key(bucket, key)


@pytest.fixture
def inbox(make_home: Callable[..., Home]) -> tuple[Home, dict[str, str]]:
    """Mei's welcome is rejected on Monday and again on Tuesday (two open flags), Priya's on
    Tuesday (one); three welcome emails are forwarded (Jun's and Amir's rows are fine, Mei's is
    already on the list). Returns the home and the keys by name."""
    home = make_home([MEI, PRIYA])
    config = home.path / "config.txt"
    config.write_text(config.read_text().replace("U0OWNER01", OWNER))
    rejecting = FailingSender(home.outbox_dir, home.calls, SendRejected("550 mailbox full"))
    with home.stack(email=rejecting) as s:
        assert s.tick(MON).ok and s.tick(TUE).ok
        keys = {
            "jun": _forwarded(s, "jun", JUN),
            "amir": _forwarded(s, "amir", AMIR),
            "mei": _forwarded(s, "mei", MEI_AGAIN),
        }
    mei_monday, mei_tuesday = home.store.open_flags("c-1")
    [priya] = home.store.open_flags("c-2")
    keys |= {"mei_mon": mei_monday.flag_key, "mei_tue": mei_tuesday.flag_key}
    keys["priya"] = priya.flag_key
    return home, keys


def _tables(home: Home) -> dict[str, Counter[tuple[Any, ...]]]:
    """Every table of og.sqlite, its rows counted (a row written twice counts twice)."""
    with sqlite3.connect(home.path / "og.sqlite") as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: Counter(db.execute(f"SELECT * FROM {n}").fetchall()) for n in names}


def _changes(
    before: dict[str, Counter[tuple[Any, ...]]], after: dict[str, Counter[tuple[Any, ...]]]
) -> dict[str, tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Per table that changed: (rows gone, rows new)."""
    return {
        name: (
            list((before[name] - after[name]).elements()),
            list((after[name] - before[name]).elements()),
        )
        for name in after
        if before.get(name) != after[name]
    }


def _posts(home: Home) -> list[str]:
    return [p["payload"]["text"] for p in home.slack("chat.postMessage")]


def test_og_flags_lists_open_flags_and_pending_proposals_without_the_home_lock(
    inbox: tuple[Home, dict[str, str]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home, keys = inbox
    h = str(home.path)
    # Answered flags and decided proposals are not listed.
    assert og(["act", "--home", h, "c-2", "done"]) == 0
    assert og(["discard", "--home", h, keys["amir"]]) == 0
    capsys.readouterr()
    before, list_before = _tables(home), (home.path / "onboarding.csv").read_text()

    monkeypatch.setenv(WAIT_ENV, "0")
    lock = HomeLock(home.path)
    lock.acquire()  # another command (a tick, `og serve`) is writing to the home
    try:
        assert og(["act", "--home", h, "--flag", keys["mei_mon"], "done"]) == 75
        capsys.readouterr()

        assert og(["flags", "--home", h]) == 0
    finally:
        lock.release()

    out = capsys.readouterr().out
    reason = "could not send the step 'Welcome — set up your wholesale account': "
    reason += "SendRejected: 550 mailbox full"
    row = "customer_id=in-{}, name={}, email={}, plan=Pro, signup_at=2026-12-15"
    jun = row.format(keys["jun"], "Tan Jun Wei", "junwei@tanbakery.example")
    mei = row.format(keys["mei"], "Mei Ling Tan", "meiling@kopibakes.example")
    assert out.splitlines() == [
        f"2 open flags — answer one: og act --home {h} --flag KEY pause|hand-off|done",
        "  KEY               CUSTOMER  STEP     POSTED (Asia/Singapore)  REASON",
        f"  {keys['mei_mon']}  c-1       welcome  2026-12-14 09:00         {reason}",
        f"  {keys['mei_tue']}  c-1       welcome  2026-12-15 09:00         {reason}",
        "",
        f"2 pending intake proposals — answer one: og approve|edit|discard --home {h} KEY "
        "[--set column=value]",
        "  KEY           WHO           PROPOSED (Asia/Singapore)  ROW" + " " * 110 + "PROBLEMS",
        f"  {keys['jun']}  Tan Jun Wei   2026-12-15 18:00           {jun}    none",
        f"  {keys['mei']}  Mei Ling Tan  2026-12-15 18:00           {mei}  "
        "email: meiling@kopibakes.example is already on the list as customer c-1 (Mei Ling Tan)",
    ]
    assert _tables(home) == before
    assert (home.path / "onboarding.csv").read_text() == list_before


def test_og_flags_on_a_home_with_nothing_waiting(
    make_home: Callable[..., Home], capsys: pytest.CaptureFixture[str]
) -> None:
    home = make_home([MEI])

    assert og(["flags", "--home", str(home.path)]) == 0

    assert capsys.readouterr().out == "no open flags\n\nno pending intake proposals\n"
    assert not (home.path / "og.sqlite").exists()


def test_og_act_answers_the_flag_chosen_by_key_as_the_configured_owner(
    inbox: tuple[Home, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    home, keys = inbox
    h = str(home.path)
    before, posts, views = _tables(home), _posts(home), home.slack("views.open")

    assert og(["act", "--home", h, "c-1", "done"]) == 2  # which of Mei's two flags?

    err = capsys.readouterr().err
    assert err.startswith("og: customer c-1 has 2 open flags; say which one with --flag KEY:\n")
    assert f"  {keys['mei_mon']}  welcome  could not send the step" in err
    assert f"  {keys['mei_tue']}  welcome  could not send the step" in err
    assert _tables(home) == before

    assert og(["act", "--home", h, "--flag", keys["mei_tue"], "done"]) == 0

    changes = _changes(before, _tables(home))
    assert set(changes) == {"flags", "state", "audit"}
    gone, new = changes["flags"]
    assert [r[0] for r in gone] == [r[0] for r in new] == [keys["mei_tue"]]
    assert {r[0] for r in changes["state"][1]} == {"c-1"}
    assert home.store.flag(keys["mei_tue"]).answer == "done"  # type: ignore[union-attr]
    assert [f.flag_key for f in home.store.open_flags()] == [keys["mei_mon"], keys["priya"]]
    [(audit_customer, _, action, by, *_)] = changes["audit"][1]
    assert (audit_customer, action, by) == ("c-1", "owner:done", OWNER)
    assert changes["audit"][0] == []
    assert home.state("c-1").steps_done == frozenset({"welcome"})
    assert (_posts(home), home.slack("views.open")) == (posts, views)
    assert f"flag {keys['mei_tue']}: done recorded at" in capsys.readouterr().out

    # Mei has one open flag left: the customer id names it. Hand off opens the modal.
    assert og(["act", "--home", h, "c-1", "hand-off", "--note", "Siti"]) == 0
    [view] = home.slack("views.open")[len(views) :]
    assert view["payload"]["trigger_id"] == f"local.{keys['mei_mon']}"
    assert home.store.flag(keys["mei_mon"]).answer == "hand_off"  # type: ignore[union-attr]
    assert home.store.audit_trail("c-1")[-1].by_user == OWNER
    assert [f.flag_key for f in home.store.open_flags()] == [keys["priya"]]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--flag", "0123456789abcdef", "done"], "og: no flag with key '0123456789abcdef'; "),
        (["--flag", "{mei_tue}", "pause"], "og: flag {mei_tue} (customer c-1, step welcome) was "),
        (["c-2", "--flag", "{mei_mon}", "done"], "og: flag {mei_mon} is customer c-1's, not c-2's"),
        (["done"], "og: say which flag to answer: a customer id, or --flag KEY"),
        (["c-9", "done"], "og: customer c-9 has no open flag to answer"),
    ],
)
def test_og_act_refuses_a_flag_it_cannot_answer_and_changes_nothing(
    inbox: tuple[Home, dict[str, str]],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    says: str,
) -> None:
    home, keys = inbox
    h = str(home.path)
    assert og(["act", "--home", h, "--flag", keys["mei_tue"], "done"]) == 0
    before, posts = _tables(home), home.slack()
    capsys.readouterr()

    assert og(["act", "--home", h, *[a.format(**keys) for a in args]]) == 2

    assert capsys.readouterr().err.startswith(says.format(**keys))
    assert (_tables(home), home.slack()) == (before, posts)


def _decided_at(home: Home, key: str) -> str:
    proposal = home.store.proposal(key)
    assert proposal is not None and proposal.decided_at is not None
    return f"{proposal.decided_at:%Y-%m-%d %H:%M}Z"


def test_og_approve_adds_the_row_once_as_the_configured_owner(
    inbox: tuple[Home, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    home, keys = inbox
    h = str(home.path)
    csv = home.path / "onboarding.csv"
    list_before = csv.read_text()
    before, posts = _tables(home), _posts(home)
    added = f"Added Tan Jun Wei (in-{keys['jun']}) to the onboarding list"

    assert og(["approve", "--home", h, keys["jun"]]) == 0

    assert capsys.readouterr().out == added + "\n"
    assert csv.read_text() == list_before + (
        f"in-{keys['jun']},Tan Jun Wei,junwei@tanbakery.example,Pro,2026-12-15,,,\n"
    )
    changes = _changes(before, _tables(home))
    assert set(changes) == {"proposals", "audit"}
    assert [r[0] for r in changes["proposals"][0]] == [keys["jun"]]
    assert [r[0] for r in changes["proposals"][1]] == [keys["jun"]]
    [(customer, _, action, by, *_)] = changes["audit"][1]
    assert (customer, action, by) == (f"in-{keys['jun']}", "intake:approved", OWNER)
    assert changes["audit"][0] == []
    assert [p.key for p in home.store.pending_proposals()] == [keys["amir"], keys["mei"]]
    assert _posts(home) == [*posts, added]

    # Pressed again (a double click, a second terminal): already decided, nothing changes.
    before, list_before, posts = _tables(home), csv.read_text(), home.slack()
    for command in (["approve"], ["edit", "--set", "plan=Starter"], ["discard"]):
        assert og([command[0], "--home", h, keys["jun"], *command[1:]]) == 2
        assert capsys.readouterr().err == (
            f"og: proposal {keys['jun']} was already approved by {OWNER} at "
            f"{_decided_at(home, keys['jun'])}\n"
        )
    assert (_tables(home), csv.read_text(), home.slack()) == (before, list_before, posts)


def test_og_edit_submits_the_form_with_the_changes_and_shows_what_the_list_refuses(
    inbox: tuple[Home, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    home, keys = inbox
    h = str(home.path)
    csv = home.path / "onboarding.csv"
    list_before = csv.read_text()
    before, posts = _tables(home), _posts(home)

    # Mei is on the list already: Slack offers no Approve button, only Edit and Discard.
    assert og(["approve", "--home", h, keys["mei"]]) == 2
    assert capsys.readouterr().err == (
        f"og: proposal {keys['mei']} cannot be approved as it is (email: "
        "meiling@kopibakes.example is already on the list as customer c-1 (Mei Ling Tan)); "
        f"fix it with: og edit --home {h} {keys['mei']} --set column=value\n"
    )
    assert og(["edit", "--home", h, keys["mei"], "--set", "colour=red"]) == 2
    assert capsys.readouterr().err == (
        "og: --set 'colour=red': unknown column 'colour'; "
        "the columns are customer_id, name, email, plan, signup_at\n"
    )
    assert og(["edit", "--home", h, keys["mei"], "--set", "plan"]) == 2
    assert "write it as column=value, e.g. --set plan=Starter" in capsys.readouterr().err
    assert home.slack("views.open") == []

    assert og(["edit", "--home", h, keys["mei"], "--set", "email=mei@@kopibakes"]) == 1

    assert capsys.readouterr().out == "email: 'mei@@kopibakes' is not a valid email address\n"
    [opened] = home.slack("views.open")
    assert opened["payload"]["view"]["callback_id"] == "og_intake_edit"
    assert (_tables(home), csv.read_text(), _posts(home)) == (before, list_before, posts)

    edits = ["email=mei@kopibakes.example", "customer_id=c-3", "name=Mei Ling Tan (Tampines)"]
    assert og(["edit", "--home", h, keys["mei"], *[a for e in edits for a in ("--set", e)]]) == 0

    added = "Added Mei Ling Tan (Tampines) (c-3) to the onboarding list"
    assert capsys.readouterr().out == added + "\n"
    assert csv.read_text() == list_before + (
        "c-3,Mei Ling Tan (Tampines),mei@kopibakes.example,Pro,2026-12-15,,,\n"
    )
    changes = _changes(before, _tables(home))
    assert set(changes) == {"proposals", "audit"}
    assert [r[0] for r in changes["proposals"][1]] == [keys["mei"]]
    [entry] = home.store.audit_trail("c-3")
    assert (entry.action, entry.by_user) == ("intake:approved", OWNER)
    assert entry.before["row"]["email"] == "meiling@kopibakes.example"
    assert len(changes["audit"][1]) == 1 and changes["audit"][0] == []
    assert [p.key for p in home.store.pending_proposals()] == [keys["jun"], keys["amir"]]
    assert _posts(home) == [*posts, added]


def test_og_discard_adds_nothing_and_an_unknown_key_is_refused(
    inbox: tuple[Home, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    home, keys = inbox
    h = str(home.path)
    csv = home.path / "onboarding.csv"
    list_before = csv.read_text()
    before, posts = _tables(home), home.slack()

    assert og(["discard", "--home", h, "000000000000"]) == 2
    assert capsys.readouterr().err == (
        "og: no intake proposal with key '000000000000'; `og flags` lists the pending ones\n"
    )
    assert (_tables(home), home.slack()) == (before, posts)

    assert og(["discard", "--home", h, keys["amir"], "--by", "U0STAFF07"]) == 0

    assert capsys.readouterr().out == "Discarded the proposal for Amir Hassan\n"
    assert csv.read_text() == list_before
    changes = _changes(before, _tables(home))
    assert set(changes) == {"proposals", "audit"}
    [entry] = home.store.audit_trail(f"in-{keys['amir']}")
    assert (entry.action, entry.by_user) == ("intake:discarded", "U0STAFF07")
    assert [p.key for p in home.store.pending_proposals()] == [keys["jun"], keys["mei"]]
    assert len(home.store.open_flags()) == 3


def test_og_flags_shows_text_from_emails_and_documents_on_one_line_and_inert(
    tmp_path: Path,
) -> None:
    """A reason or a name with a newline or a terminal escape (from a forwarded email, the
    owner's documents, a provider's error) stays on its row and cannot drive the terminal."""
    at = utc(MON, 1)
    flag = PendingFlag("k1", "c-1", "welcome", "550\nrejected \x1b[2J\x07", "t", "e", at)
    proposal = Proposal(
        key="p1",
        row={"customer_id": "in-p1", "name": "Jun\x1b]0;owned\x07", "email": "", "plan": ""},
        problems=("email: missing", "plan: missing"),
        source="s3://og-raw-mime/p1",
        email_from="x",
        email_subject="y",
        proposed_at=at,
    )

    lines = describe(OpenItems([flag], [proposal]), tmp_path, ZoneInfo("Asia/Singapore"))

    assert (
        lines[2] == "  k1   c-1       welcome  2026-12-14 09:00         550 rejected \\x1b[2J\\x07"
    )
    assert lines[-1] == (
        "  p1   Jun\\x1b]0;owned\\x07  2026-12-14 09:00           customer_id=in-p1, "
        "name=Jun\\x1b]0;owned\\x07, email=, plan=, signup_at=  email: missing; plan: missing"
    )
    assert len(lines) == 7 and not any("\x1b" in line or "\n" in line for line in lines)
