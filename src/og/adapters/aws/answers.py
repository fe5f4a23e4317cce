"""The HTTP answer each error gets from a Function URL handler (enroll, done-handler), in one
table. A handler calls `answer_errors` once with how it renders an answer (JSON for enroll, a page
for customers' links, plain text for Slack); its routes then just raise. Task Lambdas do not use
this: they let errors raise, as Step Functions records the error's class name.

An error not in the table is a 500 whose text says nothing of it; it is logged with its
traceback at ERROR, which the functions' error alarm counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.metrics import MetricUnit

from og.core.errors import (
    DocumentError,
    InvalidDoneToken,
    InvalidSignup,
    ListLayoutError,
    MalformedRequest,
    UnknownFlag,
    UnknownProposal,
    UnverifiedRequest,
)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    title: str  # a page's heading (customers' links)
    text: str  # safe to show whoever asked (an unexpected error's own message never is)
    metric: str | None = None  # counted in OnboardingGuide, one per answer
    log: str = "request refused"
    level: str = "warning"  # or "info", "error": the Logger method
    errors: list[dict[str, str]] = field(default_factory=list)  # a signup's, one per field
    headers: dict[str, str] = field(default_factory=dict)


def answer_for(err: Exception) -> Answer:
    """The answer to `err`: the table. Its order matters only where classes nest."""
    match err:
        case InvalidDoneToken():
            return Answer(
                400,
                "This link did not work",
                "It may be old or incomplete. Reply to the email and we will sort it out.",
                "DoneLinkRejected",
                "link rejected",
            )
        case UnverifiedRequest():
            return Answer(
                401,
                "Invalid signature",
                "invalid signature",
                "SignatureVerificationFailures",
                "Slack signature verification failed",
            )
        case MalformedRequest() | UnknownFlag() | UnknownProposal():
            return Answer(
                400,
                "Bad request",
                f"bad request: {err}",
                "MalformedSlackRequests",
                "malformed Slack request",
            )
        case InvalidSignup():
            return Answer(
                400,
                "Invalid signup",
                str(err),
                "SignupsRejected",
                "enroll: invalid signup",
                "info",
                errors=err.errors,
            )
        case DocumentError() | ListLayoutError():
            # The owner must fix the rules doc, config or sheet header; the caller retries later.
            return Answer(
                503,
                "Not available right now",
                "this cannot be done until the guide's owner fixes a setup problem; retry later",
                "BlockedOnOwner",
                "the owner's documents stop this request",
                "error",
                headers={"Retry-After": "600"},
            )
        case ServiceError():  # powertools' own answers (404, 405, ...)
            return Answer(err.status_code, "Not served", str(err.msg), log="not served")
    return Answer(
        500,
        "Something went wrong",
        "Something went wrong on our side. Please try again in a few minutes.",
        "UnexpectedErrors",
        "unexpected error",
        "error",
    )


def answer_errors(
    app: Any,
    render: Callable[[Answer], Response[str]],
    logger: Logger,
    metrics: Metrics,
) -> None:
    """Answer every error a route of `app` (a powertools resolver) raises from the table."""

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def _answer(err: Exception) -> Response[str]:
        answer = answer_for(err)
        if answer.metric:
            metrics.add_metric(name=answer.metric, unit=MetricUnit.Count, value=1)
        extra = {"path": app.current_event.path, "status": answer.status, "reason": str(err)}
        if answer.status == 500:
            logger.exception(answer.log, extra={"path": app.current_event.path})
        else:
            getattr(logger, answer.level)(answer.log, extra=extra)
        return render(answer)
