"""Exactly once, end to end: repeated ticks, fresh processes, sends that may have happened,
Lambda service errors retried by the state machine, and redriven journeys. The provider's calls
are counted (RecordingSender): the outbox keeps one file per Message-ID, so a duplicate send
would not show up as a second .eml."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from og import wiring
from og.core.models import Journey
from og.local import moto_bridge
from og.local.engine import JOURNEY_MACHINE
from og.wiring import adapters

from .support import (
    FailingSender,
    Home,
    events_in_state,
    journey_of,
    journey_record,
    states_entered,
    utc,
)

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")

MON = date(2026, 12, 14)
TUE, WED = MON + timedelta(days=1), MON + timedelta(days=2)
MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T08:00:00+08:00,,,"
SARAH = "c-2,Sarah O'Connor,sarah@brooklynloaf.example,Starter,2026-12-13 10:00,America/New_York,,"
SEND_STATES = ["WaitForSendWindow", "ChooseMove", "SendEmail"]


class StalePlanStore:
    """The real store, except that the guide plans from a snapshot taken earlier: a second tick
    for the day that planned before the first one's sends landed (a double-fired schedule)."""

    def __init__(self, real: Any, snapshot: dict[str, Journey]):
        self._real = real
        self._snapshot = snapshot

    def load_journeys(self) -> dict[str, Journey]:
        return self._snapshot

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


# --- (a) the same day twice in one process ------------------------------------------------------
def test_same_day_ticked_again_in_one_stack_sends_one_email_per_customer(
    make_home: Callable[..., Home], start_attempts: list[tuple[str, str]]
) -> None:
    home = make_home([MEI, SARAH])
    names = ["c-1-2026-12-14-step_due", "c-2-2026-12-14-step_due"]
    with home.stack() as s:
        before_any_send = home.store.load_journeys()
        first = s.tick(MON)
        assert sorted(r.name for r in first.journeys) == names
        assert len(home.calls) == 2

        again = s.tick(MON)  # planned after the sends: nothing left to do today
        assert again.ok and again.plan["move_count"] == 0 and again.journeys == []

        start_attempts.clear()
        with wiring.overridden(store=StalePlanStore(adapters().store, before_any_send)):
            racing = s.tick(MON)  # planned as if the first tick had not sent yet

        assert racing.plan["move_count"] == 2
        # The Map children's StartExecution hit ExecutionAlreadyExists and were caught
        # (AlreadyStarted): no failed item, no new journey execution.
        assert ("tick-2026-12-14-run3", "started") in start_attempts
        journey_starts = [(n, outcome) for n, outcome in start_attempts if n in names]
        # exactly one attempt each: ExecutionAlreadyExists is not retried, the Catch takes it
        assert sorted(journey_starts) == [(n, "ExecutionAlreadyExists") for n in sorted(names)]
        assert racing.ok, racing.error
        assert racing.journeys == []
        journeys = s.engine.executions(JOURNEY_MACHINE)
        assert sorted((e["name"], e["status"]) for e in journeys) == [
            (n, "SUCCEEDED") for n in names
        ]

    assert len(home.calls) == 2
    assert sorted(m.to for m in home.outbox()) == [
        "Mei Ling Tan <meiling@kopibakes.example>",
        "Sarah O'Connor <sarah@brooklynloaf.example>",
    ]
    assert home.claims("c-1") == home.claims("c-2") == {"welcome#step": "sent"}


# --- (b) the same day in a fresh process ---------------------------------------------------------
def test_same_day_in_a_fresh_stack_sends_nothing_new(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI, SARAH])
    with home.stack() as s:
        before_any_send = home.store.load_journeys()
        assert len(s.tick(MON).journeys) == 2
    sent_files = {m.path: m.path.read_bytes() for m in home.outbox()}
    assert len(sent_files) == 2

    with home.stack() as s:  # a new process: moto has forgotten every execution
        fresh = s.tick(MON)
        assert fresh.ok and fresh.plan["move_count"] == 0 and fresh.journeys == []

        # Even planned from stale data, with no ExecutionAlreadyExists to stop the journeys
        # (their names are free in this process), the send claims hold.
        with wiring.overridden(store=StalePlanStore(adapters().store, before_any_send)):
            stale = s.tick(MON)

    assert len(stale.journeys) == 2
    for j in stale.journeys:
        assert j.status == "SUCCEEDED"
        assert states_entered(j) == SEND_STATES
        assert j.output is not None
        assert j.output["sent"] == {
            "outcome": "already_sent",
            "detail": "welcome#step went out before",
        }
    assert len(home.calls) == 2
    assert {m.path: m.path.read_bytes() for m in home.outbox()} == sent_files


