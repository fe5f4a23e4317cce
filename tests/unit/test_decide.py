from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from og.core.calendar import closed_reason, local_date, next_send_window
from og.core.decide import decide, plan_day
from og.core.models import (
    Channel,
    Config,
    Customer,
    CustomerState,
    Decision,
    Journey,
    Move,
    MoveKind,
    Plan,
    RowProblem,
    Rules,
    SendCalendar,
    SendKind,
    SendRecord,
    Step,
)

WELCOME = Step("welcome", "Welcome", day=0, nudge_after_days=None, flag_after_days=None)
POS = Step("pos", "Connect your POS", day=2, nudge_after_days=2, flag_after_days=5)
MENU = Step("menu", "Upload your menu", day=5, nudge_after_days=3, flag_after_days=None)
LAUNCH = Step("launch", "Go live", day=10, nudge_after_days=None, flag_after_days=7)
PLAN = Plan("starter", "Starter", (WELCOME, POS, MENU, LAUNCH))
RULES = Rules({"starter": PLAN})

CALENDAR = SendCalendar(
    quiet_start=time(20, 0),
    quiet_end=time(8, 0),
    weekend_days=frozenset({5, 6}),
    holiday_country="SG",
)
CONFIG = Config(
    business_name="Acme",
    timezone="Asia/Singapore",
    calendar=CALENDAR,
    sender="Acme <hello@acme.example>",
    owner_slack_id="U123",
)
SG = "Asia/Singapore"
NY = "America/New_York"
SEND_KIND = {
    MoveKind.STEP_DUE: SendKind.STEP,
    MoveKind.NUDGE: SendKind.NUDGE,
    MoveKind.FLAG: SendKind.FLAG,
}

# Wednesday 2026-12-02, 09:00 in Singapore (Tuesday 20:00 in New York).
NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
TODAY = date(2026, 12, 2)


def signed_up(days_ago: int) -> datetime:
    """10:00 Singapore time, `days_ago` local days before TODAY."""
    return datetime(2026, 12, 2, 2, 0, tzinfo=UTC) - timedelta(days=days_ago)


def customer(days_ago: int = 2, tz: str | None = None, cid: str = "c1") -> Customer:
    return Customer(
        customer_id=cid,
        name="Dana Lee",
        email="dana@example.com",
        plan="starter",
        signup_at=signed_up(days_ago),
        timezone=tz,
    )


def sent(step: Step, kind: SendKind, on: date, cid: str = "c1") -> SendRecord:
    at = datetime(on.year, on.month, on.day, 1, 0, tzinfo=UTC)
    return SendRecord(cid, step.id, kind, at, on)


def journey(*sends: SendRecord, done: tuple[Step, ...] = (), cid: str = "c1") -> Journey:
    state = CustomerState(cid, steps_done=frozenset(s.id for s in done))
    return Journey(state, sends)


def days_before(n: int) -> date:
    return TODAY - timedelta(days=n)


def run(c: Customer, j: Journey, now: datetime = NOW) -> Decision:
    return decide(c, PLAN, j, now, CONFIG)


# 1. nothing to do for finished, paused and handed-off customers


def test_finished_paused_and_handed_off_get_nothing() -> None:
    c = customer(days_ago=3)  # 'Connect your POS' would be due
    base = CustomerState("c1")
    cases = {
        "finished": replace(base, finished=True),
        "paused by owner": replace(base, paused=True),
        "paused by owner: on holiday until January": replace(
            base, paused=True, paused_note="on holiday until January"
        ),
        "handed off to Sam": replace(base, handed_off_to="Sam"),
    }
    for reason, state in cases.items():
        d = run(c, Journey(state))
        assert d.move is None
        assert d.reason == reason
        assert d.customer_id == "c1"


def test_unsubscribed_gets_nothing_of_any_kind() -> None:
    # A step overdue, a nudge and a flag due: an unsubscribed customer still gets no move.
    c = customer(days_ago=20)
    welcome = PLAN.steps[0]
    j = journey(sent(welcome, SendKind.STEP, days_before(15)))
    assert run(c, j).move is not None
    d = run(c, replace(j, state=replace(j.state, unsubscribed=True)))
    assert (d.move, d.reason) == (None, "unsubscribed: no more email")


# 2. and 3. timezone, signup in the future, all steps done


def test_signup_in_the_future_gets_nothing() -> None:
    d = run(customer(days_ago=-1), journey())
    assert d.move is None
    assert d.reason == "signs up in the future"


def test_all_steps_done_gets_nothing() -> None:
    d = run(customer(days_ago=30), journey(done=PLAN.steps))
    assert d.move is None
    assert d.reason == "all steps done"


def test_days_since_signup_counts_local_days_of_the_customer() -> None:
    # Signed up 2026-12-01 18:00 UTC: 2 December in Singapore, 1 December in New York.
    c = replace(customer(), signup_at=datetime(2026, 12, 1, 18, 0, tzinfo=UTC))
    sg = run(c, journey())
    assert sg.move is not None
    assert sg.move.days_since_signup == 0
    ny = run(replace(c, timezone=NY), journey())
    assert ny.move is not None
    # NOW is still 1 December in New York; the welcome goes out on 2 December there, day 1.
    assert ny.move.days_since_signup == 1
    later = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # 3 December in Singapore
    assert run(c, journey(sent(WELCOME, SendKind.STEP, TODAY)), later).reason.startswith("on track")


# 5c. step due


def test_first_step_is_due_on_signup_day() -> None:
    c = customer(days_ago=0)
    d = run(c, journey())
    assert d.move is not None
    assert d.move.kind is MoveKind.STEP_DUE
    assert d.move.step == WELCOME
    assert d.move.customer is c
    assert d.move.days_since_signup == 0
    assert d.move.reason == "day 0 since signup; 'Welcome' is due on day 0"
    assert d.move.window.at == NOW
    assert d.move.window.deferred_because is None
    assert d.reason == "send step 'Welcome': day 0 since signup; 'Welcome' is due on day 0"


