"""Lambda Function URL events (payload format 2.0), as AWS delivers them to done-handler: what
`og act` and `og simulate` send, so local clicks travel the same path as real ones."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from slack_sdk.signature import SignatureVerifier


def get_event(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    return _event("GET", parts.path or "/", parts.query, {}, "")


def post_event(path: str, body: str, headers: dict[str, str]) -> dict[str, Any]:
    """A POST with a text body, e.g. a JSON signup to enroll (header names lower-case, as
    Function URLs deliver them)."""
    return _event("POST", path, "", {k.lower(): v for k, v in headers.items()}, body)


def form_post_event(url: str, fields: dict[str, str]) -> dict[str, Any]:
    """A browser's form POST to `url` (query string kept), e.g. the button of a link's page;
    or, with {"List-Unsubscribe": "One-Click"}, a mail client's RFC 8058 one-click POST."""
    parts = urlsplit(url)
    headers = {"content-type": "application/x-www-form-urlencoded"}
    return _event("POST", parts.path or "/", parts.query, headers, urlencode(fields))


def slack_event(payload: dict[str, Any], signing_secret: str) -> dict[str, Any]:
    """A Slack interactivity POST, signed the way Slack signs it (v0 HMAC over ts:body)."""
    body = urlencode({"payload": json.dumps(payload)})
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature or "",
    }
    return _event("POST", "/slack/interactions", "", headers, body)


def _event(
    method: str, path: str, query: str, headers: dict[str, str], body: str
) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "queryStringParameters": dict(parse_qsl(query)) or None,
        "headers": {"host": "localhost"} | headers,
        "requestContext": {
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "og-local",
            },
            "requestId": "local",
            "routeKey": "$default",
            "stage": "$default",
        },
        "body": body,
        "isBase64Encoded": False,
    }
