"""`og intake --home H FILE.eml`: a saved forwarded email goes the way one forwarded to the guide
does (stored in og-raw-mime, intake-ses-parser on the S3 notification, the proposal posted to
the owner), and the command prints the proposal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from og.cli import main as og

from .support import Home

MEI = "hh-1001,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-01T09:15:00+08:00,,,"
AT = "2026-12-10T02:00:00+00:00"
WELCOME = b"""From: Owner <owner@harbourhearth.example>
To: welcome@harbourhearth.example
Subject: Fwd: Welcome to Harbour & Hearth, Jun!
Date: Wed, 09 Dec 2026 18:02:00 +0800
Content-Type: text/plain; charset=utf-8

---------- Forwarded message ---------
From: Harbour & Hearth <hello@harbourhearth.example>
Date: Wed, Dec 9, 2026 at 5:40 PM
Subject: Welcome to Harbour & Hearth, Jun!
To: Tan Jun Wei <junwei@tanbakery.example>

Hi Jun Wei, thanks for choosing the Pro plan.
"""


def _intake(home: Home, path: Path) -> int:
    return og(["intake", "--home", str(home.path), str(path), "--at", AT])


def test_og_intake_proposes_a_saved_email_once_and_prints_the_proposal(
    make_home: Callable[..., Home], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = make_home([MEI])
    saved = tmp_path / "welcome jun.eml"
    saved.write_bytes(WELCOME)
    list_before = (home.path / "onboarding.csv").read_bytes()

    first = _intake(home, saved)
    printed = capsys.readouterr().out
    again = _intake(home, saved)  # the same file: the same stored email, nothing new posted
    printed_again = capsys.readouterr().out

    [post] = home.slack("chat.postMessage")
    pkey = next(b["value"] for b in post["payload"]["blocks"][-1]["elements"])
    assert (first, again) == (0, 0)
    assert post["payload"]["text"] == "New customer from a forwarded welcome email: Tan Jun Wei"
    lines = printed.splitlines()
    assert lines[0].startswith(f"{saved}: proposed to the owner (proposal {pkey}, stored as ")
    assert lines[1:6] == [
        f"  Customer id:  in-{pkey}",
        "  Name:         Tan Jun Wei",
        "  Email:        junwei@tanbakery.example",
        "  Plan:         Pro",
        "  Signup date:  2026-12-09",
    ]
    assert printed_again.startswith(f"{saved}: already proposed (proposal {pkey}, ")
    proposal = home.store.proposal(pkey)
    assert proposal is not None and proposal.decision is None
    assert proposal.source.endswith("-welcome-jun.eml")
    # Proposing adds nothing to the list and sends nothing; only the owner's Approve would.
    assert (home.path / "onboarding.csv").read_bytes() == list_before
    assert home.outbox() == [] and [c["method"] for c in home.slack()] == ["chat.postMessage"]


def test_og_intake_of_an_unreadable_file_says_why_and_tells_the_owner(
    make_home: Callable[..., Home], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = make_home([MEI])
    saved = tmp_path / "scan.eml"
    saved.write_bytes(b"\r\n")

    assert _intake(home, saved) == 1

    printed = capsys.readouterr().out
    assert printed.startswith(f"{saved}: unreadable: s3://og-raw-mime-")
    assert printed.rstrip().endswith("scan.eml: the file is empty, not an email")
    [post] = home.slack("chat.postMessage")
    assert "could not be read" in json.dumps(post["payload"])
    assert home.outbox() == []
