"""Signed links in customer emails: "I did this step" (done) and "stop emailing me"
(unsubscribe). No login: the token in the link proves who clicked it and what for.

A token is short, URL-safe text (people read it in plain-text emails):

    done:        d.<kid>.<customer_id>.<step_id>.<issued at>.<signature>
    unsubscribe: u.<kid>.<customer_id>.<issued at>.<signature>

<issued at> is Unix seconds in base 36; <signature> is base64url (no padding) of the first 16
bytes (128 bits) of HMAC-SHA256(key, everything before the last "."), so the purpose, the key id
and every claim are signed. Ids never contain "." (customer ids are letters, digits, "-" and "_";
step ids lower-case letters, digits and "-").

The secret holds the keys (`parse_link_keys`): the first signs, every listed one verifies, so an
owner rotates by adding a new key first and removing the old one once its links may expire.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urljoin, urlsplit, urlunsplit

from og.core.errors import InvalidDoneToken, LinkKeyError

__all__ = [
    "PLAIN_SECRET_KID",
    "InvalidDoneToken",
    "LinkKey",
    "LinkKeyError",
    "LinkPurpose",
    "done_link",
    "parse_link_keys",
    "sign_done_token",
    "sign_unsubscribe_token",
    "unsubscribe_link",
    "verify_done_token",
    "verify_unsubscribe_token",
]

SECRET_NAME = "og/done-link/secret"
PLAIN_SECRET_KID = "0"  # the key id of a secret that is one plain random string
_KID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_BASE36 = re.compile(r"^[0-9a-z]{1,10}$")
_MAX_TOKEN_LENGTH = 300
_SIGNATURE_BYTES = 16
# A token minted by a server whose clock runs slightly ahead is still fine.
_CLOCK_SKEW = timedelta(minutes=5)
UNSUBSCRIBE_MAX_AGE_DAYS = 365  # people unsubscribe from old emails; it can only stop mail


class LinkPurpose(StrEnum):
    DONE = "done"
    UNSUBSCRIBE = "unsubscribe"


_CODE = {LinkPurpose.DONE: "d", LinkPurpose.UNSUBSCRIBE: "u"}
_PURPOSE = {code: purpose for purpose, code in _CODE.items()}
_CLAIMS = {LinkPurpose.DONE: ("customer id", "step id"), LinkPurpose.UNSUBSCRIBE: ("customer id",)}


@dataclass(frozen=True, slots=True)
class LinkKey:
    kid: str
    key: bytes


_KEY_LIST_EXAMPLE = '[{"kid": "2027-01", "key": "<new random text>"}, {"kid": "0", "key": "<old>"}]'


def parse_link_keys(secret: str | bytes, source: str = SECRET_NAME) -> tuple[LinkKey, ...]:
    """The keys in the secret's value, the signing key first.

    Either one plain random string (as the stack and `og init` generate it: one key, id "0") or
    a JSON list, newest first: [{"kid": "2027-01", "key": "..."}, {"kid": "0", "key": "..."}].
    """
    text = secret.decode("utf-8") if isinstance(secret, bytes) else secret
    text = text.strip()
    if not text:
        raise LinkKeyError(f"{source} is empty; it needs a random key or a key list")
    if not text.startswith("["):
        return (LinkKey(PLAIN_SECRET_KID, text.encode("utf-8")),)
    usage = f"write it as a JSON list, newest key first, like {_KEY_LIST_EXAMPLE}"
    try:
        entries = json.loads(text)
    except ValueError as exc:
        raise LinkKeyError(f"{source} is not valid JSON ({exc}); {usage}") from None
    if not isinstance(entries, list) or not entries:
        raise LinkKeyError(f"{source} is an empty list; {usage}")
    keys: list[LinkKey] = []
    for n, entry in enumerate(entries, start=1):
        where = f"{source}, key {n}"
        if not isinstance(entry, dict) or set(entry) != {"kid", "key"}:
            raise LinkKeyError(f'{where}: expected {{"kid": ..., "key": ...}} and nothing else')
        kid, key = entry["kid"], entry["key"]
        if not isinstance(kid, str) or not _KID.match(kid):
            raise LinkKeyError(
                f"{where}: kid {kid!r} is not allowed; use 1 to 16 letters, digits, '-' or '_', "
                "like '2027-01'"
            )
        if any(k.kid == kid for k in keys):
            raise LinkKeyError(f"{where}: kid '{kid}' appears twice; every key needs its own id")
        if not isinstance(key, str) or not key.strip():
            raise LinkKeyError(f"{where} ('{kid}'): the key is empty; use long random text")
        keys.append(LinkKey(kid, key.strip().encode("utf-8")))
    return tuple(keys)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _signature(signed: str, key: bytes) -> bytes:
    return hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def _require_aware(at: datetime, name: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _sign(
    purpose: LinkPurpose, claims: tuple[str, ...], secret: str | bytes, issued_at: datetime
) -> str:
    _require_aware(issued_at, "issued_at")
    for name, value in zip(_CLAIMS[purpose], claims, strict=True):
        if not _ID.match(value):
            raise ValueError(f"{name} {value!r} cannot go in a link token")
    key = parse_link_keys(secret)[0]
    iat = int(issued_at.timestamp())
    if iat < 0:
        raise ValueError("issued_at is before 1970")
    signed = ".".join((_CODE[purpose], key.kid, *claims, _base36(iat)))
    return f"{signed}.{_b64encode(_signature(signed, key.key))}"


def _verify(
    token: str, purpose: LinkPurpose, secret: str | bytes, now: datetime, max_age_days: int
) -> tuple[str, ...]:
    _require_aware(now, "now")
    keys = parse_link_keys(secret)
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        raise InvalidDoneToken("bad format: empty or too long")
    parts = token.split(".")
    found = _PURPOSE.get(parts[0])
    if found is None or len(parts) != 4 + len(_CLAIMS[found]):
        raise InvalidDoneToken(
            "bad format: expected <purpose>.<key id>.<customer>[.<step>].<time>.<signature>"
        )
    kid, *claims, iat_text, signature_text = parts[1:]
    if not _B64URL.match(signature_text):
        raise InvalidDoneToken("bad format: signature is not base64url")
    try:
        signature = base64.urlsafe_b64decode(signature_text + "=" * (-len(signature_text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidDoneToken("bad format: signature is not base64url") from exc
    key = next((k for k in keys if k.kid == kid), None)
    if key is None:
        raise InvalidDoneToken(f"unknown key id '{kid[:16]}': not in {SECRET_NAME}")
    signed = token[: -len(signature_text) - 1]
    if len(signature) != _SIGNATURE_BYTES or not hmac.compare_digest(
        signature, _signature(signed, key.key)
    ):
        raise InvalidDoneToken("bad signature")

    if found is not purpose:
        raise InvalidDoneToken(f"wrong purpose: a {found} link, not a {purpose} link")
    for name, value in zip(_CLAIMS[found], claims, strict=True):
        if not _ID.match(value):
            raise InvalidDoneToken(f"bad format: no {name}")
    if not _BASE36.match(iat_text):
        raise InvalidDoneToken("bad format: no issue time")
    age = now.timestamp() - int(iat_text, 36)
    if age < -_CLOCK_SKEW.total_seconds():
        raise InvalidDoneToken("issued in the future")
    if age > timedelta(days=max_age_days).total_seconds():
        raise InvalidDoneToken(f"expired: older than {max_age_days} days")
    return tuple(claims)


def sign_done_token(
    customer_id: str, step_id: str, secret: str | bytes, issued_at: datetime
) -> str:
    """A token saying "customer_id finished step_id", signed with the secret's first key.
    `secret` is the secret's value as stored (see `parse_link_keys`)."""
    return _sign(LinkPurpose.DONE, (customer_id, step_id), secret, issued_at)


