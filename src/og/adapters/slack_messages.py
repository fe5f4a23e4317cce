"""Every Slack message and modal the guide sends, built with slack_sdk's Block Kit models (which
check Slack's limits as they serialise). Escaping has its home here: whatever comes from
documents, emails, notes and names reaches Slack as text, in the blocks and in the fallback
`text` that notifications show — never as a mention or a link."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from og.adapters.owner_messages import (
    ACTION_LABELS,
    ANSWER_CALLBACK,
    APPROVE,
    DISCARD,
    EDIT,
    EDIT_CALLBACK,
    OWNER_TASK_DONE,
    PROPOSAL_FIELDS,
    AlreadyAnsweredModal,
    Answer,
    AnsweredPost,
    AnswerModal,
    DigestPost,
    FlagPost,
    OwnerModal,
    OwnerPost,
    OwnerTaskPost,
    ProposalEditModal,
    ProposalPost,
    ReportPost,
)
from og.core.models import OwnerAction

SECTION_LIMIT = 3000  # characters of a section's text
BLOCK_LIMIT = 50  # blocks in one message
HEADER_LIMIT = 150  # characters of a header's plain text
PROPOSAL_TITLE = "New customer from a forwarded welcome email"
_CODE_FENCE = "```"
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
PRIVATE_METADATA_LIMIT = 3000  # characters of a modal's private_metadata


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """chat.postMessage's `text` (the notification and fallback) and `blocks`."""

    text: str
    blocks: list[dict[str, Any]]


def escape(text: str) -> str:
    """`text` shown as written: Slack reads <...> as links and mentions, & as an entity."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def message(post: OwnerPost) -> SlackMessage:
    match post:
        case FlagPost():
            return _flag(post)
        case OwnerTaskPost():
            return _owner_task(post)
        case ProposalPost():
            return _proposal(post)
        case ReportPost():
            return _report(post)
        case DigestPost():
            return _digest(post)


def modal(m: OwnerModal) -> dict[str, Any]:
    match m:
        case AnswerModal():
            return _answer_modal(m)
        case AlreadyAnsweredModal():
            return _already_answered_modal(m)
        case ProposalEditModal():
            return _edit_modal(m)


def answered(post: AnsweredPost) -> SlackMessage:
    """The message as it was posted, without its buttons, and the answer under it."""
    line = answer_line(post.answer)
    kept = [b for b in post.original if b.get("type") != "actions"]
    return SlackMessage(
        line, [*kept, ContextBlock(elements=[MarkdownTextObject(text=line)]).to_dict()]
    )


def answer_line(answer: Answer) -> str:
    """E.g. "*Done* by @Mei at Dec 21, 2026 11:00": Slack shows the time in the reader's zone."""
    who = f"<@{answer.by_user}>" if _USER_ID.fullmatch(answer.by_user) else escape(answer.by_user)
    fallback = answer.at.strftime("%Y-%m-%d %H:%M UTC")
    when = f"<!date^{int(answer.at.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"
    return f"*{escape(answer.what)}* by {who} at {when}"


# --- text into sections ----------------------------------------------------------------------
def _pieces(line: str, room: int) -> list[str]:
    """One line escaped, cut into pieces of at most `room` characters, never inside an entity."""
    pieces: list[str] = []
    current = ""
    for char in line:
        escaped = escape(char)
        if len(current) + len(escaped) > room:
            pieces.append(current)
            current = ""
        current += escaped
    return [*pieces, current]


def _sections(lines: list[str], *, code: bool = False) -> list[tuple[Block, int]]:
    """Sections holding `lines` (escaped), each at most 3,000 characters, split between lines
    where a line fits; each with the number of lines it finishes."""
    fence = len(_CODE_FENCE + "\n" + "\n" + _CODE_FENCE) if code else 0
    room = SECTION_LIMIT - fence
    sections: list[tuple[Block, int]] = []
    current: list[str] = []
    finished = 0
    size = 0

    def close() -> None:
        nonlocal current, finished, size
        text = "\n".join(current)
        if code:
            text = f"{_CODE_FENCE}\n{text}\n{_CODE_FENCE}"
        sections.append((SectionBlock(text=MarkdownTextObject(text=text)), finished))
        current, finished, size = [], 0, 0

    for line in lines:
        pieces = _pieces(line, room)
        for piece in pieces:
            if current and size + 1 + len(piece) > room:
                close()
            size += len(piece) + (1 if current else 0)
            current.append(piece)
        finished += 1
    if current:
        close()
    return sections


