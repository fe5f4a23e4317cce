"""`og serve`: every Function URL of template.yaml on localhost, so a done link or an unsubscribe
link in the local outbox opens in a browser, a signup can be POSTed to enroll and Slack (through
a tunnel) can post interactions, all through the real handlers on one embedded stack.

The routes come from the template and the handlers themselves: each function with a
FunctionUrlConfig, and the paths and methods its powertools resolver serves. A function whose
resolver serves `/` (enroll: a Function URL of its own in AWS) is mounted at `/<name without
og->` and gets the rawPath its own Function URL would; the others serve their paths as they are."""

from __future__ import annotations

import base64
import inspect
import json
import sys
import threading
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver

from og.core.config_doc import read_config_entries
from og.core.errors import FunctionError, SetupError, UsageError
from og.local import console, function_url, moto_bridge
from og.local.stack import LocalStack, done_link_in, outbox_messages
from og.wiring import adapters

DEFAULT_PORT = 8765
SLACK_PATH = "/slack/interactions"


@dataclass(frozen=True)
class Route:
    path: str  # as served on localhost
    methods: frozenset[str]
    function: str  # template logical id
    function_name: str
    raw_path: str  # the rawPath its Function URL hands the function


def routes(stack: LocalStack) -> dict[str, Route]:
    """Local path -> route, for every Function URL in template.yaml."""
    found: dict[str, Route] = {}
    for fn in stack.engine.template.functions.values():
        if not fn.function_url:
            continue
        served = _served_paths(fn.name, fn.logical_id)
        prefix = "/" + fn.name.removeprefix("og-") if "/" in served else ""
        for path, methods in served.items():
            local = (prefix + path).rstrip("/") if prefix else path
            if local in found:
                raise SetupError(
                    f"og serve: {local} is served by both {found[local].function_name} and "
                    f"{fn.name}; give one of them another path"
                )
            found[local] = Route(local, methods, fn.logical_id, fn.name, path)
    return found


def _served_paths(function_name: str, logical_id: str) -> dict[str, frozenset[str]]:
    """The paths and methods the function's powertools resolver (its module's `app`) serves."""
    module_globals = inspect.unwrap(moto_bridge.handler(function_name)).__globals__
    resolver = next((v for v in module_globals.values() if isinstance(v, ApiGatewayResolver)), None)
    if resolver is None:
        raise SetupError(
            f"template.yaml {logical_id} has a FunctionUrlConfig, but its handler module has "
            "no powertools event handler (app = LambdaFunctionUrlResolver()) to read routes from"
        )
    schema = resolver.get_openapi_schema()
    return {
        path: frozenset(
            method.upper()
            for method, operation in item.model_dump(exclude_none=True).items()
            if isinstance(operation, dict) and "responses" in operation
        )
        for path, item in (schema.paths or {}).items()
    }


class LocalServer(ThreadingHTTPServer):
    """One embedded stack behind an HTTP server on localhost. Requests are taken on threads (a
    browser may hold an idle connection open) and handed to the stack one at a time."""

    daemon_threads = True

    def __init__(self, stack: LocalStack, host: str = "127.0.0.1", port: int = DEFAULT_PORT):
        self.stack = stack
        self.routes = routes(stack)
        self.lock = threading.Lock()
        self._requests = 0  # taken and not yet finished, including their work after the answer
        self._finished = threading.Condition()
        stack.idempotency_table()
        super().__init__((host, port), _Handler)

    @property
    def base_url(self) -> str:
        host = str(self.server_address[0])
        return f"http://{'localhost' if host == '127.0.0.1' else host}:{self.server_port}"

    def answer(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, client_ip: str
    ) -> function_url.HttpResponse:
        """The handler's answer; the work it left for after its answer is done by
        after_answer(), once the answer has been sent."""
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        route = self.routes.get(path)
        if route is None and console.serves(path):
            return console.answer(self, method, target, headers, body, client_ip)
        if route is None:
            listed = "\n".join(
                f"  {' '.join(sorted(r.methods))} {p}" for p, r in sorted(self.routes.items())
            )
            return _text(404, f"og serve: nothing at {parts.path}; served here:\n{listed}\n")
        if method not in route.methods:
            allowed = ", ".join(sorted(route.methods))
            return function_url.HttpResponse(
                405,
                [("content-type", "text/plain; charset=utf-8"), ("allow", allowed)],
                f"og serve: {parts.path} takes {allowed}, not {method}\n".encode(),
            )
        event = function_url.request_event(
            method, route.raw_path, parts.query, headers, body, source_ip=client_ip
        )
        with self.lock:
            self.stack.sync_documents()  # the handlers read the list and docs as they are now
            at = self.stack.runs.clock_after_runs(datetime.now(UTC))
            try:
                result = self.stack.invoke(route.function, event, at)
            except FunctionError as err:
                print(f"og serve: {method} {parts.path}: {err}", file=sys.stderr, flush=True)
                return _text(502, "Internal Server Error")
        return function_url.http_response(result)

    def wait_until_idle(self, timeout: float = 60) -> bool:
        """Wait for every request taken to be finished, work after its answer included."""
        with self._finished:
            return self._finished.wait_for(lambda: self._requests == 0, timeout)

    def taken(self) -> None:
        with self._finished:
            self._requests += 1

    def finished(self) -> None:
        with self._finished:
            self._requests -= 1
            self._finished.notify_all()

    def after_answer(self, target: str, body: bytes, headers: list[tuple[str, str]]) -> None:
        """What Lambda does after a Function URL's answer: the handler's queued work (resume the
        journey, update the Slack message); then the resumed journey moves on."""
        path = urlsplit(target).path.rstrip("/") or "/"
        with self.lock:
            at = self.stack.runs.clock_after_runs(datetime.now(UTC))
            self.stack.run_after_answer(at)
            if path == SLACK_PATH:
                event = function_url.request_event("POST", path, "", headers, body)
                key = _answered_flag(event)
                flag = adapters().store.flag(key) if key else None
                self.stack.record_resumed(flag.execution if flag else None)


