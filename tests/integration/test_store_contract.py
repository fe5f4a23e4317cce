"""One contract for both JourneyStores: SQLite (the local stack) and DynamoDB (moto, with the
tables created from template.yaml's key schemas). Whatever the guide relies on holds for both."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from og.adapters.aws.dynamodb_once import DynamoOnce
from og.adapters.aws.dynamodb_store import DynamoJourneyStore, _dump, _problem_item_key
from og.adapters.local.once import SqliteOnce
from og.adapters.local.store import SqliteJourneyStore
from og.adapters.ports import (
    ClaimOutcome,
    OnceOutcome,
    OwnerTask,
    PendingFlag,
    Proposal,
    ProposalDecision,
    SendClaim,
)
from og.core.models import Channel, CustomerState, Journey, OwnerAction, SendKind, SendRecord
from og.core.step_identity import PlanIds, StepIds
from og.local.template import load_yaml
from og.wiring import Settings

ROOT = Path(__file__).resolve().parents[2]
REGION = "ap-southeast-1"

Store = SqliteJourneyStore | DynamoJourneyStore

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
D0 = date(2026, 3, 2)
PLAN = ("welcome", "setup")
SETTINGS = Settings(list_bucket="list", rules_bucket="rules")


def _template_tables() -> list[dict[str, Any]]:
    resources = load_yaml(ROOT / "template.yaml")["Resources"]
    return [r["Properties"] for r in resources.values() if r["Type"] == "AWS::DynamoDB::Table"]


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A moto DynamoDB client with template.yaml's tables."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        for table in _template_tables():
            client.create_table(
                TableName=table["TableName"],
                KeySchema=table["KeySchema"],
                AttributeDefinitions=table["AttributeDefinitions"],
                BillingMode=table["BillingMode"],
            )
        yield client


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        return SqliteJourneyStore(tmp_path / "og.sqlite")
    return DynamoJourneyStore(SETTINGS, request.getfixturevalue("dynamodb"))


def rec(
    step_id: str = "welcome",
    *,
    customer_id: str = "c1",
    kind: SendKind = SendKind.STEP,
    day: date = D0,
    channel: Channel = Channel.EMAIL,
) -> SendRecord:
    sent_at = datetime(day.year, day.month, day.day, 1, 30, tzinfo=UTC)
    recipient = "U0OWNER" if channel is Channel.SLACK else f"{customer_id}@example.com"
    return SendRecord(customer_id, step_id, kind, sent_at, day, channel, recipient)


def sent(store: Store, record: SendRecord, attempt: str = "a1") -> None:
    assert store.claim_send(record, attempt, one_per_day=True) is ClaimOutcome.CLAIMED
    store.confirm_send(record, attempt, f"msg-{record.step_id}")


def in_order(journey: Journey) -> Journey:
    return Journey(journey.state, tuple(sorted(journey.sends, key=lambda r: r.send_key)))


def flag_for(customer_id: str = "c1", step_id: str = "setup", key: str = "k1") -> PendingFlag:
    return PendingFlag(
        flag_key=key,
        customer_id=customer_id,
        step_id=step_id,
        reason="no reply in 5 days",
        task_token=f"token-{key}",
        execution=f"exec-{key}",
        posted_at=T0,
    )


# --- exactly once --------------------------------------------------------------------------------
def test_a_confirmed_send_is_never_claimed_again(store: Store) -> None:
    record = rec()
    assert store.claim_send(record, "a1", one_per_day=True) is ClaimOutcome.CLAIMED
    store.confirm_send(record, "a1", "ses-1")

    assert store.claim_send(record, "a2", one_per_day=True) is ClaimOutcome.ALREADY_SENT
    assert store.claim_send(record, "a2", one_per_day=False) is ClaimOutcome.ALREADY_SENT
    assert store.journey("c1") == Journey(CustomerState("c1"), (record,))


def test_an_unconfirmed_claim_leaves_the_send_in_doubt(store: Store) -> None:
    record = rec()
    assert store.claim_send(record, "a1", one_per_day=True) is ClaimOutcome.CLAIMED

    assert store.claim_send(record, "a2", one_per_day=True) is ClaimOutcome.IN_DOUBT
    # Only the attempt that holds the claim can confirm or release it.
    store.confirm_send(record, "a2", "ses-2")
    store.release_send(record, "a2")
    assert store.claim_send(record, "a3", one_per_day=False) is ClaimOutcome.IN_DOUBT
    assert store.journey("c1").sends == (record,)


def test_the_message_id_of_a_confirmed_send_is_kept(store: Store) -> None:
    record = rec()
    assert store.sent_message_id("c1", record.send_key) is None
    assert store.claim_send(record, "a1", one_per_day=True) is ClaimOutcome.CLAIMED
    assert store.sent_message_id("c1", record.send_key) is None  # claimed, not yet sent
    store.confirm_send(record, "a1", "0102-abc@ap-southeast-1.amazonses.com")

    assert store.sent_message_id("c1", record.send_key) == "0102-abc@ap-southeast-1.amazonses.com"
    assert store.sent_message_id("c2", record.send_key) is None


def test_one_customer_message_per_local_day(store: Store) -> None:
    sent(store, rec("welcome"))

    assert store.claim_send(rec("setup"), "b1", one_per_day=True) is ClaimOutcome.DAY_TAKEN
    assert store.journey("c1").sends == (rec("welcome"),)
    # Another customer's day, an owner post (one_per_day=False) and the next day are free.
    other = rec("setup", customer_id="c2")
    assert store.claim_send(other, "b2", one_per_day=True) is ClaimOutcome.CLAIMED
    owner_flag = rec("setup", kind=SendKind.FLAG, channel=Channel.SLACK)
    assert store.claim_send(owner_flag, "b3", one_per_day=False) is ClaimOutcome.CLAIMED
    tomorrow = rec("setup", day=D0 + timedelta(days=1))
    assert store.claim_send(tomorrow, "b4", one_per_day=True) is ClaimOutcome.CLAIMED


def test_an_owner_post_does_not_take_the_customers_day(store: Store) -> None:
    owner_flag = rec("setup", kind=SendKind.FLAG, channel=Channel.SLACK)
    assert store.claim_send(owner_flag, "f1", one_per_day=False) is ClaimOutcome.CLAIMED

    assert store.claim_send(rec("welcome"), "a1", one_per_day=True) is ClaimOutcome.CLAIMED


def test_a_day_taken_send_reports_its_own_state_first(store: Store) -> None:
    sent(store, rec("welcome"))

    assert store.claim_send(rec("welcome"), "a2", one_per_day=True) is ClaimOutcome.ALREADY_SENT


def test_release_lets_a_retry_claim_the_send_and_the_day(store: Store) -> None:
    record = rec()
    assert store.claim_send(record, "a1", one_per_day=True) is ClaimOutcome.CLAIMED
    store.release_send(record, "a1")

    assert store.journey("c1").sends == ()
    assert store.claim_send(record, "a2", one_per_day=True) is ClaimOutcome.CLAIMED
    assert store.claim_send(rec("setup"), "b1", one_per_day=True) is ClaimOutcome.DAY_TAKEN


def test_release_after_confirm_changes_nothing(store: Store) -> None:
    sent(store, rec("welcome"), "a1")
    store.release_send(rec("welcome"), "a1")

    assert store.claim_send(rec("welcome"), "a2", one_per_day=True) is ClaimOutcome.ALREADY_SENT
    assert store.claim_send(rec("setup"), "b1", one_per_day=True) is ClaimOutcome.DAY_TAKEN


def test_releasing_an_owner_post_keeps_the_day_another_send_took(store: Store) -> None:
    sent(store, rec("welcome"))
    owner_flag = rec("setup", kind=SendKind.FLAG, channel=Channel.SLACK)
    assert store.claim_send(owner_flag, "f1", one_per_day=False) is ClaimOutcome.CLAIMED
    store.release_send(owner_flag, "f1")

    assert store.claim_send(rec("setup"), "b1", one_per_day=True) is ClaimOutcome.DAY_TAKEN
    assert store.claim_send(owner_flag, "f2", one_per_day=False) is ClaimOutcome.CLAIMED


def test_claims_in_doubt_are_the_unconfirmed_claims_older_than_asked(store: Store) -> None:
    sent(store, rec("welcome"))  # confirmed: not in doubt
    first = rec("setup")
    later = rec("welcome", customer_id="c2", day=D0 + timedelta(days=1))
    released = rec("welcome", customer_id="c3")
    assert store.claim_send(later, "c2-exec/req-2", one_per_day=True) is ClaimOutcome.CLAIMED
    assert store.claim_send(first, "c1-exec/req-1", one_per_day=False) is ClaimOutcome.CLAIMED
    assert store.claim_send(released, "r1", one_per_day=True) is ClaimOutcome.CLAIMED
    store.release_send(released, "r1")

    everything = store.claims_in_doubt(T0 + timedelta(days=30))
    assert everything == [
        SendClaim(first, "c1-exec/req-1", None),
        SendClaim(later, "c2-exec/req-2", None),
    ]
    assert everything[0].execution == "c1-exec"
    # Only claims made before the instant (compared as instants, whatever the offset).
    sgt = timezone(timedelta(hours=8))
    assert store.claims_in_doubt(later.sent_at.astimezone(sgt)) == [everything[0]]
    assert store.claims_in_doubt(first.sent_at) == []
    assert store.claims_in_doubt(T0 + timedelta(days=30), "c2") == [everything[1]]
    # The journeys say which of their sends are unconfirmed.
    assert store.journey("c1").unconfirmed == (first,)
    assert store.load_journeys()["c2"].unconfirmed == (later,)
    assert store.journey("c3").unconfirmed == ()

    store.confirm_send(first, "c1-exec/req-1", "ses-9")
    assert store.claims_in_doubt(T0 + timedelta(days=30)) == [everything[1]]
    assert store.journey("c1").unconfirmed == ()


def test_a_flag_raised_again_is_a_send_of_its_own_and_reads_back_as_such(store: Store) -> None:
    first = rec("welcome", kind=SendKind.FLAG, channel=Channel.SLACK)
    again = replace(first, sent_at=first.sent_at + timedelta(days=2), reflag=1)
    assert store.claim_send(first, "e1/req", one_per_day=False) is ClaimOutcome.CLAIMED
    store.confirm_send(first, "e1/req", "ts-1")
    assert (first.send_key, again.send_key) == ("welcome#flag", "welcome#flag#1")

    assert store.claim_send(again, "e2/req", one_per_day=False) is ClaimOutcome.CLAIMED

    assert store.claim_send(again, "e3/req", one_per_day=False) is ClaimOutcome.IN_DOUBT
    assert store.claims_in_doubt(T0 + timedelta(days=30), "c1") == [
        SendClaim(again, "e2/req", None)
    ]
    assert store.journey("c1").unconfirmed == (again,)
    store.confirm_send(again, "e2/req", "ts-2")
    assert store.claim_send(again, "e3/req", one_per_day=False) is ClaimOutcome.ALREADY_SENT
    assert store.sent_message_id("c1", "welcome#flag#1") == "ts-2"
    assert store.sent_message_id("c1", "welcome#flag") == "ts-1"
    assert in_order(store.journey("c1")) == Journey(CustomerState("c1"), (first, again))
    assert in_order(store.load_journeys()["c1"]) == in_order(store.journey("c1"))


# --- reads ---------------------------------------------------------------------------------------
def test_load_journeys_returns_every_customer_with_state_or_sends(store: Store) -> None:
    sent(store, rec("welcome"))
    nudge = rec("setup", kind=SendKind.NUDGE, day=D0 + timedelta(days=3))
    assert store.claim_send(nudge, "n1", one_per_day=True) is ClaimOutcome.CLAIMED
    store.record_step_done("c1", "welcome", by_user="customer", at=T0, plan_step_ids=PLAN)
    sent(store, rec("welcome", customer_id="c2"))
    store.record_owner_action("c3", OwnerAction.PAUSE, by_user="U1", at=T0, note="away")

    journeys = {cid: in_order(j) for cid, j in store.load_journeys().items()}

    assert journeys == {
        "c1": Journey(
            CustomerState("c1", steps_done=frozenset({"welcome"})), (nudge, rec("welcome"))
        ),
        "c2": Journey(CustomerState("c2"), (rec("welcome", customer_id="c2"),)),
        "c3": Journey(CustomerState("c3", paused=True, paused_note="away"), ()),
    }
    assert in_order(store.journey("c1")) == journeys["c1"]
    assert store.journey("c9") == Journey(CustomerState("c9"), ())


# --- flags and owner answers ---------------------------------------------------------------------
def test_a_flag_marks_the_customer_and_a_retry_replaces_the_token(store: Store) -> None:
    flag = flag_for()
    store.save_flag(flag)
    retried = replace(flag, task_token="token-2", execution="exec-2")
    store.save_flag(retried)

    assert store.flag("k1") == retried
    assert store.flag("nope") is None
    assert store.open_flags("c1") == [retried]
    assert store.open_flags("c2") == []
    assert store.journey("c1").state == CustomerState("c1", flagged=True)
    [entry] = store.audit_trail("c1")
    assert (entry.action, entry.by_user, entry.ts) == ("flag:setup", "guide", T0)
    assert (entry.before["flagged"], entry.after["flagged"]) == (False, True)
    assert entry.after["note"] == "no reply in 5 days"


def test_every_customers_open_flags_oldest_first_without_proposals_or_reports(
    flavour: tuple[Any, Any],
) -> None:
    once, store = flavour
    later = replace(flag_for("c2", key="k2"), posted_at=T0 + timedelta(hours=1))
    store.save_flag(later)
    store.save_flag(flag_for("c1", key="k1"))
    store.save_flag(replace(flag_for("c1", "welcome", key="k3"), posted_at=T0 - timedelta(days=1)))
    store.save_proposal(proposal_for())
    _report(once, ["onboarding.csv line 3: bad email"], T0)
    store.record_owner_action(
        "c1", OwnerAction.DONE, by_user="U1", at=T0, flag_key="k3", step_id="welcome"
    )
    audit_before = store.audit_between(T0 - timedelta(days=2), T0 + timedelta(days=1))

    assert store.open_flags() == [flag_for("c1", key="k1"), later]
    assert [f.flag_key for f in store.open_flags("c1")] == ["k1"]
    assert store.audit_between(T0 - timedelta(days=2), T0 + timedelta(days=1)) == audit_before
    assert store.pending_proposals() == [proposal_for()]


def test_an_owner_task_is_found_by_its_key_and_is_no_flag_nor_a_change(store: Store) -> None:
    task = OwnerTask(key="t1", customer_id="c1", step_id="kickoff-call", posted_at=T0)
    store.save_owner_task(task)
    store.save_owner_task(task)  # a retried post stores it again

    assert store.owner_task("t1") == task
    assert store.owner_task("t2") is None
    assert store.flag("t1") is None
    assert store.all_flags("c1") == [] and store.load_journeys() == {}
    assert store.open_flags() == []
    assert store.audit_trail("c1") == []


CARRIED = PlanIds((StepIds("welcome"), StepIds("maker-profile", ("profile", "bio")), StepIds("x")))


def test_a_flag_and_an_owner_task_keep_the_plan_they_were_posted_with(store: Store) -> None:
    """What Done reads instead of the documents: the plan's step ids (with their former ids)
    and the rules doc's version, kept as posted, through the answer too."""
    flag = replace(flag_for(), plan=CARRIED, rules_version='"etag-1"')
    task = OwnerTask("t1", "c1", "kickoff-call", T0, plan=CARRIED, rules_version='"etag-1"')
    store.save_flag(flag)
    store.save_owner_task(task)
    store.save_owner_task(replace(task, key="t2", plan=None, rules_version=None))

    assert store.flag("k1") == flag and store.open_flags() == [flag]
    assert store.owner_task("t1") == task
    assert store.owner_task("t2") == replace(task, key="t2", plan=None, rules_version=None)
    store.record_owner_action(
        "c1", OwnerAction.DONE, by_user="U1", at=T0, flag_key="k1", step_id="setup"
    )
    assert store.flag("k1") == replace(flag, answer="done", answered_by="U1", answered_at=T0)
    assert [e.action for e in store.audit_trail("c1")] == ["flag:setup", "owner:done"]


