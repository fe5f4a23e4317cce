"""One errors module: every project error has the common base and lives in og.core.errors, and
the Function URL handlers answer each from one table, an unexpected one with a bare 500."""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response, content_types

from og.adapters.aws.answers import Answer, answer_errors, answer_for
from og.core import errors
from og.core.errors import (
    DocumentError,
    InvalidDoneToken,
    InvalidSignup,
    ListLayoutError,
    MalformedRequest,
    OnboardingError,
    Problem,
    UnknownFlag,
    UnknownProposal,
    UnverifiedRequest,
)
from og.local.function_url import get_event

ROOT = Path(__file__).resolve().parents[2]
# Not failure reports: a private signal inside the DynamoDB store, and moto's own error type.
NOT_PROJECT_ERRORS = {"_ConditionFailed", "RequestTooLarge"}


def _project_errors() -> list[type[BaseException]]:
    return [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__ == errors.__name__
    ]


def test_every_project_error_has_the_common_base_and_says_what_it_is() -> None:
    found = _project_errors()
    assert len(found) > 20
    for cls in found:
        assert issubclass(cls, OnboardingError), cls
        assert (cls.__doc__ and cls.__doc__ != OnboardingError.__doc__) or cls is OnboardingError


def test_no_module_defines_an_exception_of_its_own() -> None:
    """A new error goes into og/core/errors.py, so handlers and the table can know it."""
    known = {cls.__name__ for cls in _project_errors()} | {"Exception", "BaseException"}
    elsewhere = []
    for path in [*(ROOT / "src").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]:
        if path.name == "errors.py" and path.parent.name == "core":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef) or node.name in NOT_PROJECT_ERRORS:
                continue
            bases = {ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases}
            if bases & known or any(b.endswith(("Error", "Exception")) for b in bases):
                elsewhere.append(f"{path.relative_to(ROOT)}: class {node.name}")
    assert elsewhere == []


def test_errors_that_callers_catch_as_builtins_still_are() -> None:
    assert issubclass(errors.RowProblems, ValueError)  # pydantic turns only ValueError into errors
    assert issubclass(UnknownFlag, LookupError) and issubclass(UnknownProposal, LookupError)
    for cls in (errors.SetupError, errors.UsageError, ListLayoutError, errors.LinkKeyError):
        assert issubclass(cls, ValueError)  # `og` reports a ValueError and exits 2


@pytest.mark.parametrize(
    ("err", "status", "metric"),
    [
        (InvalidDoneToken("bad signature"), 400, "DoneLinkRejected"),
        (UnverifiedRequest("X-Slack-Signature is missing"), 401, "SignatureVerificationFailures"),
        (MalformedRequest("unknown action 'x'"), 400, "MalformedSlackRequests"),
        (UnknownFlag("no flag with key k"), 400, "MalformedSlackRequests"),
        (UnknownProposal("no proposal with key k"), 400, "MalformedSlackRequests"),
        (InvalidSignup([{"field": "email", "message": "not an email"}]), 400, "SignupsRejected"),
        (DocumentError([Problem("rules.txt", 3, "Day", "not a number")]), 503, "BlockedOnOwner"),
        (ListLayoutError("onboarding.csv has no header"), 503, "BlockedOnOwner"),
        (KeyError("s3://og-internal/secret-key"), 500, "UnexpectedErrors"),
    ],
)
def test_each_error_gets_its_documented_answer(err: Exception, status: int, metric: str) -> None:
    answer = answer_for(err)
    assert (answer.status, answer.metric) == (status, metric)
    if status >= 500:
        assert str(err) not in answer.text and str(err.args[0]) not in answer.text


def _resolver(raise_: Exception) -> LambdaFunctionUrlResolver:
    app = LambdaFunctionUrlResolver()

    @app.get("/boom")
    def boom() -> Response[str]:
        raise raise_

    def render(answer: Answer) -> Response[str]:
        body = {"errors": answer.errors} if answer.errors else {"error": answer.text}
        return Response(answer.status, content_types.APPLICATION_JSON, json.dumps(body))

    answer_errors(app, render, Logger(service="test-errors"), Metrics(namespace="OnboardingGuide"))
    return app


def _get(app: LambdaFunctionUrlResolver, path: str) -> dict[str, Any]:
    return app.resolve(get_event(f"https://x.lambda-url.eu-west-1.on.aws{path}"), None)


def test_an_unexpected_error_is_a_500_that_shows_nothing_of_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = _resolver(RuntimeError("password=hunter2 at /var/task/og/secret.py"))
    answer = _get(app, "/boom")
    assert answer["statusCode"] == 500
    assert "hunter2" not in answer["body"] and "secret.py" not in answer["body"]
    assert json.loads(answer["body"]) == {"error": answer_for(RuntimeError()).text}
    logged = capsys.readouterr().out
    assert '"level":"ERROR"' in logged.replace(" ", "") and "hunter2" in logged  # for the owner


def test_a_project_error_raised_by_a_route_gets_its_answer() -> None:
    app = _resolver(InvalidSignup([{"field": "email", "message": "not an email address"}]))
    answer = _get(app, "/boom")
    assert answer["statusCode"] == 400
    assert json.loads(answer["body"]) == {
        "errors": [{"field": "email", "message": "not an email address"}]
    }


def test_powertools_own_answers_keep_their_status() -> None:
    app = _resolver(RuntimeError())
    assert _get(app, "/nothing-here")["statusCode"] == 404
