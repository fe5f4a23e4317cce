"""done-handler against any signed Slack interaction (hypothesis): whatever the payload's shape
— missing fields, wrong types, unknown actions and callbacks, foreign private_metadata, keys of a
real flag and a real proposal or of none — the answer is a 200 or a 400, never a 500; a 400
changes nothing; and the work left for after a 200 runs without an error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from local_home import LocalHome, invoke, local_home, run_after_answer

from og import wiring
from og.adapters.ports import PendingFlag, Proposal
from og.local import function_url

NOW = datetime(2026, 12, 21, 3, tzinfo=UTC)
FLAG_KEY = "f1a9f1a9f1a9f1a9"
PROPOSAL_KEY = "p0p0p0p0p0p0"

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHome]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        tmp: Path = tmp_path_factory.mktemp("shapes")
        with local_home(tmp, monkeypatch, NOW) as h:
            store = wiring.adapters().store
            store.save_flag(
                PendingFlag(FLAG_KEY, "hh-1001", "welcome", "stuck", "no-such-token", "x", NOW)
            )
            store.save_proposal(
                Proposal(
                    key=PROPOSAL_KEY,
                    row={
                        "customer_id": "in-1",
                        "name": "Jun",
                        "email": "jun@example.com",
                        "plan": "Pro",
                        "signup_at": "2026-12-09",
                    },
                    problems=(),
                    source="s3://og-raw-mime/x",
                    email_from="owner@example.com",
                    email_subject="Fwd: welcome",
                    proposed_at=NOW,
                )
            )
            yield h


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


def _mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`valid` four times in five, else any JSON value: deep paths get explored too."""
    return st.integers(0, 4).flatmap(lambda i: JSON if i == 4 else valid)


KEYS = _mostly(st.sampled_from([FLAG_KEY, PROPOSAL_KEY]))
ACTION_IDS = _mostly(
    st.sampled_from(
        ["pause", "hand_off", "done", "resume", "intake_approve", "intake_edit", "intake_discard"]
    )
)
USERS = _mostly(st.fixed_dictionaries({"id": _mostly(st.just("U0OWNER01"))}))
MESSAGE_REF = st.fixed_dictionaries(
    {"channel": _mostly(st.just("D0OWNER01")), "ts": _mostly(st.just("1.2")), "blocks": JSON}
)
BLOCK_ACTIONS = st.fixed_dictionaries(
    {
        "type": st.just("block_actions"),
        "user": USERS,
        "trigger_id": _mostly(st.text(min_size=1, max_size=6)),
        "actions": _mostly(
            st.lists(
                _mostly(st.fixed_dictionaries({"action_id": ACTION_IDS, "value": KEYS})),
                max_size=2,
            )
        ),
    },
    optional={
        "container": _mostly(
            st.fixed_dictionaries(
                {"channel_id": _mostly(st.just("D0OWNER01")), "message_ts": _mostly(st.just("1.2"))}
            )
        ),
        "message": _mostly(st.fixed_dictionaries({"blocks": JSON})),
    },
)
METADATA = _mostly(
    (
        st.fixed_dictionaries(
            {"flag_key": KEYS, "action": ACTION_IDS}, optional={"message": _mostly(MESSAGE_REF)}
        )
        | st.fixed_dictionaries({"proposal": KEYS})
    ).map(json.dumps)
)
VIEW_SUBMISSION = st.fixed_dictionaries(
    {
        "type": st.just("view_submission"),
        "user": USERS,
        "view": _mostly(
            st.fixed_dictionaries(
                {
                    "callback_id": _mostly(st.sampled_from(["og_owner_answer", "og_intake_edit"])),
                    "private_metadata": METADATA,
                    "state": _mostly(st.fixed_dictionaries({"values": JSON})),
                }
            )
        ),
    }
)


def _seen(home: LocalHome) -> tuple[Any, ...]:
    store = home.store
    return (
        store.all_flags("hh-1001"),
        store.proposal(PROPOSAL_KEY),
        store.audit_between(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)),
        home.slack(),
        (home.path / "onboarding.csv").read_text(),
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=_mostly(BLOCK_ACTIONS | VIEW_SUBMISSION))
@example(  # found by hypothesis: an action that is a list (unhashable) was a 500
    payload={
        "type": "view_submission",
        "user": {"id": "U0OWNER01"},
        "view": {
            "callback_id": "og_owner_answer",
            "private_metadata": '{"flag_key": "f1a9f1a9f1a9f1a9", "action": []}',
            "state": {"values": None},
        },
    }
)
def test_any_signed_interaction_is_answered_200_or_400(home: LocalHome, payload: Any) -> None:
    before = _seen(home)
    event = function_url.slack_event(payload, home.signing_secret)

    answer = invoke("done_handler", event)

    assert answer["statusCode"] in (200, 400), answer
    if answer["statusCode"] == 400:
        assert answer["body"].startswith("bad request: ")
        assert _seen(home) == before
    run_after_answer()  # raises if the work after a 200 fails