def test_pause_answers_the_flag_and_is_audited(store: Store) -> None:
    store.save_flag(flag_for())

    state = store.record_owner_action(
        "c1", OwnerAction.PAUSE, by_user="U1", at=T0, flag_key="k1", step_id="setup", note="away"
    )

    expected = CustomerState("c1", paused=True, paused_note="away")
    assert state == expected
    assert store.journey("c1").state == expected
    answered = replace(flag_for(), answer="pause", answered_by="U1", answered_at=T0)
    assert store.flag("k1") == answered
    assert store.open_flags("c1") == []
    assert store.all_flags("c1") == [answered]
    # Both entries share one clock reading and both are kept, in the order they were written.
    trail = store.audit_trail("c1")
    assert [(e.action, e.by_user, e.ts) for e in trail] == [
        ("flag:setup", "guide", T0),
        ("owner:pause", "U1", T0),
    ]
    assert trail[1].before == {
        "customer_id": "c1",
        "steps_done": [],
        "paused": False,
        "finished": False,
        "flagged": True,
        "handed_off_to": None,
        "paused_note": None,
        "unsubscribed": False,
    }
    assert trail[1].after == {
        "customer_id": "c1",
        "steps_done": [],
        "paused": True,
        "finished": False,
        "flagged": False,
        "handed_off_to": None,
        "paused_note": "away",
        "unsubscribed": False,
        "note": "away",
    }


