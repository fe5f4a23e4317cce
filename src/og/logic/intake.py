"""intake-ses-parser and the owner's answers to it: a forwarded welcome email (raw MIME in
og-raw-mime) becomes a proposed row of the onboarding list, posted to the owner with Approve /
Edit / Discard; an approved row is added to the list, and every decision is audited."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from og.adapters.owner_messages import PROPOSAL_FIELDS as FIELDS
from og.adapters.owner_messages import ProposalEditModal, ProposalPost, ReportPost
from og.adapters.ports import (
    JourneyStore,
    OnboardingSheet,
    Once,
    OwnerChat,
    Proposal,
    ProposalDecision,
    Writer,
)
from og.core.errors import IntakeError, UnknownProposal
from og.core.intake import (
    WelcomeEmail,
    check_proposal,
    parse_welcome_email,
    prompt_text,
    proposal_row,
)
from og.logic.documents import GuideDocs, GuideFiles, load_docs, read_customers
from og.logic.post_once import post_once

# SES writes this object when the S3 action is set up; it is not an email.
SES_SETUP_OBJECT = "AMAZON_SES_SETUP_NOTIFICATION"


@dataclass(frozen=True)
class IntakePorts:
    files: GuideFiles
    store: JourneyStore
    chat: OwnerChat
    once: Once
    writer: Writer
    sheet: OnboardingSheet
    clock: Callable[[], datetime]


def proposal_key(bucket: str, key: str) -> str:
    """Short and stable per stored email: a redelivered S3 event finds the same proposal."""
    return hashlib.sha256(f"{bucket}/{key}".encode()).hexdigest()[:12]


# --- intake-ses-parser ---------------------------------------------------------------------------
def propose(a: IntakePorts, bucket: str, key: str) -> dict[str, Any]:
    """Read the stored email, have the model propose the row, check it as the list would, and
    post it to the owner once (a redelivered event finds it posted)."""
    source = f"s3://{bucket}/{key}"
    if key.rsplit("/", 1)[-1] == SES_SETUP_OBJECT:
        return {"outcome": "skipped", "detail": f"{source} is SES's setup notice, not an email"}
    pkey = proposal_key(bucket, key)
    existing = a.store.proposal(pkey)
    if existing is not None and (existing.decision or existing.message_ts):
        return {"outcome": "already_posted", "detail": pkey}
    docs = load_docs(a.files)
    now = a.clock()
    try:
        email = parse_welcome_email(a.files.documents.read_bytes(bucket, key), source)
    except IntakeError as err:
        return _report_unreadable(a, docs, pkey, str(err))
    customers, _ = read_customers(a.files, docs, now)
    try:
        proposed = a.writer.propose_customer(
            prompt_text(email), plans=[plan.name for plan in docs.rules.plans.values()]
        )
    except Exception as err:
        # Whatever stopped the model (throttling after the client's retries, a timeout, an
        # answer without the tool): the owner hears once, and the function still fails, so
        # Lambda tries again and then keeps the event in the on-failure queue.
        _report_model_failure(a, docs, pkey, source, email, err)
        raise
    row = proposal_row(proposed, customer_id=f"in-{pkey}")
    proposal = Proposal(
        key=pkey,
        row=row,
        problems=tuple(
            check_proposal(
                row, docs.rules, customers, now, docs.config.timezone, source=a.files.at.list_key
            )
        ),
        source=source,
        email_from=email.sender,
        email_subject=email.subject,
        proposed_at=now,
        note=proposed.get("note", ""),
    )
    if not a.store.save_proposal(proposal):
        return {"outcome": "already_posted", "detail": pkey}
    ts = a.chat.post(docs.config.owner_slack_id, ProposalPost(proposal))
    a.store.save_proposal(replace(proposal, message_ts=ts))
    return {"outcome": "posted", "detail": pkey, "problems": len(proposal.problems)}


def _report_unreadable(a: IntakePorts, docs: GuideDocs, pkey: str, why: str) -> dict[str, str]:
    """Tell the owner once that a forwarded email could not be read (nothing to approve)."""
    text = f"A forwarded welcome email could not be read, so no customer was proposed: {why}"
    post_once(a, f"intake-unreadable:{pkey}", docs.config.owner_slack_id, ReportPost(text))
    return {"outcome": "unreadable", "detail": why}


def _report_model_failure(
    a: IntakePorts, docs: GuideDocs, pkey: str, source: str, email: WelcomeEmail, err: Exception
) -> None:
    text = (
        f"A forwarded welcome email ({email.subject or 'no subject'}, from "
        f"{email.sender or 'unknown sender'}) could not be read by the model: "
        f"{type(err).__name__}: {err}. The email is kept at {source}. The guide tries again "
        "twice in the next minutes; if no proposal follows, forward the email again."
    )
    post_once(a, f"intake-model-failed:{pkey}", docs.config.owner_slack_id, ReportPost(text))


# --- the owner's answers (done-handler) ----------------------------------------------------------
def _pending(a: IntakePorts, key: str) -> Proposal:
    proposal = a.store.proposal(key)
    if proposal is None:
        raise UnknownProposal(f"no proposal with key {key}")
    return proposal


def _already(p: Proposal) -> dict[str, Any]:
    assert p.decision is not None
    return {
        "outcome": "already_decided",
        "detail": f"{p.decision.value} by {p.decided_by} at {p.decided_at}",
    }


def approve(
    a: IntakePorts,
    key: str,
    *,
    by_user: str,
    row: dict[str, str] | None = None,
    post_problems: bool = True,
) -> dict[str, Any]:
    """Add the proposed row (or the owner's edit of it) to the onboarding list, then record the
    decision. A row the list would refuse is not added: its problems are returned, and posted
    to the owner unless the caller shows them (the edit modal does)."""
    proposal = _pending(a, key)
    if proposal.decision is not None:
        return _already(proposal)
    final = dict(row if row is not None else proposal.row)
    docs = load_docs(a.files)
    now = a.clock()
    customers, _ = read_customers(a.files, docs, now)
    problems = check_proposal(
        final, docs.rules, customers, now, docs.config.timezone, source=a.files.at.list_key
    )
    if problems:
        if post_problems:
            headline = f"{final['name'] or 'The proposed customer'} was not added"
            _tell_owner(a, docs, headline, problems)
        return {"outcome": "refused", "problems": problems}
    # The sheet first: it refuses a second row with the same customer_id, so an approval
    # retried after a failure below adds nothing twice.
    added = a.sheet.append_customer(final)
    decided = a.store.decide_proposal(
        key, ProposalDecision.APPROVED, row=final, by_user=by_user, at=now
    )
    if decided is None:
        return _already(_pending(a, key))
    _tell_owner(
        a,
        docs,
        f"Added {final['name']} ({final['customer_id']}) to the onboarding list"
        + ("" if added else " (the row was there already)"),
    )
    return {"outcome": "approved", "customer_id": final["customer_id"], "added": added}


def discard(a: IntakePorts, key: str, *, by_user: str) -> dict[str, Any]:
    proposal = _pending(a, key)
    decided = a.store.decide_proposal(
        key, ProposalDecision.DISCARDED, row=proposal.row, by_user=by_user, at=a.clock()
    )
    if decided is None:
        return _already(_pending(a, key))
    name = proposal.row.get("name") or proposal.row.get("email") or "the proposed customer"
    _tell_owner(a, load_docs(a.files), f"Discarded the proposal for {name}")
    return {"outcome": "discarded", "customer_id": proposal.row["customer_id"]}


def edit_view(a: IntakePorts, key: str) -> ProposalEditModal:
    """The modal to correct the row; submitting it approves the corrected row."""
    plans = tuple(p.name for p in load_docs(a.files).rules.plans.values())
    return ProposalEditModal(_pending(a, key), plans)


def submit_edit(
    a: IntakePorts, private_metadata: str, values: dict[str, Any], *, by_user: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The edit modal's submission: the corrected row is approved. Returns Slack's answer
    ({"response_action": "clear"}, or "errors" naming each field the list would refuse) and
    what happened."""
    key = json.loads(private_metadata)["proposal"]
    row = {
        column: " ".join(str(values.get(column, {}).get(column, {}).get("value") or "").split())
        for column, _ in FIELDS
    }
    result = approve(a, key, by_user=by_user, row=row, post_problems=False)
    if result["outcome"] != "refused":
        return {"response_action": "clear"}, result
    errors: dict[str, str] = {}
    for problem in result["problems"]:
        column, _, message = problem.partition(": ")
        block = column if column in dict(FIELDS) else FIELDS[0][0]
        errors[block] = f"{errors[block]}; {message}" if block in errors else message
    return {"response_action": "errors", "errors": errors}, result


def _tell_owner(
    a: IntakePorts, docs: GuideDocs, headline: str, problems: list[str] | None = None
) -> None:
    a.chat.post(docs.config.owner_slack_id, ReportPost(headline, items=tuple(problems or ())))
