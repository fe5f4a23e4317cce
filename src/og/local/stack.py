"""The local stack's operations behind the `og` commands: a home directory with the list and docs,
the daily tick run through the real state machines, owner answers and done clicks through the
real done-handler, and the record of it all."""

from __future__ import annotations

import email
import html
import json
import logging
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from og import wiring
from og.adapters.local.after_answer import QueuedWork
from og.adapters.ports import AFTER_ANSWER
from og.core.config_doc import read_config_entries
from og.core.errors import FunctionError, SetupError
from og.core.models import DayPlan
from og.local import function_url
from og.local.engine import JOURNEY_MACHINE, TICK_MACHINE, ExecutionRecord, LocalEngine
from og.local.home_lock import HomeLock
from og.local.owner_inbox import flag_to_answer
from og.local.runs import RunLog
from og.wiring import adapters

HOME_FILES = ("config.txt", "rules.txt", "voice.txt", "onboarding.csv")
_FORM_TOKEN = re.compile(r'<input type="hidden" name="t" value="(?P<token>[^"]*)">')
_ASYNC_ATTEMPTS = 3  # Lambda: an asynchronous invocation is retried twice
_log = logging.getLogger(__name__)
TICK_HOUR = time(9, 0)  # og-daily-tick: cron(0 9 * * ? *) in the business timezone


def examples_dir(root: Path) -> Path:
    return root / "examples"


def init_home(home: Path, root: Path) -> list[Path]:
    """A new og home with the bundled example list, rules, voice and config."""
    home.mkdir(parents=True, exist_ok=True)
    written = []
    for name in HOME_FILES:
        target = home / name
        if not target.exists():
            shutil.copyfile(examples_dir(root) / name, target)
            written.append(target)
    return written + write_local_secrets(home)


def write_local_secrets(home: Path) -> list[Path]:
    """The home's secrets.json (done links, Slack signing, webhook), unless it has one."""
    secrets_file = home / "secrets.json"
    written = []
    if not secrets_file.exists():
        secrets_file.write_text(
            json.dumps(
                {
                    "og/done-link/secret": secrets.token_urlsafe(32),
                    "og/slack/signing-secret": secrets.token_hex(16),
                    "og/slack/bot-token": "xoxb-local-not-a-real-token",
                    "og/webhook/secret": secrets.token_urlsafe(24),
                },
                indent=2,
            )
            + "\n"
        )
        written.append(secrets_file)
    return written


def tick_time(home: Path, day: date) -> datetime:
    """09:00 on `day` in the business timezone, as the schedule fires it."""
    entries = read_config_entries((home / "config.txt").read_text(encoding="utf-8"), "config.txt")
    tz = ZoneInfo(entries["timezone"][0]) if "timezone" in entries else ZoneInfo("UTC")
    return datetime.combine(day, TICK_HOUR, tzinfo=tz).astimezone(ZoneInfo("UTC"))


def owner_slack_id(home: Path) -> str:
    """The owner's Slack user id from the home's config.txt."""
    entries = read_config_entries((home / "config.txt").read_text(encoding="utf-8"), "config.txt")
    if "owner_slack_id" not in entries:
        raise SetupError(f"{home / 'config.txt'} has no owner_slack_id; add one (e.g. U0123ABCD)")
    return entries["owner_slack_id"][0]


@dataclass
class TickReport:
    day: date
    tick_at: datetime
    status: str
    plan: dict[str, Any]
    journeys: list[ExecutionRecord] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "SUCCEEDED" and self.error is None