def test_step_due_on_its_day_without_overdue_note() -> None:
    d = run(customer(days_ago=2), journey(sent(WELCOME, SendKind.STEP, days_before(2))))
    assert d.move is not None
    assert d.move.kind is MoveKind.STEP_DUE
    assert d.move.step == POS
    assert d.move.reason == "day 2 since signup; 'Connect your POS' is due on day 2"


def test_overdue_step_says_it_is_catching_up() -> None:
    d = run(customer(days_ago=3), journey(sent(WELCOME, SendKind.STEP, days_before(3))))
    assert d.move is not None
    assert d.move.step == POS
    assert d.move.reason == (
        "day 3 since signup; 'Connect your POS' is due on day 2 "
        "(overdue by 1 day; catching up one step a day)"
    )
    late = run(customer(days_ago=6), journey())
    assert late.move is not None
    assert late.move.step == WELCOME
    assert "(overdue by 6 days; catching up one step a day)" in late.move.reason


def test_done_but_unsent_step_is_skipped() -> None:
    d = run(customer(days_ago=2), journey(done=(WELCOME,)))
    assert d.move is not None
    assert d.move.step == POS


def test_customer_window_uses_customer_timezone_and_says_why() -> None:
    d = run(customer(days_ago=2, tz=NY), journey(sent(WELCOME, SendKind.STEP, date(2026, 11, 29))))
    assert d.move is not None
    assert d.move.kind is MoveKind.STEP_DUE
    # Tuesday 20:00 in New York: quiet hours until Wednesday 08:00 EST.
    assert d.move.window.rfc3339 == "2026-12-02T13:00:00Z"
    assert d.move.window.deferred_because == "quiet hours 20:00\u201308:00 in America/New_York"
    assert d.reason.endswith(
        "; deferred to 2026-12-02T13:00:00Z (quiet hours 20:00\u201308:00 in America/New_York)"
    )


# 5d. nudge


def test_nudge_after_the_configured_days() -> None:
    j = journey(
        sent(WELCOME, SendKind.STEP, days_before(4)),
        sent(POS, SendKind.STEP, days_before(2)),
        done=(WELCOME,),
    )
    d = run(customer(days_ago=4), j)
    assert d.move is not None
    assert d.move.kind is MoveKind.NUDGE
    assert d.move.step == POS
    assert d.move.reason == (
        "'Connect your POS' sent 2026-11-30, not done after 2 days (nudge after 2)"
    )
    assert d.reason.startswith("nudge about 'Connect your POS': ")


def test_no_nudge_before_its_day() -> None:
    j = journey(
        sent(WELCOME, SendKind.STEP, days_before(3)),
        sent(POS, SendKind.STEP, days_before(1)),
        done=(WELCOME,),
    )
    d = run(customer(days_ago=3), j)
    assert d.move is None
    assert d.reason == (
        "on track: waiting for 'Connect your POS' (nudge on 2026-12-03, flag on 2026-12-06); "
        "next step 'Upload your menu' on day 5 (2026-12-04)"
    )


def test_one_nudge_per_step() -> None:
    j = journey(
        sent(WELCOME, SendKind.STEP, days_before(4)),
        sent(POS, SendKind.STEP, days_before(3)),
        sent(POS, SendKind.NUDGE, days_before(1)),
        done=(WELCOME,),
    )
    d = run(customer(days_ago=4), j)
    assert d.move is None
    assert d.reason == (
        "on track: waiting for 'Connect your POS' (nudged on 2026-12-01, flag on 2026-12-04); "
        "next step 'Upload your menu' on day 5 (2026-12-03)"
    )


def test_step_due_outranks_nudge() -> None:
    j = journey(
        sent(WELCOME, SendKind.STEP, days_before(5)),
        sent(POS, SendKind.STEP, days_before(3)),
        done=(WELCOME,),
    )
    d = run(customer(days_ago=5), j)
    assert d.move is not None
    assert d.move.kind is MoveKind.STEP_DUE
    assert d.move.step == MENU


# 5a. flag


def test_flag_after_the_configured_days_in_business_window() -> None:
    j = journey(
        sent(WELCOME, SendKind.STEP, days_before(8)),
        sent(POS, SendKind.STEP, date(2026, 11, 26)),
        sent(POS, SendKind.NUDGE, date(2026, 11, 28)),
        sent(MENU, SendKind.STEP, days_before(1)),
        done=(WELCOME,),
    )
    c = customer(days_ago=8, tz=NY)
    d = run(c, j)
    assert d.move is not None
    assert d.move.kind is MoveKind.FLAG
    assert d.move.step == POS
    assert d.move.reason == (
        "step 'Connect your POS' sent 2026-11-26, no done click after 5 days (flag after 5)"
    )
    # The owner's business hours (Singapore, open now), not the customer's quiet New York night.
    assert d.move.window == next_send_window(NOW, SG, CALENDAR)
    assert d.move.window.at == NOW
    assert d.reason.startswith("flag 'Connect your POS' to owner: ")


def test_flag_outranks_already_messaged_today() -> None:
    j = journey(
        sent(WELCOME, SendKind.STEP, days_before(8)),
        sent(POS, SendKind.STEP, days_before(6)),
        sent(MENU, SendKind.STEP, TODAY),
        done=(WELCOME,),
    )
    d = run(customer(days_ago=8), j)
    assert d.move is not None
    assert d.move.kind is MoveKind.FLAG


