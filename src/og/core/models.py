"""The guide's vocabulary: plans and steps, customers and their progress, moves and send windows.

Plain frozen dataclasses: the core is pure Python (no AWS, no Slack) and must decide 100k customers
a second, so nothing here validates on construction; the document parsers validate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum


class MoveKind(StrEnum):
    """What the daily tick decided to do for one customer today."""

    STEP_DUE = "step_due"
    NUDGE = "nudge"
    FLAG = "flag"


class SendKind(StrEnum):
    """What a send record is: a step message, a nudge about a step, or a flag to the owner."""

    STEP = "step"
    NUDGE = "nudge"
    FLAG = "flag"


class Channel(StrEnum):
    """How a step reaches its reader: an email to the customer, or a Slack post to the owner
    (for steps the owner carries out, such as a kickoff call)."""

    EMAIL = "email"
    SLACK = "slack"


class OwnerAction(StrEnum):
    """The owner's answer to a flag (the Slack buttons Pause / Hand off / Done); Pause and Resume
    are also the owner's `/og` command for any customer."""

    PAUSE = "pause"
    HAND_OFF = "hand_off"
    DONE = "done"
    RESUME = "resume"


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    title: str
    day: int
    nudge_after_days: int | None
    flag_after_days: int | None
    personalized: bool = False
    channel: Channel = Channel.EMAIL
    # Ids the step had before the owner renamed it ("Step: maker-profile (was: profile)"): sends
    # and done clicks recorded under them count for this step.
    former_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    key: str  # normalized (lower-case) plan name, as matched against the list's plan column
    name: str  # as the owner wrote it
    steps: tuple[Step, ...]
    retired_ids: frozenset[str] = frozenset()  # "Retired: <id>": progress on them is ignored
    # Derived from the steps: former id -> the step's id now, and every id the plan accounts for
    # (current, former, retired), so the tick need not rebuild them per customer.
    renamed: dict[str, str] = field(init=False, repr=False, compare=False)
    known_ids: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        renamed = {former: s.id for s in self.steps for former in s.former_ids}
        known = {s.id for s in self.steps} | renamed.keys() | self.retired_ids
        object.__setattr__(self, "renamed", renamed)
        object.__setattr__(self, "known_ids", frozenset(known))

    def step(self, step_id: str) -> Step | None:
        """The step with this id, or the step that was renamed from it."""
        step_id = self.renamed.get(step_id, step_id)
        return next((s for s in self.steps if s.id == step_id), None)


@dataclass(frozen=True, slots=True)
class Rules:
    plans: dict[str, Plan]

    def plan(self, name: str) -> Plan | None:
        return self.plans.get(" ".join(name.split()).lower())


@dataclass(frozen=True, slots=True)
class SendCalendar:
    """When messages may go out: outside quiet hours, on open days (not a weekend day, not a
    holiday of the configured country/subdivision, not an extra closed date)."""

    quiet_start: time  # e.g. 20:00; quiet hours may wrap midnight
    quiet_end: time  # e.g. 08:00
    weekend_days: frozenset[int]  # date.weekday() numbers, Monday = 0
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closed_dates: frozenset[date] = frozenset()


@dataclass(frozen=True, slots=True)
class Config:
    business_name: str
    timezone: str  # IANA name, e.g. Asia/Singapore
    calendar: SendCalendar
    sender: str  # From address, e.g. "Acme <hello@acme.example>"
    owner_slack_id: str
    reply_to: str | None = None
    done_link_base: str | None = None  # public URL of done-handler; None until deployed
    digest_channel: str | None = None  # Slack channel of the weekly digest; the owner when None
    summary_recipients: tuple[str, ...] = ()  # who gets the monthly summary email
    sheet_id: str | None = None  # the onboarding list's Google Sheet (deployed: drive-sync)
    rules_doc_id: str | None = None  # the rules Google Doc
    voice_doc_id: str | None = None  # the voice Google Doc


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    name: str
    email: str
    plan: str  # plan key
    signup_at: datetime  # aware, UTC
    timezone: str | None = None
    owner: str | None = None
    line: int = 0  # line in the onboarding list, for messages

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name


@dataclass(frozen=True, slots=True)
class CustomerState:
    customer_id: str
    steps_done: frozenset[str] = frozenset()
    paused: bool = False
    finished: bool = False
    flagged: bool = False
    handed_off_to: str | None = None
    paused_note: str | None = None
    unsubscribed: bool = False  # the customer asked for no more email (one-click unsubscribe)


@dataclass(frozen=True, slots=True)
class SendRecord:
    """One message that went out (og-sends)."""

    customer_id: str
    step_id: str
    kind: SendKind
    sent_at: datetime  # aware, UTC
    local_date: date  # the day it went out in the reader's timezone
    channel: Channel = Channel.EMAIL
    recipient: str = ""
    # A flag raised again about a message still in doubt, after the owner answered the earlier
    # one with Pause or Hand off and then resumed the customer: 1, 2, … (og.logic.reflag).
    reflag: int = 0

    @property
    def send_key(self) -> str:
        return send_key(self.step_id, self.kind, self.reflag)


def send_key(step_id: str, kind: SendKind, reflag: int = 0) -> str:
    """Sort key of og-sends: one message per (customer, step, kind), and per re-flag."""
    return f"{step_id}#{kind.value}" + (f"#{reflag}" if reflag else "")


@dataclass(frozen=True, slots=True)
class SendWindow:
    """The next allowed minute to send, and why it is later than asked (None when it is not)."""

    at: datetime  # aware, UTC
    deferred_because: str | None = None

    @property
    def rfc3339(self) -> str:
        return self.at.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Move:
    kind: MoveKind
    customer: Customer
    step: Step
    reason: str
    window: SendWindow
    days_since_signup: int


@dataclass(frozen=True, slots=True)
class Decision:
    """The day's verdict for one customer: a move, or nothing with the reason why. On a day
    with two moves, `move` is the one for the owner in Slack (a flag, an owner task) and `also`
    the customer's one email."""

    customer_id: str
    reason: str
    move: Move | None = None
    also: Move | None = None


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row of the onboarding list that was skipped, and why (reported once to the owner)."""

    source: str
    line: int
    customer_id: str
    field: str
    message: str

    @property
    def key(self) -> str:
        """Stable identity, so the same problem is reported once however many ticks see it."""
        return f"{self.customer_id or 'line' + str(self.line)}:{self.field}:{self.message}"

    def __str__(self) -> str:
        who = f" (customer {self.customer_id})" if self.customer_id else ""
        return f"{self.source} line {self.line}{who}, {self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class DayPlan:
    """Everything the tick decided for one day."""

    tick_at: datetime
    business_date: date
    decisions: tuple[Decision, ...]
    problems: tuple[RowProblem, ...] = ()
    closed_because: str | None = None

    @property
    def moves(self) -> list[Move]:
        moves = []
        for d in self.decisions:
            if d.move is not None:
                moves.append(d.move)
                if d.also is not None:
                    moves.append(d.also)
        return moves


@dataclass(frozen=True, slots=True)
class Journey:
    """What the store knows of one customer: progress and the messages already sent."""

    state: CustomerState
    sends: tuple[SendRecord, ...] = field(default=())
    # Of `sends`, those claimed and never confirmed: each may or may not have gone out.
    unconfirmed: tuple[SendRecord, ...] = field(default=())
