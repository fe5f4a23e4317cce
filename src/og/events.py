"""The events each task Lambda receives from the state machines (validated by `parsed`), so a
malformed payload fails with the field that is wrong."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from og.contracts import JourneyMove


class _Event(BaseModel):
    # Each model's validator is built when it first validates an event, not at import: a
    # handler builds only the models of its own events, once per environment.
    model_config = ConfigDict(defer_build=True)


class ScheduledEvent(_Event):
    """What an EventBridge Scheduler schedule sends (the weekly digest, the monthly summary)."""

    scheduled_time: datetime | None = None  # <aws.scheduler.scheduled-time>; now when absent


class TickEvent(_Event):
    scheduled_time: datetime | None = None  # <aws.scheduler.scheduled-time>; now when absent
    tick: str | None = None


class PersonalizedMessage(_Event):
    """The Personalize state's result, which SendEmail sends as is."""

    subject: str
    body: str
    done_link: str = ""


class TaskFailure(_Event):
    """What the journey's Catch stores in $.failure: the error and cause of the failed task."""

    Error: str | None = None
    Cause: str | None = None


class Journey(_Event):
    """A journey execution's state as its tasks receive it (`"journey.$": "$"`)."""

    move: JourneyMove
    message: PersonalizedMessage | None = None
    failure: TaskFailure | None = None


class JourneyTask(_Event):
    journey: Journey
    execution: str


class FlagTask(JourneyTask):
    kind: Literal["flag"]
    token: str


class OwnerStepTask(JourneyTask):
    kind: Literal["owner_step"]


class ListProblem(_Event):
    key: str
    text: str


class ProblemsTask(_Event):
    kind: Literal["problems"]
    problems: list[ListProblem]


OwnerTask = Annotated[FlagTask | OwnerStepTask | ProblemsTask, Field(discriminator="kind")]


E = TypeVar("E")
R = TypeVar("R")


def parsed(model: Any) -> Callable[[Callable[[E, Any], R]], Callable[[Any, Any], R]]:
    """A handler decorator: the event validated into `model` (a model, or a union such as
    OwnerTask), a pydantic ValidationError naming the wrong field otherwise. What powertools'
    @event_parser(model=...) does without an envelope, without importing its parser, which loads
    pydantic's network types and package metadata: about a quarter of `import boto3` added to
    every cold start (docs/benchmark.md, section 6)."""

    def decorate(handler: Callable[[E, Any], R]) -> Callable[[Any, Any], R]:
        @functools.wraps(handler)
        def validated(event: Any, context: Any) -> R:
            return handler(_adapter(model).validate_python(event), context)

        return validated

    return decorate


@functools.cache
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)