def test_one_flag_per_step_and_no_nudge_after_a_flag() -> None:
    j = journey(
        sent(WELCOME, SendKind.STEP, days_before(9)),
        sent(POS, SendKind.STEP, days_before(7)),
        sent(POS, SendKind.FLAG, days_before(2)),
        sent(MENU, SendKind.STEP, days_before(4)),
        sent(MENU, SendKind.NUDGE, days_before(1)),
        done=(WELCOME,),
    )
    d = run(customer(days_ago=9), j)
    assert d.move is None
    assert d.reason == (
        "on track: waiting for 'Connect your POS' (flagged to owner on 2026-11-30); "
        "next step 'Go live' on day 10 (2026-12-03)"
    )


def test_flags_do_not_count_as_customer_messages() -> None:
    j = journey(
        sent(WELCOME, SendKind.STEP, days_before(7)),
        sent(POS, SendKind.STEP, days_before(6)),
        sent(POS, SendKind.FLAG, TODAY),
        done=(WELCOME,),
    )
    d = run(customer(days_ago=7), j)
    assert d.move is not None
    assert d.move.kind is MoveKind.STEP_DUE
    assert d.move.step == MENU


def test_owner_steps_on_slack_do_not_count_as_customer_messages() -> None:
    owner_step = replace(sent(POS, SendKind.STEP, TODAY), channel=Channel.SLACK)
    j = journey(sent(WELCOME, SendKind.STEP, days_before(7)), owner_step, done=(WELCOME, POS))
    d = run(customer(days_ago=7), j)
    assert d.move is not None
    assert d.move.kind is MoveKind.STEP_DUE
    assert d.move.step == MENU


# 5g. owner-facing moves (flags, owner tasks) never take the customer's email of the day

KICKOFF = Step(
    "kickoff",
    "Book a kickoff call",
    day=1,
    nudge_after_days=2,
    flag_after_days=4,
    channel=Channel.SLACK,
)
PRO = Plan("pro", "Pro", (WELCOME, KICKOFF, POS, MENU))


def owner_sent(step: Step, kind: SendKind, on: date, cid: str = "c1") -> SendRecord:
    """A post to the owner's Slack, recorded as og.logic.owner records it."""
    return replace(sent(step, kind, on, cid), channel=Channel.SLACK, recipient="U123")


def test_a_flag_and_the_due_step_email_go_out_the_same_day() -> None:
    c = customer(days_ago=8)
    sends = (sent(WELCOME, SendKind.STEP, days_before(8)), sent(POS, SendKind.STEP, days_before(6)))
    d = run(c, journey(*sends, done=(WELCOME,)))

    flag = Move(
        MoveKind.FLAG,
        c,
        POS,
        "step 'Connect your POS' sent 2026-11-26, no done click after 6 days (flag after 5)",
        next_send_window(NOW, SG, CALENDAR),
        8,
    )
    email = Move(
        MoveKind.STEP_DUE,
        c,
        MENU,
        "day 8 since signup; 'Upload your menu' is due on day 5 "
        "(overdue by 3 days; catching up one step a day)",
        next_send_window(NOW, SG, CALENDAR),
        8,
    )
    assert d == Decision(
        "c1",
        f"flag 'Connect your POS' to owner: {flag.reason}; "
        f"also send step 'Upload your menu': {email.reason}",
        flag,
        email,
    )
    # Each move is exactly the one the customer would get without the other.
    alone = run(c, journey(*sends, done=(WELCOME, MENU)))
    assert (alone.move, alone.also) == (flag, None)
    assert alone.reason == f"flag 'Connect your POS' to owner: {flag.reason}"
    no_flag = run(c, journey(*sends, sent(POS, SendKind.FLAG, days_before(1)), done=(WELCOME,)))
    assert (no_flag.move, no_flag.also) == (email, None)


def test_no_email_about_the_step_being_flagged() -> None:
    # 'Connect your POS' was never nudged (the day's email went elsewhere); today both its nudge
    # and its flag are due: the owner is told, the customer gets no nudge about it.
    c = customer(days_ago=5)
    j = journey(
        sent(WELCOME, SendKind.STEP, days_before(5)),
        sent(POS, SendKind.STEP, days_before(5)),
        sent(MENU, SendKind.STEP, days_before(1)),
        done=(WELCOME,),
    )
    no_flags = Plan("starter", "Starter", (WELCOME, replace(POS, flag_after_days=None), MENU))
    unflagged = decide(c, no_flags, j, NOW, CONFIG)
    assert unflagged.move is not None and (unflagged.move.kind, unflagged.move.step.id) == (
        MoveKind.NUDGE,
        "pos",
    )

    d = run(c, j)

    assert d.move is not None
    assert (d.move.kind, d.move.step, d.also) == (MoveKind.FLAG, POS, None)
    assert d.reason == (
        "flag 'Connect your POS' to owner: step 'Connect your POS' sent 2026-11-27, "
        "no done click after 5 days (flag after 5)"
    )


def test_never_two_emails_next_to_a_flag() -> None:
    # The POS flag, the menu nudge and the launch step are all due: the flag and one email.
    c = customer(days_ago=10)
    sends = (
        sent(WELCOME, SendKind.STEP, days_before(10)),
        sent(POS, SendKind.STEP, days_before(6)),
        sent(MENU, SendKind.STEP, days_before(3)),
    )
    d = run(c, journey(*sends, done=(WELCOME,)))
    assert d.move is not None and d.also is not None
    assert [(m.kind, m.step) for m in (d.move, d.also)] == [
        (MoveKind.FLAG, POS),
        (MoveKind.STEP_DUE, LAUNCH),  # a step outranks the nudge, as on any day
    ]
    # Already emailed today (the menu nudge went out this morning): the flag alone.
    today = run(c, journey(*sends, sent(MENU, SendKind.NUDGE, TODAY), done=(WELCOME,)))
    assert today.move is not None
    assert (today.move.kind, today.move.step, today.also) == (MoveKind.FLAG, POS, None)
    assert today.move == d.move
    assert today.reason == (
        "flag 'Connect your POS' to owner: step 'Connect your POS' sent 2026-11-26, "
        "no done click after 6 days (flag after 5)"
    )