def test_hand_off_goes_to_the_named_person_or_the_owner(store: Store) -> None:
    store.save_flag(flag_for("c1", key="k1"))
    store.save_flag(flag_for("c2", key="k2"))

    by_owner = store.record_owner_action(
        "c1", OwnerAction.HAND_OFF, by_user="U1", at=T0, flag_key="k1", step_id="setup"
    )
    to_dana = store.record_owner_action(
        "c2", OwnerAction.HAND_OFF, by_user="U1", at=T0, flag_key="k2", note="Dana"
    )

    assert by_owner == CustomerState("c1", handed_off_to="U1")
    assert to_dana == CustomerState("c2", handed_off_to="Dana")
    assert [f.answer for f in store.all_flags("c1") + store.all_flags("c2")] == [
        "hand_off",
        "hand_off",
    ]
    assert [e.action for e in store.audit_trail("c2")] == ["flag:setup", "owner:hand_off"]


def test_done_from_the_owner_finishes_the_journey_and_archives_it(store: Store) -> None:
    sent(store, rec("welcome"))
    store.record_step_done("c1", "welcome", by_user="customer", at=T0, plan_step_ids=PLAN)
    store.save_flag(flag_for())
    at = T0 + timedelta(days=6)

    state = store.record_owner_action(
        "c1",
        OwnerAction.DONE,
        by_user="U1",
        at=at,
        flag_key="k1",
        step_id="setup",
        plan_step_ids=PLAN,
    )

    assert state == CustomerState("c1", steps_done=frozenset(PLAN), finished=True)
    assert store.flag("k1") == replace(flag_for(), answer="done", answered_by="U1", answered_at=at)
    assert store.archived_sends("c1") == [("c1@2026-03-08", rec("welcome"))]
    assert [e.action for e in store.audit_trail("c1")] == [
        "done:welcome",
        "flag:setup",
        "owner:done",
    ]


