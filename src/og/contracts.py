"""The move: one typed record shared by the guide (one row of moves/<date>.csv), the journey's
input (the Distributed Map types the CSV's strings, see daily-tick's ItemSelector) and the task
handlers. Pydantic lives here, outside the pure core; the record converts to and from core types."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, field_validator

from og.core.errors import StepNotInRules
from og.core.models import Channel, Customer, MoveKind, Plan, Rules, SendKind, Step

_SEND_KIND = {
    MoveKind.STEP_DUE: SendKind.STEP,
    MoveKind.NUDGE: SendKind.NUDGE,
    MoveKind.FLAG: SendKind.FLAG,
}


class JourneyMove(BaseModel):
    """One customer's move for one day. A CSV row (every field a string) validates as well as the
    typed journey input: "true"/"false" and "12" are read as a flag and a number."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    execution_name: str
    customer_id: str
    move: MoveKind
    step_id: str
    reason: str
    send_at: str  # RFC 3339, read as is by the journey's Wait (TimestampPath)
    deferred_because: str = ""
    date: date
    days_since_signup: int
    personalized: bool
    channel: Channel
    name: str
    email: str
    plan: str
    signup_at: datetime
    timezone: str | None = None
    owner: str | None = None

    @field_validator("personalized", mode="before")
    @classmethod
    def _true_or_false(cls, value: object) -> object:
        # Only what the ItemSelector's States.StringToJson reads as a JSON boolean.
        if isinstance(value, str) and value not in ("true", "false"):
            raise ValueError(f"personalized is 'true' or 'false', not {value!r}")
        return value

    @field_validator("timezone", "owner", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None

    def csv_row(self) -> dict[str, str]:
        """The row the guide writes: readable by an owner, typed again by the Map's ItemSelector."""
        return {
            **self.model_dump(mode="json"),
            "days_since_signup": str(self.days_since_signup),
            "personalized": "true" if self.personalized else "false",
            "signup_at": self.signup_at.isoformat(),
            "timezone": self.timezone or "",
            "owner": self.owner or "",
        }

    @property
    def customer(self) -> Customer:
        return Customer(
            customer_id=self.customer_id,
            name=self.name,
            email=self.email,
            plan=self.plan,
            signup_at=self.signup_at,
            timezone=self.timezone,
            owner=self.owner,
        )

    @property
    def send_kind(self) -> SendKind:
        return _SEND_KIND[self.move]

    def plan_and_step(self, rules: Rules) -> tuple[Plan, Step]:
        """The move's plan and step in today's rules; they may have changed since the tick."""
        plan = rules.plan(self.plan)
        step = plan.step(self.step_id) if plan else None
        if plan is None or step is None:
            raise StepNotInRules(
                f"rules no longer have plan '{self.plan}' step '{self.step_id}' "
                f"(move {self.execution_name})"
            )
        return plan, step
