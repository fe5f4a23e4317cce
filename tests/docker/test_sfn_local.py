"""The customer-journey state machine on AWS Step Functions Local (amazon/aws-stepfunctions-local
in Docker), with its Lambda tasks answered by the real handlers: the journey scenarios the local
engine runs on moto's interpreter, on a second, independent ASL engine.

Each test starts og-customer-journey directly with one move row, as the daily tick's Distributed
Map would. The daily tick itself (moves/<date>.csv read by the Distributed Map's S3 ItemReader)
is covered by the local-engine tests only: Step Functions Local has no Distributed Map S3
ItemReader and no S3 of its own to read from.

Step Functions Local waits in real time, so every move's send_at is a minute in the past; the
handlers' clock is the example tick's (conftest.HANDLER_NOW).

Without a Docker daemon every test here is skipped with the daemon's reason.
"""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from sfn_local_harness import Journey

from og import wiring
from og.core.errors import SendRejected
from og.core.models import OwnerAction
from og.local.stack import done_link_in
from og.logic import moves, owner

pytestmark = pytest.mark.docker

OWNER = "U0OWNER01"  # owner_slack_id in examples/config.txt


# Customers of examples/onboarding.csv as the guide writes them into a move row on 2026-12-10,
# one per scenario: a customer gets at most one move a day, and the execution name
# (<customer>-<date>-<move>) must be unique.
def customer(
    customer_id: str, name: str, email: str, plan: str, signup_at: str, days: int, owner: str = ""
) -> dict[str, str]:
    return {
        "customer_id": customer_id,
        "name": name,
        "email": email,
        "plan": plan,
        "signup_at": signup_at,
        "timezone": "",
        "owner": owner,
        "days_since_signup": str(days),
    }


MEI = customer(
    "hh-1001", "Mei Ling Tan", "meiling@kopibakes.example", "starter",
    "2026-12-01T01:15:00+00:00", 9,
)  # fmt: skip
ARJUN = customer(
    "hh-1002", "Arjun Pillai", "arjun@pillaicatering.example", "pro",
    "2026-12-01T06:30:00+00:00", 9, owner="Siti",
)  # fmt: skip
AISYAH = customer(
    "hh-1005", "Nur Aisyah Rahman", "aisyah@manisdesserts.example", "starter",
    "2026-12-02T16:00:00+00:00", 7,
)  # fmt: skip
KENJI = customer(
    "hh-1006", "Kenji Watanabe", "kenji@sakurapan.example", "pro",
    "2026-12-04T03:20:00+00:00", 6,
)  # fmt: skip
DANIEL = customer(
    "hh-1008", "Daniel Lim", "daniel@limbakehouse.example", "starter",
    "2026-12-05T08:45:00+00:00", 5,
)  # fmt: skip


def move_row(
    customer: dict[str, str],
    move: str,
    step_id: str,
    reason: str,
    *,
    personalized: bool = False,
    channel: str = "email",
) -> dict[str, Any]:
    day = "2026-12-10"
    send_at = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    row = {
        **customer,
        "execution_name": f"{customer['customer_id']}-{day}-{move}",
        "move": move,
        "step_id": step_id,
        "reason": reason,
        "send_at": send_at,
        "deferred_because": "",
        "date": day,
        "personalized": personalized,  # typed, as daily-tick's ItemSelector hands it on
        "channel": channel,
    }
    assert set(row) == set(moves.COLUMNS), "the move row no longer matches og.logic.moves"
    return row


def start(journey: Journey, row: dict[str, Any]) -> tuple[str, str]:
    name = row["execution_name"]
    return name, journey.sfn_local.start(name, {"move": row})


def only_email(journey: Journey) -> EmailMessage:
    files = journey.outbox()
    assert len(files) == 1, f"outbox: {[f.name for f in files]}"
    message: EmailMessage = email.message_from_bytes(  # type: ignore[assignment]
        files[0].read_bytes(), policy=default_policy
    )
    return message


def body_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def slack_posts(journey: Journey) -> list[dict[str, Any]]:
    return [
        json.loads(line)["payload"]
        for line in journey.slack_log().splitlines()
        if json.loads(line)["method"] == "chat.postMessage"
    ]


def output_of(desc: dict[str, Any]) -> dict[str, Any]:
    assert desc["status"] == "SUCCEEDED", desc
    result: dict[str, Any] = json.loads(desc["output"])
    return result


def answer_open_flag(journey: Journey, customer_id: str) -> bool:
    """What done-handler does when the owner clicks Done on the flag in Slack."""
    flags = journey.adapters.store.open_flags(customer_id)
    assert len(flags) == 1, flags
    _, resumed = owner.answer_flag(
        wiring.owner_ports(), flags[0].flag_key, OwnerAction.DONE, by_user=OWNER
    )
    return resumed


class RejectingEmail:
    """SES refusing the message: nothing went out, so the sender releases its claim."""

    def send(self, message: EmailMessage) -> str:
        raise SendRejected(f"MessageRejected: refused {message['To']}")