def test_a_second_answer_to_a_flag_changes_nothing_and_the_first_is_kept(store: Store) -> None:
    """A double click, a Slack retry, or Hand off after someone pressed Pause."""
    store.save_flag(flag_for())
    first = store.record_owner_action(
        "c1", OwnerAction.PAUSE, by_user="U1", at=T0, flag_key="k1", step_id="setup", note="away"
    )
    flags, trail = store.all_flags("c1"), store.audit_trail("c1")

    for action, by in ((OwnerAction.PAUSE, "U1"), (OwnerAction.HAND_OFF, "U2")):
        again = store.record_owner_action(
            "c1", action, by_user=by, at=T0 + timedelta(1), flag_key="k1", step_id="setup"
        )
        assert again == first == store.journey("c1").state

    assert store.all_flags("c1") == flags
    assert (flags[0].answer, flags[0].answered_by, flags[0].answered_at) == ("pause", "U1", T0)
    assert store.audit_trail("c1") == trail
    assert [e.action for e in trail] == ["flag:setup", "owner:pause"]


def test_an_answer_to_an_unknown_flag_is_still_recorded(store: Store) -> None:
    state = store.record_owner_action(
        "c1", OwnerAction.PAUSE, by_user="U1", at=T0, flag_key="gone", step_id="setup"
    )

    assert state == CustomerState("c1", paused=True)
    assert store.flag("gone") is None
    assert [e.action for e in store.audit_trail("c1")] == ["owner:pause"]