def test_an_owner_task_goes_out_in_the_business_hours_next_to_the_customer_email() -> None:
    # Signed up Monday 30 November 21:00 in New York. Now is Wednesday 09:00 in Singapore, still
    # Tuesday 20:00 (quiet hours) in New York: the owner is told now, on the customer's day 1;
    # the customer's day-2 email waits for 08:00 their time.
    c = customer(days_ago=1, tz=NY)
    d = decide(c, PRO, journey(sent(WELCOME, SendKind.STEP, date(2026, 11, 30))), NOW, CONFIG)

    task = Move(
        MoveKind.STEP_DUE,
        c,
        KICKOFF,
        "day 1 since signup; 'Book a kickoff call' is due on day 1",
        next_send_window(NOW, SG, CALENDAR),
        1,
    )
    assert task.window.at == NOW and task.window.deferred_because is None
    assert d.move == task
    assert d.also is not None
    assert (d.also.kind, d.also.step, d.also.days_since_signup) == (MoveKind.STEP_DUE, POS, 2)
    assert d.also.window.rfc3339 == "2026-12-02T13:00:00Z"
    assert d.reason == (
        "owner task 'Book a kickoff call': day 1 since signup; 'Book a kickoff call' is due on "
        "day 1; also send step 'Connect your POS': day 2 since signup; 'Connect your POS' is due "
        "on day 2; deferred to 2026-12-02T13:00:00Z (quiet hours 20:00\u201308:00 in "
        "America/New_York)"
    )


def test_an_owner_task_waits_for_the_business_hours_not_the_customer_hours() -> None:
    # 21:30 in Singapore (the business's quiet hours) is 08:30 in New York (the customer's
    # send hours): the owner task waits for 08:00 Thursday in Singapore, the email goes now.
    now = datetime(2026, 12, 2, 13, 30, tzinfo=UTC)
    c = customer(days_ago=1, tz=NY)
    d = decide(c, PRO, journey(sent(WELCOME, SendKind.STEP, date(2026, 11, 30))), now, CONFIG)
    assert d.move is not None and d.also is not None
    assert (d.move.kind, d.move.step) == (MoveKind.STEP_DUE, KICKOFF)
    assert d.move.window.rfc3339 == "2026-12-03T00:00:00Z"  # Thursday 08:00 in Singapore
    assert d.move.window.deferred_because == "quiet hours 20:00\u201308:00 in Asia/Singapore"
    assert (d.also.kind, d.also.step) == (MoveKind.STEP_DUE, POS)
    assert (d.also.window.at, d.also.window.deferred_because) == (now, None)


def test_an_owner_task_and_its_nudge_never_take_the_customer_email() -> None:
    c = customer(days_ago=0)
    day0 = decide(c, PRO, journey(), NOW, CONFIG)
    assert day0.move is not None and day0.also is None  # the kickoff is due on day 1
    assert (day0.move.kind, day0.move.step) == (MoveKind.STEP_DUE, WELCOME)

    # Day 4: the kickoff was posted on day 2 and not done; the POS email went out on day 2.
    c = customer(days_ago=4)
    j = journey(
        sent(WELCOME, SendKind.STEP, days_before(4)),
        owner_sent(KICKOFF, SendKind.STEP, days_before(2)),
        sent(POS, SendKind.STEP, days_before(2)),
        done=(WELCOME,),
    )
    d = decide(c, PRO, j, NOW, CONFIG)
    assert d.move is not None and d.also is not None
    assert [(m.kind, m.step.id, m.window.at) for m in (d.move, d.also)] == [
        (MoveKind.NUDGE, "kickoff", NOW),  # reminds the owner
        (MoveKind.NUDGE, "pos", NOW),  # the customer's nudge all the same
    ]
    assert d.reason.startswith("remind owner of 'Book a kickoff call': 'Book a kickoff call' sent")
    # A post to the owner today does not fill the customer's day either.
    j2 = replace(j, sends=(*j.sends, owner_sent(KICKOFF, SendKind.NUDGE, TODAY)))
    d2 = decide(c, PRO, j2, NOW, CONFIG)
    assert (d2.move, d2.also) == (d.also, None)


def test_one_email_a_day_with_owner_moves_over_four_weeks() -> None:
    """Customers in five timezones, no done clicks, 28 ticks: each gets at most one email on each
    of their days, the owner at most one post per customer per tick, in the business's hours;
    and owner posts went out on days the customer got an email too."""
    zones = (None, NY, LA, "Europe/London", "Australia/Sydney")
    customers = [
        replace(customer(days_ago=n, tz=tz, cid=f"c{i}-{n}"), plan="pro")
        for i, tz in enumerate(zones)
        for n in (0, 3, 9)
    ]
    rules = Rules({"pro": PRO})
    sends: dict[str, list[SendRecord]] = {c.customer_id: [] for c in customers}
    emails: Counter[tuple[str, date]] = Counter()
    owner_days: set[tuple[str, date]] = set()
    for offset in range(28):
        now = NOW + timedelta(days=offset)
        journeys = {cid: Journey(CustomerState(cid), tuple(s)) for cid, s in sends.items()}
        day = plan_day(customers, rules, journeys, now, CONFIG)
        for d in day.decisions:
            moves = [m for m in (d.move, d.also) if m is not None]
            to_owner = [
                m for m in moves if m.kind is MoveKind.FLAG or m.step.channel is Channel.SLACK
            ]
            assert len(to_owner) <= 1 and len(moves) - len(to_owner) <= 1, d
            assert d.also is None or to_owner == [d.move], d
            for m in moves:
                cid = m.customer.customer_id
                tz = m.customer.timezone or SG
                at = m.window.at
                if m in to_owner:
                    local = at.astimezone(ZoneInfo(SG))
                    assert 8 <= local.hour < 20 and local.weekday() < 5, (d, local)
                    kind = SEND_KIND[m.kind]
                    sends[cid].append(owner_sent(m.step, kind, local_date(at, tz), cid))
                    owner_days.add((cid, local_date(at, tz)))
                else:
                    on = local_date(at, tz)
                    emails[(cid, on)] += 1
                    sends[cid].append(SendRecord(cid, m.step.id, SEND_KIND[m.kind], at, on))
    assert max(emails.values()) == 1
    for cid, records in sends.items():
        keys = [(r.step_id, r.kind) for r in records]
        assert len(keys) == len(set(keys)), cid  # each step, nudge and flag once
    assert owner_days & set(emails), "an owner post and an email on the same customer day"


