"""Every Slack message and modal, built in og.adapters.slack_messages: what a forwarded email, a
customer's name or a note says arrives in Slack as text (never a mention or a link), in the
blocks and in the notification `text`; long text is split within Slack's limits and nothing is
lost without saying so; every payload is one slack_sdk's models accept."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from og.adapters import slack_messages
from og.adapters.owner_messages import (
    OWNER_TASK_DONE,
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
from og.adapters.ports import Proposal, ProposalDecision
from og.adapters.slack_messages import BLOCK_LIMIT, SECTION_LIMIT, escape, message, modal
from og.core.models import OwnerAction

EVIL = "Ana & Co <!channel> <https://evil.example|click> <@U0BOSS>"
SAFE = "Ana &amp; Co &lt;!channel&gt; &lt;https://evil.example|click&gt; &lt;@U0BOSS&gt;"
AT = datetime(2026, 12, 14, 1, tzinfo=UTC)
ROW = {
    "customer_id": "in-abc",
    "name": EVIL,
    "email": "ana@example.com",
    "plan": "Pro",
    "signup_at": "2026-12-14",
}


def proposal(**changes: Any) -> Proposal:
    fields: dict[str, Any] = {
        "key": "abc",
        "row": ROW,
        "problems": (),
        "source": "s3://og-raw-mime/in/1",
        "email_from": EVIL,
        "email_subject": EVIL,
        "proposed_at": AT,
        "note": "",
    }
    return Proposal(**{**fields, **changes})


POSTS: list[OwnerPost] = [
    FlagPost("f-1", EVIL, f"{EVIL}\nstuck for 5 days"),
    OwnerTaskPost("t-1", EVIL, f"Book a call with {EVIL}"),
    ProposalPost(proposal()),
    ProposalPost(proposal(problems=(f"email: {EVIL} is on the list",))),
    ReportPost(EVIL, EVIL, (EVIL, "row 3: plan: unknown plan")),
    DigestPost(EVIL, EVIL, ("customer   step", f"{EVIL}  welcome")),
    DigestPost("Quiet week", "No activity", ()),
    DigestPost(
        EVIL,
        EVIL,
        (),
        flags_heading="Flags awaiting your answer (1)",
        flag_lines=("Customer  Reason", "--------  ------", f"c-1       {EVIL}"),
        footer="Every customer: `og report` (a file) or the console (`og serve`).",
    ),
]
MODALS: list[OwnerModal] = [
    AnswerModal("f-1", OwnerAction.PAUSE),
    AnswerModal("f-1", OwnerAction.HAND_OFF),
    ProposalEditModal(proposal(), ("Starter", "Pro")),
    ProposalEditModal(
        proposal(decision=ProposalDecision.APPROVED, decided_by="U0OWNER01", decided_at=AT),
        ("Starter", "Pro"),
    ),
]


def mrkdwn_texts(node: Any) -> list[str]:
    """Every mrkdwn text object's text, anywhere in a payload."""
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn_texts(item)]
    if not isinstance(node, dict):
        return []
    own = [node["text"]] if node.get("type") == "mrkdwn" else []
    return own + [t for value in node.values() for t in mrkdwn_texts(value)]


def raw_angle_brackets(text: str) -> list[str]:
    """<...> sequences Slack would read as a mention or link, except our own <@U...> mentions."""
    return [m for m in re.findall(r"<[^>]*>", text) if not re.fullmatch(r"<@U0OWNER01>", m)]


@pytest.mark.parametrize("post", POSTS, ids=lambda p: type(p).__name__)
def test_every_message_validates_with_slack_sdk_and_carries_nothing_raw(post: OwnerPost) -> None:
    built = message(post)

    # slack_sdk's models accept every block as it is (parse, then serialise with its checks).
    assert [Block.parse(b).to_dict() for b in built.blocks] == built.blocks  # type: ignore[union-attr]
    assert 0 < len(built.blocks) <= BLOCK_LIMIT
    texts = [built.text, *mrkdwn_texts(built.blocks)]
    assert all(raw_angle_brackets(t) == [] for t in texts), texts
    assert all(len(t) <= SECTION_LIMIT for t in mrkdwn_texts(built.blocks))
    # What the email said is there, as text: in the notification and in the blocks.
    payload = json.dumps(built.blocks)
    if not isinstance(post, DigestPost) or post.headline == EVIL:
        assert SAFE in built.text or SAFE in payload
    # Plain text (headers, buttons) is never read for mentions or links: it stays as written.
    headers = [b["text"]["text"] for b in built.blocks if b["type"] == "header"]
    assert all(
        h in (EVIL, "Weekly onboarding digest", slack_messages.PROPOSAL_TITLE) for h in headers
    )


@pytest.mark.parametrize("m", MODALS, ids=lambda m: type(m).__name__)
def test_every_modal_validates_with_slack_sdk(m: OwnerModal) -> None:
    view = modal(m)

    assert View(**view).to_dict() == view
    assert all(raw_angle_brackets(t) == [] for t in mrkdwn_texts(view["blocks"]))