def test_pause_and_resume_without_a_flag_are_recorded_once(store: Store) -> None:
    store.save_flag(flag_for())
    for _ in range(2):  # a double submit
        paused = store.record_owner_action(
            "c1", OwnerAction.PAUSE, by_user="U1", at=T0, note="on holiday"
        )
    assert paused == CustomerState("c1", paused=True, paused_note="on holiday")
    for _ in range(2):
        resumed = store.record_owner_action(
            "c1", OwnerAction.RESUME, by_user="U1", at=T0 + timedelta(days=1)
        )

    assert resumed == CustomerState("c1")
    assert store.open_flags("c1") == [flag_for()]  # neither answered the flag
    trail = store.audit_trail("c1")
    assert [(e.action, e.by_user) for e in trail] == [
        ("flag:setup", "guide"),
        ("owner:pause", "U1"),
        ("owner:resume", "U1"),
    ]
    assert (trail[2].before["paused_note"], trail[2].after["paused"]) == ("on holiday", False)


# --- done clicks ---------------------------------------------------------------------------------
def test_the_last_done_click_finishes_and_archives_once(store: Store) -> None:
    sent(store, rec("welcome"))
    setup = rec("setup", day=D0 + timedelta(days=2))
    sent(store, setup)

    first = store.record_step_done("c1", "welcome", by_user="customer", at=T0, plan_step_ids=PLAN)
    assert first == (CustomerState("c1", steps_done=frozenset({"welcome"})), True)
    assert store.archived_sends("c1") == []

    done_at = T0 + timedelta(days=3)
    last = store.record_step_done("c1", "setup", by_user="customer", at=done_at, plan_step_ids=PLAN)
    again = store.record_step_done(
        "c1", "setup", by_user="customer", at=done_at + timedelta(days=1), plan_step_ids=PLAN
    )

    finished = CustomerState("c1", steps_done=frozenset(PLAN), finished=True)
    assert last == (finished, True)
    assert again == (finished, False)  # a repeated click changes nothing
    assert store.journey("c1").state == finished
    assert sorted(store.archived_sends("c1"), key=lambda a: a[1].step_id) == [
        ("c1@2026-03-05", setup),
        ("c1@2026-03-05", rec("welcome")),
    ]
    trail = store.audit_trail("c1")
    assert [(e.action, e.by_user) for e in trail] == [
        ("done:welcome", "customer"),
        ("done:setup", "customer"),
    ]
    assert (trail[1].before["finished"], trail[1].after["finished"]) == (False, True)


def test_done_clicks_without_a_plan_never_finish(store: Store) -> None:
    state, _ = store.record_step_done("c1", "welcome", by_user="customer", at=T0, plan_step_ids=())

    assert state == CustomerState("c1", steps_done=frozenset({"welcome"}))
    assert store.archived_sends("c1") == []


