"""The events each task Lambda receives from the state machines (validated with powertools'
parser), so a malformed payload fails with the field that is wrong."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from og.contracts import JourneyMove


class ScheduledEvent(BaseModel):
    """What an EventBridge Scheduler schedule sends (the weekly digest, the monthly summary)."""

    scheduled_time: datetime | None = None  # <aws.scheduler.scheduled-time>; now when absent


class TickEvent(BaseModel):
    scheduled_time: datetime | None = None  # <aws.scheduler.scheduled-time>; now when absent
    tick: str | None = None


class PersonalizedMessage(BaseModel):
    """The Personalize state's result, which SendEmail sends as is."""

    subject: str
    body: str
    done_link: str = ""


class TaskFailure(BaseModel):
    """What the journey's Catch stores in $.failure: the error and cause of the failed task."""

    Error: str | None = None
    Cause: str | None = None


class Journey(BaseModel):
    """A journey execution's state as its tasks receive it (`"journey.$": "$"`)."""

    move: JourneyMove
    message: PersonalizedMessage | None = None
    failure: TaskFailure | None = None


class JourneyTask(BaseModel):
    journey: Journey
    execution: str


class FlagTask(JourneyTask):
    kind: Literal["flag"]
    token: str


class OwnerStepTask(JourneyTask):
    kind: Literal["owner_step"]


class ListProblem(BaseModel):
    key: str
    text: str


class ProblemsTask(BaseModel):
    kind: Literal["problems"]
    problems: list[ListProblem]


OwnerTask = Annotated[FlagTask | OwnerStepTask | ProblemsTask, Field(discriminator="kind")]
