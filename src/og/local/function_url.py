"""Lambda Function URL requests and responses (payload format 2.0), as AWS delivers them: what
`og act`, `og pause`, `og resume`, `og simulate` and `og serve` send the handlers, so local clicks
and commands travel the same path as real ones."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from slack_sdk.signature import SignatureVerifier

from og.local.template import REGION

# The Function URL of a local request: https://<URL_ID>.lambda-url.<region>.on.aws
URL_ID = "local"
# Bodies of these types reach the function as text; every other body is base64-encoded (an HTML
# form's application/x-www-form-urlencoded POST too).
_TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")


def get_event(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    return request_event("GET", parts.path or "/", parts.query, [], b"")


def post_event(path: str, body: str, headers: dict[str, str]) -> dict[str, Any]:
    """A POST with a text body, e.g. a JSON signup to enroll."""
    return request_event("POST", path, "", headers.items(), body.encode())


def form_post_event(url: str, fields: dict[str, str]) -> dict[str, Any]:
    """A browser's form POST to `url` (query string kept), e.g. the button of a link's page;
    or, with {"List-Unsubscribe": "One-Click"}, a mail client's RFC 8058 one-click POST."""
    parts = urlsplit(url)
    headers = {"content-type": "application/x-www-form-urlencoded"}
    return request_event(
        "POST", parts.path or "/", parts.query, headers.items(), urlencode(fields).encode()
    )


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
    headers = slack_signed_headers(body, signing_secret, timestamp)
    return request_event("POST", path, "", headers.items(), body.encode())


def slack_signed_headers(
    body: str, signing_secret: str, timestamp: int | None = None
) -> dict[str, str]:
    """The headers of a form POST from Slack: v0 HMAC-SHA256 over v0:<timestamp>:<body>."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=ts, body=body)
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature or "",
    }


def request_event(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """The event a Function URL hands its function for one HTTP request: header names
    lower-cased and repeated headers joined with commas, cookies split out of `cookie`, repeated
    query parameters joined with commas, a non-text body base64-encoded."""
    domain = f"{URL_ID}.lambda-url.{REGION}.on.aws"
    joined = _joined_headers(headers, domain, source_ip)
    agent = joined.get("user-agent", "og-local")
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": joined,
        "requestContext": {
            "accountId": "anonymous",  # AuthType NONE
            "apiId": URL_ID,
            "domainName": domain,
            "domainPrefix": URL_ID,
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": agent,
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if "cookie" in joined:
        event["cookies"] = [c.strip() for c in joined["cookie"].split(";") if c.strip()]
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    if query:
        event["queryStringParameters"] = query
    if body:
        content_type = joined.get("content-type", "").lower()
        if content_type.startswith(_TEXT_TYPES):
            event["body"] = body.decode("utf-8", errors="replace")
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def _joined_headers(
    headers: Iterable[tuple[str, str]], domain: str, source_ip: str
) -> dict[str, str]:
    """Header names lower-cased, repeated headers joined with commas, and the ones the Function
    URL adds."""
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return (
        {"host": domain, "x-forwarded-proto": "https", "x-forwarded-port": "443"}
        | joined
        | {"x-forwarded-for": source_ip}
    )


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def http_response(result: Any) -> HttpResponse:
    """What a Function URL answers for the function's return value: statusCode, headers,
    cookies (one Set-Cookie each) and body (decoded when isBase64Encoded); a value without a
    statusCode is a 200 with that value as JSON."""
    if not (isinstance(result, dict) and "statusCode" in result):
        body = json.dumps(result).encode()
        return HttpResponse(200, [("content-type", "application/json")], body)
    headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
    headers += [("set-cookie", c) for c in result.get("cookies") or []]
    raw = result.get("body") or ""
    if not isinstance(raw, str):
        raw = json.dumps(raw)
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
    return HttpResponse(int(result["statusCode"]), headers, body)