def test_a_repeated_done_click_writes_nothing(store: Store) -> None:
    store.record_owner_action("c1", OwnerAction.PAUSE, by_user="U1", at=T0, note="away")
    clicks = [
        store.record_step_done(
            "c1", "welcome", by_user="customer", at=T0 + timedelta(minutes=m), plan_step_ids=PLAN
        )
        for m in (1, 1, 2)  # a double click, then the link again later
    ]

    state = CustomerState("c1", steps_done=frozenset({"welcome"}), paused=True, paused_note="away")
    assert clicks == [(state, True), (state, False), (state, False)]
    assert [e.action for e in store.audit_trail("c1")] == ["owner:pause", "done:welcome"]


# --- unsubscribes --------------------------------------------------------------------------------
def test_an_unsubscribe_is_recorded_and_audited_once(store: Store) -> None:
    store.record_step_done("c1", "welcome", by_user="customer", at=T0, plan_step_ids=PLAN)

    first = store.record_unsubscribed("c1", by_user="customer", at=T0 + timedelta(hours=1))
    again = store.record_unsubscribed("c1", by_user="customer", at=T0 + timedelta(hours=2))

    state = CustomerState("c1", steps_done=frozenset({"welcome"}), unsubscribed=True)
    assert (first, again) == ((state, True), (state, False))
    assert store.journey("c1").state == state
    assert store.load_journeys()["c1"].state == state
    trail = store.audit_trail("c1")
    assert [(e.action, e.by_user) for e in trail] == [
        ("done:welcome", "customer"),
        ("unsubscribed", "customer"),
    ]
    assert (trail[1].before["unsubscribed"], trail[1].after["unsubscribed"]) == (False, True)
    # Later changes keep it: an owner's answer does not resubscribe anyone.
    paused = store.record_owner_action("c1", OwnerAction.PAUSE, by_user="U1", at=T0 + timedelta(1))
    assert paused.unsubscribed


def test_a_customer_never_seen_before_can_unsubscribe(store: Store) -> None:
    state, changed = store.record_unsubscribed("c9", by_user="customer", at=T0)

    assert (state, changed) == (CustomerState("c9", unsubscribed=True), True)
    assert store.journey("c9").state.unsubscribed


# --- the list problem report ---------------------------------------------------------------------
def test_each_problem_is_reported_once(flavour: tuple[Any, Any]) -> None:
    once, store = flavour
    long_key = "c7:email:" + "x" * 5000
    assert once.unclaimed(["a", "b"]) == ["a", "b"]

    _report(once, ["a", long_key], T0)

    assert once.unclaimed(["b", "a", "c", "b", long_key]) == ["b", "c", "b"]
    _report(once, ["b", "c"], T0 + timedelta(days=1))
    assert once.unclaimed(["a", "b", "c", long_key]) == []
    assert once.unclaimed([]) == []
    # Reported problems are not flags of any customer.
    assert store.open_flags("c7") == []


# --- audit over a period (digest, summary) -----------------------------------------------------
def test_audit_between_is_every_customers_entries_in_the_period_oldest_first(
    store: Store,
) -> None:
    day = timedelta(days=1)
    store.record_step_done("c1", "welcome", by_user="customer", at=T0, plan_step_ids=PLAN)
    store.record_owner_action("c2", OwnerAction.PAUSE, by_user="ses", at=T0 + 2 * day)
    # The same instant written with another UTC offset still sorts and filters as an instant.
    singapore = (T0 + day).astimezone(timezone(timedelta(hours=8)))
    store.record_step_done("c3", "welcome", by_user="customer", at=singapore, plan_step_ids=PLAN)
    store.record_step_done("c1", "setup", by_user="customer", at=T0 + 7 * day, plan_step_ids=PLAN)

    found = store.audit_between(T0, T0 + 7 * day)

    assert [(e.customer_id, e.action, e.ts) for e in found] == [
        ("c1", "done:welcome", T0),
        ("c3", "done:welcome", T0 + day),
        ("c2", "owner:pause", T0 + 2 * day),
    ]
    assert store.audit_between(T0 + 8 * day, T0 + 9 * day) == []


# --- proposals from forwarded welcome emails -----------------------------------------------------
ROW = {
    "customer_id": "in-1",
    "name": "Mei Ling Tan",
    "email": "meiling@kopibakes.example",
    "plan": "Starter",
    "signup_at": "2026-03-01",
}


def proposal_for(key: str = "p1", **changes: Any) -> Proposal:
    base = Proposal(
        key=key,
        row=dict(ROW),
        problems=("plan: missing",),
        source="s3://og-raw-mime/m1",
        email_from="Owner <owner@example.com>",
        email_subject="Fwd: Welcome",
        proposed_at=T0,
    )
    return replace(base, **changes)


