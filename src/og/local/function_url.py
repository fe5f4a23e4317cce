"""Lambda Function URL events (payload format 2.0), as AWS delivers them to done-handler: what
`og act`, `og pause`, `og resume` and `og simulate` send, so local clicks and commands travel the
same path as real ones."""

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


def slack_event(payload: dict[str, Any], signing_secret: str) -> dict[str, Any]:
    """A Slack interactivity POST, signed the way Slack signs it (v0 HMAC over ts:body)."""
    body = urlencode({"payload": json.dumps(payload)})
    return _signed_slack_post("/slack/interactions", body, signing_secret)


def slack_command_event(
    command: str, text: str, user_id: str, signing_secret: str, *, timestamp: int | None = None
) -> dict[str, Any]:
    """A Slack slash-command POST (its form fields as Slack sends them), signed like Slack;
    `timestamp` (Unix seconds) defaults to now."""
    body = urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": "T0LOCAL01",
            "team_domain": "local",
            "channel_id": f"D{user_id}",
            "channel_name": "directmessage",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0LOCAL01",
            "is_enterprise_install": "false",
            "response_url": "https://hooks.slack.com/commands/T0LOCAL01/local/local",
            "trigger_id": f"local.{user_id}.{time.time_ns()}",
        }
    )
    return _signed_slack_post("/slack/commands", body, signing_secret, timestamp)


def _signed_slack_post(
    path: str, body: str, signing_secret: str, timestamp: int | None = None
) -> dict[str, Any]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=ts, body=body)
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature or "",
    }
    return _event("POST", path, "", headers, body)


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
