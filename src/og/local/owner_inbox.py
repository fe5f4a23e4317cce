"""What waits for the owner in a local og home, and the owner's answers from the command line.

`og flags` lists the open flags and the pending intake proposals, each with its key, read straight
from og.sqlite: it changes nothing, so it takes no home lock. `og act` answers one flag and
`og approve|edit|discard` one proposal, chosen by key, through done-handler as Slack's buttons and
modals send them (og.local.stack)."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from og.adapters.local.slack_log import read_slack_log
from og.adapters.local.store import SqliteJourneyStore
from og.adapters.owner_messages import APPROVE, DISCARD, EDIT, PROPOSAL_FIELDS
from og.adapters.ports import JourneyStore, PendingFlag, Proposal
from og.core.errors import FunctionError, UnknownFlag, UnknownProposal, UsageError
from og.local import function_url
from og.wiring import adapters

if TYPE_CHECKING:
    from og.local.stack import LocalStack

PROPOSAL_ACTIONS = {"approve": APPROVE, "edit": EDIT, "discard": DISCARD}
COLUMNS = tuple(column for column, _ in PROPOSAL_FIELDS)


@dataclass(frozen=True)
class OpenItems:
    flags: list[PendingFlag]
    proposals: list[Proposal]


def open_items(home: Path) -> OpenItems:
    """The open flags and pending proposals, oldest first (none before the first tick)."""
    if not (home / "og.sqlite").exists():
        return OpenItems([], [])
    store = SqliteJourneyStore(home / "og.sqlite")
    return OpenItems(store.open_flags(), store.pending_proposals())


@dataclass(frozen=True)
class Listing:
    """One of `og flags`' two parts: a heading, then its table (none when nothing waits)."""

    heading: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]

    def plain_lines(self) -> list[str]:
        return [self.heading, *(_table(self.headers, self.rows) if self.rows else [])]


def listings(items: OpenItems, home: Path, tz: ZoneInfo) -> tuple[Listing, Listing]:
    """The open flags, then the pending proposals, each cell on one printable line."""
    flags = Listing(
        _count(len(items.flags), "open flag")
        + (
            f" — answer one: og act --home {home} --flag KEY pause|hand-off|done"
            if items.flags
            else ""
        ),
        ("KEY", "CUSTOMER", "STEP", f"POSTED ({tz.key})", "REASON"),
        [
            _cells(f.flag_key, f.customer_id, f.step_id, _when(f.posted_at, tz), f.reason)
            for f in items.flags
        ],
    )
    proposals = Listing(
        _count(len(items.proposals), "pending intake proposal")
        + (
            f" — answer one: og approve|edit|discard --home {home} KEY [--set column=value]"
            if items.proposals
            else ""
        ),
        ("KEY", "WHO", f"PROPOSED ({tz.key})", "ROW", "PROBLEMS"),
        [
            _cells(
                p.key,
                p.row.get("name") or p.row.get("email") or "(no name)",
                _when(p.proposed_at, tz),
                ", ".join(f"{c}={p.row.get(c, '')}" for c in COLUMNS),
                "; ".join(p.problems) or "none",
            )
            for p in items.proposals
        ],
    )
    return flags, proposals


def describe(items: OpenItems, home: Path, tz: ZoneInfo) -> list[str]:
    """`og flags`' text: one aligned table of flags and one of proposals."""
    flags, proposals = listings(items, home, tz)
    return [*flags.plain_lines(), "", *proposals.plain_lines()]


def _count(n: int, what: str) -> str:
    return f"{n or 'no'} {what}{'' if n == 1 else 's'}"


