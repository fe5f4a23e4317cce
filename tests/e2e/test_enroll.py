"""enroll end to end: a signup POSTed to the Function URL (through moto's Lambda, the real handler,
powertools idempotency on moto's DynamoDB) lands in the home's onboarding.csv — the local
sheet — once, and the next tick welcomes the new customer."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from og.local import function_url
from og.local.stack import LocalStack

from .support import CSV_HEADER, Home, utc

MEI = "hh-1001,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-01T09:15:00+08:00,,,"
AT = utc(date(2026, 12, 14), 2)  # Monday 10:00 in Singapore
ANA = {
    "signup_id": "hh-2001",
    "name": "  Ana Lima ",
    "email": "Ana.Lima@Example.com",
    "plan": "starter",
    "signup_at": "2026-12-13 09:30",
    "timezone": "Europe/Lisbon",
}


def _rows(home: Home) -> list[dict[str, str]]:
    with (home.path / "onboarding.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def _post(s: LocalStack, body: object, **kw: str) -> tuple[int, dict[str, object]]:
    text = body if isinstance(body, str) else json.dumps(body)
    answer = s.enroll(text, AT, **kw)
    return answer["statusCode"], json.loads(answer["body"])


def test_a_wrong_or_missing_secret_is_401_and_adds_nothing(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    before = (home.path / "onboarding.csv").read_bytes()
    with home.stack() as s:
        assert _post(s, ANA, secret="not-the-secret")[0] == 401
        assert _post(s, ANA, secret="")[0] == 401
    assert (home.path / "onboarding.csv").read_bytes() == before


def test_a_bad_body_is_400_naming_each_field(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    before = (home.path / "onboarding.csv").read_bytes()
    bad = {
        "signup_id": "-nope",
        "name": "Ana",
        "email": "ana@@example.com",
        "plan": "Gold",
        "signup_at": "2026-12-15",  # tomorrow
        "timezone": "Mars/Olympus",
    }
    with home.stack() as s:
        status, body = _post(s, bad)
        assert status == 400
        errors = {e["field"]: e["message"] for e in body["errors"]}  # type: ignore[attr-defined]
        assert set(errors) == {"signup_id", "email", "plan", "signup_at", "timezone"}
        assert "is not allowed; use 1 to 40 letters" in errors["signup_id"]
        assert errors["email"] == "'ana@@example.com' is not a valid email address"
        assert errors["plan"] == "unknown plan 'Gold'; the plans are Starter, Pro"
        assert errors["signup_at"] == "'2026-12-15' is in the future"
        assert "'Mars/Olympus' is not an IANA timezone name" in errors["timezone"]

        assert _post(s, {"name": "Ana"})[1]["errors"][:1] == [  # type: ignore[index]
            {"field": "signup_id", "message": "missing; every row needs a customer_id"}
        ]
        assert _post(s, {**ANA, "signup_id": 2001})[1] == {
            "errors": [{"field": "signup_id", "message": "Input should be a valid string"}]
        }
        assert _post(s, "not json")[1]["errors"][0]["field"] == "body"  # type: ignore[index]
    assert (home.path / "onboarding.csv").read_bytes() == before


def test_a_signup_is_appended_normalized_and_welcomed_by_the_next_tick(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        assert _post(s, ANA) == (200, {"signup_id": "hh-2001", "status": "enrolled"})

        assert (home.path / "onboarding.csv").read_text().splitlines()[0] == CSV_HEADER
        assert _rows(home)[-1] == {
            "customer_id": "hh-2001",
            "name": "Ana Lima",
            "email": "ana.lima@example.com",
            "plan": "Starter",
            "signup_at": "2026-12-13T09:30:00Z",  # 09:30 in Lisbon is 09:30 UTC in December
            "timezone": "Europe/Lisbon",
            "owner": "",
            "notes": "",
        }
        s.tick(date(2026, 12, 15))
    assert [m.to for m in home.outbox() if "ana.lima" in m.to] == [
        "Ana Lima <ana.lima@example.com>"
    ]


def test_the_same_signup_twice_is_appended_once(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        first = _post(s, ANA)
        again = _post(s, {**ANA, "email": "ana.lima@example.com"})  # same once normalized
        assert first == again == (200, {"signup_id": "hh-2001", "status": "enrolled"})
        assert [r["customer_id"] for r in _rows(home)] == ["hh-1001", "hh-2001"]

        ddb = s.engine.client("dynamodb")
        [record] = ddb.scan(TableName="og-idempotency")["Items"]
        assert record["status"]["S"] == "COMPLETED"

        status, body = _post(s, {**ANA, "name": "Ana Souza"})
        assert status == 409
        assert "'hh-2001' was already enrolled with other details" in json.dumps(body)

        # Long after the idempotency record expired, the sheet itself still has the row.
        ddb.delete_item(TableName="og-idempotency", Key={"id": record["id"]})
        assert _post(s, ANA) == (200, {"signup_id": "hh-2001", "status": "already_on_the_list"})
    assert [r["customer_id"] for r in _rows(home)] == ["hh-1001", "hh-2001"]


def test_a_signup_still_being_enrolled_is_409_with_a_short_retry(
    make_home: Callable[..., Home],
) -> None:
    """A double-click reaching a second environment while the first is still writing the row:
    the second answer says to retry in 2 seconds, and adds nothing."""
    home = make_home([MEI])
    with home.stack() as s:
        assert _post(s, ANA)[0] == 200
        ddb = s.engine.client("dynamodb")
        [record] = ddb.scan(TableName="og-idempotency")["Items"]
        ddb.update_item(
            TableName="og-idempotency",
            Key={"id": record["id"]},
            UpdateExpression="SET #s = :p REMOVE in_progress_expiration, #d",
            ExpressionAttributeNames={"#s": "status", "#d": "data"},
            ExpressionAttributeValues={":p": {"S": "INPROGRESS"}},
        )
        answer = s.enroll(json.dumps(ANA), AT)
    assert answer["statusCode"] == 409
    assert answer["headers"]["Retry-After"] == "2"
    assert "'hh-2001' is being enrolled" in answer["body"]
    assert [r["customer_id"] for r in _rows(home)] == ["hh-1001", "hh-2001"]


def test_a_broken_rules_doc_is_503_so_the_app_retries_later(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    rules = home.path / "rules.txt"
    rules.write_text(rules.read_text().replace("Day: 0", "Day: zero", 1))
    before = (home.path / "onboarding.csv").read_bytes()
    with home.stack() as s:
        answer = s.enroll(json.dumps(ANA), AT)
    assert answer["statusCode"] == 503
    assert answer["headers"]["Retry-After"] == "600"
    assert (home.path / "onboarding.csv").read_bytes() == before


def _raw_post(s: LocalStack, body: bytes, content_type: str | None) -> tuple[int, dict[str, Any]]:
    """A POST as any client may send it: the webhook secret right, the body and its type not."""
    secret = json.loads((s.home / "secrets.json").read_text())["og/webhook/secret"]
    headers = {"x-og-webhook-secret": secret}
    if content_type is not None:
        headers["content-type"] = content_type
    answer = s.invoke(
        "EnrollFunction", function_url.request_event("POST", "/", "", headers.items(), body), AT
    )
    return answer["statusCode"], json.loads(answer["body"])


def _padded(signup: dict[str, str], size: int) -> bytes:
    """`signup` as JSON of exactly `size` bytes (spaces before the closing brace)."""
    text = json.dumps(signup)
    return (text[:-1] + " " * (size - len(text)) + "}").encode()


def test_a_body_over_16_kb_is_413_before_it_is_read(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    before = (home.path / "onboarding.csv").read_bytes()
    with home.stack() as s:
        s.sync_documents()
        s.idempotency_table()
        # A valid signup, one byte too long: refused unread.
        too_big = _raw_post(s, _padded(ANA, 16_385), "application/json")
        # Sent as a type the Function URL base64-encodes: the decoded size counts.
        encoded = _raw_post(s, b"x" * 16_385, "application/octet-stream")
        ddb = s.engine.client("dynamodb")
        remembered = ddb.scan(TableName="og-idempotency")["Items"]
    assert too_big == (
        413,
        {"error": "the body is 16385 bytes; a signup is at most 16384 bytes of JSON"},
    )
    assert encoded[0] == 413 and "16385 bytes" in encoded[1]["error"]
    assert (home.path / "onboarding.csv").read_bytes() == before
    assert remembered == [] and home.slack() == []


def test_a_body_of_exactly_16_kb_is_read(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        s.sync_documents()
        s.idempotency_table()
        answer = _raw_post(s, _padded(ANA, 16_384), "application/json; charset=UTF-8")
    assert answer == (200, {"signup_id": "hh-2001", "status": "enrolled"})
    assert [r["customer_id"] for r in _rows(home)] == ["hh-1001", "hh-2001"]


@pytest.mark.parametrize(
    ("content_type", "error"),
    [
        (
            "text/plain",
            "Content-Type 'text/plain' is not application/json; send the signup as JSON",
        ),
        (
            "application/x-www-form-urlencoded",
            "Content-Type 'application/x-www-form-urlencoded' is not application/json; "
            "send the signup as JSON",
        ),
        (None, "no Content-Type header; send the signup as application/json"),
        (
            "application/json; charset=iso-8859-1",
            "charset 'iso-8859-1' is not UTF-8; send the JSON as UTF-8",
        ),
    ],
)
def test_a_body_that_is_not_json_is_415_before_it_is_read(
    make_home: Callable[..., Home], content_type: str | None, error: str
) -> None:
    home = make_home([MEI])
    before = (home.path / "onboarding.csv").read_bytes()
    with home.stack() as s:
        s.sync_documents()
        s.idempotency_table()
        # The very signup that is enrolled as application/json.
        answer = _raw_post(s, json.dumps(ANA).encode(), content_type)
        remembered = s.engine.client("dynamodb").scan(TableName="og-idempotency")["Items"]
    assert answer == (415, {"error": error})
    assert (home.path / "onboarding.csv").read_bytes() == before
    assert remembered == [] and home.slack() == []