# 5b. one message a day


def test_already_messaged_today() -> None:
    j = journey(sent(WELCOME, SendKind.STEP, TODAY))
    d = run(customer(days_ago=4), j)
    assert d.move is None
    assert d.reason == "already messaged on 2026-12-02"


def test_a_nudge_today_counts_as_a_message() -> None:
    j = journey(
        sent(WELCOME, SendKind.STEP, days_before(6)),
        sent(POS, SendKind.STEP, days_before(3)),
        sent(POS, SendKind.NUDGE, TODAY),
        done=(WELCOME,),
    )
    d = run(customer(days_ago=6), j)  # 'Upload your menu' is due, but not today
    assert d.move is None
    assert d.reason == "already messaged on 2026-12-02"


def test_already_messaged_on_the_window_day() -> None:
    # 20:00 Tuesday in New York: the window is Wednesday, and a message went out Wednesday.
    c = customer(days_ago=4, tz=NY)
    d = run(c, journey(sent(WELCOME, SendKind.STEP, date(2026, 12, 2))))
    assert d.move is None
    assert d.reason == "already messaged on 2026-12-02"
    # A message on the customer's Tuesday (today there) does not block Wednesday's.
    d = run(c, journey(sent(WELCOME, SendKind.STEP, date(2026, 12, 1))))
    assert d.move is not None
    assert (d.move.kind, d.move.step) == (MoveKind.STEP_DUE, POS)
    assert local_date(d.move.window.at, NY) == date(2026, 12, 2)


def test_catch_up_sends_one_step_a_day() -> None:
    """A customer 12 days in with nothing sent gets one step per open day, never two."""
    c = customer(days_ago=12)
    sends: list[SendRecord] = []
    done: set[str] = set()
    log: list[tuple[str, str]] = []
    for offset in range(8):  # Wednesday 2 December .. Wednesday 9 December
        now = NOW + timedelta(days=offset)
        state = CustomerState("c1", steps_done=frozenset(done))
        day = plan_day([c], RULES, {"c1": Journey(state, tuple(sends))}, now, CONFIG)
        assert len(day.decisions) == 1
        assert len(day.moves) <= 1
        if day.closed_because:
            log.append((day.business_date.isoformat(), "closed"))
            continue
        if not day.moves:
            log.append((day.business_date.isoformat(), day.decisions[0].reason))
            continue
        move = day.moves[0]
        assert move.kind is MoveKind.STEP_DUE
        assert "catching up one step a day" in move.reason
        on = local_date(move.window.at, SG)
        sends.append(SendRecord("c1", move.step.id, SendKind.STEP, move.window.at, on))
        done.add(move.step.id)  # the customer clicks done the same day
        log.append((on.isoformat(), move.step.id))
    assert log == [
        ("2026-12-02", "welcome"),
        ("2026-12-03", "pos"),
        ("2026-12-04", "menu"),
        ("2026-12-05", "closed"),
        ("2026-12-06", "closed"),
        ("2026-12-07", "launch"),
        ("2026-12-08", "all steps done"),
        ("2026-12-09", "all steps done"),
    ]


def test_catch_up_without_done_clicks_still_one_message_a_day() -> None:
    c = customer(days_ago=12)
    sends: list[SendRecord] = []
    log: list[tuple[str, str, str]] = []
    for offset in range(14):  # Wednesday 2 December .. Tuesday 15 December
        now = NOW + timedelta(days=offset)
        day = plan_day([c], RULES, {"c1": journey(*sends)}, now, CONFIG)
        assert len([m for m in day.moves if m.kind is not MoveKind.FLAG]) <= 1
        for move in day.moves:
            on = local_date(move.window.at, SG)
            sends.append(SendRecord("c1", move.step.id, SEND_KIND[move.kind], move.window.at, on))
            log.append((on.isoformat(), move.kind.value, move.step.id))
    assert log == [
        ("2026-12-02", "step_due", "welcome"),
        ("2026-12-03", "step_due", "pos"),
        ("2026-12-04", "step_due", "menu"),
        ("2026-12-07", "step_due", "launch"),  # weekend closed; a step outranks the POS nudge
        ("2026-12-08", "flag", "pos"),  # 5 days after it went out
        ("2026-12-08", "nudge", "menu"),  # the flag is not the customer's email of the day
        ("2026-12-14", "flag", "launch"),
    ]
    customer_days = [on for on, kind, _ in log if kind != "flag"]
    assert len(customer_days) == len(set(customer_days))


# 5e. nothing, with a useful reason


def test_waiting_for_next_step() -> None:
    j = journey(sent(WELCOME, SendKind.STEP, days_before(1)), done=(WELCOME,))
    d = run(customer(days_ago=1), j)
    assert d.move is None
    assert d.reason == "next step 'Connect your POS' on day 2 (2026-12-03)"


