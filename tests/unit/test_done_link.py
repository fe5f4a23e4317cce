import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from og.core.done_link import (
    LinkKey,
    done_link,
    parse_link_keys,
    sign_done_token,
    sign_unsubscribe_token,
    unsubscribe_link,
    verify_done_token,
    verify_unsubscribe_token,
)
from og.core.errors import InvalidDoneToken, LinkKeyError

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
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    purpose, kid, customer_id, step_id, iat, signature = token.split(".")
    assert (purpose, kid, customer_id, step_id) == ("d", "0", "hh-1001", "welcome")
    assert int(iat, 36) == int(ISSUED.timestamp())
    assert len(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))) == 16


def test_tokens_are_short_enough_to_read() -> None:
    longest = sign_done_token("c" * 40, "s" * 40, SECRET, ISSUED)
    assert len(longest) <= 120
    assert len(sign_done_token("hh-1001", "first-order", SECRET, ISSUED)) <= 60


def reason(token: str, secret: bytes = SECRET, now: datetime = ISSUED) -> str:
    with pytest.raises(InvalidDoneToken) as info:
        verify_done_token(token, secret, now)
    return info.value.reason


def test_wrong_secret() -> None:
    token = sign_done_token("hh-1001", "welcome", SECRET, ISSUED)
    assert reason(token, secret=b"another-secret") == "bad signature"


def test_tampered_payload() -> None:
    token = sign_done_token("hh-1001", "welcome", SECRET, ISSUED)
    assert reason(token.replace("hh-1001", "hh-1002")) == "bad signature"
    assert reason(token.replace("welcome", "setup")) == "bad signature"
    assert (
        reason(token.replace(".0.", ".1.", 1)) == "unknown key id '1': not in og/done-link/secret"
    )
    assert reason("u" + token[1:]).startswith("bad format")  # an unsubscribe token has no step


def test_tampered_signature() -> None:
    token = sign_done_token("hh-1001", "welcome", SECRET, ISSUED)
    payload, signature = token.rsplit(".", 1)
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

    for signed in ("d.0.hh-1001.welcome.NOTB36", "d.0..welcome.1", "d.0.hh-1001..1", "d.0.a.b."):
        signature = b64(hmac.new(SECRET, signed.encode(), hashlib.sha256).digest()[:16])
        assert reason(f"{signed}.{signature}").startswith("bad format"), signed


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


# --- purposes ------------------------------------------------------------------------------------
def test_unsubscribe_round_trip() -> None:
    token = sign_unsubscribe_token("hh-1001", SECRET, ISSUED)
    assert token.startswith("u.0.hh-1001.")
    assert verify_unsubscribe_token(token, SECRET, ISSUED + timedelta(days=300)) == "hh-1001"
    with pytest.raises(InvalidDoneToken, match="expired: older than 365 days"):
        verify_unsubscribe_token(token, SECRET, ISSUED + timedelta(days=366))


def test_a_token_only_works_for_its_own_purpose() -> None:
    done = sign_done_token("hh-1001", "welcome", SECRET, ISSUED)
    unsubscribe = sign_unsubscribe_token("hh-1001", SECRET, ISSUED)
    assert reason(unsubscribe) == "wrong purpose: a unsubscribe link, not a done link"
    with pytest.raises(InvalidDoneToken) as info:
        verify_unsubscribe_token(done, SECRET, ISSUED)
    assert info.value.reason == "wrong purpose: a done link, not a unsubscribe link"


def test_ids_that_cannot_go_in_a_token_are_programming_errors() -> None:
    for customer_id, step_id in (("a.b", "welcome"), ("hh-1001", "we lcome"), ("", "welcome")):
        with pytest.raises(ValueError):
            sign_done_token(customer_id, step_id, SECRET, ISSUED)


def test_unsubscribe_link_is_the_done_pages_sibling() -> None:
    assert unsubscribe_link("https://abc.lambda-url.ap-southeast-1.on.aws/done", "u.x") == (
        "https://abc.lambda-url.ap-southeast-1.on.aws/unsubscribe?t=u.x"
    )
    assert unsubscribe_link("http://localhost:8787/done?src=email", "u.x") == (
        "http://localhost:8787/unsubscribe?t=u.x"
    )


# --- the key list and rotation -------------------------------------------------------------------
OLD = "old-key-generated-by-the-stack-0123456789abcdef"
NEW = "new-key-added-in-january-0123456789abcdefghijkl"


def keys(*entries: tuple[str, str]) -> str:
    return json.dumps([{"kid": kid, "key": key} for kid, key in entries])


def test_a_plain_secret_is_one_key_with_id_0() -> None:
    assert parse_link_keys(f"  {OLD}\n") == (LinkKey("0", OLD.encode()),)
    assert parse_link_keys(OLD.encode()) == (LinkKey("0", OLD.encode()),)


def test_the_first_key_signs_and_every_listed_key_verifies() -> None:
    before = sign_done_token("hh-1001", "welcome", OLD, ISSUED)  # today's plain secret
    rotated = keys(("2027-01", NEW), ("0", OLD))
    after = sign_done_token("hh-1001", "welcome", rotated, ISSUED)
    assert after.split(".")[1] == "2027-01"
    later = ISSUED + timedelta(days=30)
    assert verify_done_token(before, rotated, later) == ("hh-1001", "welcome")
    assert verify_done_token(after, rotated, later) == ("hh-1001", "welcome")
    # The old key removed: its links are refused, the new ones still work.
    only_new = keys(("2027-01", NEW))
    assert reason(before, secret=only_new.encode(), now=later) == (
        "unknown key id '0': not in og/done-link/secret"
    )
    assert verify_done_token(after, only_new, later) == ("hh-1001", "welcome")
    # A key id reused for another key does not verify the old links.
    assert reason(before, secret=keys(("0", NEW)).encode(), now=later) == "bad signature"


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("", "og/done-link/secret is empty"),
        ("[]", "og/done-link/secret is an empty list; write it as a JSON list"),
        ('[{"kid": "a", "key": "x"}', "og/done-link/secret is not valid JSON"),
        ('{"kid": "a", "key": "x"}', None),  # not a list: read as one plain key
        ('["just-a-key"]', 'og/done-link/secret, key 1: expected {"kid": ..., "key": ...}'),
        ('[{"kid": "a", "key": "x", "alg": "HS256"}]', "key 1: expected"),
        ('[{"kid": "a b", "key": "x"}]', "key 1: kid 'a b' is not allowed"),
        ('[{"kid": 7, "key": "x"}]', "key 1: kid 7 is not allowed"),
        ('[{"kid": "a", "key": "x"}, {"kid": "a", "key": "y"}]', "key 2: kid 'a' appears twice"),
        ('[{"kid": "a", "key": " "}]', "key 1 ('a'): the key is empty"),
    ],
)
def test_key_list_problems_say_what_to_fix(secret: str, message: str | None) -> None:
    if message is None:
        assert parse_link_keys(secret) == (LinkKey("0", secret.encode()),)
        return
    with pytest.raises(LinkKeyError) as info:
        parse_link_keys(secret)
    assert message in str(info.value)
