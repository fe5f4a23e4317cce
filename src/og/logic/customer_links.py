"""What a customer's links do: the done link (a step is finished) and the unsubscribe link (no
more email). Opening a link only reads — mail scanners and link previews open every link —
and pressing its page's button acts, once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from og.adapters.owner_messages import ReportPost
from og.adapters.ports import JourneyStore, OnboardingSheet, Once, OwnerChat, Secrets
from og.core.done_link import verify_done_token, verify_unsubscribe_token
from og.core.models import Customer, CustomerState, Step
from og.core.step_identity import plan_step_ids
from og.logic.documents import GuideDocs, GuideFiles, load_docs, read_customers
from og.logic.post_once import post_once

BY_CUSTOMER = "customer"

logger = Logger(child=True)
metrics = Metrics(namespace="OnboardingGuide")  # flushed by the handler (instances share metrics)


@dataclass(frozen=True, slots=True)
class DoneLink:
    """A verified done link, as things are now."""

    business_name: str
    customer_id: str
    step_id: str  # as signed in the link
    step: Step | None  # the step in the customer's plan now; None when it is no longer there
    plan_step_ids: tuple[str, ...]
    state: CustomerState

    @property
    def already_done(self) -> bool:
        return self.step is not None and self.step.id in self.state.steps_done


@dataclass(frozen=True)
class LinkPorts:
    files: GuideFiles
    store: JourneyStore
    secrets: Secrets
    sheet: OnboardingSheet
    chat: OwnerChat
    once: Once
    clock: Callable[[], datetime]
    done_link_secret: str  # the secret's name


def _secret(a: LinkPorts) -> str:
    return a.secrets.get(a.done_link_secret)


def _customer(a: LinkPorts, docs: GuideDocs, customer_id: str, now: datetime) -> Customer | None:
    customers, _ = read_customers(a.files, docs, now)
    return next((c for c in customers if c.customer_id == customer_id), None)


def open_done_link(a: LinkPorts, token: str) -> DoneLink:
    """Verify the token (InvalidDoneToken) and look the step up in the customer's plan now."""
    now = a.clock()
    customer_id, step_id = verify_done_token(token, _secret(a), now)
    docs = load_docs(a.files)
    customer = _customer(a, docs, customer_id, now)
    plan = docs.rules.plan(customer.plan) if customer else None
    state = a.store.journey(customer_id).state
    return DoneLink(
        business_name=docs.config.business_name,
        customer_id=customer_id,
        step_id=step_id,
        step=plan.step(step_id) if plan else None,
        plan_step_ids=plan_step_ids(plan, state.steps_done) if plan else (),
        state=state,
    )


def press_done(a: LinkPorts, token: str) -> tuple[DoneLink, CustomerState, bool]:
    """Mark the link's step done (under the step's id now, should it have been renamed); the
    link, the new state and whether it changed. A step no longer in the plan changes nothing."""
    link = open_done_link(a, token)
    if link.step is None:
        return link, link.state, False
    now = a.clock()
    state, changed = a.store.record_step_done(
        link.customer_id,
        link.step.id,
        by_user=BY_CUSTOMER,
        at=now,
        plan_step_ids=link.plan_step_ids,
    )
    if state.finished and changed:
        mark_finished_in_sheet(a.sheet, link.customer_id, now)
    return link, state, changed


def mark_finished_in_sheet(sheet: OnboardingSheet, customer_id: str, at: datetime) -> None:
    """Show the finish in the owner's sheet. The done click is recorded already and stands on
    its own, so a Sheets failure is logged and counted, never raised."""
    try:
        found = sheet.mark_finished(customer_id, at)
    except Exception:
        logger.exception(
            "could not set finished_at in the onboarding sheet", extra={"customer_id": customer_id}
        )
        metrics.add_metric(name="SheetUpdateFailures", unit=MetricUnit.Count, value=1)
        return
    if not found:
        logger.warning(
            "finished customer is not on the onboarding sheet", extra={"customer_id": customer_id}
        )


def open_unsubscribe_link(a: LinkPorts, token: str) -> CustomerState:
    """Verify the token (InvalidDoneToken); the customer's state now."""
    customer_id = verify_unsubscribe_token(token, _secret(a), a.clock())
    return a.store.journey(customer_id).state


def press_unsubscribe(a: LinkPorts, token: str) -> tuple[str, bool]:
    """Unsubscribe the link's customer and tell the owner once; the customer id and whether the
    state changed. Needs no document: a broken rules doc must not keep anyone subscribed, and a
    customer no longer on the list stays unsubscribed should they come back."""
    now = a.clock()
    customer_id = verify_unsubscribe_token(token, _secret(a), now)
    _, changed = a.store.record_unsubscribed(customer_id, by_user=BY_CUSTOMER, at=now)
    _tell_owner_once(a, customer_id, now)
    return customer_id, changed


def _tell_owner_once(a: LinkPorts, customer_id: str, now: datetime) -> None:
    """Once per customer, through the Once port: a repeated unsubscribe that finds the owner not
    told yet (an earlier Slack post failed) tries again. The unsubscribe itself is
    recorded already, so a failure here is logged and counted, never raised."""
    key = f"unsubscribed:{customer_id}"
    try:
        docs = load_docs(a.files)
        c = _customer(a, docs, customer_id, now)
        who = f"{c.name} ({c.customer_id}, {c.email})" if c else customer_id
        text = (
            f"{who} unsubscribed with the link in an onboarding email; the guide sends them "
            "nothing more."
        )
        post_once(a, key, docs.config.owner_slack_id, ReportPost(text))
    except Exception:
        logger.exception("could not tell the owner about an unsubscribe", extra={"key": key})
        metrics.add_metric(name="OwnerNoticeFailures", unit=MetricUnit.Count, value=1)
