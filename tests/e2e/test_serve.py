"""`og serve` over real HTTP: a server on a free port in a background thread, over a temporary og
home, asked with urllib (and, for a done link, a real browser) the way a customer's browser, a
signup form's backend and Slack ask a Function URL."""

from __future__ import annotations

import csv
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from slack_sdk.signature import SignatureVerifier

from og.cli import main as og
from og.local import moto_bridge
from og.local.history import customer_timeline
from og.local.serve import DEFAULT_PORT, LocalServer
from og.local.stack import LocalStack

from .support import Home, journey_of, journey_record, utc

pytestmark = [
    pytest.mark.filterwarnings("ignore:No application metrics:UserWarning"),
    pytest.mark.filterwarnings("ignore:The `get_header_value` function is deprecated"),
]

MON = date(2026, 12, 14)  # a Singapore business day
MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T08:00:00+08:00,,,"


@dataclass
class Served:
    stack: LocalStack
    server: LocalServer

    def url(self, path_and_query: str) -> str:
        return self.server.base_url + path_and_query

    def local(self, link: str) -> str:
        """An outbox link, pointed at this test's port instead of the default one."""
        parts = urlsplit(link)
        assert f"{parts.scheme}://{parts.netloc}" == f"http://localhost:{DEFAULT_PORT}"
        return self.url(parts.path + "?" + parts.query)


@contextmanager
def served(home: Home) -> Iterator[Served]:
    with home.stack() as stack:
        server = LocalServer(stack, "127.0.0.1", 0)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield Served(stack, server)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)


def request(
    url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as answer:
            return answer.status, dict(answer.headers.items()), answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), err.read().decode()


def test_routes_come_from_the_template_and_the_handlers(make_home: Callable[..., Home]) -> None:
    with served(make_home([MEI])) as s:
        routes = {path: r.function_name for path, r in s.server.routes.items()}
        expected = {
            "/done": "og-done-handler",
            "/slack/interactions": "og-done-handler",
            "/slack/commands": "og-done-handler",
            "/enroll": "og-enroll",
        }
        if "/unsubscribe" in routes:  # done-handler's unsubscribe page (the links branch)
            expected["/unsubscribe"] = "og-done-handler"
        assert routes == expected
        assert s.server.routes["/enroll"].raw_path == "/"

        status, _, body = request(s.url("/nothing-here"))
        assert status == 404
        assert "/done" in body and "/enroll" in body and "/slack/interactions" in body
        for path, method in (("/done", "PUT"), ("/enroll", "GET"), ("/slack/interactions", "GET")):
            status, headers, _ = request(s.url(path), method, b"" if method == "PUT" else None)
            assert status == 405, (path, method)
            allowed = {m.strip() for m in headers["allow"].split(",")}
            assert method not in allowed and allowed <= {"GET", "POST"}