def test_idle_reason_prefers_a_step_with_a_reminder_to_come() -> None:
    j = journey(
        sent(WELCOME, SendKind.STEP, days_before(3)),  # no reminders configured
        sent(POS, SendKind.STEP, days_before(1)),
    )
    d = run(customer(days_ago=3), j)
    assert d.reason == (
        "on track: waiting for 'Connect your POS' (nudge on 2026-12-03, flag on 2026-12-06); "
        "next step 'Upload your menu' on day 5 (2026-12-04)"
    )


def test_all_steps_sent_without_reminders_to_come() -> None:
    j = journey(
        *(sent(s, SendKind.STEP, days_before(20 - s.day)) for s in PLAN.steps),
        sent(POS, SendKind.FLAG, days_before(9)),
        sent(MENU, SendKind.NUDGE, days_before(10)),
        done=(LAUNCH,),
    )
    d = run(customer(days_ago=20), j)
    assert d.move is None
    assert d.reason == "all steps sent; waiting for done clicks"


def test_all_steps_sent_waiting_for_done_clicks() -> None:
    j = journey(
        *(sent(s, SendKind.STEP, days_before(20 - s.day)) for s in PLAN.steps),
        sent(LAUNCH, SendKind.FLAG, days_before(2)),
        done=(WELCOME, POS, MENU),
    )
    d = run(customer(days_ago=20), j)
    assert d.move is None
    assert d.reason == (
        "all steps sent; waiting for done clicks ('Go live': flagged to owner on 2026-11-30)"
    )


# 5f. renamed and retired steps: progress is carried over, or the customer is held

POS_RENAMED = replace(POS, id="pos-connect", former_ids=("pos",))
RENAMED_PLAN = Plan("starter", "Starter", (WELCOME, POS_RENAMED, MENU, LAUNCH))


def run_renamed(c: Customer, j: Journey, plan: Plan = RENAMED_PLAN) -> Decision:
    return decide(c, plan, j, NOW, CONFIG)


def test_a_step_sent_under_its_former_id_is_not_sent_again_and_its_nudge_keeps_time() -> None:
    j = journey(
        sent(WELCOME, SendKind.STEP, days_before(4)),
        sent(POS, SendKind.STEP, days_before(2)),  # recorded as 'pos', before the rename
        done=(WELCOME,),
    )
    assert run(customer(days_ago=4), j).move is not None  # the plan without the rename
    d = run_renamed(customer(days_ago=4), j)
    assert d.move is not None
    assert (d.move.kind, d.move.step) == (MoveKind.NUDGE, POS_RENAMED)
    assert d.move.reason == (
        "'Connect your POS' sent 2026-11-30, not done after 2 days (nudge after 2)"
    )


def test_flag_timing_continues_from_the_send_under_the_former_id() -> None:
    j = journey(
        sent(WELCOME, SendKind.STEP, days_before(7)),
        sent(POS, SendKind.STEP, days_before(5)),
        sent(POS, SendKind.NUDGE, days_before(3)),
        sent(MENU, SendKind.STEP, days_before(2)),
        done=(WELCOME,),
    )
    d = run_renamed(customer(days_ago=7), j)
    assert d.move is not None
    assert (d.move.kind, d.move.step) == (MoveKind.FLAG, POS_RENAMED)
    assert "sent 2026-11-27, no done click after 5 days" in d.move.reason


def test_the_original_send_counts_when_both_ids_were_sent() -> None:
    original = sent(POS, SendKind.STEP, days_before(6))
    again = sent(POS_RENAMED, SendKind.STEP, days_before(1))
    for order in ((original, again), (again, original)):
        j = journey(sent(WELCOME, SendKind.STEP, days_before(8)), *order, done=(WELCOME,))
        d = run_renamed(customer(days_ago=8), j)
        assert d.move is not None and d.move.kind is MoveKind.FLAG, order
        assert "sent 2026-11-26, no done click after 6 days" in d.move.reason


def test_a_done_click_under_the_former_id_counts() -> None:
    j = journey(
        sent(WELCOME, SendKind.STEP, days_before(4)),
        sent(POS, SendKind.STEP, days_before(2)),
        done=(WELCOME, POS),
    )
    d = run_renamed(customer(days_ago=4), j)
    assert d.move is None
    assert d.reason == "next step 'Upload your menu' on day 5 (2026-12-03)"
    all_done = journey(done=(WELCOME, POS, MENU, LAUNCH))
    assert run_renamed(customer(days_ago=20), all_done).reason == "all steps done"


def test_progress_on_a_step_the_plan_no_longer_has_holds_the_customer() -> None:
    no_was = Plan("starter", "Starter", (WELCOME, replace(POS, id="pos-connect"), MENU, LAUNCH))
    held = (
        "held: sends or done clicks on step 'pos', which plan 'Starter' no longer has; in the "
        "rules doc add '(was: pos)' to the step that replaced it, or 'Retired: pos' under "
        "'Plan: Starter'"
    )
    sent_only = journey(
        sent(WELCOME, SendKind.STEP, days_before(6)),
        sent(POS, SendKind.STEP, days_before(4)),
        done=(WELCOME,),
    )
    done_only = journey(done=(WELCOME, POS))
    for j in (sent_only, done_only):
        d = run_renamed(customer(days_ago=6), j, no_was)  # 'Upload your menu' is due too
        assert (d.move, d.reason) == (None, held)
    paused = Journey(replace(sent_only.state, paused=True), sent_only.sends)
    assert run_renamed(customer(days_ago=6), paused, no_was).reason == "paused by owner"


