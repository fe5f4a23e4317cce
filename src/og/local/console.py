"""The owner's console at `/` of `og serve`: customers, one customer's journey, the open flags
and intake proposals with Slack's buttons, the activation funnel and the weekly digest's preview.

A button is answered as Slack would send it: this server builds the payload Slack sends for that
button on that message (the flag's or proposal's post in the local Slack log), signs it with
the home's Slack signing secret (v0 HMAC-SHA256) and hands it to /slack/interactions exactly as
an HTTP request from Slack is handed, so the real done-handler path runs, the modal step of
Pause, Hand off and Edit included."""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from og.adapters.local.slack_log import read_slack_log
from og.adapters.local.store import SqliteJourneyStore
from og.core.errors import DocumentError
from og.core.models import SendKind
from og.local import console_html as pages
from og.local.console_data import read_home
from og.local.function_url import HttpResponse, slack_signed_headers
from og.local.history import customer_events
from og.local.owner_inbox import COLUMNS, PROPOSAL_ACTIONS, modal_submission
from og.local.stack import outbox_messages, owner_slack_id

if TYPE_CHECKING:
    from email.message import EmailMessage

    from og.local.serve import LocalServer

SLACK_PATH = "/slack/interactions"
TEAM = {"id": "T0LOCAL01", "domain": "local"}
_LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")


def serves(path: str) -> bool:
    return path == "/" or path == "/console" or path.startswith("/console/")


def answer(
    server: LocalServer,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    client_ip: str,
) -> HttpResponse:
    parts = urlsplit(target)
    path = parts.path.rstrip("/") or "/"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    refused = _refused(method, {k.lower(): v for k, v in headers}, client_ip)
    if refused:
        return _html(403, pages.page("Not here", f"<p>{pages.e(refused)}</p>", home_name="og"))
    if method == "POST" and path == pages.ANSWER_PATH:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
        return _redirect(press(server, form))
    if method not in ("GET", "HEAD"):
        return _html(405, f"<p>{pages.e(path)} takes GET</p>", [("allow", "GET")])
    try:
        view = read_home(server.stack.home)
    except DocumentError as err:
        text = f"<h1>The documents have problems</h1><pre>{pages.e(err)}</pre>"
        return _html(200, pages.page("og console", text, home_name="og", nav=False))
    told = query.get("told", "")
    if path == "/" or path == "/console":
        return _html(200, pages.customers_page(view, *_filters(query)))
    if path == pages.INBOX_PATH:
        return _html(200, pages.inbox_page(view, COLUMNS, told))
    if path == pages.FUNNEL_PATH:
        return _html(200, pages.funnel_page(view))
    if path.startswith(pages.CUSTOMER_PATH):
        row = view.customer(unquote(path.removeprefix(pages.CUSTOMER_PATH)))
        if row is not None:
            events = customer_events(server.stack.home, row.customer.customer_id)
            html = pages.customer_page(view, row, events, emails(server.stack.home), told)
            return _html(200, html)
    return _html(404, pages.page("Not found", "<h1>Nothing here</h1>", home_name="og"))


def _refused(method: str, headers: Mapping[str, str], client_ip: str) -> str | None:
    """Why the console will not answer this request, or None. Its buttons answer flags without
    Slack's signature and its pages show customers, so it answers only a browser on this
    machine: not through a tunnel or a proxy (which `og serve --host` allows for Slack), not
    to another host name (DNS rebinding), and no press from another site's page (a
    cross-site form POST carries that site's Origin)."""
    host = urlsplit(f"//{headers.get('host', '')}").hostname or ""
    if (
        not ipaddress.ip_address(client_ip.removeprefix("::ffff:")).is_loopback
        or "x-forwarded-for" in headers
        or "forwarded" in headers
        or host not in _LOCAL_NAMES
    ):
        return "The owner's console answers only on this machine, at http://localhost:PORT/."
    origin = headers.get("origin")
    if method == "POST" and (
        headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none")
        or (origin is not None and urlsplit(origin).netloc != headers.get("host"))
    ):
        return "A console button can only be pressed on the console's own page."
    return None


def _filters(query: Mapping[str, str]) -> tuple[str, str, str]:
    return query.get("status", ""), query.get("plan", ""), query.get("q", "")


def emails(home: Path) -> dict[str, EmailMessage]:
    """The local outbox by Message-ID (without its angle brackets)."""
    return {str(m["Message-ID"]).strip("<>"): m for m in outbox_messages(home)}


def _html(status: int, text: str, headers: list[tuple[str, str]] | None = None) -> HttpResponse:
    return HttpResponse(
        status, [("content-type", "text/html; charset=utf-8"), *(headers or [])], text.encode()
    )


def _redirect(location: str) -> HttpResponse:
    return HttpResponse(303, [("location", location)], b"")


# --- a button pressed ---------------------------------------------------------------------------
def press(server: LocalServer, form: Mapping[str, str]) -> str:
    """Answer a flag or a proposal as the console's form says; returns where to look next."""
    kind, key, action = form.get("kind", ""), form.get("key", ""), form.get("action", "")
    if kind == "flag" and action in ("pause", "hand_off", "done"):
        told = _press_flag(server, key, action, form.get("note", ""))
        customer = form.get("customer", "")
        return f"{pages.CUSTOMER_PATH}{quote(customer)}?{urlencode({'told': told})}"
    if kind == "proposal" and action in ("approve", "edit", "discard"):
        edits = {k.removeprefix("set:"): v for k, v in form.items() if k.startswith("set:")}
        told = _press_proposal(server, key, action, edits)
        return f"{pages.INBOX_PATH}?{urlencode({'told': told})}"
    return f"{pages.INBOX_PATH}?{urlencode({'told': f'nothing to answer in {dict(form)}'})}"