# --- (c) the send may have happened -------------------------------------------------------------
def test_send_that_may_have_happened_is_flagged_and_never_resent(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    sender = FailingSender(
        home.outbox_dir,
        home.calls,
        ConnectionError("connection reset after DATA"),
        delivers=True,  # the message left before the connection dropped
    )
    with home.stack(email=sender) as s:
        monday = s.tick(MON)

        [mail] = home.outbox()
        assert mail.date == utc(MON, 1)
        j = journey_of(monday, "c-1")
        assert j.status == "WAITING_FOR_OWNER"
        assert states_entered(j) == [*SEND_STATES, "FlagOwner"]
        send_events = [e["type"] for e in events_in_state(j, "SendEmail")]
        assert send_events.count("TaskScheduled") == 1  # not a Lambda error: no retry
        [failed] = [e for e in events_in_state(j, "SendEmail") if e["type"] == "TaskFailed"]
        assert failed["error"] == "ConnectionError"
        [post] = home.slack("chat.postMessage")
        assert "ConnectionError" in post["payload"]["blocks"][1]["text"]["text"]
        assert "connection reset after DATA" in post["payload"]["blocks"][1]["text"]["text"]
        # in doubt; the flag about it is the step's one flag
        assert home.claims("c-1") == {"welcome#step": "sending", "welcome#flag": "sent"}

        sender.error = None  # the provider works again
        # Redriving the move under a new name meets the in-doubt claim; the owner has its flag.
        redrive = f"{j.name}-redrive"
        s.engine.start(JOURNEY_MACHINE, redrive, j.input, utc(MON, 2))
        s.engine.settle()
        again = journey_record(s, redrive)
        assert again.status == "WAITING_FOR_OWNER"
        [in_doubt] = [e for e in events_in_state(again, "SendEmail") if e["type"] == "TaskFailed"]
        assert in_doubt["error"] == "SendInDoubt"
        assert len(home.slack("chat.postMessage")) == 1

        tuesday = s.tick(TUE)
        wednesday = s.tick(WED)  # first-order is due, but welcome may not have gone out
        s.owner_answers("c-1", "done", utc(WED, 3))  # the owner checked: Mei has it
        thursday = s.tick(WED + timedelta(days=1))

    assert tuesday.journeys == wednesday.journeys == []  # no nudge, no next step: held
    assert [(r.input["move"]["move"], r.input["move"]["step_id"]) for r in thursday.journeys] == [
        ("step_due", "first-order")
    ]
    assert len(home.slack("chat.postMessage")) == 1  # no second flag from a later tick
    assert len(home.sent("c-1", "welcome")) == 1
    assert len(home.calls) == 2  # welcome once (in doubt), first-order once
    assert home.claims("c-1") == {
        "welcome#step": "sending",
        "welcome#flag": "sent",
        "first-order#step": "sent",
    }
    assert home.send_days("c-1") == {"2026-12-14": "welcome#step", "2026-12-17": "first-order#step"}


# --- (d) a Lambda service error after the handler ran --------------------------------------------
class LambdaServiceException(Exception):
    pass


# The Lambda runtime reports type(exc).__name__ as errorType; the bridge turns it into the error.
LambdaServiceException.__name__ = "Lambda.ServiceException"


def test_lambda_service_error_is_retried_and_the_retry_finds_the_message_sent(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        sender_fn = s.engine.template.functions["SenderFunction"]
        assert sender_fn.name == "og-sender"
        real = moto_bridge.handler(sender_fn.name)
        first_results: list[dict[str, str]] = []

        def flaky(event: dict[str, Any], context: Any) -> Any:
            result = real(event, context)  # the email goes out...
            if not first_results:
                first_results.append(result)
                raise LambdaServiceException("Service unavailable")  # ...the answer is lost
            return result

        moto_bridge.register_handler(sender_fn.name, flaky)
        report = s.tick(MON)

    j = journey_of(report, "c-1")
    assert j.status == "SUCCEEDED"
    assert states_entered(j) == SEND_STATES
    send_events = events_in_state(j, "SendEmail")
    assert [e["type"] for e in send_events].count("TaskScheduled") == 2
    assert [e["error"] for e in send_events if e["type"] == "TaskFailed"] == [
        "Lambda.ServiceException"
    ]
    assert first_results[0]["outcome"] == "sent"
    assert j.output is not None
    assert j.output["sent"] == {"outcome": "already_sent", "detail": "welcome#step went out before"}
    assert len(home.calls) == 1
    assert [m.subject for m in home.outbox()] == [
        "Welcome to Harbour & Hearth Bakery Supplies, Mei!"
    ]
    assert home.claims("c-1") == {"welcome#step": "sent"}


# --- (e) a redriven journey ---------------------------------------------------------------------
def test_redriven_journey_is_refused_by_name_and_by_claim(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    with home.stack() as s:
        j = journey_of(s.tick(MON), "c-1")
        sfn = s.engine.client("stepfunctions")
        arn = s.engine.machine_arns[JOURNEY_MACHINE]
        redriven_input = j.input | {"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": "redrive"}
        for payload in (j.input, redriven_input):
            with pytest.raises(ClientError) as refused:
                sfn.start_execution(stateMachineArn=arn, name=j.name, input=json.dumps(payload))
            assert refused.value.response["Error"]["Code"] == "ExecutionAlreadyExists"

        s.engine.start(JOURNEY_MACHINE, f"{j.name}-2", j.input, utc(MON, 5))
        s.engine.settle()
        second = journey_record(s, f"{j.name}-2")

    assert second.status == "SUCCEEDED"
    assert states_entered(second) == SEND_STATES
    assert second.output is not None
    assert second.output["sent"]["outcome"] == "already_sent"
    assert len(home.calls) == 1
    [mail] = home.outbox()
    assert mail.date == utc(MON, 1)  # the original, untouched
    assert home.claims("c-1") == {"welcome#step": "sent"}