def test_a_retired_step_is_ignored_but_its_message_still_fills_the_day() -> None:
    retired = Plan("starter", "Starter", (WELCOME, MENU, LAUNCH), retired_ids=frozenset({"pos"}))
    earlier = journey(
        sent(WELCOME, SendKind.STEP, days_before(5)),
        sent(POS, SendKind.STEP, days_before(2)),
        done=(WELCOME, POS),
    )
    d = run_renamed(customer(days_ago=5), earlier, retired)
    assert d.move is not None and (d.move.kind, d.move.step) == (MoveKind.STEP_DUE, MENU)
    today = journey(
        sent(WELCOME, SendKind.STEP, days_before(5)),
        sent(POS, SendKind.STEP, TODAY),
        done=(WELCOME,),
    )
    d = run_renamed(customer(days_ago=5), today, retired)
    assert (d.move, d.reason) == (None, "already messaged on 2026-12-02")


# 6. plan_day


def test_plan_day_on_a_weekend_closes_everyone() -> None:
    saturday = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    customers = [customer(days_ago=3), customer(days_ago=0, cid="c2", tz=NY)]
    day = plan_day(customers, RULES, {}, saturday, CONFIG)
    assert day.closed_because == "Saturday is a weekend day"
    assert day.business_date == date(2026, 12, 5)
    assert day.moves == []
    assert [d.reason for d in day.decisions] == ["closed today: Saturday is a weekend day"] * 2


def test_plan_day_on_a_holiday_closes_everyone() -> None:
    christmas = datetime(2026, 12, 25, 1, 0, tzinfo=UTC)
    day = plan_day([customer()], RULES, {}, christmas, CONFIG)
    assert day.closed_because == "holiday: Christmas Day"
    assert day.decisions == (Decision("c1", "closed today: holiday: Christmas Day"),)


def test_plan_day_business_date_is_in_business_timezone() -> None:
    # 2026-12-04 17:00 UTC is Saturday 01:00 in Singapore: closed, though Friday in UTC.
    day = plan_day([customer()], RULES, {}, datetime(2026, 12, 4, 17, 0, tzinfo=UTC), CONFIG)
    assert day.business_date == date(2026, 12, 5)
    assert day.closed_because == "Saturday is a weekend day"


def test_plan_day_skips_unknown_plans_and_fills_missing_journeys() -> None:
    problem = RowProblem("customers.csv", 7, "c9", "plan", "unknown plan 'gold'")
    known = customer(days_ago=0)
    unknown = replace(customer(cid="c9"), plan="gold")
    messaged = customer(days_ago=3, cid="c3")
    journeys = {"c3": journey(sent(WELCOME, SendKind.STEP, TODAY, cid="c3"), cid="c3")}
    day = plan_day([known, unknown, messaged], RULES, journeys, NOW, CONFIG, [problem])
    assert day.tick_at == NOW
    assert day.business_date == TODAY
    assert day.closed_because is None
    assert day.problems == (problem,)
    assert [d.customer_id for d in day.decisions] == ["c1", "c3"]
    assert [m.step.id for m in day.moves] == ["welcome"]
    assert day.decisions[1].reason == "already messaged on 2026-12-02"


def test_plan_day_matches_plan_names_case_insensitively() -> None:
    c = replace(customer(days_ago=0), plan=" Starter ")
    day = plan_day([c], RULES, {}, NOW, CONFIG)
    assert len(day.moves) == 1


def test_plan_day_agrees_with_decide() -> None:
    customers = [
        customer(days_ago=0, cid="a"),
        customer(days_ago=3, cid="b", tz=NY),
        customer(days_ago=8, cid="c", tz="Europe/London"),
        customer(days_ago=-2, cid="d"),
    ]
    journeys = {
        "c": journey(
            sent(WELCOME, SendKind.STEP, days_before(8), cid="c"),
            sent(POS, SendKind.STEP, days_before(6), cid="c"),
            cid="c",
        )
    }
    day = plan_day(customers, RULES, journeys, NOW, CONFIG)
    one_by_one = tuple(
        decide(c, PLAN, journeys.get(c.customer_id, journey(cid=c.customer_id)), NOW, CONFIG)
        for c in customers
    )
    assert day.decisions == one_by_one
    assert [m.kind for m in day.moves] == [
        MoveKind.STEP_DUE,
        MoveKind.STEP_DUE,
        MoveKind.FLAG,
        MoveKind.STEP_DUE,  # c: 'Upload your menu', the same day as the flag about the POS
    ]


def test_unknown_customer_timezone_does_not_stop_the_day() -> None:
    bad = customer(days_ago=0, tz="Mars/Olympus_Mons")
    good = customer(days_ago=0, cid="c2")
    day = plan_day([bad, good], RULES, {}, NOW, CONFIG)
    assert day.decisions[0] == Decision("c1", "unknown timezone 'Mars/Olympus_Mons'")
    assert [m.customer.customer_id for m in day.moves] == ["c2"]


def test_every_decision_has_a_reason() -> None:
    customers = [customer(days_ago=n, cid=f"c{n}") for n in range(-1, 15)]
    day = plan_day(customers, RULES, {}, NOW, CONFIG)
    assert all(d.reason for d in day.decisions)
    for move in day.moves:
        assert move.step.title in move.reason
        assert move.step.title in next(
            d.reason for d in day.decisions if d.customer_id == move.customer.customer_id
        )


# 7. customers in other timezones: one message on each of their business days

LA = "America/Los_Angeles"
MANY = Plan("many", "Many", tuple(Step(f"s{n:02}", f"Step {n}", 0, None, None) for n in range(30)))


def _customer_days(
    tz: str, config: Config, first: date, days: int, signup_at: datetime
) -> list[date]:
    """Run the daily tick (09:00 in the business timezone) for `days` days from `first` for a
    customer with every step due and no done clicks; the customer-local dates of their emails."""
    c = Customer("c1", "Dana Lee", "dana@example.com", "many", signup_at, tz)
    sends: list[SendRecord] = []
    business = ZoneInfo(config.timezone)
    for offset in range(days):
        tick = datetime.combine(first + timedelta(days=offset), time(9, 0), business)
        day = plan_day([c], Rules({"many": MANY}), {"c1": journey(*sends)}, tick, config)
        for move in day.moves:
            assert move.kind is MoveKind.STEP_DUE
            at = move.window.at
            sends.append(SendRecord("c1", move.step.id, SendKind.STEP, at, local_date(at, tz)))
    return [s.local_date for s in sends]


