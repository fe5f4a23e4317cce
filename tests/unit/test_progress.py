from og.core.models import CustomerState, OwnerAction
from og.core.progress import apply_owner_action, apply_step_done, held_because

STEPS = ("welcome", "first-order")


def test_step_done_finishes_when_every_step_is_done():
    s = apply_step_done(CustomerState("c1"), "welcome", STEPS)
    assert s.steps_done == {"welcome"} and not s.finished
    assert apply_step_done(s, "first-order", STEPS).finished


def test_owner_answers_clear_the_flag():
    flagged = CustomerState("c1", flagged=True)
    paused = apply_owner_action(
        flagged,
        OwnerAction.PAUSE,
        step_id="welcome",
        note="on leave",
        by_user="U1",
        plan_step_ids=STEPS,
    )
    assert paused.paused and paused.paused_note == "on leave" and not paused.flagged
    handed = apply_owner_action(
        flagged,
        OwnerAction.HAND_OFF,
        step_id="welcome",
        note="Siti",
        by_user="U1",
        plan_step_ids=STEPS,
    )
    assert handed.handed_off_to == "Siti"
    done = apply_owner_action(
        flagged, OwnerAction.DONE, step_id="welcome", note=None, by_user="U1", plan_step_ids=STEPS
    )
    assert done.steps_done == {"welcome"} and not done.paused and not done.flagged


def test_resume_undoes_a_pause_or_a_hand_off_and_leaves_the_rest():
    paused = CustomerState(
        "c1",
        steps_done=frozenset({"welcome"}),
        paused=True,
        paused_note="on holiday",
        handed_off_to="Siti",
        flagged=True,
    )
    resumed = apply_owner_action(
        paused, OwnerAction.RESUME, step_id=None, note=None, by_user="U1", plan_step_ids=STEPS
    )
    # A flag still open stays open: resuming answers no flag.
    assert resumed == CustomerState("c1", steps_done=frozenset({"welcome"}), flagged=True)


def test_held_because_says_what_a_resume_undoes():
    assert held_because(CustomerState("c1")) is None
    assert held_because(CustomerState("c1", paused=True)) == "paused"
    assert held_because(CustomerState("c1", paused=True, paused_note="away")) == "paused: away"
    assert held_because(CustomerState("c1", handed_off_to="Siti")) == "handed off to Siti"
