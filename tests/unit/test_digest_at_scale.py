"""The weekly digest at 500 customers of mixed states stays within Slack's limits, cuts each long
list with "…and N more" and says where the full list is, and lists the flags still awaiting an
answer (who, which step, since when, why).

Slack's limits, from its Block Kit reference: at most 50 blocks in a message; a section's text
at most 3,000 characters; a header's plain text at most 150 characters; chat.postMessage's
`text` is truncated past 40,000 characters. Slack also refuses a message whose blocks hold too
much text altogether (`msg_blocks_too_long`) well below fifty full sections: slackapi/bolt-js#2509
reports it from about 13,200 characters, so the digest keeps its blocks under 12,000."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import Block

from og.adapters.ports import AuditEntry, PendingFlag
from og.adapters.slack_messages import BLOCK_LIMIT, HEADER_LIMIT, SECTION_LIMIT, message
from og.core.customer_list import parse_customer_list
from og.core.digest import build_digest
from og.core.models import Channel, CustomerState, Journey, SendKind, SendRecord
from og.core.rules_doc import parse_rules
from og.logic.digest import digest_post

TZ = "Asia/Singapore"
END = datetime(2026, 12, 13, 10, 0, tzinfo=UTC)  # Sunday 18:00 in Singapore
START = END - timedelta(days=7)
TEXT_LIMIT = 40_000
BLOCKS_TEXT_BUDGET = 12_000
RULES = parse_rules(
    "Plan: Starter\n"
    "Step: welcome\nTitle: Welcome — set up your wholesale account today\nDay: 0\n"
    "Nudge after: 2 days\nFlag after: 5 days\n"
    "Step: setup\nTitle: Set up\nDay: 2\nNudge after: 2 days\n"
)
# 500 customers with long names: 100 finished this week, 80 flagged (open flags), 120 with a
# step overdue, 60 paused, 40 handed off, 100 on track.
KINDS = ["finished"] * 100 + ["flagged"] * 80 + ["overdue"] * 120 + ["paused"] * 60
KINDS += ["handed"] * 40 + ["fine"] * 100
LIST = "customer_id,name,email,plan,signup_at\n" + "".join(
    f"c-{i:03},Customer {i:03} of the Very Long Business Name Trading Co,c{i}@example.com,"
    f"Starter,2026-11-{1 + i % 28:02}\n"
    for i in range(len(KINDS))
)
CUSTOMERS = parse_customer_list(LIST, RULES, END, TZ)[0]


def sent(cid: str, day: date) -> SendRecord:
    at = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)
    return SendRecord(cid, "welcome", SendKind.STEP, at, day, Channel.EMAIL, f"{cid}@example.com")


def journey(cid: str, kind: str) -> Journey:
    states: dict[str, Any] = {
        "finished": {"steps_done": frozenset({"welcome", "setup"}), "finished": True},
        "flagged": {"flagged": True},
        "paused": {"paused": True, "paused_note": "on holiday until March " + "x" * 80},
        "handed": {"handed_off_to": "Dana from the wholesale team"},
    }
    sends = (sent(cid, date(2026, 12, 1)),) if kind == "overdue" else ()
    return Journey(CustomerState(cid, **states.get(kind, {})), sends)


JOURNEYS = {f"c-{i:03}": journey(f"c-{i:03}", kind) for i, kind in enumerate(KINDS)}
CHANGES = [
    AuditEntry(cid, END - timedelta(days=1), "done:setup", "customer", {}, {"finished": True})
    for cid, j in JOURNEYS.items()
    if j.state.finished
]
FLAGS = [
    PendingFlag(
        f"flag-{cid}",
        cid,
        "welcome",
        f"no done click on 'Welcome' after 5 days (customer {cid})",
        "token",
        "exec",
        END - timedelta(days=3, minutes=i),  # c-179 waits longest
    )
    for i, (cid, j) in enumerate(JOURNEYS.items())
    if j.state.flagged
]


def texts(node: Any) -> list[str]:
    """Every text object's text, anywhere in the blocks."""
    if isinstance(node, list):
        return [t for item in node for t in texts(item)]
    if not isinstance(node, dict):
        return []
    own = [node["text"]] if node.get("type") in ("mrkdwn", "plain_text") else []
    return own + [t for value in node.values() for t in texts(value)]


