"""The monthly summary's figures: sign-ups, finishes, median days to finish, messages, owner
answers, the activation funnel of each plan and where most stop, and where unfinished customers
are (their last step done). Also the paragraph written from them when the model's is not used,
and the figures a model's paragraph may quote (og.core.narrative checks it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from html import escape
from itertools import zip_longest
from statistics import median
from zoneinfo import ZoneInfo

from og.core import funnel_chart as chart
from og.core.digest import Change, finished_between
from og.core.funnel import Drop, PlanFunnel, build_funnel, funnel_table
from og.core.models import Customer, Journey, Rules, SendKind
from og.core.narrative import unverified_numbers
from og.core.step_identity import carry_over
from og.core.tables import Table

__all__ = [
    "DropOff",
    "MonthlyFigures",
    "build_figures",
    "funnel_cid",
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
    median_days_to_finish: float | None = None  # of those who finished in the month
    funnels: tuple[PlanFunnel, ...] = ()  # everyone signed up before the month's end

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
                ("Median days to finish", _days(self.median_days_to_finish)),
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
        """The tables as text: the email's figures, and what the narrative is written from."""
        drop = self.drop_off_table().text() if self.drop_off else "Nobody is mid-onboarding."
        funnels = "".join(
            f"\n\n{funnel_title(f)}:\n{funnel_table(f).text()}\n{most_stop(f)}"
            for f in self.funnels
        )
        return (
            f"{self.month_name}\n\n{self.table().text()}{funnels}\n\n"
            f"Where unfinished customers are (their last step done):\n{drop}"
        )

    def names(self) -> tuple[str, ...]:
        """What the figures call things: digits in them are not figures."""
        titles = (stage for f in self.funnels for stage, _ in f.stages())
        return (self.month_name, *(f.plan for f in self.funnels), *titles)

    def counts(self) -> tuple[float, ...]:
        """Every count and number of days the figures state (what a paragraph may quote)."""
        numbers: list[float | None] = [
            self.customers, self.signups, self.finishes, self.median_days_to_finish,
            self.steps_sent, self.nudges_sent, self.flags_raised, self.done_clicks,
            self.paused, self.handed_off, self.in_progress,
        ]  # fmt: skip
        numbers += [d.customers for d in self.drop_off]
        for f in self.funnels:
            numbers += [f.signed_up, f.finished, f.median_days_to_finish]
            numbers += [n for s in f.steps for n in (s.done, s.median_days)]
            drop = f.biggest_drop()
            numbers += [drop.customers] if drop else []
        return tuple(n for n in numbers if n is not None)

    def percents(self) -> tuple[int, ...]:
        steps = (s.percent for f in self.funnels for s in f.steps)
        # The sign-ups are 100 % of themselves.
        return (100, *(f.finished_percent for f in self.funnels), *steps)

    def unverified(self, paragraph: str, *, names: tuple[str, ...] = ()) -> list[str]:
        """The numbers in `paragraph` that are none of these figures (empty: it may be used);
        digits in `names` (the business's) and in the figures' own names are not numbers."""
        return unverified_numbers(
            paragraph,
            counts=self.counts(),
            percents=self.percents(),
            names=(*self.names(), *names),
        )

    def paragraph(self) -> str:
        """The summary in words, from the figures alone (when no model paragraph is used)."""
        finished = f"{_customers(self.finishes)} finished onboarding"
        if self.median_days_to_finish is not None:
            finished += f", in a median of {_days(self.median_days_to_finish)} days from sign-up"
        said = [
            f"In {self.month_name}, {_customers(self.signups)} signed up and {finished}.",
            f"Still onboarding now: {self.in_progress}.",
        ]
        for f in self.funnels:
            drop = f.biggest_drop()
            if drop is not None:
                said.append(f"On the {f.plan} plan, m{_between(drop)[1:]}.")
        return " ".join(said)


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


def funnel_title(funnel: PlanFunnel) -> str:
    return f"Activation funnel, {funnel.plan} (everyone signed up by the month's end)"


def most_stop(funnel: PlanFunnel) -> str:
    drop = funnel.biggest_drop()
    return "Nobody stops along the way." if drop is None else f"{_between(drop)}."


def funnel_cid(month: date, index: int, domain: str) -> str:
    """The Content-ID (without <>) of a plan's funnel image, stable for the month."""
    return f"funnel-{index + 1}.{month:%Y-%m}@{domain}"


def _between(drop: Drop) -> str:
    return (
        f"Most stop between {_stage(drop.after)} and {_stage(drop.before)} "
        f"({_customers(drop.customers)})"
    )


def _stage(name: str) -> str:
    return {"signed up": "signing up", "finished": "finishing"}.get(name, f"'{name}'")


def _customers(n: int) -> str:
    return f"{n} customer" if n == 1 else f"{n} customers"


def _days(d: float | None) -> str:
    return "" if d is None else f"{d:g}"


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
    """The month [start, end). `changes` are audit entries: the month's give its figures, all
    before its end the funnel's days to each step; the drop-off and the funnel count the list's
    customers as they are now."""
    changes = list(changes)
    funnels = build_funnel(
        customers, rules, journeys, [c for c in changes if c.ts < end], signed_up_before=end
    )
    changes = [c for c in changes if start <= c.ts < end]
    finished = finished_between(changes, start, end)
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
        finishes=len(finished),
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
        median_days_to_finish=_median_days_to_finish(customers, finished),
        funnels=funnels,
    )


def _median_days_to_finish(
    customers: list[Customer], finished: Mapping[str, datetime]
) -> float | None:
    days = [
        (finished[c.customer_id] - c.signup_at).total_seconds() / 86400
        for c in customers
        if c.customer_id in finished and finished[c.customer_id] >= c.signup_at
    ]
    return round(median(days), 1) if days else None


def summary_text(paragraph: str, figures: MonthlyFigures) -> str:
    """The email's plain text: the narrative, then the figures under it."""
    return f"{paragraph.strip()}\n\n{figures.text()}\n"


def summary_html(paragraph: str, figures: MonthlyFigures, funnel_cids: Sequence[str] = ()) -> str:
    """The email's HTML; `funnel_cids` are the Content-IDs of the funnels' images (PNG parts of
    the same multipart/related), one per plan in the figures' order."""
    drop = (
        figures.drop_off_table().html() if figures.drop_off else "<p>Nobody is mid-onboarding.</p>"
    )
    funnels = "".join(
        f"<h3>{escape(funnel_title(f))}</h3>"
        + (
            f'<img src="cid:{escape(cid)}" width="{chart.WIDTH}" alt="{escape(_alt(f))}"><br>'
            if cid
            else ""
        )
        + f"{funnel_table(f).html()}<p>{escape(most_stop(f))}</p>"
        for f, cid in zip_longest(figures.funnels, funnel_cids[: len(figures.funnels)])
    )
    return (
        '<!doctype html><html><body style="font-family:system-ui,sans-serif">'
        f"<p>{escape(paragraph.strip())}</p>"
        f"<h3>{escape(figures.month_name)}</h3>{figures.table().html()}{funnels}"
        f"<h3>Where unfinished customers are (their last step done)</h3>{drop}"
        "</body></html>"
    )


def _alt(funnel: PlanFunnel) -> str:
    return "Funnel: " + ", ".join(f"{stage} {n}" for stage, n in funnel.stages())
