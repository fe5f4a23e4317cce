"""The monthly summary's figures: sign-ups, finishes, messages, owner answers, and where people
drop off (how many unfinished customers stopped after each step)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from html import escape
from zoneinfo import ZoneInfo

from og.core.digest import Change, finished_between
from og.core.models import Customer, Journey, Rules, SendKind
from og.core.step_identity import carry_over
from og.core.tables import Table

__all__ = [
    "DropOff",
    "MonthlyFigures",
    "build_figures",
    "previous_month",
    "summary_html",
    "summary_text",
]

NO_STEP_DONE = "(no step done yet)"


@dataclass(frozen=True, slots=True)
class DropOff:
    plan: str
    last_step_done: str  # the step's title, or NO_STEP_DONE
    customers: int


@dataclass(frozen=True, slots=True)
class MonthlyFigures:
    month: date  # its first day
    customers: int  # on the list now
    signups: int
    finishes: int
    steps_sent: int
    nudges_sent: int
    flags_raised: int
    done_clicks: int
    paused: int  # pauses recorded in the month (by the owner, or by a bounce)
    handed_off: int
    in_progress: int  # on the list now: not finished, paused or handed off
    drop_off: tuple[DropOff, ...]

    @property
    def month_name(self) -> str:
        return f"{_MONTHS[self.month.month - 1]} {self.month.year}"

    def table(self) -> Table:
        return Table(
            ("Figure", "Count"),
            (
                ("Customers on the list", str(self.customers)),
                ("Sign-ups this month", str(self.signups)),
                ("Finished onboarding", str(self.finishes)),
                ("Still onboarding", str(self.in_progress)),
                ("Step messages sent", str(self.steps_sent)),
                ("Nudges sent", str(self.nudges_sent)),
                ("Flags to the owner", str(self.flags_raised)),
                ("Steps marked done", str(self.done_clicks)),
                ("Paused", str(self.paused)),
                ("Handed off", str(self.handed_off)),
            ),
        )

    def drop_off_table(self) -> Table:
        return Table(
            ("Plan", "Last step done", "Customers"),
            tuple((d.plan, d.last_step_done, str(d.customers)) for d in self.drop_off),
        )

    def text(self) -> str:
        """Both tables as text: the email's figures, and what the narrative is written from."""
        drop = self.drop_off_table().text() if self.drop_off else "Nobody is mid-onboarding."
        return (
            f"{self.month_name}\n\n{self.table().text()}\n\n"
            f"Where unfinished customers are (their last step done):\n{drop}"
        )


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def previous_month(at: datetime, business_tz: str) -> tuple[datetime, datetime]:
    """[start, end) of the calendar month before the one `at` falls in, in the business
    timezone: the first Monday's run covers the month that just ended."""
    zone = ZoneInfo(business_tz)
    today = at.astimezone(zone).date()
    end_day = today.replace(day=1)
    start_day = (
        end_day.replace(year=end_day.year - 1, month=12)
        if end_day.month == 1
        else end_day.replace(month=end_day.month - 1)
    )
    return (
        datetime.combine(start_day, time(0, 0), zone),
        datetime.combine(end_day, time(0, 0), zone),
    )


def build_figures(
    customers: list[Customer],
    rules: Rules,
    journeys: Mapping[str, Journey],
    changes: Iterable[Change],
    *,
    start: datetime,
    end: datetime,
) -> MonthlyFigures:
    """The month [start, end). `changes` are the audit entries of the month (others are
    ignored); the drop-off counts the list's unfinished customers as they are now."""
    changes = [c for c in changes if start <= c.ts < end]
    sends = Counter(s.kind for j in journeys.values() for s in j.sends if start <= s.sent_at < end)
    actions = Counter(c.action for c in changes)

    drop: Counter[tuple[int, int, str, str]] = Counter()
    in_progress = 0
    plan_order = {key: i for i, key in enumerate(rules.plans)}
    for customer in customers:
        plan = rules.plan(customer.plan)
        journey = journeys.get(customer.customer_id)
        state = journey.state if journey else None
        if plan is None or (state is not None and state.finished):
            continue
        if state is None or not (state.paused or state.handed_off_to):
            in_progress += 1
        done = carry_over(plan, journey).state.steps_done if journey else frozenset()
        last = max((i for i, s in enumerate(plan.steps) if s.id in done), default=-1)
        title = plan.steps[last].title if last >= 0 else NO_STEP_DONE
        drop[(plan_order[plan.key], last, plan.name, title)] += 1

    return MonthlyFigures(
        month=start.date(),
        customers=len(customers),
        signups=sum(start <= c.signup_at < end for c in customers),
        finishes=len(finished_between(changes, start, end)),
        steps_sent=sends[SendKind.STEP],
        nudges_sent=sends[SendKind.NUDGE],
        flags_raised=sends[SendKind.FLAG],
        done_clicks=sum(n for action, n in actions.items() if action.startswith("done:")),
        paused=actions["owner:pause"],
        handed_off=actions["owner:hand_off"],
        in_progress=in_progress,
        drop_off=tuple(
            DropOff(plan_name, title, n) for (_, _, plan_name, title), n in sorted(drop.items())
        ),
    )


def summary_text(paragraph: str, figures: MonthlyFigures) -> str:
    """The email's plain text: the narrative, then the figures under it."""
    return f"{paragraph.strip()}\n\n{figures.text()}\n"


def summary_html(paragraph: str, figures: MonthlyFigures) -> str:
    drop = (
        figures.drop_off_table().html() if figures.drop_off else "<p>Nobody is mid-onboarding.</p>"
    )
    return (
        '<!doctype html><html><body style="font-family:system-ui,sans-serif">'
        f"<p>{escape(paragraph.strip())}</p>"
        f"<h3>{escape(figures.month_name)}</h3>{figures.table().html()}"
        f"<h3>Where unfinished customers are (their last step done)</h3>{drop}"
        "</body></html>"
    )
