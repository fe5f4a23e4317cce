import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from og.core.done_link import InvalidDoneToken, done_link, sign_done_token, verify_done_token

SECRET = b"test-secret-of-enough-length-0123456789"
ISSUED = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_round_trip() -> None:
    token = sign_done_token("hh-1001", "first-order", SECRET, ISSUED)
    assert verify_done_token(token, SECRET, ISSUED + timedelta(days=3)) == (
        "hh-1001",
        "first-order",
    )


def test_token_shape_is_url_safe() -> None:
    token = sign_done_token("hh-1001", "welcome", SECRET, ISSUED)
    payload, signature = token.split(".")
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims == {"c": "hh-1001", "s": "welcome", "iat": int(ISSUED.timestamp())}
    assert len(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))) == 32


def reason(token: str, secret: bytes = SECRET, now: datetime = ISSUED) -> str:
    with pytest.raises(InvalidDoneToken) as info:
        verify_done_token(token, secret, now)
    return info.value.reason


def test_wrong_secret() -> None:
    token = sign_done_token("hh-1001", "welcome", SECRET, ISSUED)
    assert reason(token, secret=b"another-secret") == "bad signature"


def test_tampered_payload() -> None:
    token = sign_done_token("hh-1001", "welcome", SECRET, ISSUED)
    _, signature = token.split(".")
    forged = b64(json.dumps({"c": "hh-1002", "s": "welcome", "iat": 1}).encode())
    assert reason(f"{forged}.{signature}") == "bad signature"


def test_tampered_signature() -> None:
    token = sign_done_token("hh-1001", "welcome", SECRET, ISSUED)
    payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert reason(f"{payload}.{flipped}") == "bad signature"
    assert reason(f"{payload}.{signature[:-4]}") == "bad signature"


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b.c", "abc.", ".abc", "ab+c.def", "ab c.def", "x" * 2000 + ".y"],
)
def test_bad_format(token: str) -> None:
    assert reason(token).startswith("bad format")


def test_signed_garbage_payload_is_bad_format() -> None:
    import hashlib
    import hmac

    for claims in (
        b"not json",
        b"[1, 2]",
        b'{"c": "x", "s": "y"}',
        b'{"c": "", "s": "y", "iat": 1}',
    ):
        payload = b64(claims)
        signature = b64(hmac.new(SECRET, payload.encode(), hashlib.sha256).digest())
        assert reason(f"{payload}.{signature}").startswith("bad format"), claims


def test_expired() -> None:
    token = sign_done_token("hh-1001", "welcome", SECRET, ISSUED)
    assert verify_done_token(token, SECRET, ISSUED + timedelta(days=120))
    assert reason(token, now=ISSUED + timedelta(days=120, seconds=1)) == (
        "expired: older than 120 days"
    )
    with pytest.raises(InvalidDoneToken, match="expired"):
        verify_done_token(token, SECRET, ISSUED + timedelta(days=8), max_age_days=7)


def test_issued_in_the_future() -> None:
    token = sign_done_token("hh-1001", "welcome", SECRET, ISSUED + timedelta(hours=1))
    assert reason(token) == "issued in the future"
    skewed = sign_done_token("hh-1001", "welcome", SECRET, ISSUED + timedelta(minutes=2))
    assert verify_done_token(skewed, SECRET, ISSUED) == ("hh-1001", "welcome")


def test_naive_times_and_empty_secret_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        sign_done_token("c", "s", SECRET, datetime(2026, 12, 7))
    with pytest.raises(ValueError):
        sign_done_token("c", "s", b"", ISSUED)
    token = sign_done_token("c", "s", SECRET, ISSUED)
    with pytest.raises(ValueError):
        verify_done_token(token, SECRET, datetime(2026, 12, 7))


def test_done_link() -> None:
    assert done_link("http://localhost:8787/done", "abc.def") == (
        "http://localhost:8787/done?t=abc.def"
    )
    assert done_link("https://x.example/done?src=email", "abc.def") == (
        "https://x.example/done?src=email&t=abc.def"
    )
    assert done_link("https://x.example/done?", "abc.def") == "https://x.example/done?t=abc.def"
    assert done_link("https://x.example/done#thanks", "abc.def") == (
        "https://x.example/done?t=abc.def#thanks"
    )