def _when(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _cell(text: str) -> str:
    """One line, and nothing a terminal would act on: names and reasons come from emails and
    the owner's documents."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in " ".join(text.split()))


def _cells(*cells: str) -> tuple[str, ...]:
    return tuple(_cell(c) for c in cells)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    cells = [list(header), *[list(row) for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header) - 1)]
    return [
        "  " + "  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]])
        for row in cells
    ]


# --- answering a flag --------------------------------------------------------------------------
def flag_to_answer(
    store: JourneyStore, customer_id: str | None, flag_key: str | None
) -> PendingFlag:
    """The open flag named by its key, or the customer's one open flag; a clear error otherwise
    (unknown or answered key, no open flag, several to choose from)."""
    if flag_key:
        flag = store.flag(flag_key)
        if flag is None:
            raise UnknownFlag(f"no flag with key {flag_key!r}; `og flags` lists the open ones")
        if customer_id and flag.customer_id != customer_id:
            raise UsageError(
                f"flag {flag_key} is customer {flag.customer_id}'s, not {customer_id}'s"
            )
        if flag.answer is not None:
            raise UsageError(
                f"flag {flag_key} (customer {flag.customer_id}, step {flag.step_id}) was already "
                f"answered: {flag.answer}"
            )
        return flag
    if not customer_id:
        raise UsageError("say which flag to answer: a customer id, or --flag KEY")
    flags = store.open_flags(customer_id)
    if not flags:
        raise UnknownFlag(f"customer {customer_id} has no open flag to answer")
    if len(flags) > 1:
        listed = _table(
            ("KEY", "STEP", "REASON"), [(f.flag_key, f.step_id, f.reason) for f in flags]
        )
        raise UsageError(
            f"customer {customer_id} has {len(flags)} open flags; say which one with "
            "--flag KEY:\n" + "\n".join(listed)
        )
    return flags[0]


# --- answering a proposal ----------------------------------------------------------------------
@dataclass(frozen=True)
class ProposalAnswer:
    decided: bool  # approved or discarded now
    told: list[str]  # what the owner is told: the Slack posts, or the edit form's errors


def parse_edits(pairs: Sequence[str]) -> dict[str, str]:
    """`--set column=value` pairs: each column one of the proposal's."""
    edits: dict[str, str] = {}
    for pair in pairs:
        column, sep, value = pair.partition("=")
        column = column.strip()
        if not sep:
            raise UsageError(f"--set {pair!r}: write it as column=value, e.g. --set plan=Starter")
        if column not in COLUMNS:
            raise UsageError(
                f"--set {pair!r}: unknown column {column!r}; the columns are {', '.join(COLUMNS)}"
            )
        edits[column] = value
    return edits


def pending_proposal(store: JourneyStore, key: str) -> Proposal:
    proposal = store.proposal(key)
    if proposal is None:
        raise UnknownProposal(
            f"no intake proposal with key {key!r}; `og flags` lists the pending ones"
        )
    if proposal.decision is not None:
        when = f"{proposal.decided_at:%Y-%m-%d %H:%M}Z" if proposal.decided_at else "earlier"
        raise UsageError(
            f"proposal {key} was already {proposal.decision.value} by {proposal.decided_by} "
            f"at {when}"
        )
    return proposal


def answer_proposal(
    stack: LocalStack,
    key: str,
    action: str,
    at: datetime,
    *,
    by_user: str,
    edits: dict[str, str] | None = None,
) -> ProposalAnswer:
    """Approve / Edit / Discard as the owner does in Slack: the button; for Edit, then the modal
    done-handler opened, its fields changed by `edits`, submitted."""
    store = adapters().store
    proposal = pending_proposal(store, key)
    if action == "approve" and proposal.problems:
        # Slack offers no Approve button on such a proposal: Edit fixes it first.
        raise UsageError(
            f"proposal {key} cannot be approved as it is ({'; '.join(proposal.problems)}); "
            f"fix it with: og edit --home {stack.home} {key} --set column=value"
        )
    secret = json.loads((stack.home / "secrets.json").read_text())["og/slack/signing-secret"]
    user = {"id": by_user}
    slack_log = stack.home / "slack.jsonl"
    posted_before = len(read_slack_log(slack_log, "chat.postMessage"))
    trigger = f"local.{key}.{action}"

    def send(payload: dict[str, Any]) -> dict[str, Any]:
        event = function_url.slack_event(payload | {"user": user}, secret)
        result = stack.invoke_done_handler(event, at)
        if result.get("statusCode") != 200:
            raise FunctionError(
                f"done-handler answered {result.get('statusCode')}: {result.get('body')}"
            )
        return result

    send(
        {
            "type": "block_actions",
            "trigger_id": trigger,
            "actions": [{"action_id": PROPOSAL_ACTIONS[action], "value": key}],
        }
    )
    errors: dict[str, str] = {}
    if action == "edit":
        opened = [
            call["payload"]["view"]
            for call in read_slack_log(slack_log, "views.open")
            if call["payload"]["trigger_id"] == trigger
        ]
        if not opened:
            raise FunctionError(f"done-handler opened no edit form for proposal {key}")
        answer = json.loads(send(modal_submission(opened[-1], edits or {}))["body"])
        errors = answer.get("errors") or {}
    decided = store.proposal(key)
    told = _posted_since(slack_log, posted_before)
    told += [f"{column}: {message}" for column, message in errors.items()]
    return ProposalAnswer(decided is not None and decided.decision is not None, told)


def _posted_since(slack_log: Path, posted_before: int) -> list[str]:
    """The Slack posts after the first `posted_before`, as Slack shows them."""
    told = []
    for call in read_slack_log(slack_log, "chat.postMessage")[posted_before:]:
        told.append(html.unescape(call["payload"]["text"]))
        told += [  # a refused row's problems, listed under the headline
            "  " + html.unescape(line)
            for block in call["payload"]["blocks"]
            for line in block.get("text", {}).get("text", "").splitlines()
            if line.startswith("• ")
        ]
    return told


def modal_submission(view: dict[str, Any], edits: dict[str, str]) -> dict[str, Any]:
    """The edit modal submitted: each field as shown (its initial value) unless edited."""
    values = {
        block["block_id"]: {
            block["element"]["action_id"]: {
                "type": "plain_text_input",
                "value": edits.get(block["block_id"], block["element"].get("initial_value")),
            }
        }
        for block in view["blocks"]
        if block.get("type") == "input"
    }
    return {
        "type": "view_submission",
        "view": {
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": values},
        },
    }