def _open_days(first: date, last: date, config: Config) -> list[date]:
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [d for d in days if closed_reason(d, config.calendar) is None]


def test_new_york_customer_of_a_singapore_business_gets_one_email_each_business_day() -> None:
    # 09:00 in Singapore is 20:00 (19:00 before 1 November) the evening before in New York.
    signup = datetime(2026, 10, 26, 12, 0, tzinfo=UTC)  # Monday 08:00 in New York
    days = _customer_days(NY, CONFIG, date(2026, 10, 26), 7, signup)
    assert days == [date(2026, 10, d) for d in (26, 27, 28, 29, 30)]  # Monday to Friday


def test_every_timezone_gets_one_email_on_each_open_day_over_four_weeks() -> None:
    """Across DST changes (Europe 25 October, US 1 November) and a Singapore-only holiday
    (Diwali observed, Monday 9 November), for a business in Singapore and one in New York."""
    first, weeks = date(2026, 10, 26), 4
    signup = datetime(2026, 10, 20, tzinfo=UTC)
    zones = [
        "Pacific/Pago_Pago",
        "Pacific/Honolulu",
        LA,
        NY,
        "America/Sao_Paulo",
        "Europe/London",
        "Asia/Kolkata",
        SG,
        "Australia/Sydney",
        "Pacific/Auckland",
        "Pacific/Kiritimati",
    ]
    for config in (CONFIG, replace(CONFIG, timezone=NY)):
        for tz in zones:
            days = _customer_days(tz, config, first, 7 * weeks, signup)
            assert len(days) == len(set(days)), (config.timezone, tz, days)
            # Every open day between the first email and the last has exactly one.
            assert days == _open_days(days[0], days[-1], config), (config.timezone, tz)
            assert len(days) == 5 * weeks - 1, (config.timezone, tz)  # less Diwali
    assert date(2026, 11, 9) not in _customer_days(NY, CONFIG, first, 28, signup)


def test_west_customer_message_waits_for_the_business_day_to_begin_there() -> None:
    # Wednesday 09:00 in Singapore is Tuesday 17:00 in Los Angeles, inside their send hours.
    c = customer(days_ago=4, tz=LA)
    d = run(c, journey(sent(WELCOME, SendKind.STEP, date(2026, 12, 1))))  # Tuesday's email
    assert d.move is not None
    assert (d.move.kind, d.move.step) == (MoveKind.STEP_DUE, POS)
    assert d.move.window.rfc3339 == "2026-12-02T16:00:00Z"  # Wednesday 08:00 PST
    assert d.move.window.deferred_because == (
        "2026-12-02 has not begun in America/Los_Angeles; "
        "quiet hours 20:00\u201308:00 in America/Los_Angeles"
    )


def test_days_since_signup_counts_to_the_customer_day_of_the_email() -> None:
    # Signed up Sunday 29 November 21:00 in New York; the email goes out Wednesday 2 December.
    c = replace(customer(tz=NY), signup_at=datetime(2026, 11, 30, 2, 0, tzinfo=UTC))
    d = run(c, journey(sent(WELCOME, SendKind.STEP, date(2026, 11, 29))))
    assert d.move is not None
    assert d.move.days_since_signup == 3
    assert d.move.reason == (
        "day 3 since signup; 'Connect your POS' is due on day 2 "
        "(overdue by 1 day; catching up one step a day)"
    )


def test_nudge_counts_days_to_the_customer_day_it_is_sent() -> None:
    # 'Connect your POS' went out Monday 30 November in New York; the nudge (after 2 days) goes
    # out Wednesday 2 December there, decided at 20:00 on Tuesday.
    j = journey(
        sent(WELCOME, SendKind.STEP, date(2026, 11, 28)),
        sent(POS, SendKind.STEP, date(2026, 11, 30)),
        done=(WELCOME,),
    )
    d = run(customer(days_ago=3, tz=NY), j)
    assert d.move is not None
    assert (d.move.kind, d.move.step) == (MoveKind.NUDGE, POS)
    assert d.move.reason == (
        "'Connect your POS' sent 2026-11-30, not done after 2 days (nudge after 2)"
    )
    assert local_date(d.move.window.at, NY) == date(2026, 12, 2)


def test_flag_counts_days_to_the_customer_day_when_the_owner_is_told() -> None:
    # Sent Friday 27 November in New York, flag after 5: the owner is told now, which is still
    # Tuesday 1 December there (4 days), not at the customer's next send window.
    j = journey(
        sent(WELCOME, SendKind.STEP, date(2026, 11, 25)),
        sent(POS, SendKind.STEP, date(2026, 11, 27)),
        sent(POS, SendKind.NUDGE, date(2026, 11, 30)),
        done=(WELCOME,),
    )
    c = customer(days_ago=7, tz=NY)  # signed up Tuesday 24 November 21:00 in New York
    d = run(c, j)
    assert d.move is not None
    assert (d.move.kind, d.move.step) == (MoveKind.STEP_DUE, MENU)  # no flag yet
    later = run(c, j, NOW + timedelta(days=1))  # Wednesday 20:00 in New York: 5 days
    assert later.move is not None
    assert later.move.kind is MoveKind.FLAG
    assert later.move.reason == (
        "step 'Connect your POS' sent 2026-11-27, no done click after 5 days (flag after 5)"
    )
    assert later.move.window.at == NOW + timedelta(days=1)
    assert later.move.days_since_signup == 8  # 24 November to 2 December in New York