def test_outbox_links_point_at_og_serve(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    with served(home) as s:
        assert s.stack.tick(MON).ok
        (mail,) = home.outbox()
        assert mail.done_link is not None
        link = s.local(mail.done_link)  # asserts the default port

        tampered = link[:-2] + ("AA" if not link.endswith("AA") else "BB")
        status, headers, body = request(tampered)
        assert status == 400 and headers["Content-Type"].startswith("text/html")
        assert "did not work" in body
        assert home.state("c-1").steps_done == frozenset()

        status, headers, _ = request(link)
        assert status == 200 and headers["Content-Type"].startswith("text/html")


def test_a_request_comes_after_the_emails_of_the_home(make_home: Callable[..., Home]) -> None:
    """A home ticked for a future date: og serve's clock is after the last email sent, in the
    evening of Singapore for a New York customer, so no link is "from the future"."""
    sarah = (
        "c-2,Sarah Lee,sarah@brooklynloaf.example,Starter,2026-12-14T08:00:00+08:00,"
        "America/New_York,,"
    )
    home = make_home([MEI, sarah])
    with served(home) as s:
        assert s.stack.tick(MON).ok
        last_sent = max(m.date for m in home.outbox())
        assert last_sent > utc(MON, 12)
        assert s.stack.runs.clock_after_runs(datetime.now(UTC)) > last_sent


def _signup(s: Served, body: dict[str, str], secret: str) -> tuple[int, dict[str, Any]]:
    status, _, text = request(
        s.url("/enroll"),
        "POST",
        json.dumps(body).encode(),
        {"Content-Type": "application/json", "X-OG-Webhook-Secret": secret},
    )
    return status, json.loads(text)


def test_enroll_over_http_with_the_webhook_secret(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    secret = json.loads((home.path / "secrets.json").read_text())["og/webhook/secret"]
    ana = {
        "signup_id": "hh-2001",
        "name": "Ana Lima",
        "email": "ana.lima@example.com",
        "plan": "Starter",
        "signup_at": "2026-11-29 09:30",
        "timezone": "Europe/Lisbon",
    }
    with served(home) as s:
        assert _signup(s, ana, "not-the-secret")[0] == 401
        first = _signup(s, ana, secret)
        again = _signup(s, ana, secret)  # the app retried: a double submit
    assert first[0] == again[0] == 200, first
    with (home.path / "onboarding.csv").open(newline="") as f:
        ids = [row["customer_id"] for row in csv.DictReader(f)]
    assert ids == ["c-1", "hh-2001"]


def _slack_post(s: Served, payload: dict[str, Any], secret: str) -> tuple[int, str]:
    body = urlencode({"payload": json.dumps(payload)})
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    status, _, text = request(
        s.url("/slack/interactions"),
        "POST",
        body.encode(),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature or "",
        },
    )
    return status, text


def test_a_signed_slack_done_click_resumes_the_waiting_journey(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    secret = json.loads((home.path / "secrets.json").read_text())["og/slack/signing-secret"]
    with served(home) as s:
        assert s.stack.tick(MON).ok
        flagged = s.stack.tick(MON + timedelta(days=7))  # no click for a week: the owner's flag
        journey = journey_of(flagged, "c-1", "flag")  # first-order's email goes out too
        assert journey.status == "WAITING_FOR_OWNER"
        [flag] = home.store.open_flags("c-1")
        click = {
            "type": "block_actions",
            "user": {"id": "U0OWNER01"},
            "trigger_id": "t-1",
            "actions": [{"action_id": "done", "value": flag.flag_key}],
        }
        assert _slack_post(s, click, "not-the-secret")[0] == 401
        assert home.store.open_flags("c-1") == [flag]

        assert _slack_post(s, click, secret)[0] == 200
        assert home.store.open_flags("c-1") == []  # recorded before Slack had its answer
        assert s.server.wait_until_idle()  # resuming the journey comes after the answer

        assert journey_record(s.stack, journey.name).status == "SUCCEEDED"
        assert home.store.open_flags("c-1") == []
        assert home.state("c-1").steps_done == {"welcome"}
    # kept for `og history` once the server is gone
    timeline = "\n".join(customer_timeline(home.path, "c-1"))
    assert f"execution {journey.name}: SUCCEEDED" in timeline
    assert "answer: done" in timeline


def test_a_handler_crash_is_a_502_and_the_error_is_on_the_console(
    make_home: Callable[..., Home], capsys: pytest.CaptureFixture[str]
) -> None:
    def crashing(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise KeyError("the-missing-thing")

    with served(make_home([MEI])) as s:
        name = s.server.routes["/done"].function_name
        real = moto_bridge.handler(name)
        moto_bridge.register_handler(name, crashing)
        try:
            status, _, body = request(s.url("/done?t=abc"))
        finally:
            moto_bridge.register_handler(name, real)
        assert (status, body) == (502, "Internal Server Error")
        assert request(s.url("/done?t=abc"))[0] == 400  # and the next request is served
    err = capsys.readouterr().err
    assert "og-done-handler failed: KeyError" in err and "the-missing-thing" in err


def test_og_serve_needs_an_og_home(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert og(["serve", "--home", str(tmp_path / "nowhere")]) == 2
    assert "run: og init" in capsys.readouterr().err


def test_a_done_link_opened_in_a_browser_waits_for_the_button(
    make_home: Callable[..., Home], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    home = make_home([MEI])
    with served(home) as s:
        assert s.stack.tick(MON).ok
        (mail,) = home.outbox()
        assert mail.done_link is not None

        browser.get(s.local(mail.done_link))

        assert home.state("c-1").steps_done == frozenset()  # opening the link changes nothing
        page = browser.find_element(By.TAG_NAME, "body").text
        assert "Harbour & Hearth Bakery Supplies" in page
        assert "Welcome — set up your wholesale account" in page
        form = browser.find_element(By.CSS_SELECTOR, "form[method='post']")
        assert form.find_element(By.NAME, "t").get_attribute("type") == "hidden"
        browser.find_element(By.ID, "confirm").click()
        for _ in range(100):
            if home.state("c-1").steps_done:
                break
            time.sleep(0.1)
        assert home.state("c-1").steps_done == {"welcome"}
    assert any("welcome" in line and "done" in line for line in customer_timeline(home.path, "c-1"))


def test_a_busy_port_is_a_clear_error(
    make_home: Callable[..., Home], capsys: pytest.CaptureFixture[str]
) -> None:
    home = make_home([MEI])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert og(["serve", "--home", str(home.path), "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
