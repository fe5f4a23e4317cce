"""Signed done-link tokens: the customer clicks a link to say a step is done.

A token is base64url(JSON {"c": customer_id, "s": step_id, "iat": unix seconds}) + "." +
base64url(HMAC-SHA256 of that first part), both without padding. The signature covers the exact
transmitted payload text, so nothing has to be re-serialized to verify it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

__all__ = ["InvalidDoneToken", "done_link", "sign_done_token", "verify_done_token"]

_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_MAX_TOKEN_LENGTH = 1024
_SIGNATURE_BYTES = hashlib.sha256().digest_size
# A token minted by a server whose clock runs slightly ahead is still fine.
_CLOCK_SKEW = timedelta(minutes=5)


class InvalidDoneToken(Exception):
    """A done-link token that must not be honoured; `reason` says why (for logs, not users)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not _B64URL.match(text):
        raise InvalidDoneToken("bad format: not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidDoneToken("bad format: not base64url") from exc


def _signature(payload: str, secret: bytes) -> bytes:
    if not secret:
        raise ValueError("the done-link secret is empty")
    return hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest()


def _require_aware(at: datetime, name: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def sign_done_token(customer_id: str, step_id: str, secret: bytes, issued_at: datetime) -> str:
    """A URL-safe token saying "customer_id finished step_id", signed with `secret`."""
    _require_aware(issued_at, "issued_at")
    claims = {"c": customer_id, "s": step_id, "iat": int(issued_at.timestamp())}
    payload = _b64encode(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_b64encode(_signature(payload, secret))}"


def verify_done_token(
    token: str, secret: bytes, now: datetime, max_age_days: int = 120
) -> tuple[str, str]:
    """(customer_id, step_id) of a valid token; raises InvalidDoneToken when the format is bad,
    the signature does not match or the token is older than `max_age_days`."""
    _require_aware(now, "now")
    if not token or len(token) > _MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise InvalidDoneToken("bad format: expected <payload>.<signature>")
    payload, signature_text = token.split(".")
    signature = _b64decode(signature_text)
    _b64decode(payload)
    if len(signature) != _SIGNATURE_BYTES or not hmac.compare_digest(
        signature, _signature(payload, secret)
    ):
        raise InvalidDoneToken("bad signature")

    try:
        claims = json.loads(_b64decode(payload).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidDoneToken("bad format: payload is not JSON") from exc
    if not isinstance(claims, dict):
        raise InvalidDoneToken("bad format: payload is not an object")
    customer_id, step_id, iat = claims.get("c"), claims.get("s"), claims.get("iat")
    if not isinstance(customer_id, str) or not customer_id:
        raise InvalidDoneToken("bad format: no customer id")
    if not isinstance(step_id, str) or not step_id:
        raise InvalidDoneToken("bad format: no step id")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise InvalidDoneToken("bad format: no issue time")

    age = now.timestamp() - iat
    if age < -_CLOCK_SKEW.total_seconds():
        raise InvalidDoneToken("issued in the future")
    if age > timedelta(days=max_age_days).total_seconds():
        raise InvalidDoneToken(f"expired: older than {max_age_days} days")
    return customer_id, step_id


def done_link(base_url: str, token: str) -> str:
    """`base_url` with the token added as the `t` query parameter."""
    parts = urlsplit(base_url)
    query = f"{parts.query}&t={token}" if parts.query else f"t={token}"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
