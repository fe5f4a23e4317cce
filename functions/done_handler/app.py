"""done-handler — the public Function URL for customers' links and Slack interactivity:
- GET /done?t=<signed token> shows the step and a button, POST /done marks it done (once);
- GET /unsubscribe?t=... shows a button, POST /unsubscribe (the button, or a mail client's
  RFC 8058 one-click POST) stops all email to the customer;
- POST /slack/interactions: Pause / Hand off / Done on an owner flag; Done on an owner task;
  Approve / Edit / Discard on a customer proposed from a forwarded welcome email;
- POST /slack/commands: the owner's `/og pause CUSTOMER [note]` and `/og resume CUSTOMER`.
Every request is verified first: the link token's HMAC, Slack's signing secret. Routes raise;
the answer to each error comes from the one table in og.adapters.aws.answers."""

import json
import re
from html import escape
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from og.adapters import owner_messages as messages
from og.adapters.aws.answers import Answer, answer_errors
from og.adapters.ports import AFTER_ANSWER, PendingFlag, ProposalDecision
from og.core.errors import MalformedRequest, UnknownFlag, UnverifiedRequest
from og.core.models import OwnerAction
from og.logic import customer_links, intake, owner
from og.wiring import adapters, intake_ports, link_ports, owner_ports, pausing_ports

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
    link = customer_links.open_done_link(link_ports(), _token())
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
    link, state, changed = customer_links.press_done(link_ports(), _token())
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
    state = customer_links.open_unsubscribe_link(link_ports(), _token())
    if state.unsubscribed:
        return _unsubscribed()
    return _page(
        200, "Unsubscribe?", "You will get no more onboarding emails from us.", button="Unsubscribe"
    )


@app.post("/unsubscribe")
def unsubscribe_click() -> Response[str]:
    """The page's button, or a mail client's RFC 8058 one-click POST (body
    List-Unsubscribe=One-Click, token in the URL): either way the same answer."""
    customer_id, changed = customer_links.press_unsubscribe(link_ports(), _token())
    logger.info("unsubscribe", extra={"customer_id": customer_id, "changed": changed})
    return _unsubscribed()


def _unsubscribed() -> Response[str]:
    return _page(200, "You are unsubscribed", "You will get no more onboarding emails from us.")


def _error_answer(answer: Answer) -> Response[str]:
    """An error's answer (og.adapters.aws.answers): plain text to Slack, a page to a customer."""
    if app.current_event.path.startswith("/slack/"):
        return Response(
            status_code=answer.status, content_type=content_types.TEXT_PLAIN, body=answer.text
        )
    page = _page(answer.status, answer.title, answer.text)
    page.headers.update(answer.headers)  # Retry-After on a 503
    return page


answer_errors(app, _error_answer, logger, metrics)


_UNIX_TIME = re.compile(r"[0-9]{1,12}")


def _slack() -> ModuleType:
    """og.adapters.slack_messages. The Slack SDK (Block Kit, the signature check) and the /og
    command's logic are imported by the first Slack request, not with this module: most cold
    starts of this function are a customer's click on a link, which needs none of them."""
    from og.adapters import slack_messages

    return slack_messages


def _verified_slack_body() -> str:
    """The request's form body when Slack signed it within the last 5 minutes; else
    UnverifiedRequest."""
    event = app.current_event
    timestamp = event.headers.get("x-slack-request-timestamp") or ""
    signature = event.headers.get("x-slack-signature") or ""
    if not _UNIX_TIME.fullmatch(timestamp):
        raise UnverifiedRequest("X-Slack-Request-Timestamp is missing or not a Unix time")
    if not signature:
        raise UnverifiedRequest("X-Slack-Signature is missing")
    try:
        body = event.decoded_body or ""
    except ValueError as err:  # not base64, or not UTF-8: nothing Slack signed
        raise UnverifiedRequest(f"the body cannot be read: {err}") from err
    from slack_sdk.signature import SignatureVerifier  # see _slack()

    a = adapters()
    verifier = SignatureVerifier(a.secrets.get(a.settings.slack_signing_secret))
    if not verifier.is_valid(body, timestamp, signature):
        raise UnverifiedRequest(
            "the signature does not match, or the timestamp is over 5 minutes old"
        )
    return body


def _slack_payload() -> dict[str, Any]:
    try:
        payload = json.loads(parse_qs(_verified_slack_body())["payload"][0])
    except (KeyError, ValueError) as err:
        raise MalformedRequest("the body has no JSON `payload` field") from err
    if not isinstance(payload, dict):
        raise MalformedRequest("`payload` is not a JSON object")
    return payload


def _text_at(obj: Any, *path: str | int) -> str:
    """The text at `path` in the payload, or MalformedRequest naming the field."""
    for step in path:
        try:
            obj = obj[step]
        except (KeyError, IndexError, TypeError):
            obj = None
            break
    if not isinstance(obj, str) or not obj:
        raise MalformedRequest(f"payload.{'.'.join(map(str, path))} is missing or not text")
    return obj