def test_a_proposal_is_stored_under_its_key_and_is_no_customers_flag(store: Store) -> None:
    assert store.save_proposal(proposal_for()) is True
    posted = proposal_for(message_ts="1772415000.000100", note="stand-in")
    assert store.save_proposal(posted) is True

    assert store.proposal("p1") == posted
    assert store.proposal("p2") is None
    assert store.open_flags("in-1") == [] and store.all_flags("in-1") == []
    assert store.audit_trail("in-1") == []


def test_a_proposal_is_decided_once_and_audited_under_the_row(store: Store) -> None:
    store.save_proposal(proposal_for())
    edited = ROW | {"customer_id": "hh-2001", "plan": "Pro"}
    at = T0 + timedelta(hours=1)

    decided = store.decide_proposal(
        "p1", ProposalDecision.APPROVED, row=edited, by_user="U1", at=at
    )
    again = store.decide_proposal(
        "p1", ProposalDecision.DISCARDED, row=ROW, by_user="U2", at=at + timedelta(minutes=1)
    )

    expected = proposal_for(
        row=edited, decision=ProposalDecision.APPROVED, decided_by="U1", decided_at=at
    )
    assert decided == expected
    assert again is None
    assert store.proposal("p1") == expected
    # A decided proposal is never replaced (a late duplicate of the email changes nothing).
    assert store.save_proposal(proposal_for(row=ROW)) is False
    assert store.proposal("p1") == expected
    [entry] = store.audit_trail("hh-2001")
    assert (entry.action, entry.by_user, entry.ts) == ("intake:approved", "U1", at)
    assert entry.before == {"proposal": "p1", "status": "pending", "row": ROW}
    assert entry.after == {"proposal": "p1", "status": "approved", "row": edited}
    assert store.audit_between(T0, at + timedelta(days=1)) == [entry]


def test_pending_proposals_are_the_undecided_ones_oldest_first(store: Store) -> None:
    assert store.pending_proposals() == []
    newer = proposal_for("p2", proposed_at=T0 + timedelta(hours=1))
    for proposal in (newer, proposal_for("p1"), proposal_for("p3")):
        store.save_proposal(proposal)
    store.save_flag(flag_for())
    store.decide_proposal("p3", ProposalDecision.DISCARDED, row=ROW, by_user="U1", at=T0)

    assert store.pending_proposals() == [proposal_for("p1"), newer]
    assert store.proposal("p3").decision is ProposalDecision.DISCARDED  # type: ignore[union-attr]
    assert store.open_flags() == [flag_for()]


def test_deciding_an_unknown_proposal_records_nothing(store: Store) -> None:
    assert (
        store.decide_proposal("gone", ProposalDecision.DISCARDED, row=ROW, by_user="U1", at=T0)
        is None
    )
    assert store.audit_trail("in-1") == []