def _fit(head: list[Block], sections: list[tuple[Block, int]], tail: list[Block]) -> list[Block]:
    """At most 50 blocks: sections that do not fit are cut, and a last line says how many lines
    were left out."""
    room = BLOCK_LIMIT - len(head) - len(tail)
    if len(sections) <= room:
        return [*head, *(s for s, _ in sections), *tail]
    kept = sections[: room - 1]
    left_out = sum(n for _, n in sections[room - 1 :])
    more = ContextBlock(elements=[MarkdownTextObject(text=f"…and {left_out} more")])
    return [*head, *(s for s, _ in kept), more, *tail]


def _lines(text: str) -> list[str]:
    """The text's lines without blank ones at either end (Slack refuses an empty section)."""
    lines = text.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _header(title: str) -> HeaderBlock:
    short = " ".join(title.split()) or " "
    if len(short) > HEADER_LIMIT:
        short = short[: HEADER_LIMIT - 1] + "…"
    return HeaderBlock(text=PlainTextObject(text=short, emoji=False))


def _fallback(title: str) -> str:
    short = " ".join(title.split())
    return escape(short[:SECTION_LIMIT])


def _dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


def _button(label: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=label), action_id=action_id, value=value, style=style
    )


# --- messages --------------------------------------------------------------------------------
def _flag(post: FlagPost) -> SlackMessage:
    buttons = ActionsBlock(
        block_id="og_flag",
        elements=[
            _button(
                label,
                action.value,
                post.flag_key,
                "primary" if action is OwnerAction.DONE else None,
            )
            for action, label in ACTION_LABELS.items()
        ],
    )
    blocks = _fit([_header(post.title)], _sections(_lines(post.body)), [buttons])
    return SlackMessage(_fallback(post.title), _dicts(blocks))


def _owner_task(post: OwnerTaskPost) -> SlackMessage:
    buttons = ActionsBlock(
        block_id="og_owner_task",
        elements=[_button("Done", OWNER_TASK_DONE, post.task_key, "primary")],
    )
    blocks = _fit([_header(post.title)], _sections(_lines(post.body)), [buttons])
    return SlackMessage(_fallback(post.title), _dicts(blocks))


def _proposal(post: ProposalPost) -> SlackMessage:
    p = post.proposal
    fields = SectionBlock(
        fields=[
            MarkdownTextObject(text=f"*{label}*\n{_pieces(p.row.get(column) or '—', 1900)[0]}")
            for column, label in PROPOSAL_FIELDS
        ]
    )
    forwarded = (
        f"Forwarded by {p.email_from or 'unknown sender'}: {p.email_subject or '(no subject)'}"
    )
    context = ContextBlock(
        elements=[
            MarkdownTextObject(text=_pieces(text, SECTION_LIMIT)[0])
            for text in (forwarded, p.note)
            if text
        ]
    )
    head: list[Block] = [_header(PROPOSAL_TITLE), fields, context]
    fix = ["*Fix with Edit before it can be added:*", *(f"• {x}" for x in p.problems)]
    problems = _sections(fix) if p.problems else []
    buttons = ActionsBlock(
        block_id="og_intake",
        elements=[
            _button(label, action, p.key, style)
            for label, action, style in (
                ("Approve", APPROVE, "primary"),
                ("Edit", EDIT, None),
                ("Discard", DISCARD, "danger"),
            )
            # A row with problems cannot be approved as it is; Edit fixes it.
            if not (action == APPROVE and p.problems)
        ],
    )
    who = p.row.get("name") or p.row.get("email") or "someone"
    blocks = _fit(head, problems, [buttons])
    return SlackMessage(_fallback(f"{PROPOSAL_TITLE}: {who}"), _dicts(blocks))