def test_the_notification_text_of_each_post_is_escaped() -> None:
    """The fallback `text` is what Slack's notifications show: it was raw in several posts."""
    assert message(FlagPost("f", EVIL, "b")).text == SAFE
    assert message(OwnerTaskPost("t", EVIL, "b")).text == SAFE
    assert message(ReportPost(EVIL)).text == SAFE
    assert message(ProposalPost(proposal())).text == (
        f"New customer from a forwarded welcome email: {SAFE}"
    )


def test_flag_and_owner_task_buttons_carry_only_the_key() -> None:
    flag = message(FlagPost("f-1", "Ana is stuck", "body")).blocks[-1]
    task = message(OwnerTaskPost("t-1", "Call Ana", "body")).blocks[-1]

    assert [(e["action_id"], e["value"]) for e in flag["elements"]] == [
        ("pause", "f-1"),
        ("hand_off", "f-1"),
        ("done", "f-1"),
    ]
    assert [(e["action_id"], e["value"], e["text"]["text"]) for e in task["elements"]] == [
        (OWNER_TASK_DONE, "t-1", "Done")
    ]
    assert task["block_id"] == "og_owner_task" and flag["block_id"] == "og_flag"


def test_a_long_line_is_split_into_sections_of_3000_and_nothing_is_lost() -> None:
    body = "x" * 7000 + "&" * 500  # no line breaks to split at; & grows to &amp;

    blocks = message(FlagPost("f", "t", body)).blocks
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]

    assert [len(s) for s in sections] == [3000, 3000, 3000, 500]
    assert "".join(sections) == escape(body)  # in order, each entity whole
    assert blocks[0]["type"] == "header" and blocks[-1]["type"] == "actions"


def test_sections_break_between_lines_where_a_line_fits() -> None:
    lines = [f"{n:04d} " + "y" * 995 for n in range(7)]  # 1000 characters each

    sections = [b["text"]["text"] for b in message(ReportPost("Title", "\n".join(lines))).blocks]

    assert sections == [
        "*Title*\n" + "\n".join(lines[:2]),
        *["\n".join(lines[i : i + 2]) for i in (2, 4)],
        lines[6],
    ]


def test_more_than_50_blocks_are_cut_and_the_message_says_how_many_lines_are_left_out() -> None:
    items = tuple(f"row {n}: " + "z" * 2990 for n in range(80))  # one section per item

    blocks = message(ReportPost("80 rows were skipped", items=items)).blocks

    assert len(blocks) == BLOCK_LIMIT
    assert blocks[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "…and 32 more"}],
    }
    shown = [b["text"]["text"] for b in blocks[:-1]]
    assert shown[0] == "*80 rows were skipped*"
    assert [s.split(":")[0] for s in shown[1:]] == [f"• row {n}" for n in range(48)]


def test_a_cut_flag_keeps_its_header_and_its_buttons() -> None:
    body = "\n".join("w" * 2999 for _ in range(60))

    blocks = message(FlagPost("f-1", "Ana is stuck", body)).blocks

    assert len(blocks) == BLOCK_LIMIT
    assert [b["type"] for b in (blocks[0], blocks[-2], blocks[-1])] == [
        "header",
        "context",
        "actions",
    ]
    assert blocks[-2]["elements"][0]["text"] == "…and 13 more"  # 47 of 60 lines shown


def test_the_digest_table_is_fixed_width_and_escaped() -> None:
    blocks = message(
        DigestPost("1 finished", "3 steps sent", ("name  step", "A<b>  welcome"))
    ).blocks

    assert blocks[-1]["text"]["text"] == "```\nname  step\nA&lt;b&gt;  welcome\n```"


def test_a_header_longer_than_slack_allows_is_shortened_with_an_ellipsis() -> None:
    header = message(FlagPost("f", "T" * 400, "b")).blocks[0]["text"]["text"]

    assert header == "T" * 149 + "…"


def test_blank_text_makes_no_empty_section() -> None:
    """Slack refuses a section with no text; a message whose body is blank has none."""
    blocks = message(OwnerTaskPost("t-1", "Call Ana", "\n  \n")).blocks

    assert [b["type"] for b in blocks] == ["header", "actions"]
    assert message(ReportPost("Only a title", "\n")).blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Only a title*"}}
    ]


def test_a_report_lists_fixed_width_lines_between_its_title_and_its_closing_note() -> None:
    lines = tuple(f"rules.txt line {n}, Day: <{n}> is not a number" for n in range(300))

    blocks = message(ReportPost(EVIL, fixed_width=lines, footer="Fix & run again.")).blocks

    texts = [b["text"]["text"] for b in blocks]
    assert texts[0] == f"*{SAFE}*" and texts[-1] == "Fix &amp; run again."
    code = texts[1:-1]
    assert all(t.startswith("```\n") and t.endswith("\n```") for t in code)
    shown = [
        line for t in code for line in t.removeprefix("```\n").removesuffix("\n```").split("\n")
    ]
    assert shown == [escape(line) for line in lines]  # all 300, in order, none cut in two
    assert all(len(t) <= SECTION_LIMIT for t in texts)