# --- DynamoDB only: what SQLite's write lock gives for free ------------------------------------
class _InterleavingClient:
    """A DynamoDB client that lets another writer in just before the first TransactWriteItems."""

    def __init__(self, client: Any, interloper: Callable[[], object]):
        self._client = client
        self._interloper: Callable[[], object] | None = interloper

    def transact_write_items(self, **request: Any) -> Any:
        if self._interloper is not None:
            run, self._interloper = self._interloper, None
            run()
        return self._client.transact_write_items(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_dynamodb_a_concurrent_state_write_is_not_lost(dynamodb: Any) -> None:
    other = DynamoJourneyStore(SETTINGS, dynamodb)
    racing = DynamoJourneyStore(
        SETTINGS,
        _InterleavingClient(
            dynamodb,
            lambda: other.record_step_done(
                "c1", "welcome", by_user="customer", at=T0, plan_step_ids=PLAN
            ),
        ),
    )

    state = racing.record_owner_action("c1", OwnerAction.PAUSE, by_user="U1", at=T0)

    assert state == CustomerState("c1", steps_done=frozenset({"welcome"}), paused=True)
    assert racing.journey("c1").state == state
    trail = racing.audit_trail("c1")
    assert [e.action for e in trail] == ["done:welcome", "owner:pause"]
    assert trail[1].before["steps_done"] == ["welcome"]


def test_dynamodb_two_clicks_at_once_answer_the_flag_once(dynamodb: Any) -> None:
    other = DynamoJourneyStore(SETTINGS, dynamodb)
    other.save_flag(flag_for())
    racing = DynamoJourneyStore(
        SETTINGS,
        _InterleavingClient(
            dynamodb,
            lambda: other.record_owner_action(
                "c1", OwnerAction.HAND_OFF, by_user="U2", at=T0, flag_key="k1", note="Siti"
            ),
        ),
    )

    state = racing.record_owner_action(
        "c1", OwnerAction.PAUSE, by_user="U1", at=T0, flag_key="k1", note="away"
    )

    assert state == CustomerState("c1", handed_off_to="Siti")
    assert racing.journey("c1").state == state
    flag = racing.flag("k1")
    assert flag is not None and (flag.answer, flag.answered_by) == ("hand_off", "U2")
    assert [e.action for e in racing.audit_trail("c1")] == ["flag:setup", "owner:hand_off"]


# --- Once: a report claimed and never confirmed is in doubt, never done twice ---------------
KEY = "digest#2026-W10"


@pytest.fixture(params=["sqlite", "dynamodb"])
def flavour(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Any, Any]:
    """(once, store) sharing one database, as wiring builds them."""
    if request.param == "sqlite":
        path = tmp_path / "og.sqlite"
        return SqliteOnce(path), SqliteJourneyStore(path)
    client = request.getfixturevalue("dynamodb")
    return DynamoOnce(SETTINGS, client), DynamoJourneyStore(SETTINGS, client)


@pytest.fixture
def once(flavour: tuple[Any, Any]) -> Any:
    return flavour[0]


def test_the_first_claim_wins_and_a_confirmed_effect_is_done_for_everyone(once: Any) -> None:
    assert once.claim(KEY, "run-1", T0) == OnceOutcome.CLAIMED
    once.confirm(KEY, "run-1", "1700000000.000100", T0)
    assert once.claim(KEY, "run-2", T0) == OnceOutcome.DONE
    assert once.claim(KEY, "run-1", T0) == OnceOutcome.DONE
    assert once.result(KEY) == "1700000000.000100"
    assert once.claim("digest#2026-W11", "run-2", T0) == OnceOutcome.CLAIMED


def test_a_run_killed_between_the_effect_and_the_confirm_leaves_it_in_doubt(once: Any) -> None:
    assert once.claim(KEY, "run-1", T0) == OnceOutcome.CLAIMED
    # run-1 posted and was killed before confirming: the next run must not post again.
    assert once.claim(KEY, "run-2", T0 + timedelta(hours=1)) == OnceOutcome.IN_DOUBT
    assert once.result(KEY) is None
    # The same attempt retried (a Lambda retry of the same request) may finish its own work.
    assert once.claim(KEY, "run-1", T0) == OnceOutcome.CLAIMED


def test_a_release_lets_a_retry_claim_and_only_the_claimer_can_release(once: Any) -> None:
    once.claim(KEY, "run-1", T0)
    once.release(KEY, "run-2")
    assert once.claim(KEY, "run-2", T0) == OnceOutcome.IN_DOUBT
    once.release(KEY, "run-1")
    assert once.claim(KEY, "run-2", T0) == OnceOutcome.CLAIMED
    once.confirm(KEY, "run-2", "ts", T0)
    once.release(KEY, "run-2")  # a done effect stays done
    assert once.claim(KEY, "run-3", T0) == OnceOutcome.DONE


def test_a_confirm_by_another_attempt_does_not_mark_it_done(once: Any) -> None:
    once.claim(KEY, "run-1", T0)
    once.confirm(KEY, "run-2", "ts", T0)
    assert once.claim(KEY, "run-3", T0) == OnceOutcome.IN_DOUBT


def test_a_report_marked_before_the_upgrade_stays_done(flavour: tuple[Any, Any]) -> None:
    once, _ = flavour
    _mark_the_old_way(once, KEY, T0)
    assert once.unclaimed([KEY, "other"]) == ["other"]
    assert once.claim(KEY, "run-1", T0 + timedelta(days=1)) == OnceOutcome.DONE


def test_two_runs_racing_for_one_key_claim_it_once(once: Any) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda n: once.claim(KEY, f"run-{n}", T0), range(8)))
    assert sorted(outcomes) == sorted([OnceOutcome.CLAIMED] + [OnceOutcome.IN_DOUBT] * 7)


def _report(once: Any, keys: list[str], at: datetime) -> None:
    """Report each key, as the owner's list-problem report does: claim, post, confirm."""
    for key in keys:
        assert once.claim(key, "report-run", at) == OnceOutcome.CLAIMED
        once.confirm(key, "report-run", "ts", at)


def _mark_the_old_way(once: Any, key: str, at: datetime) -> None:
    """A report marker as the stores wrote it before Once (after the post, no claim)."""
    if isinstance(once, SqliteOnce):
        with sqlite3.connect(once.path) as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS reported_problems "
                "(problem_key TEXT PRIMARY KEY, reported_at TEXT)"
            )
            db.execute("INSERT INTO reported_problems VALUES (?, ?)", (key, at.isoformat()))
        return
    item = {"flag_key": _problem_item_key(key), "problem_key": key, "reported_at": at.isoformat()}
    once._db.put_item(TableName=SETTINGS.flags_table, Item=_dump(item))
