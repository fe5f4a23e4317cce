"""The move's contract: the row the guide writes, the typed journey input the Distributed Map
makes of it (daily-tick's ItemSelector), and what the task handlers accept."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from og import asl, channels
from og.contracts import JourneyMove
from og.core.models import Channel, Customer, Move, MoveKind, SendWindow, Step
from og.events import FlagTask, JourneyTask
from og.logic.moves import COLUMNS, move_row, to_csv

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 12, 2)


def machine(name: str) -> dict[str, Any]:
    composed: dict[str, Any] = json.loads(asl.compose(ROOT)[f"{name}.asl.json"])
    return composed


def guide_rows() -> list[dict[str, str]]:
    """Two moves as the guide writes them, read back from its CSV as the Map's ItemReader does."""
    mei = Customer(
        "c-1",
        "Mei, Tan",
        "mei@example.com",
        "starter",
        datetime(2026, 11, 20, 1, 30, tzinfo=UTC),
        "Asia/Singapore",
        "Ana",
    )
    dan = Customer(
        "c-2", 'Dan "D" O\'Neil', "dan@example.com", "pro", datetime(2026, 11, 28, tzinfo=UTC)
    )
    window = SendWindow(datetime(2026, 12, 2, 1, 0, tzinfo=UTC), "quiet hours until 09:00")
    moves = [
        Move(MoveKind.STEP_DUE, mei, Step("menu", "Upload your menu", 5, 2, 5, personalized=True),
             "day 12 since signup; menu is due on day 5", window, 12),
        Move(MoveKind.NUDGE, dan, Step("kickoff", "Kickoff call", 1, 2, 5, channel=Channel.SLACK),
             "no done click after 2 days, nudge", SendWindow(window.at), 4),
    ]  # fmt: skip
    text = to_csv([move_row(m, DAY) for m in moves])
    return list(csv.DictReader(io.StringIO(text)))


def item_selector(row: dict[str, str]) -> dict[str, Any]:
    """daily-tick's ItemSelector applied to one CSV row, its intrinsics evaluated as AWS does."""
    children = machine("daily-tick")["States"]["StartJourneys"]["ItemProcessor"]["States"]
    selector = children["StartBatchJourneys"]["ItemSelector"]["move"]
    typed: dict[str, Any] = {}
    for key, path in selector.items():
        to_json = re.fullmatch(r"States\.StringToJson\((.+)\)", path)
        column = (to_json.group(1) if to_json else path).removeprefix("$$.Map.Item.Value.")
        typed[key.removesuffix(".$")] = json.loads(row[column]) if to_json else row[column]
    return typed


def test_the_csv_the_guide_writes_round_trips_through_the_move() -> None:
    for row in guide_rows():
        assert JourneyMove.model_validate(row).csv_row() == row


def test_the_map_hands_each_journey_the_same_move_with_typed_fields() -> None:
    for row in guide_rows():
        move = item_selector(row)
        assert set(move) == set(COLUMNS) == set(row)
        assert isinstance(move["personalized"], bool)
        assert isinstance(move["days_since_signup"], int)
        assert JourneyMove.model_validate(move) == JourneyMove.model_validate(row)
    first = JourneyMove.model_validate(item_selector(guide_rows()[0]))
    assert first.personalized is True and first.days_since_signup == 12
    assert first.customer.timezone == "Asia/Singapore" and first.customer.owner == "Ana"


def test_the_journey_chooses_on_typed_fields() -> None:
    rules = machine("customer-journey")["States"]["ChooseMove"]["Choices"]
    personalized = {"Variable": "$.move.personalized", "BooleanEquals": True, "Next": "Personalize"}
    assert personalized in rules
    assert all("StringEquals" not in r or r["StringEquals"] != "true" for r in rules)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("days_since_signup", "twelve", "valid integer"),
        ("personalized", "yes", "'true' or 'false'"),
        ("move", "reminder", "'step_due', 'nudge' or 'flag'"),
        ("signup_at", "last week", "valid datetime"),
        ("date", "2026-13-01", "valid date"),
    ],
)
def test_a_malformed_move_fails_with_the_field_that_is_wrong(
    field: str, value: str, says: str
) -> None:
    row = guide_rows()[0] | {field: value}
    with pytest.raises(ValidationError) as caught:
        JourneyTask.model_validate({"journey": {"move": row}, "execution": row["execution_name"]})
    [error] = caught.value.errors()
    assert error["loc"] == ("journey", "move", field)
    assert says in error["msg"]


def test_a_move_missing_a_column_or_carrying_an_unknown_one_is_refused() -> None:
    row = guide_rows()[0]
    del row["email"]
    with pytest.raises(ValidationError) as caught:
        JourneyMove.model_validate(row | {"emial": "mei@example.com"})
    assert {(e["loc"], e["type"]) for e in caught.value.errors()} == {
        (("email",), "missing"),
        (("emial",), "extra_forbidden"),
    }


def test_an_unknown_channel_is_refused_with_the_channels_there_are() -> None:
    row = guide_rows()[0] | {"channel": "sms"}
    with pytest.raises(ValidationError) as caught:
        FlagTask.model_validate(
            {"kind": "flag", "journey": {"move": row}, "token": "t", "execution": "x"}
        )
    [error] = caught.value.errors()
    assert error["loc"] == ("journey", "move", "channel")
    assert "'email' or 'slack'" in error["msg"]


def test_a_channel_without_a_sender_stops_the_asl_build_with_where_to_add_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(channels, "SENDERS", {Channel.EMAIL: "SendEmail"})
    with pytest.raises(ValueError, match=r"channel slack has no sender.*src/og/channels\.py"):
        asl.compose(ROOT)


def test_every_channel_has_a_sender_and_a_branch_in_the_journey() -> None:
    """The README's new-channel recipe, checked: the enum value, the registry entry and the ASL
    branch (email is the journey's Default, through Personalize when the step says so)."""
    assert set(channels.SENDERS) == set(Channel)
    states = machine("customer-journey")["States"]
    choose = states["ChooseMove"]
    routed = {
        r["StringEquals"]: r["Next"] for r in choose["Choices"] if r["Variable"] == "$.move.channel"
    }
    assert routed == {c.value: s for c, s in channels.SENDERS.items() if c is not channels.DEFAULT}
    assert choose["Default"] == channels.SENDERS[channels.DEFAULT]
    for state in channels.SENDERS.values():
        assert states[state]["Resource"] == "arn:aws:states:::lambda:invoke"
