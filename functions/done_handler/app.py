"""done-handler — the public Function URL for customers' links and Slack interactivity:
- GET /done?t=<signed token> shows the step and a button, POST /done marks it done (once);
- GET /unsubscribe?t=... shows a button, POST /unsubscribe (the button, or a mail client's
  RFC 8058 one-click POST) stops all email to the customer;
- POST /slack/interactions: Pause / Hand off / Done on an owner flag; Done on an owner task;
  Approve / Edit / Discard on a customer proposed from a forwarded welcome email;
- POST /slack/commands: the owner's `/og pause CUSTOMER [note]` and `/og resume CUSTOMER`.
Every request is verified first: the link token's HMAC, Slack's signing secret."""

import json
from html import escape
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response, content_types
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from slack_sdk.signature import SignatureVerifier

from og.adapters import owner_messages as messages
from og.adapters import slack_messages
from og.core.done_link import InvalidDoneToken
from og.core.models import OwnerAction
from og.logic import customer_links, intake, owner, pausing
from og.wiring import adapters

logger = Logger()
metrics = Metrics(namespace="OnboardingGuide")
app = LambdaFunctionUrlResolver()

_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{title}</title>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">
<h1>{title}</h1><p>{text}</p>{form}</body></html>"""
# No action: the form posts to this very URL, token in the query string (and in the body too).
_BUTTON_STYLE = (
    "font-size:1.1rem;padding:.7rem 1.5rem;border:0;border-radius:6px;"
    "background:#1d4ed8;color:#fff;font-weight:600;cursor:pointer"
)
_FORM = f"""<form method="post"><input type="hidden" name="t" value="{{token}}">
<button id="confirm" type="submit" style="{_BUTTON_STYLE}">{{button}}</button>
</form>"""
_BAD_LINK = (
    "This link did not work",
    "It may be old or incomplete. Reply to the email and we will sort it out.",
)


def _page(status: int, title: str, text: str, button: str | None = None) -> Response[str]:
    form = _FORM.format(token=escape(_token()), button=escape(button)) if button else ""
    return Response(
        status_code=status,
        content_type=content_types.TEXT_HTML,
        body=_PAGE.format(title=escape(title), text=escape(text), form=form),
        # The token is in the URL: no caching, and no Referer carrying it elsewhere.
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _token() -> str:
    """From the query string (links, RFC 8058 one-click POSTs), else the form's field `t`."""
    event = app.current_event
    query = event.get_query_string_value("t")
    if query:
        return query
    if event.http_method == "POST":
        return parse_qs(event.decoded_body or "").get("t", [""])[0]
    return ""


def _rejected(err: InvalidDoneToken) -> Response[str]:
    metrics.add_metric(name="DoneLinkRejected", unit=MetricUnit.Count, value=1)
    logger.warning("link rejected", extra={"path": app.current_event.path, "reason": err.reason})
    return _page(400, *_BAD_LINK)


def _step_gone(link: customer_links.DoneLink) -> Response[str]:
    logger.info(
        "done link for a step not in the plan",
        extra={"customer_id": link.customer_id, "step_id": link.step_id},
    )
    return _page(
        410,
        "This step is no longer in your plan",
        f"{link.business_name} changed your onboarding since this email was sent, so there is "
        "nothing to mark here. Reply to the email if you have a question.",
    )


@app.get("/done")
def done_page() -> Response[str]:
    """Only shows the step and a button: mail scanners open every link in an email."""
    try:
        link = customer_links.open_done_link(adapters(), _token())
    except InvalidDoneToken as err:
        return _rejected(err)
    if link.step is None:
        return _step_gone(link)
    if link.already_done:
        return _page(200, "Already done", f"'{link.step.title}' is marked as done. Thank you!")
    return _page(
        200,
        link.step.title,
        f"Finished this step? Let {link.business_name} know with the button.",
        button="Mark as done",
    )


@app.post("/done")
def done_click() -> Response[str]:
    try:
        link, state, changed = customer_links.press_done(adapters(), _token())
    except InvalidDoneToken as err:
        return _rejected(err)
    if link.step is None:
        return _step_gone(link)
    logger.info(
        "done click",
        extra={"customer_id": link.customer_id, "step_id": link.step.id, "changed": changed},
    )
    if not changed:
        return _page(200, "Already done", f"'{link.step.title}' is marked as done. Thank you!")
    if state.finished:
        return _page(200, "All done!", "That was the last step. Welcome aboard.")
    return _page(200, "Thanks, marked as done", "We'll send the next step when it's due.")


@app.get("/unsubscribe")
def unsubscribe_page() -> Response[str]:
    try:
        state = customer_links.open_unsubscribe_link(adapters(), _token())
    except InvalidDoneToken as err:
        return _rejected(err)
    if state.unsubscribed:
        return _unsubscribed()
    return _page(
        200, "Unsubscribe?", "You will get no more onboarding emails from us.", button="Unsubscribe"
    )


@app.post("/unsubscribe")
def unsubscribe_click() -> Response[str]:
    """The page's button, or a mail client's RFC 8058 one-click POST (body
    List-Unsubscribe=One-Click, token in the URL): either way the same answer."""
    try:
        customer_id, changed = customer_links.press_unsubscribe(adapters(), _token())
    except InvalidDoneToken as err:
        return _rejected(err)
    logger.info("unsubscribe", extra={"customer_id": customer_id, "changed": changed})
    return _unsubscribed()


