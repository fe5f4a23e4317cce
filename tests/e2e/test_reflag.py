"""A message in doubt holds its customer until the owner answers Done on the flag about it. When
the owner answers that flag with Pause or Hand off and resumes the customer later, nothing else
could ever release them: the next tick flags the message again, once, under a new key. On the
real state machines, from the state a killed send leaves (tests/e2e/test_in_doubt.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from og import wiring
from og.local.moto_bridge import current_now
from og.logic.reflag import flag_key

from .support import Home, utc
from .test_in_doubt import MEI, LostAnswerChat, flag_texts, moves, welcome

pytestmark = [
    pytest.mark.filterwarnings("ignore:No application metrics:UserWarning"),
    pytest.mark.filterwarnings("ignore:The `get_header_value` function is deprecated"),
]

MON = date(2026, 12, 14)
TUE, WED, THU, FRI = (MON + timedelta(days=n) for n in (1, 2, 3, 4))
NEXT_MON = MON + timedelta(days=7)
OWNER = "U0OWNER01"  # examples/config.txt owner_slack_id
FIRST, AGAIN = flag_key("c-1", "welcome", "flag"), flag_key("c-1", "welcome", "flag", "1")


def _owner_actions(home: Home) -> list[str]:
    return [e.action for e in home.store.audit_trail("c-1") if e.action.startswith("owner:")]


@pytest.mark.parametrize(
    ("answer", "was"), [("pause", "paused: checking"), ("hand_off", "handed off to checking")]
)
def test_a_message_in_doubt_is_flagged_again_after_a_resume_and_done_releases_it(
    make_home: Callable[..., Home], answer: str, was: str
) -> None:
    home = make_home([MEI])
    home.store.claim_send(welcome(), "c-1-2026-12-14-step_due/req-1", one_per_day=True)
    with home.stack() as s:
        assert moves(s.tick(TUE)) == [("flag", "welcome")]
        s.owner_answers("c-1", answer, utc(TUE, 3), note="checking")
        outcome, resumed = s.owner_command("resume", "c-1", utc(TUE, 4))
        wednesday = s.tick(WED)
        [first, again] = flag_texts(home)
        # A second tick, with the new flag open: nothing more.
        thursday = s.tick(THU)
        assert thursday.journeys == []
        assert len(flag_texts(home)) == 2
        s.owner_answers("c-1", "done", utc(THU, 3))  # the owner checked: Mei has it
        friday = s.tick(FRI)

    assert outcome == "resumed"
    assert resumed == (
        f"Resumed Mei Ling Tan (c-1) (was {was}): the next daily tick carries on from where they "
        "are. But a message to them is still in doubt (`welcome#step`): it may or may not have "
        "gone out, and it holds them until you answer Done on a flag about it. The next daily "
        "tick flags it to you again."
    )
    assert moves(wednesday) == [("flag", "welcome")]
    answer_word = {"pause": "Pause", "hand_off": "Hand off"}[answer]
    assert (
        f"flagged again: you answered the earlier flag about this with {answer_word} "
        "(2026-12-15 03:00 UTC) and have resumed Mei Ling Tan since, but this message still "
        "holds them: the step 'Welcome — set up your wholesale account' (welcome#step) was "
        "claimed 2026-12-14T01:00:00+00:00 by c-1-2026-12-14-step_due and never confirmed as "
        "emailed to meiling@kopibakes.example; it may or may not have gone out"
    ) in again
    assert "flagged again" not in first
    assert moves(friday) == [("step_due", "first-order")]
    # The welcome email was never sent again; the only email is the next step.
    [email] = home.calls
    assert home.sent("c-1", "first-order") == [email]
    assert home.claims("c-1") == {
        "welcome#step": "sending",
        "welcome#flag": "sent",
        "welcome#flag#1": "sent",
        "first-order#step": "sent",
    }
    # The first flag stays answered as it was; the new one is answered Done.
    old, new = home.store.flag(FIRST), home.store.flag(AGAIN)
    assert old is not None and new is not None
    assert (old.answer, old.answered_by, old.answered_at) == (answer, OWNER, utc(TUE, 3))
    assert (new.answer, new.answered_by, new.step_id) == ("done", OWNER, "welcome")
    assert home.store.open_flags("c-1") == []
    assert _owner_actions(home) == [f"owner:{answer}", "owner:resume", "owner:done"]
    assert "welcome" in home.state("c-1").steps_done


def test_no_new_flag_while_the_customer_stays_paused(make_home: Callable[..., Home]) -> None:
    home = make_home([MEI])
    home.store.claim_send(welcome(), "c-1-2026-12-14-step_due/req-1", one_per_day=True)
    with home.stack() as s:
        s.tick(TUE)
        s.owner_answers("c-1", "pause", utc(TUE, 3), note="checking")
        quiet = [s.tick(day) for day in (WED, THU)]

    assert [r.journeys for r in quiet] == [[], []]
    assert len(flag_texts(home)) == 1
    assert home.claims("c-1") == {"welcome#step": "sending", "welcome#flag": "sent"}
    assert home.store.flag(AGAIN) is None


def test_a_flag_raised_again_whose_post_is_cut_off_is_posted_again_once(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    home.store.claim_send(welcome(), "c-1-2026-12-14-step_due/req-1", one_per_day=True)
    with home.stack() as s:
        s.tick(TUE)
        s.owner_answers("c-1", "pause", utc(TUE, 3))
        s.owner_command("resume", "c-1", utc(TUE, 4))
        with wiring.overridden(chat=LostAnswerChat(home.path / "slack.jsonl", clock=current_now)):
            wednesday = s.tick(WED)
        assert home.claims("c-1")["welcome#flag#1"] == "sending"
        thursday = s.tick(THU)
        friday = s.tick(FRI)
        s.owner_answers("c-1", "done", utc(FRI, 3))
        next_monday = s.tick(NEXT_MON)

    assert moves(wednesday) == moves(thursday) == [("flag", "welcome")]
    assert friday.journeys == []
    [_, again, posted_again] = flag_texts(home)
    assert posted_again == again + (
        " (posted again: an earlier post of this flag may not have reached you)"
    )
    assert home.store.open_flags("c-1") == []
    assert moves(next_monday) == [("step_due", "first-order")]
    assert home.claims("c-1") == {
        "welcome#step": "sending",
        "welcome#flag": "sent",
        "welcome#flag#1": "sent",
        "first-order#step": "sent",
    }