def _view_values(payload: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """A submitted modal's input values, block id -> action id -> element state; what is not
    shaped so is left out."""
    values = payload["view"].get("state", {})
    values = values.get("values") if isinstance(values, dict) else None
    if not isinstance(values, dict):
        return {}
    return {
        block: {k: v for k, v in actions.items() if isinstance(v, dict)}
        for block, actions in values.items()
        if isinstance(actions, dict)
    }


def _message_of(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The Slack message whose button was pressed (to update once answered), if Slack sent it."""
    container, message = payload.get("container"), payload.get("message")
    if not (isinstance(container, dict) and isinstance(message, dict)):
        return None
    return _message_ref(
        {
            "channel": container.get("channel_id"),
            "ts": container.get("message_ts"),
            "blocks": message.get("blocks"),
        }
    )


def _message_ref(ref: Any) -> dict[str, Any] | None:
    """{"channel", "ts", "blocks"} of a message to update, when that is what `ref` is."""
    if not isinstance(ref, dict):
        return None
    channel, ts, blocks = ref.get("channel"), ref.get("ts"), ref.get("blocks")
    if not (isinstance(channel, str) and isinstance(ts, str) and isinstance(blocks, list)):
        return None
    return {"channel": channel, "ts": ts, "blocks": [b for b in blocks if isinstance(b, dict)]}


def _empty() -> Response[str]:
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body="")


def _json(answer: dict[str, Any]) -> Response[str]:
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body=json.dumps(answer)
    )


@app.post("/slack/commands")
def slack_command() -> Response[str]:
    """The owner's `/og pause CUSTOMER [note]` and `/og resume CUSTOMER`: answered at once with
    a message only the owner sees, saying what changed or why nothing did."""
    body = _verified_slack_body()
    form = {k: v[0] for k, v in parse_qs(body).items()}
    from og.logic import pausing  # see _slack()

    answer = pausing.answer_command(
        pausing_ports(), form.get("text", ""), by_user=form.get("user_id", "")
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
        body=json.dumps(_slack().command_answer(answer.text)),
        headers={"x-og-outcome": answer.outcome.value},
    )


_ANSWERED = {
    OwnerAction.PAUSE: "Paused",
    OwnerAction.HAND_OFF: "Handed off",
    OwnerAction.DONE: "Done",
}


def _flag_answer(flag: PendingFlag) -> messages.Answer:
    action = OwnerAction(str(flag.answer))
    return messages.Answer(
        _ANSWERED.get(action, action.value),
        flag.answered_by or "someone",
        flag.answered_at or flag.posted_at,
    )


def _answer(
    flag_key: str,
    action: OwnerAction,
    user: str,
    note: str | None,
    message: dict[str, Any] | None,
) -> tuple[PendingFlag, bool]:
    """Record the answer (once), and leave resuming the journey and updating the message for
    after Slack has its answer."""
    a = owner_ports()
    state, flag, first = owner.record_answer(a, flag_key, action, by_user=user, note=note)
    logger.info(
        "owner answered" if first else "flag answered already",
        extra={
            "flag": flag_key,
            "action": action.value,
            "by": user,
            "customer_id": state.customer_id,
            "answer": flag.answer,
        },
    )
    owner.resume_later(a.after_answer, flag_key, resume=first, note=note, message=message)
    return flag, first


def _proposal_click(payload: dict[str, Any], action_id: str, key: str, user: str) -> None:
    """Approve / Edit / Discard on a customer proposed from a forwarded welcome email. Approve
    and Discard read the list and write the Sheet: that runs after Slack has its answer."""
    a = adapters()
    if action_id == messages.EDIT:
        view = intake.edit_view(intake_ports(), key)
        a.chat.open_modal(_text_at(payload, "trigger_id"), view)
        logger.info(
            "owner answered a proposal",
            extra={"proposal": key, "by": user, "outcome": "edit_opened"},
        )
        return
    if a.store.proposal(key) is None:
        raise MalformedRequest(f"no proposal with key {key}")
    a.after_answer.later(
        {
            "work": "proposal",
            "action": action_id,
            "proposal": key,
            "by": user,
            "message": _message_of(payload),
        }
    )


def _button(payload: dict[str, Any], user: str) -> Response[str]:
    action_id = _text_at(payload, "actions", 0, "action_id")
    key = _text_at(payload, "actions", 0, "value")
    if action_id in messages.PROPOSAL_ACTIONS:
        _proposal_click(payload, action_id, key, user)
        return _empty()
    if action_id == messages.OWNER_TASK_DONE:
        task, changed = owner.press_task_done(
            owner_ports(), key, by_user=user, message=_message_of(payload)
        )
        logger.info(
            "owner task done",
            extra={"customer_id": task.customer_id, "step_id": task.step_id, "changed": changed},
        )
        return _empty()
    if action_id not in messages.ACTION_LABELS:
        raise MalformedRequest(f"unknown action {action_id!r}")
    action = OwnerAction(action_id)
    message = _message_of(payload)
    if action is OwnerAction.DONE:
        _answer(key, action, user, None, message)
        return _empty()
    # Pause / Hand off: the modal opens before anything slow; its trigger id lives 3 seconds.
    a = adapters()
    trigger_id = _text_at(payload, "trigger_id")
    flag = a.store.flag(key)
    if flag is None:
        raise MalformedRequest(f"no flag with key {key}")
    if flag.answer is not None:
        a.chat.open_modal(
            trigger_id,
            messages.AlreadyAnsweredModal(messages.ACTION_LABELS[action], _flag_answer(flag)),
        )
        owner.resume_later(a.after_answer, key, resume=False, note=None, message=message)
    else:
        a.chat.open_modal(trigger_id, messages.AnswerModal(key, action, message))
    return _empty()


def _submission(payload: dict[str, Any], user: str) -> Response[str]:
    view = payload.get("view")
    callback = view.get("callback_id") if isinstance(view, dict) else None
    if callback not in (messages.EDIT_CALLBACK, messages.ANSWER_CALLBACK):
        raise MalformedRequest(f"unknown view callback_id {callback!r}")
    raw_meta = _text_at(payload, "view", "private_metadata")
    try:
        meta = json.loads(raw_meta)
    except ValueError:
        meta = None
    if callback == messages.EDIT_CALLBACK:
        if not (isinstance(meta, dict) and isinstance(meta.get("proposal"), str)):
            raise MalformedRequest("payload.view.private_metadata is not this app's")
        answer, result = intake.submit_edit(
            intake_ports(), raw_meta, _view_values(payload), by_user=user
        )
        logger.info("owner edited a proposal", extra={"by": user, **result})
        return _json(answer)
    if not (
        isinstance(meta, dict)
        and isinstance(meta.get("action"), str)  # a list or an object is not hashable
        and meta["action"] in messages.ACTION_LABELS
        and isinstance(meta.get("flag_key"), str)
    ):
        raise MalformedRequest("payload.view.private_metadata is not this app's")
    action = OwnerAction(meta["action"])
    note = _view_values(payload).get("note", {}).get("note", {}).get("value")
    flag, first = _answer(
        meta["flag_key"],
        action,
        user,
        note if isinstance(note, str) else None,
        _message_ref(meta.get("message")),
    )
    if first:
        return _json({"response_action": "clear"})
    title = messages.ACTION_LABELS[action]
    return _json(
        {
            "response_action": "update",
            "view": _slack().modal(messages.AlreadyAnsweredModal(title, _flag_answer(flag))),
        }
    )


@app.post("/slack/interactions")
def slack_interaction() -> Response[str]:
    payload = _slack_payload()
    user = _text_at(payload, "user", "id")
    kind = payload.get("type")
    if kind == "block_actions":
        return _button(payload, user)
    if kind == "view_submission":
        return _submission(payload, user)
    raise MalformedRequest(f"unsupported interaction type {kind!r}")


# --- after the answer: an asynchronous invocation of this function (og.adapters.aws.self_invoke)
def _after_answer(work: dict[str, Any]) -> dict[str, Any]:
    """The slow part of an owner's answer. An error is raised: Lambda retries the invocation;
    the answer itself was recorded before Slack was answered."""
    a = adapters()
    message = work.get("message")
    if work["work"] == "flag":
        flag = a.store.flag(work["flag_key"])
        if flag is None or flag.answer is None:
            raise UnknownFlag(f"flag {work['flag_key']} has no recorded answer")
        resumed = bool(work["resume"]) and owner.resume_journey(a.workflow, flag, work.get("note"))
        answer = _flag_answer(flag)
        result: dict[str, Any] = {"flag": flag.flag_key, "resumed": resumed}
    elif work["work"] == "task":
        task, task_answer = owner.task_done_after_answer(a.store, a.sheet, work)
        result = {"task": task.key, "finished": bool(work["finished_at"])}
        if task_answer is None:
            message = None  # not marked done in the audit trail: nothing true to show
        else:
            answer = task_answer
    else:
        key, user = work["proposal"], work["by"]
        if work["action"] == messages.APPROVE:
            result = intake.approve(intake_ports(), key, by_user=user)
        else:
            result = intake.discard(intake_ports(), key, by_user=user)
        proposal = a.store.proposal(key)
        if proposal is None or proposal.decided_at is None:
            message = None  # refused: the problems were posted, and Edit must stay
        else:
            what = "Approved" if proposal.decision is ProposalDecision.APPROVED else "Discarded"
            answer = messages.Answer(what, proposal.decided_by or user, proposal.decided_at)
    if message:
        a.chat.update(
            message["channel"],
            message["ts"],
            messages.AnsweredPost(tuple(message["blocks"]), answer),
        )
    logger.info("after the answer", extra={**result, "message_updated": bool(message)})
    return result


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if AFTER_ANSWER in event:  # a Function URL event never has this key
        return _after_answer(event[AFTER_ANSWER])
    try:
        return app.resolve(event, context)
    finally:
        if metrics.metric_set:  # only rejections are counted; most requests have none
            metrics.flush_metrics()