def test_500_customers_fit_one_message_with_the_long_lists_cut() -> None:
    digest = build_digest(
        CUSTOMERS,
        RULES,
        JOURNEYS,
        CHANGES,
        start=START,
        end=END,
        business_tz=TZ,
        flag_reasons={f.customer_id: f.reason for f in FLAGS},
        open_flags=FLAGS,
    )
    built = message(digest_post(digest))

    assert [Block.parse(b).to_dict() for b in built.blocks] == built.blocks  # type: ignore[union-attr]
    assert len(built.blocks) <= BLOCK_LIMIT
    assert len(built.text) <= TEXT_LIMIT
    sections = [b["text"]["text"] for b in built.blocks if b["type"] == "section"]
    assert all(len(t) <= SECTION_LIMIT for t in sections)
    assert all(
        len(b["text"]["text"]) <= HEADER_LIMIT for b in built.blocks if b["type"] == "header"
    )
    assert sum(map(len, texts(built.blocks))) <= BLOCKS_TEXT_BUDGET
    assert built.text == (
        "Onboarding, the week to 2026-12-13: 100 finished, 200 stuck, 60 paused, 40 handed off"
    )
    payload = json.dumps(built.blocks, ensure_ascii=False)
    for cut in ("90 more finished", "190 more stuck", "50 more paused", "30 more handed off"):
        assert f"…and {cut}" in payload
    assert "c-009" in payload and "c-010" not in payload  # the first ten finished are shown
    assert built.blocks[-1]["type"] == "context"
    assert "`og report`" in built.blocks[-1]["elements"][0]["text"]
    assert "`og serve`" in built.blocks[-1]["elements"][0]["text"]


def test_the_flags_awaiting_an_answer_are_listed_oldest_first() -> None:
    digest = build_digest(
        CUSTOMERS, RULES, JOURNEYS, CHANGES, start=START, end=END, business_tz=TZ, open_flags=FLAGS
    )
    blocks = message(digest_post(digest)).blocks
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]

    heading = sections.index("*Flags awaiting your answer (80)*")
    flags = "\n".join(sections[heading + 1 :])
    lines = flags.removeprefix("```\n").removesuffix("\n```").split("\n")
    assert lines[0].split() == ["Customer", "Name", "Step", "Since", "Reason"]
    oldest = lines[2]
    # Who, which step (its title), since when (the business date), why; long cells clipped.
    assert [cell.strip() for cell in oldest.split("  ") if cell.strip()] == [
        "c-179",
        "Customer 179 of the Very Long Business Name Tra…",
        "Welcome — set up your wholesale account today",
        "2026-12-10",
        "no done click on 'Welcome' after 5 days (custom…",
    ]
    assert len(lines) == 2 + 10 + 1 and lines[-1] == "…and 70 more flags"


def test_a_small_week_is_not_cut_and_has_no_pointer() -> None:
    few = CUSTOMERS[:5] + CUSTOMERS[100:103]
    later = replace(FLAGS[3], posted_at=END)  # after the digest's time: not yet
    flags = [*FLAGS[:3], later]
    digest = build_digest(
        few, RULES, JOURNEYS, CHANGES, start=START, end=END, business_tz=TZ, open_flags=flags
    )
    blocks = message(digest_post(digest)).blocks
    payload = json.dumps(blocks, ensure_ascii=False)

    assert "more" not in payload and "og report" not in payload
    assert "*Flags awaiting your answer (3)*" in payload
    assert later.customer_id not in payload