def _report(post: ReportPost) -> SlackMessage:
    lines = [f"*{' '.join(post.title.split())}*"]
    lines += _lines(post.body)
    lines += [f"• {item}" for item in post.items]
    code = _sections(list(post.fixed_width), code=True) if post.fixed_width else []
    footer = [s for s, _ in _sections(_lines(post.footer))]
    blocks = _fit([], _sections(lines) + code, footer)
    return SlackMessage(_fallback(post.title), _dicts(blocks))


def _digest(post: DigestPost) -> SlackMessage:
    head: list[Block] = [
        _header("Weekly onboarding digest"),
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*{_pieces(post.headline, 900)[0]}*\n{_pieces(post.activity, 2000)[0]}"
            )
        ),
    ]
    table = (
        _sections(list(post.table_lines), code=True)
        if post.table_lines
        else _sections([post.empty_note])
    )
    if post.flag_lines:
        table += _sections([f"*{post.flags_heading}*"])
        table += _sections(list(post.flag_lines), code=True)
    footer: list[Block] = (
        [ContextBlock(elements=[MarkdownTextObject(text=post.footer)])] if post.footer else []
    )
    blocks = _fit(head, table, footer)
    return SlackMessage(_fallback(post.headline), _dicts(blocks))


def command_answer(text: str) -> dict[str, Any]:
    """The answer to a slash command (`/og pause|resume`): a message only the owner sees.
    `text` is mrkdwn whose names and notes the caller escaped (it quotes commands in `code`)."""
    return {"response_type": "ephemeral", "text": text}


# --- modals ----------------------------------------------------------------------------------
def _answer_modal(m: AnswerModal) -> dict[str, Any]:
    label = "Why pause? (optional)" if m.action is OwnerAction.PAUSE else "Hand off to whom?"
    meta: dict[str, Any] = {"flag_key": m.flag_key, "action": m.action.value, "message": m.message}
    if len(json.dumps(meta)) > PRIVATE_METADATA_LIMIT:  # the post is updated without its blocks
        meta["message"] = m.message and {**m.message, "blocks": []}
    view = View(
        type="modal",
        callback_id=ANSWER_CALLBACK,
        private_metadata=json.dumps(meta),
        title=PlainTextObject(text=ACTION_LABELS[m.action]),
        submit=PlainTextObject(text=ACTION_LABELS[m.action]),
        blocks=[
            InputBlock(
                block_id="note",
                optional=m.action is OwnerAction.PAUSE,
                label=PlainTextObject(text=label),
                element=PlainTextInputElement(action_id="note"),
            )
        ],
    )
    return view.to_dict()


def _already_answered_modal(m: AlreadyAnsweredModal) -> dict[str, Any]:
    return View(
        type="modal",
        title=PlainTextObject(text=m.title[:24]),
        close=PlainTextObject(text="Close"),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=f"Already answered: {answer_line(m.answer)}"))
        ],
    ).to_dict()


def _edit_modal(m: ProposalEditModal) -> dict[str, Any]:
    p = m.proposal
    title = PlainTextObject(text="New customer")
    if p.decision is not None:
        decided = (
            f"This proposal was already {p.decision.value} by <@{escape(p.decided_by or '')}>."
        )
        return View(
            type="modal",
            title=title,
            close=PlainTextObject(text="Close"),
            blocks=[SectionBlock(text=MarkdownTextObject(text=decided))],
        ).to_dict()
    hints = {
        "customer_id": "1 to 40 letters, digits, - or _; it must never change",
        "plan": f"One of: {', '.join(m.plans)}"[:2000],
        "signup_at": "Like 2026-12-01, 2026-12-01 09:30 or 2026-12-01T09:30:00+08:00",
    }
    inputs: list[Block] = []
    for column, label in PROPOSAL_FIELDS:
        value = p.row.get(column) or None
        inputs.append(
            InputBlock(
                block_id=column,
                label=PlainTextObject(text=label),
                element=PlainTextInputElement(
                    action_id=column, initial_value=value[:3000] if value else None
                ),
                hint=PlainTextObject(text=hints[column]) if column in hints else None,
            )
        )
    return View(
        type="modal",
        callback_id=EDIT_CALLBACK,
        private_metadata=json.dumps({"proposal": p.key}),
        title=title,
        submit=PlainTextObject(text="Approve"),
        close=PlainTextObject(text="Cancel"),
        blocks=inputs,
    ).to_dict()