def _unsubscribed() -> Response[str]:
    return _page(200, "You are unsubscribed", "You will get no more onboarding emails from us.")


def _verified_slack_body() -> str | None:
    """The request's form body when Slack signed it (recently), else None, counted."""
    event = app.current_event
    body = event.decoded_body or ""
    a = adapters()
    verifier = SignatureVerifier(a.secrets.get(a.settings.slack_signing_secret))
    if not verifier.is_valid(
        body,
        event.headers.get("x-slack-request-timestamp"),
        event.headers.get("x-slack-signature"),
    ):
        metrics.add_metric(name="SignatureVerificationFailures", unit=MetricUnit.Count, value=1)
        logger.warning("Slack signature verification failed")
        return None
    return body


def _verified_slack_payload() -> dict[str, Any] | None:
    body = _verified_slack_body()
    if body is None:
        return None
    payload: dict[str, Any] = json.loads(parse_qs(body)["payload"][0])
    return payload


def _invalid_signature() -> Response[str]:
    return Response(
        status_code=401, content_type=content_types.TEXT_PLAIN, body="invalid signature"
    )


@app.post("/slack/commands")
def slack_command() -> Response[str]:
    """The owner's `/og pause CUSTOMER [note]` and `/og resume CUSTOMER`: answered at once with
    a message only the owner sees, saying what changed or why nothing did."""
    body = _verified_slack_body()
    if body is None:
        return _invalid_signature()
    form = {k: v[0] for k, v in parse_qs(body).items()}
    answer = pausing.answer_command(
        adapters(), form.get("text", ""), by_user=form.get("user_id", "")
    )
    logger.info(
        "owner command",
        extra={
            "by": form.get("user_id"),
            "outcome": answer.outcome.value,
            "customer_id": answer.customer_id,
            "flags_answered": answer.flags_answered,
        },
    )
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(slack_messages.command_answer(answer.text)),
        headers={"x-og-outcome": answer.outcome.value},
    )


def _answer(flag_key: str, action: OwnerAction, user: str, note: str | None) -> dict[str, Any]:
    state, resumed = owner.answer_flag(adapters(), flag_key, action, by_user=user, note=note)
    logger.info(
        "owner answered",
        extra={
            "flag": flag_key,
            "action": action.value,
            "customer_id": state.customer_id,
            "resumed": resumed,
        },
    )
    return {"customer_id": state.customer_id, "action": action.value, "resumed": resumed}


def _intake_click(payload: dict[str, Any], act: dict[str, Any], user: str) -> None:
    """Approve / Edit / Discard on a customer proposed from a forwarded welcome email."""
    a = adapters()
    key = act["value"]
    if act["action_id"] == messages.EDIT:
        a.chat.open_modal(payload["trigger_id"], intake.edit_view(a, key))
        result: dict[str, Any] = {"outcome": "edit_opened"}
    elif act["action_id"] == messages.APPROVE:
        result = intake.approve(a, key, by_user=user)
    else:
        result = intake.discard(a, key, by_user=user)
    logger.info("owner answered a proposal", extra={"proposal": key, "by": user, **result})


@app.post("/slack/interactions")
def slack_interaction() -> Response[str]:
    payload = _verified_slack_payload()
    if payload is None:
        return _invalid_signature()
    user = payload.get("user", {}).get("id", "unknown")
    if payload.get("type") == "block_actions":
        act = payload["actions"][0]
        if act["action_id"] in messages.PROPOSAL_ACTIONS:
            _intake_click(payload, act, user)
            return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body="")
        if act["action_id"] == messages.OWNER_TASK_DONE:
            task, changed = owner.press_task_done(adapters(), act["value"], by_user=user)
            logger.info(
                "owner task done",
                extra={
                    "customer_id": task.customer_id,
                    "step_id": task.step_id,
                    "changed": changed,
                },
            )
            return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body="")
        action = OwnerAction(act["action_id"])
        if action is OwnerAction.DONE:
            _answer(act["value"], action, user, None)
        else:
            a = adapters()
            a.chat.open_modal(payload["trigger_id"], messages.AnswerModal(act["value"], action))
        return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body="")
    if payload.get("type") == "view_submission":
        view = payload["view"]
        if view.get("callback_id") == messages.EDIT_CALLBACK:
            answer, result = intake.submit_edit(
                adapters(), view["private_metadata"], view["state"]["values"], by_user=user
            )
            logger.info("owner edited a proposal", extra={"by": user, **result})
            return Response(
                status_code=200,
                content_type=content_types.APPLICATION_JSON,
                body=json.dumps(answer),
            )
        meta = json.loads(view["private_metadata"])
        note = view["state"]["values"]["note"]["note"].get("value")
        _answer(meta["flag_key"], OwnerAction(meta["action"]), user, note)
        return Response(
            status_code=200,
            content_type=content_types.APPLICATION_JSON,
            body=json.dumps({"response_action": "clear"}),
        )
    return Response(
        status_code=400,
        content_type=content_types.TEXT_PLAIN,
        body=f"unsupported interaction type {payload.get('type')!r}",
    )


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        return app.resolve(event, context)
    finally:
        if metrics.metric_set:  # only rejections are counted; most requests have none
            metrics.flush_metrics()
