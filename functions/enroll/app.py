"""enroll — the public Function URL your app POSTs every signup to (JSON body, shared secret in
the x-og-webhook-secret header). 413 for a body over 16 KB and 415 for one that is not
application/json, both before anything is read or parsed; 401 without the secret, 400 naming
each invalid field, 409 for a signup_id already enrolled with other details, 200 once the row is
on the onboarding list (again 200, and nothing added, when the same signup is POSTed twice); 503
with Retry-After while the owner's documents stop signups. An error's answer comes from the one
table in og.adapters.aws.answers."""

import json
from email.message import Message
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response, content_types
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from og.adapters.aws.answers import Answer, answer_errors
from og.core.errors import SignupConflict
from og.logic import enroll
from og.wiring import adapters, guide_files

logger = Logger()
metrics = Metrics(namespace="OnboardingGuide")
app = LambdaFunctionUrlResolver()
# A signup is a few hundred bytes; nothing this size is one.
MAX_BODY_BYTES = 16 * 1024


def _json(status: int, body: dict[str, Any], **headers: str) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body),
        headers=headers or None,
    )


def _conflict(message: str, **headers: str) -> Response[str]:
    return _json(409, {"errors": [{"field": "signup_id", "message": message}]}, **headers)


def _body_size(body: str, base64_encoded: bool) -> int:
    """The body's size in bytes as sent, without decoding it (a Function URL's base64 is
    unbroken, so its length says the decoded size exactly)."""
    if base64_encoded:
        return len(body.rstrip("=")) * 3 // 4
    return len(body.encode())


def _not_json(content_type: str | None) -> str | None:
    """Why a Content-Type is not a JSON signup, or None when it is application/json (with no
    charset, or charset utf-8: JSON between systems is UTF-8, RFC 8259)."""
    if not content_type:
        return "no Content-Type header; send the signup as application/json"
    header = Message()
    header["content-type"] = content_type
    charset = header.get_param("charset")
    if header.get_content_type() != "application/json":
        return f"Content-Type '{content_type}' is not application/json; send the signup as JSON"
    if isinstance(charset, str) and charset.lower() not in ("utf-8", "utf8"):
        return f"charset '{charset}' is not UTF-8; send the JSON as UTF-8"
    return None


@app.post("/")
def enroll_signup() -> Response[str]:
    event = app.current_event
    size = _body_size(event.body or "", bool(event.is_base64_encoded))
    if size > MAX_BODY_BYTES:
        metrics.add_metric(name="SignupsRejected", unit=MetricUnit.Count, value=1)
        logger.info("enroll: body too large", extra={"bytes": size})
        message = f"the body is {size} bytes; a signup is at most {MAX_BODY_BYTES} bytes of JSON"
        return _json(413, {"error": message})
    not_json = _not_json(event.headers.get("content-type"))
    if not_json:
        metrics.add_metric(name="SignupsRejected", unit=MetricUnit.Count, value=1)
        logger.info("enroll: not JSON", extra={"problem": not_json})
        return _json(415, {"error": not_json}, Accept="application/json")
    a = adapters()
    if not enroll.authorized(
        a.secrets, a.settings.webhook_secret, event.headers.get(enroll.WEBHOOK_HEADER)
    ):
        metrics.add_metric(name="WebhookAuthFailures", unit=MetricUnit.Count, value=1)
        logger.warning("enroll: missing or wrong webhook secret")
        return _json(401, {"error": f"missing or wrong {enroll.WEBHOOK_HEADER} header"})
    signup = enroll.parse_signup(event.decoded_body, enroll.signup_check(guide_files(), a.clock))
    try:
        result = enroll.enroll(a.sheet, a.idempotency(), signup, app.lambda_context)
    except SignupConflict as err:
        retry = {"Retry-After": str(err.retry_after)} if err.retry_after else {}
        return _conflict(str(err), **retry)
    metrics.add_metric(name="SignupsEnrolled", unit=MetricUnit.Count, value=1)
    logger.info("enroll: signup on the list", extra=result)
    return _json(200, result)


def _answer(answer: Answer) -> Response[str]:
    """An error's answer (og.adapters.aws.answers): a signup's field errors, or one message."""
    body = {"errors": answer.errors} if answer.errors else {"error": answer.text}
    return _json(answer.status, body, **answer.headers)


answer_errors(app, _answer, logger, metrics)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        return app.resolve(event, context)
    finally:
        if metrics.metric_set:
            metrics.flush_metrics()