def _answered_flag(event: dict[str, Any]) -> str | None:
    """The key a Slack interaction carries: a button's value (a flag or a proposal), or the flag
    of a Pause / Hand off modal's submission."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", errors="replace")
    try:
        payload = json.loads(parse_qs(body)["payload"][0])
        if payload.get("type") == "block_actions":
            return str(payload["actions"][0]["value"])
        meta = json.loads(payload["view"]["private_metadata"])
        return str(meta["flag_key"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _text(status: int, text: str) -> function_url.HttpResponse:
    return function_url.HttpResponse(
        status, [("content-type", "text/plain; charset=utf-8")], text.encode()
    )


class _Handler(BaseHTTPRequestHandler):
    server: LocalServer
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        self.server.taken()
        try:
            self._answer()
        finally:
            self.server.finished()

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            response = self.server.answer(
                self.command, self.path, list(self.headers.items()), body, self.client_address[0]
            )
        except Exception:  # og's own machinery, not the handler: say so, answer 500
            traceback.print_exc()
            response = _text(500, "og serve failed; see its console\n")
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        self.wfile.flush()
        try:
            self.server.after_answer(self.path, body, list(self.headers.items()))
        except Exception:  # og's own machinery; the answer has gone out already
            traceback.print_exc()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"og serve: {format % args}\n")


def _outbox_hints(home: Path, base_url: str) -> list[str]:
    """The done links of the newest emails in the outbox, and a warning when the home's
    done_link_base sends customers somewhere other than this server."""
    entries = read_config_entries((home / "config.txt").read_text(encoding="utf-8"))
    base, where = entries.get("done_link_base", ("", "config.txt"))
    lines = []
    if base and not base.startswith(base_url + "/"):
        lines.append(f"note: {where}: done_link_base {base} is not this server; links go there")
    newest = sorted(
        outbox_messages(home), key=lambda m: parsedate_to_datetime(str(m["Date"])), reverse=True
    )
    links = [(m, link) for m in newest if (link := done_link_in(m))][:3]
    if links:
        lines.append(f"done links in {home / 'outbox'} (newest first):")
        lines += [f"  {m['To']}: {m['Subject']}\n    {link}" for m, link in links]
    return lines


def serve(stack: LocalStack, host: str, port: int) -> None:
    """Serve until Ctrl-C."""
    try:
        server = LocalServer(stack, host, port)
    except OSError as err:
        raise UsageError(
            f"cannot listen on {host}:{port}: {err.strerror}; another og serve may be running "
            "there (choose another with --port)"
        ) from None
    print(f"og serve: {stack.home} at {server.base_url} (Ctrl-C stops)")
    print(f"  the owner's console: {server.base_url}/")
    for path, route in sorted(server.routes.items()):
        methods = "|".join(sorted(route.methods))
        print(f"  {methods:<9} {server.base_url}{path}  -> {route.function_name}")
    for line in _outbox_hints(stack.home, server.base_url):
        print(line)
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nog serve: stopped")
    finally:
        server.server_close()
