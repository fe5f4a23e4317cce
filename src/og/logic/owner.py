"""Everything that involves the owner: flags with Pause / Hand off / Done buttons, owner steps,
the list-problem report and the owner's answers. (Customers' clicks: og.logic.customer_links.)"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from og.adapters.owner_messages import Answer, FlagPost, OwnerTaskPost, ReportPost
from og.adapters.ports import (
    AfterAnswer,
    ClaimOutcome,
    JourneyStore,
    OnboardingSheet,
    Once,
    OnceOutcome,
    OwnerChat,
    OwnerTask,
    PendingFlag,
    Workflow,
)
from og.core.calendar import local_date
from og.core.errors import UnknownFlag
from og.core.models import (
    Channel,
    CustomerState,
    OwnerAction,
    Plan,
    SendKind,
    SendRecord,
    Step,
    send_key,
)
from og.core.step_identity import PlanIds, plan_step_ids
from og.core.templates import message_context, problems_context, render
from og.logic import in_doubt
from og.logic.customer_links import mark_finished_in_sheet
from og.logic.documents import GuideFiles, load_docs, read_customers
from og.logic.failures import failure_text
from og.logic.post_once import post_once
from og.logic.reflag import flag_key as _flag_key
from og.logic.reflag import step_flag

if TYPE_CHECKING:
    from og.events import Journey  # the task payload's shape; only annotations here

_FAILED_MOVE = {"step_due": "send the step", "nudge": "send the nudge"}


class AnswerPorts(Protocol):
    """What recording the owner's answer touches (OwnerPorts and pausing's ports have it)."""

    @property
    def files(self) -> GuideFiles: ...
    @property
    def store(self) -> JourneyStore: ...
    @property
    def clock(self) -> Callable[[], datetime]: ...


@dataclass(frozen=True)
class OwnerPorts:
    files: GuideFiles
    store: JourneyStore
    chat: OwnerChat
    once: Once
    clock: Callable[[], datetime]
    workflow: Workflow
    after_answer: AfterAnswer
    send_timeout_seconds: int | None


def post_flag(a: OwnerPorts, journey: Journey, token: str, execution: str) -> dict[str, str]:
    """Store the task token under a short key first (so a click can always resume), then post
    the flag once; a retried task only replaces the stored token."""
    move = journey.move
    rules_version = _rules_version(a.files)  # before the read: a later edit is then always noticed
    docs = load_docs(a.files)
    plan, step = move.plan_and_step(docs.rules)
    customer = move.customer
    now = a.clock()
    key, reason, per_execution, reflag = _what_to_flag(a, journey, step, execution)
    existing = a.store.flag(key)
    if existing and existing.answer is None and not per_execution:
        reason = existing.reason  # the same flag, posted again: it says what it said
    a.store.save_flag(
        PendingFlag(
            flag_key=key,
            customer_id=customer.customer_id,
            step_id=step.id,
            reason=reason,
            task_token=token,
            execution=execution,
            posted_at=existing.posted_at if existing else now,
            plan=PlanIds.of(plan),
            rules_version=rules_version,
        )
    )
    record = SendRecord(
        customer_id=customer.customer_id,
        step_id=step.id,
        kind=SendKind.FLAG,
        sent_at=now,
        local_date=local_date(now, docs.config.timezone),
        channel=Channel.SLACK,
        recipient=docs.config.owner_slack_id,
        reflag=reflag,
    )
    if not per_execution:
        claimed = in_doubt.claim_owner_post(
            a.store, a.clock, record, execution, send_timeout_seconds=a.send_timeout_seconds
        )
        if claimed is None:
            return {"outcome": "already_posted", "detail": key}
        if claimed == "again":
            reason += " (posted again: an earlier post of this flag may not have reached you)"
    context = message_context(
        customer,
        step,
        docs.config,
        plan_name=plan.name,
        days_since_signup=move.days_since_signup,
        reason=reason,
    )
    message = render(docs.voice.template_for(SendKind.FLAG, step.id), context)
    post = FlagPost(key, message.subject, message.body)
    if per_execution:
        return _post_failure_flag(a, key, docs.config.owner_slack_id, post)
    ts = a.chat.post(docs.config.owner_slack_id, post)
    a.store.confirm_send(record, execution, ts)
    return {"outcome": "posted", "detail": key}


def _post_failure_flag(a: OwnerPorts, key: str, channel: str, post: FlagPost) -> dict[str, str]:
    """A failure is flagged once per execution: the flag is saved (with its token) before this,
    so a run killed between the save and the post posts it when retried; one killed after Slack
    took the post leaves it in doubt rather than posting twice (the flag stays open in the store,
    listed by `og flags` and the weekly digest)."""
    posted = post_once(a, f"flag-post:{key}", channel, post)
    if posted == OnceOutcome.DONE:
        return {"outcome": "already_posted", "detail": key}
    if posted == OnceOutcome.IN_DOUBT:
        return {"outcome": "in_doubt", "detail": f"{key} may have been posted; not again"}
    return {"outcome": "posted", "detail": key}


def _what_to_flag(
    a: OwnerPorts, journey: Journey, step: Step, execution: str
) -> tuple[str, str, bool, int]:
    """The flag's key and reason, whether it is flagged once per execution, and its reflag.
    A failure is flagged once per execution; but a send that failed after its claim may have
    gone out, and that is the step's one flag, the same one a later tick would raise about
    the claim left in doubt (og.logic.in_doubt) — or a new one, when the owner let the
    earlier one go with Pause or Hand off and resumed the customer since (og.logic.reflag)."""
    move, failure = journey.move, journey.failure
    about_step = step_flag(a.store, a.store.journey(move.customer_id).state, step.id)
    if not failure:
        return about_step.key, move.reason, False, about_step.reflag
    what = _FAILED_MOVE.get(move.move, move.move)
    detail = failure_text(failure.Error, failure.Cause)[:500]
    reason = f"could not {what} '{step.title}': {detail}"
    if in_doubt.is_in_doubt(a.store, move.customer_id, send_key(step.id, move.send_kind)):
        reason += "; it may have gone out, so it will not be sent again"
        return about_step.key, reason, False, about_step.reflag
    return _flag_key(move.customer_id, step.id, "failure", execution), reason, True, 0


def post_owner_step(a: OwnerPorts, journey: Journey, execution: str) -> dict[str, str]:
    """A step the owner carries out (channel: slack): posted once, like a step email."""
    move = journey.move
    rules_version = _rules_version(a.files)  # before the read, as in post_flag
    docs = load_docs(a.files)
    plan, step = move.plan_and_step(docs.rules)
    customer = move.customer
    now = a.clock()
    record = SendRecord(
        customer_id=customer.customer_id,
        step_id=step.id,
        kind=move.send_kind,
        sent_at=now,
        local_date=local_date(now, customer.timezone or docs.config.timezone),
        channel=Channel.SLACK,
        recipient=docs.config.owner_slack_id,
    )
    if a.store.claim_send(record, execution, one_per_day=False) is not ClaimOutcome.CLAIMED:
        return {"outcome": "already_sent", "detail": record.send_key}
    context = message_context(
        customer,
        step,
        docs.config,
        plan_name=plan.name,
        days_since_signup=move.days_since_signup,
        reason=move.reason,
    )
    message = render(docs.voice.template_for(record.kind, step.id), context)
    # Stored before the post, so a Done click always finds what it marks.
    task = OwnerTask(
        key=_flag_key(customer.customer_id, step.id, "task"),
        customer_id=customer.customer_id,
        step_id=step.id,
        posted_at=now,
        plan=PlanIds.of(plan),
        rules_version=rules_version,
    )
    a.store.save_owner_task(task)
    ts = a.chat.post(
        docs.config.owner_slack_id, OwnerTaskPost(task.key, message.subject, message.body)
    )
    a.store.confirm_send(record, execution, ts)
    return {"outcome": "sent", "detail": f"{record.send_key} posted to the owner ({ts})"}


def report_problems(a: OwnerPorts, problems: list[dict[str, str]]) -> dict[str, Any]:
    """One Slack message listing rows skipped from the onboarding list, each reported at most
    once: claimed before the post, so a run killed after it never reports them again."""
    docs = load_docs(a.files)
    attempt = uuid.uuid4().hex
    now = a.clock()
    fresh = [p for p in problems if a.once.claim(p["key"], attempt, now) is OnceOutcome.CLAIMED]
    if not fresh:
        return {"posted": 0}
    message = render(
        docs.voice.problems_template,
        problems_context(
            [p["text"] for p in fresh],
            business_name=docs.config.business_name,
            list_name=a.files.at.list_key,
        ),
    )
    try:
        ts = a.chat.post(docs.config.owner_slack_id, ReportPost(message.subject, message.body))
    except Exception:
        for p in fresh:  # as post_once: a failed post is tried again
            a.once.release(p["key"], attempt)
        raise
    for p in fresh:
        a.once.confirm(p["key"], attempt, ts, a.clock())
    return {"posted": len(fresh)}


def answer_flag(
    a: OwnerPorts, flag_key: str, action: OwnerAction, *, by_user: str, note: str | None = None
) -> tuple[CustomerState, bool]:
    """Record the answer first — it stands on its own — then resume the journey if it is still
    waiting. Returns the new state and whether a waiting execution was resumed."""
    state, flag, first = record_answer(a, flag_key, action, by_user=by_user, note=note)
    return state, first and resume_journey(a.workflow, flag, note)


def record_answer(
    a: AnswerPorts, flag_key: str, action: OwnerAction, *, by_user: str, note: str | None = None
) -> tuple[CustomerState, PendingFlag, bool]:
    """The owner's answer, recorded once (what done-handler does before it answers Slack).
    Returns the state, the flag as answered (by whom, when) and whether this was that answer:
    False for a second click, which changed nothing. Only Done needs the plan (which step is
    done, and whether that finishes the journey): the one the flag carries, while the rules doc
    is as it was when the flag was posted."""
    flag = a.store.flag(flag_key)
    if flag is None:
        raise UnknownFlag(f"no flag with key {flag_key}")
    if flag.answer is not None:
        return a.store.journey(flag.customer_id).state, flag, False
    plan = _plan_at_done(a, flag) if action is OwnerAction.DONE else None
    at = a.clock()
    state = a.store.record_owner_action(
        flag.customer_id,
        action,
        by_user=by_user,
        at=at,
        flag_key=flag_key,
        step_id=_step_id_now(plan, flag.step_id),
        note=note,
        plan_step_ids=_plan_steps(a.store, flag.customer_id, plan),
    )
    answered = a.store.flag(flag_key) or flag
    return state, answered, (answered.answered_by, answered.answered_at) == (by_user, at)


def resume_later(
    after_answer: AfterAnswer,
    flag_key: str,
    *,
    resume: bool,
    note: str | None,
    message: dict[str, Any] | None = None,
) -> None:
    """Leave for after the answer to Slack: resuming the journey (when this answer was the
    flag's) and updating the flag's message (`message`: channel, ts, blocks), if known."""
    note = journey_note(note)
    after_answer.later(
        {"work": "flag", "flag_key": flag_key, "resume": resume, "note": note, "message": message}
    )


def resume_journey(workflow: Workflow, flag: PendingFlag, note: str | None) -> bool:
    """Hand the flag's recorded answer to its journey; False when none waits any more."""
    return workflow.resume(
        flag.task_token,
        {"action": flag.answer, "by": flag.answered_by, "note": journey_note(note) or ""},
    )


JOURNEY_NOTE_LIMIT = 3000  # characters: Slack's longest plain-text input


def journey_note(note: str | None) -> str | None:
    """The owner's note as the journey gets it: SendTaskSuccess takes at most 256 KiB, so a note
    longer than Slack lets anyone type (`og act --note`) is cut; the answer's record keeps it
    whole."""
    if note is None or len(note) <= JOURNEY_NOTE_LIMIT:
        return note
    return note[: JOURNEY_NOTE_LIMIT - 1] + "…"


def press_task_done(
    a: OwnerPorts, task_key: str, *, by_user: str, message: dict[str, Any] | None = None
) -> tuple[OwnerTask, bool]:
    """Done on an owner task: the step is done for the customer (under its id now, should it
    have been renamed), recorded and audited once. The sheet's finished_at and the update of
    the task's message (`message`: channel, ts, blocks), if known, are left for after the
    answer to Slack. Returns the task and whether it changed."""
    task = a.store.owner_task(task_key)
    if task is None:
        raise UnknownFlag(f"no owner task with key {task_key}")
    plan = _plan_at_done(a, task)
    now = a.clock()
    step_id = _step_id_now(plan, task.step_id)
    state, changed = a.store.record_step_done(
        task.customer_id,
        step_id,
        by_user=by_user,
        at=now,
        plan_step_ids=_plan_steps(a.store, task.customer_id, plan),
    )
    a.after_answer.later(
        {
            "work": "task",
            "task_key": task_key,
            "step_id": step_id,
            "finished_at": now.isoformat() if state.finished and changed else None,
            "message": message,
        }
    )
    return task, changed


def task_done_after_answer(
    store: JourneyStore, sheet: OnboardingSheet, work: dict[str, Any]
) -> tuple[OwnerTask, Answer | None]:
    """The slow part of Done on an owner task: the sheet's finished_at when the click finished
    the journey; and who marked the step done, and when (this click, or the one before it that
    made this one change nothing), for the task's message."""
    task = store.owner_task(work["task_key"])
    if task is None:
        raise UnknownFlag(f"no owner task with key {work['task_key']}")
    if work["finished_at"]:
        mark_finished_in_sheet(sheet, task.customer_id, datetime.fromisoformat(work["finished_at"]))
    step_id = work["step_id"]
    marked = next(
        (
            e
            for e in store.audit_trail(task.customer_id)
            if step_id in e.after.get("steps_done", ())
            and step_id not in e.before.get("steps_done", ())
        ),
        None,
    )
    return task, Answer("Done", marked.by_user, marked.ts) if marked else None


def _plan_steps(store: JourneyStore, customer_id: str, plan: PlanIds | None) -> tuple[str, ...]:
    """The step ids of the customer's plan under which they count as done: a former id where the
    customer did the step before it was renamed."""
    if plan is None:
        return ()
    return plan_step_ids(plan, store.journey(customer_id).state.steps_done)


def _step_id_now(plan: PlanIds | None, step_id: str) -> str:
    return plan.id_now(step_id) if plan else step_id


def _plan_at_done(a: AnswerPorts, posted: PendingFlag | OwnerTask) -> PlanIds | None:
    """The customer's plan for a Done: the one the flag or task carries from its post while the
    rules doc has the version it had then (one HEAD; no document read), else the plan as the
    list and rules say now (a step renamed since the post is done under its new id)."""
    if posted.plan is not None and posted.rules_version == _rules_version(a.files):
        return posted.plan
    plan = _plan_of(a, posted.customer_id)
    return PlanIds.of(plan) if plan else None


def _rules_version(files: GuideFiles) -> str | None:
    return files.documents.version(files.at.rules_bucket, files.at.rules_key)


def _plan_of(a: AnswerPorts, customer_id: str) -> Plan | None:
    """The customer's plan, from the list and rules as they are now."""
    docs = load_docs(a.files)
    customers, _ = read_customers(a.files, docs, a.clock())
    customer = next((c for c in customers if c.customer_id == customer_id), None)
    return docs.rules.plan(customer.plan) if customer else None