class LocalStack:
    """One process's embedded stack over an og home; use as a context manager. It is the home's
    one writer while entered: another process's stack waits for it (og.local.home_lock)."""

    def __init__(self, home: Path, root: Path | None = None):
        self.home = home
        self.engine = LocalEngine(home, root)
        self.runs = RunLog(home / "og.sqlite")
        self._known: set[str] = set()
        self._mirrored: tuple[bytes | None, ...] | None = None
        self._lock = HomeLock(home)

    def __enter__(self) -> LocalStack:
        self._lock.acquire()
        try:
            wiring.reset()
            self._mirrored = None
            self.engine.__enter__()
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.engine.__exit__(*exc)
            wiring.reset()
        finally:
            self._lock.release()

    def sync_documents(self) -> None:
        """What drive-sync does in AWS, with its own code: mirror the home's list and docs into
        the S3 buckets, writing only what changed. Unchecked: the home's files are the
        documents in force (`og sync` is where drive-sync's checks keep a bad export out of
        them), so a file the owner broke by hand reaches the tick, which names its problems.

        Nothing is asked of S3 while the home's files hold what was last mirrored: every click
        and answer syncs first, and those questions were most of a simulated click's time."""
        from og.adapters.local.sheet_file import CsvSheet, TextDocs
        from og.logic import drive_sync

        contents = tuple(_read_if_there(self.home / name) for name in HOME_FILES)
        if contents == self._mirrored:
            return
        sheet, docs = CsvSheet(self.home / "onboarding.csv"), TextDocs(self.home)
        drive_sync.mirror(sheet, docs, adapters().documents, wiring.doc_places())
        self._mirrored = contents

    def dry_run(self, day: date) -> DayPlan:
        from og.logic import tick

        self.sync_documents()
        return tick.plan(wiring.tick_ports(), tick_time(self.home, day))

    def tick(self, day: date) -> TickReport:
        self.sync_documents()
        at = tick_time(self.home, day)
        # Names must not repeat across og runs either: the run log keeps every tick.
        runs = max(
            self.runs.count_named(f"tick-{day.isoformat()}"),
            sum(
                e["name"].startswith(f"tick-{day.isoformat()}")
                for e in self.engine.executions(TICK_MACHINE)
            ),
        )
        name = f"tick-{day.isoformat()}" + (f"-run{runs + 1}" if runs else "")
        arn = self.engine.start(
            TICK_MACHINE, name, {"scheduled_time": at.strftime("%Y-%m-%dT%H:%M:%SZ")}, at
        )
        self.engine.settle()
        sfn = self.engine.client("stepfunctions")
        desc = sfn.describe_execution(executionArn=arn)
        tick_record = next(self.engine.records(TICK_MACHINE, only=name))
        output = json.loads(desc["output"]) if desc.get("output") else {}
        plan_output = output.get("plan", {})
        report = TickReport(day, at, desc["status"], plan_output, error=tick_record.error)
        failures = self.engine.map_run_failures(arn)
        if failures:
            report.error = (
                f"{failures} move(s) in failed batches of the Map Run: some journeys did not "
                "start; run the tick again (journeys already started are skipped by name)"
            )
        journeys = list(self.engine.records(JOURNEY_MACHINE, skip=self._known))
        for r in journeys:
            if r.status != "WAITING_FOR_OWNER":
                self._known.add(r.name)
        report.journeys = [r for r in journeys if r.input["move"]["date"] == day.isoformat()]
        self.runs.save([tick_record, *journeys])
        return report

    # --- clicks and answers, through done-handler ----------------------------------------------
    def invoke_done_handler(
        self, event: dict[str, Any], at: datetime, *, then_after_answer: bool = True
    ) -> dict[str, Any]:
        """done-handler's answer to `event`; then (unless told not to) the work it left for after
        its answer, as Lambda runs the function's asynchronous self-invocation."""
        from og.local import moto_bridge

        self.sync_documents()  # done-handler reads the list and rules as they are now
        moto_bridge.set_now(at)
        fn = self.engine.template.functions["DoneHandlerFunction"].name
        out = self.engine.client("lambda").invoke(FunctionName=fn, Payload=json.dumps(event))
        result: dict[str, Any] = json.loads(out["Payload"].read())
        if out.get("FunctionError"):
            raise FunctionError(
                f"done-handler failed: {result.get('errorType')}: {result.get('errorMessage')}"
            )
        if then_after_answer:
            self.run_after_answer(at)
        return result

    def run_after_answer(self, at: datetime) -> list[dict[str, Any]]:
        """Run the work done-handler queued for after its answers (og.adapters.local.after_answer)
        through done-handler, each tried as often as Lambda tries an asynchronous invocation
        (once and two retries); what still fails is logged, and the recorded answer stays."""
        queue = adapters().after_answer
        if not isinstance(queue, QueuedWork):
            return []
        results = []
        for work in queue.take():
            for attempt in range(1, _ASYNC_ATTEMPTS + 1):
                try:
                    results.append(self.invoke("DoneHandlerFunction", {AFTER_ANSWER: work}, at))
                    break
                except FunctionError as err:
                    _log.warning("done-handler after an answer, attempt %d: %s", attempt, err)
            else:
                _log.error("done-handler gave up on work after an answer: %s", json.dumps(work))
        return results

    def click_done_link(self, url: str, at: datetime) -> dict[str, Any]:
        """What a person does with a done or unsubscribe link: open it (a page that changes
        nothing), then press the page's button, which posts its form. Returns the last answer:
        the page itself when it has no button (a bad link, a step already done...)."""
        page = self.invoke_done_handler(function_url.get_event(url), at)
        form = _FORM_TOKEN.search(page.get("body") or "")
        if page.get("statusCode") != 200 or form is None or 'id="confirm"' not in page["body"]:
            return page
        fields = {"t": html.unescape(form["token"])}
        return self.invoke_done_handler(function_url.form_post_event(url, fields), at)

    def one_click_unsubscribe(self, url: str, at: datetime) -> dict[str, Any]:
        """A mail client's RFC 8058 one-click unsubscribe: a POST to the List-Unsubscribe URL."""
        event = function_url.form_post_event(url, {"List-Unsubscribe": "One-Click"})
        return self.invoke_done_handler(event, at)

    def owner_answers(
        self,
        customer_id: str | None,
        action: str,
        at: datetime,
        *,
        flag_key: str | None = None,
        by_user: str | None = None,
        note: str | None = None,
    ) -> dict[str, Any]:
        """Pause / Hand off / Done on the flag `flag_key`, or on the customer's one open flag, as
        Slack would send it by `by_user` (default: the home's owner_slack_id): a button click,
        and for Pause and Hand off the modal's submission."""
        flag = flag_to_answer(adapters().store, customer_id, flag_key)
        if by_user is None:
            by_user = owner_slack_id(self.home)
        secret = json.loads((self.home / "secrets.json").read_text())["og/slack/signing-secret"]
        user = {"id": by_user}
        click = {
            "type": "block_actions",
            "user": user,
            "trigger_id": f"local.{flag.flag_key}",
            "actions": [{"action_id": action, "value": flag.flag_key}],
        }
        result = self.invoke_done_handler(function_url.slack_event(click, secret), at)
        if action != "done":
            submission = {
                "type": "view_submission",
                "user": user,
                "view": {
                    "callback_id": "og_owner_answer",
                    "private_metadata": json.dumps({"flag_key": flag.flag_key, "action": action}),
                    "state": {
                        "values": {"note": {"note": {"type": "plain_text_input", "value": note}}}
                    },
                },
            }
            result = self.invoke_done_handler(function_url.slack_event(submission, secret), at)
        if result.get("statusCode") != 200:
            raise FunctionError(
                f"done-handler answered {result.get('statusCode')}: {result.get('body')}"
            )
        self.record_resumed(flag.execution)
        return result

    def owner_command(
        self,
        action: str,
        customer_id: str,
        at: datetime,
        *,
        by_user: str | None = None,
        note: str | None = None,
    ) -> tuple[str, str]:
        """`/og pause|resume CUSTOMER [note]` as Slack sends it, by `by_user` (default: the home's
        owner_slack_id); a journey waiting on an answered flag is let run on. Returns the outcome
        and the text the owner is shown."""
        if by_user is None:
            by_user = owner_slack_id(self.home)
        flags = adapters().store.open_flags(customer_id)
        secret = json.loads((self.home / "secrets.json").read_text())["og/slack/signing-secret"]
        text = " ".join([action, customer_id, *([note] if note else [])])
        event = function_url.slack_command_event("/og", text, by_user, secret)
        result = self.invoke_done_handler(event, at)
        if result.get("statusCode") != 200:
            raise FunctionError(
                f"done-handler answered {result.get('statusCode')}: {result.get('body')}"
            )
        if flags:
            self.engine.settle(resumed=flags[0].execution)
            self.runs.save(list(self.engine.records(JOURNEY_MACHINE, skip=self._known)))
        return result["headers"]["x-og-outcome"], json.loads(result["body"])["text"]

    def record_resumed(self, execution: str | None) -> None:
        """After an owner's answer: let the journey it resumed (if still running here) move on,
        then keep the journeys' records for `og history`."""
        self.engine.settle(resumed=execution)
        self.runs.save(list(self.engine.records(JOURNEY_MACHINE, skip=self._known)))

    # --- signups, through enroll -----------------------------------------------------------------
    def invoke(self, logical_id: str, event: dict[str, Any], at: datetime) -> dict[str, Any]:
        """Invoke template function `logical_id` through moto's Lambda (the handler runs in this
        process) at virtual time `at`; a function error is raised."""
        from og.local import moto_bridge

        moto_bridge.set_now(at)
        fn = self.engine.template.functions[logical_id].name
        out = self.engine.client("lambda").invoke(FunctionName=fn, Payload=json.dumps(event))
        result: dict[str, Any] = json.loads(out["Payload"].read())
        if out.get("FunctionError"):
            raise FunctionError(
                f"{fn} failed: {result.get('errorType')}: {result.get('errorMessage')}"
            )
        return result

    def enroll(self, body: str, at: datetime, *, secret: str | None = None) -> dict[str, Any]:
        """POST a signup (JSON text) to enroll's Function URL, with the home's webhook secret
        unless `secret` is given. Returns the Function URL response."""
        self.sync_documents()  # enroll checks plans against the mirrored rules doc
        self.idempotency_table()
        if secret is None:
            secret = json.loads((self.home / "secrets.json").read_text())["og/webhook/secret"]
        headers = {"content-type": "application/json", "x-og-webhook-secret": secret}
        return self.invoke("EnrollFunction", function_url.post_event("/", body, headers), at)

    def idempotency_table(self) -> None:
        """enroll's og-idempotency table on moto's DynamoDB (powertools' key schema: id), made
        on first use. The other tables' local stand-ins are SQLite."""
        ddb = self.engine.client("dynamodb")
        name = adapters().settings.idempotency_table
        if name in ddb.list_tables()["TableNames"]:
            return
        ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )


def outbox_messages(home: Path) -> Iterator[email.message.EmailMessage]:
    for path in sorted((home / "outbox").glob("*.eml")):
        yield read_email(path)


def read_email(path: Path) -> email.message.EmailMessage:
    """One .eml file of the outbox (og.adapters.local.outbox)."""
    return email.message_from_bytes(path.read_bytes(), policy=default_policy)


def _read_if_there(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def done_link_in(message: email.message.EmailMessage) -> str | None:
    body = message.get_body(("plain",))
    text = body.get_content() if body else ""
    for word in text.split():
        if "?t=" in word:
            return word.strip("<>()[].,")
    return None


def unsubscribe_link_in(message: email.message.EmailMessage) -> str | None:
    """The web address in the message's List-Unsubscribe header (RFC 2369: <...>, <...>)."""
    for target in str(message.get("List-Unsubscribe", "")).split(","):
        url = target.strip().strip("<>")
        if url.startswith(("https://", "http://")):
            return url
    return None