def test_step_due_email_is_sent(journey: Journey) -> None:
    row = move_row(AISYAH, "step_due", "welcome", "day 7 since signup; welcome is due on day 0")
    name, arn = start(journey, row)

    out = output_of(journey.sfn_local.wait_finished(arn))

    assert out["sent"]["outcome"] == "sent", out["sent"]
    assert journey.sfn_local.lambdas.calls(name) == [
        journey.sfn_local.function_name("SenderFunction")
    ]
    message = only_email(journey)
    assert message["To"].addresses[0].addr_spec == AISYAH["email"]
    assert message["Subject"] == "Welcome to Harbour & Hearth Bakery Supplies, Nur!"
    link = done_link_in(message)
    assert link is not None and link.startswith("http://localhost:8765/done?t=")


def test_personalized_step_is_rewritten_then_sent(journey: Journey) -> None:
    from og.adapters.local.writer import LABEL

    row = move_row(
        ARJUN, "step_due", "menu-review", "menu-review is due on day 4", personalized=True
    )
    name, arn = start(journey, row)

    out = output_of(journey.sfn_local.wait_finished(arn))

    assert out["sent"]["outcome"] == "sent", out["sent"]
    assert out["message"]["subject"] == "Your menu review, Arjun"
    assert journey.sfn_local.lambdas.calls(name) == [
        journey.sfn_local.function_name("PersonalizeFunction"),
        journey.sfn_local.function_name("SenderFunction"),
    ]
    message = only_email(journey)
    assert message["Subject"] == "Your menu review, Arjun"
    assert LABEL in body_of(message)  # the body the personalize task returned went out


def test_owner_step_is_posted_to_slack(journey: Journey) -> None:
    row = move_row(
        KENJI, "step_due", "kickoff-call", "kickoff-call is due on day 1", channel="slack"
    )
    name, arn = start(journey, row)

    out = output_of(journey.sfn_local.wait_finished(arn))

    assert out["sent"]["outcome"] == "sent", out["sent"]
    assert journey.sfn_local.lambdas.calls(name) == [
        journey.sfn_local.function_name("NotifyOwnerFunction")
    ]
    posts = slack_posts(journey)
    assert [p["channel"] for p in posts] == [OWNER]
    assert posts[0]["text"] == "Book a kickoff call with Kenji Watanabe"
    assert journey.outbox() == []


def test_flag_waits_for_the_owner_and_resumes_on_done(journey: Journey) -> None:
    reason = "first-order sent 5 days ago without a done click (flag after 4 days)"
    row = move_row(MEI, "flag", "first-order", reason)
    name, arn = start(journey, row)

    journey.sfn_local.wait_parked(arn)

    posts = slack_posts(journey)
    assert [p["channel"] for p in posts] == [OWNER]
    buttons = [b["action_id"] for b in posts[0]["blocks"][-1]["elements"]]
    assert buttons == ["pause", "hand_off", "done"]
    assert journey.adapters.store.open_flags(MEI["customer_id"])[0].reason == reason

    assert answer_open_flag(journey, MEI["customer_id"]) is True

    out = output_of(journey.sfn_local.wait_finished(arn))
    assert out["owner_answer"] == {"action": "done", "by": OWNER, "note": ""}
    assert journey.adapters.store.open_flags(MEI["customer_id"]) == []
    assert journey.sfn_local.lambdas.calls(name) == [
        journey.sfn_local.function_name("NotifyOwnerFunction")
    ]


def test_failed_send_becomes_a_flag(journey: Journey) -> None:
    row = move_row(DANIEL, "step_due", "welcome", "day 5 since signup; welcome is due on day 0")
    with wiring.overridden(email=RejectingEmail()):
        name, arn = start(journey, row)
        events = journey.sfn_local.wait_parked(arn)

    # The Lambda runtime's error contract: the unhandled exception's type is the task's error.
    failed = [e["taskFailedEventDetails"] for e in events if e["type"] == "TaskFailed"]
    assert [f["error"] for f in failed] == ["SendRejected"], failed
    assert "MessageRejected" in failed[0]["cause"]
    assert journey.sfn_local.lambdas.calls(name) == [
        journey.sfn_local.function_name("SenderFunction"),
        journey.sfn_local.function_name("NotifyOwnerFunction"),
    ]
    assert journey.outbox() == []
    (flag,) = journey.adapters.store.open_flags(DANIEL["customer_id"])
    # The owner is told what could not be done, and why.
    assert flag.reason.startswith(
        "could not step due 'Welcome — set up your wholesale account': SendRejected: "
    ), flag.reason

    assert answer_open_flag(journey, DANIEL["customer_id"]) is True

    out = output_of(journey.sfn_local.wait_finished(arn))
    assert out["failure"]["Error"] == "SendRejected"
    assert out["owner_answer"]["action"] == "done"