def _press_flag(server: LocalServer, key: str, action: str, note: str) -> str:
    home = server.stack.home
    trigger = f"console.{key}.{time.time_ns()}"
    status, body = _post_to_slack_path(server, _click(home, key, action, trigger))
    if action != "done" and status == 200:
        view = _opened(home, trigger)
        if view is None:
            return f"{action}: done-handler opened no form ({body.strip()[:200]})"
        status, body = _post_to_slack_path(
            server, _submitted(home, view, {"note": note} if note else {})
        )
    flag = _store(home).flag(key)
    answered = f"answered: {flag.answer}" if flag and flag.answer else "still open"
    return f"{action.replace('_', ' ')} sent as Slack would: done-handler {status}; flag {answered}"


def _press_proposal(server: LocalServer, key: str, action: str, edits: dict[str, str]) -> str:
    home = server.stack.home
    trigger = f"console.{key}.{time.time_ns()}"
    click = _click(home, key, PROPOSAL_ACTIONS[action], trigger)
    status, body = _post_to_slack_path(server, click)
    if action == "edit" and status == 200:
        view = _opened(home, trigger)
        if view is None:
            return f"edit: done-handler opened no form ({body.strip()[:200]})"
        status, body = _post_to_slack_path(server, _submitted(home, view, edits))
        errors = (json.loads(body) if body.startswith("{") else {}).get("errors") or {}
        if errors:
            return "edit refused: " + "; ".join(f"{k}: {v}" for k, v in errors.items())
    return f"{action} sent as Slack would: done-handler {status}"


def _store(home: Path) -> SqliteJourneyStore:
    return SqliteJourneyStore(home / "og.sqlite")


def _post_to_slack_path(server: LocalServer, payload: dict[str, Any]) -> tuple[int, str]:
    """`payload` signed as Slack signs it and handed to /slack/interactions as a request from
    Slack is; then what follows the answer (resuming a journey) before the page is shown."""
    home = server.stack.home
    secret = json.loads((home / "secrets.json").read_text())["og/slack/signing-secret"]
    body = urlencode({"payload": json.dumps(payload)})
    headers = list(slack_signed_headers(body, secret).items())
    response = server.answer("POST", SLACK_PATH, headers, body.encode(), "127.0.0.1")
    server.after_answer(SLACK_PATH, body.encode(), headers)
    return response.status, response.body.decode("utf-8", errors="replace")


def _posted(home: Path, key: str) -> dict[str, Any] | None:
    """The newest Slack post with a button carrying `key`."""
    for call in reversed(read_slack_log(home / "slack.jsonl", "chat.postMessage")):
        blocks = call["payload"].get("blocks") or []
        if any(el.get("value") == key for b in blocks for el in b.get("elements") or []):
            return dict(call["payload"])
    return None


def _user(home: Path) -> dict[str, str]:
    owner = owner_slack_id(home)
    return {"id": owner, "username": owner.lower(), "name": owner.lower(), "team_id": TEAM["id"]}


def _click(home: Path, key: str, action_id: str, trigger: str) -> dict[str, Any]:
    """A block_actions payload as Slack sends it for the button `action_id` on the post that
    carries `key` (the message itself included, so done-handler can update it)."""
    post = _posted(home, key) or {"channel": owner_slack_id(home), "blocks": []}
    ts = _message_ts(home, key)
    button = next(
        (
            el | {"block_id": block.get("block_id")}
            for block in post["blocks"]
            for el in block.get("elements") or []
            if el.get("action_id") == action_id and el.get("value") == key
        ),
        {"type": "button", "action_id": action_id, "value": key},
    )
    return {
        "type": "block_actions",
        "user": _user(home),
        "api_app_id": "A0LOCAL01",
        "token": "deprecated-verification-token",
        "team": TEAM,
        "trigger_id": trigger,
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": post["channel"],
            "is_ephemeral": False,
        },
        "channel": {"id": post["channel"], "name": "directmessage"},
        "message": {
            "type": "message",
            "ts": ts,
            "text": post.get("text", ""),
            "blocks": post["blocks"],
        },
        "response_url": "https://hooks.slack.com/actions/T0LOCAL01/local/local",
        "actions": [button | {"action_ts": f"{time.time():.6f}"}],
    }


def _message_ts(home: Path, key: str) -> str:
    """The post's ts, as the flag's send or the proposal recorded it."""
    store = _store(home)
    proposal = store.proposal(key)
    if proposal is not None:
        return proposal.message_ts or ""
    flag = store.flag(key)
    if flag is None:
        return ""
    posts = [
        message_id
        for record, _, message_id in store.sends_with_status(flag.customer_id)
        if record.kind is SendKind.FLAG and record.step_id == flag.step_id and message_id
    ]
    return posts[-1] if posts else ""


def _opened(home: Path, trigger: str) -> dict[str, Any] | None:
    views = [
        call["payload"]["view"]
        for call in read_slack_log(home / "slack.jsonl", "views.open")
        if call["payload"].get("trigger_id") == trigger
    ]
    return views[-1] if views else None


def _submitted(home: Path, view: dict[str, Any], edits: dict[str, str]) -> dict[str, Any]:
    submission = modal_submission(view, edits)
    return submission | {
        "user": _user(home),
        "api_app_id": "A0LOCAL01",
        "team": TEAM,
        "view": submission["view"] | {"id": f"V{time.time_ns()}", "type": "modal"},
    }