def verify_done_token(
    token: str, secret: str | bytes, now: datetime, max_age_days: int = 120
) -> tuple[str, str]:
    """(customer_id, step_id) of a valid done token; raises InvalidDoneToken when the format is
    bad, the key id is not in the secret, the signature does not match, it is another purpose's
    token, or it was issued in the future or more than `max_age_days` ago."""
    customer_id, step_id = _verify(token, LinkPurpose.DONE, secret, now, max_age_days)
    return customer_id, step_id


def sign_unsubscribe_token(customer_id: str, secret: str | bytes, issued_at: datetime) -> str:
    """A token saying "customer_id wants no more email"."""
    return _sign(LinkPurpose.UNSUBSCRIBE, (customer_id,), secret, issued_at)


def verify_unsubscribe_token(
    token: str, secret: str | bytes, now: datetime, max_age_days: int = UNSUBSCRIBE_MAX_AGE_DAYS
) -> str:
    """The customer_id of a valid unsubscribe token; raises InvalidDoneToken as
    `verify_done_token` does."""
    (customer_id,) = _verify(token, LinkPurpose.UNSUBSCRIBE, secret, now, max_age_days)
    return customer_id


def done_link(base_url: str, token: str) -> str:
    """`base_url` with the token added as the `t` query parameter."""
    parts = urlsplit(base_url)
    query = f"{parts.query}&t={token}" if parts.query else f"t={token}"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def unsubscribe_link(done_link_base: str, token: str) -> str:
    """The unsubscribe page sits beside the done page on the same Function URL:
    https://x.example/done -> https://x.example/unsubscribe?t=<token>."""
    return done_link(urljoin(done_link_base, "unsubscribe"), token)
