"""Forwarded welcome emails read down to the welcome email, and the proposed row checked as the
list checks its rows."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from og.core.customer_list import parse_customer_list
from og.core.errors import IntakeError
from og.core.intake import (
    Forwarded,
    check_proposal,
    html_to_text,
    parse_welcome_email,
    prompt_text,
    proposal_row,
)
from og.core.rules_doc import parse_rules

SOURCE = "s3://og-raw-mime/m-1"
NOW = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
RULES = parse_rules("Plan: Starter\nStep: welcome\nDay: 0\n\nPlan: Pro\nStep: welcome\nDay: 0\n")
HEADERS = (
    b"From: Owner <owner@harbourhearth.example>\r\n"
    b"To: welcome@harbourhearth.example\r\n"
    b"Subject: Fwd: Welcome to Harbour & Hearth, Mei Ling!\r\n"
    b"Date: Tue, 01 Dec 2026 10:02:00 +0800\r\n"
    b"Message-ID: <fwd-1@mail.example>\r\n"
    b"MIME-Version: 1.0\r\n"
)
WELCOME_HEADERS = Forwarded(
    from_="Harbour & Hearth <hello@harbourhearth.example>",
    to="Mei Ling Tan <meiling@kopibakes.example>",
    date="Tue, Dec 1, 2026 at 9:15 AM",
    subject="Welcome to Harbour & Hearth, Mei Ling!",
)
GMAIL_PLAIN = """New one for the list, she's on Starter.

---------- Forwarded message ---------
From: Harbour & Hearth <hello@harbourhearth.example>
Date: Tue, Dec 1, 2026 at 9:15 AM
Subject: Welcome to Harbour & Hearth, Mei Ling!
To: Mei Ling Tan <meiling@kopibakes.example>


Hi Mei Ling,

Thanks for signing up for the Starter plan.
"""


def _message(body: str, subtype: str = "plain", charset: str = "utf-8") -> bytes:
    return (
        HEADERS
        + (
            f"Content-Type: text/{subtype}; charset={charset}\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n"
            f"{body}"
        ).encode()
    )


# --- plain, HTML, forwarded ----------------------------------------------------------------------
def test_a_plain_email_that_forwards_nothing_is_read_whole() -> None:
    raw = _message("Hi Ana,\r\n\r\nWelcome to the Pro plan!\r\n")

    email = parse_welcome_email(raw, SOURCE)

    assert email.subject == "Fwd: Welcome to Harbour & Hearth, Mei Ling!"
    assert email.sender == "Owner <owner@harbourhearth.example>"
    assert email.sent_at == datetime(2026, 12, 1, 2, 2, tzinfo=UTC)
    assert email.body == "Hi Ana,\n\nWelcome to the Pro plan!"
    assert (email.note, email.forwarded, email.from_html) == ("", None, False)


def test_a_gmail_inline_forward_splits_note_headers_and_welcome_email() -> None:
    email = parse_welcome_email(_message(GMAIL_PLAIN), SOURCE)

    assert email.note == "New one for the list, she's on Starter."
    assert email.forwarded == WELCOME_HEADERS
    assert email.body == "Hi Mei Ling,\n\nThanks for signing up for the Starter plan."


def test_the_plain_part_is_preferred_and_the_html_only_email_is_converted() -> None:
    html = (
        "<html><head><style>p{color:red}</style><title>x</title></head><body>"
        '<div dir="ltr">New one.<br><div class="gmail_quote">'
        "---------- Forwarded message ---------<br>"
        "From: <strong>Harbour &amp; Hearth</strong> &lt;hello@harbourhearth.example&gt;<br>"
        "Date: Tue, Dec 1, 2026 at 9:15 AM<br>"
        "Subject: Welcome to Harbour &amp; Hearth, Mei Ling!<br>"
        'To: <a href="mailto:meiling@kopibakes.example">Mei Ling Tan</a><br><br>'
        "<p>Hi Mei&nbsp;Ling,</p><p>Thanks for signing up for the <b>Starter</b> plan.</p>"
        "<script>track()</script></div></div></body></html>"
    )
    alternative = EmailMessage(policy=SMTP)
    alternative["From"] = "Owner <owner@harbourhearth.example>"
    alternative["Subject"] = "Fwd: Welcome"
    alternative.set_content(GMAIL_PLAIN)
    alternative.add_alternative(html, subtype="html")
    html_only = _message(html, "html")

    from_plain = parse_welcome_email(alternative.as_bytes(), SOURCE)
    from_html = parse_welcome_email(html_only, SOURCE)

    assert from_plain.from_html is False and from_plain.forwarded == WELCOME_HEADERS
    assert from_html.from_html is True
    assert from_html.note == "New one."
    assert from_html.forwarded == WELCOME_HEADERS
    assert from_html.body == "Hi Mei Ling,\n\nThanks for signing up for the Starter plan."


@pytest.mark.parametrize(
    ("marker", "date_key"),
    [
        ("Begin forwarded message:", "Date"),  # Apple Mail
        ("-------- Forwarded Message --------", "Date"),  # Thunderbird
        ("________________________________", "Sent"),  # Outlook
        ("-----Original Message-----", "Sent"),
    ],
)
def test_other_mail_clients_forward_markers(marker: str, date_key: str) -> None:
    body = (
        f"FYI\n\n{marker}\n\n"
        "From: Harbour & Hearth <hello@harbourhearth.example>\n"
        f"{date_key}: Tue, Dec 1, 2026 at 9:15 AM\n"
        "To: Mei Ling Tan <meiling@kopibakes.example>\n"
        "Subject: Welcome to Harbour & Hearth, Mei Ling!\n\n"
        "Hi Mei Ling,\n"
    )

    email = parse_welcome_email(_message(body), SOURCE)

    assert email.note == "FYI"
    assert email.forwarded == WELCOME_HEADERS
    assert email.body == "Hi Mei Ling,"


def test_a_quoted_forward_is_unquoted_and_a_forward_of_a_forward_reads_the_innermost() -> None:
    body = (
        "From the sales inbox\n\n"
        "---------- Forwarded message ---------\n"
        "From: Siti <siti@harbourhearth.example>\n"
        "Subject: Fwd: Welcome\n\n"
        "> ---------- Forwarded message ---------\n"
        "> From: Harbour & Hearth <hello@harbourhearth.example>\n"
        "> To: Mei Ling Tan <meiling@kopibakes.example>\n"
        ">\n"
        "> Hi Mei Ling,\n"
        "> Welcome aboard.\n"
    )

    email = parse_welcome_email(_message(body), SOURCE)

    assert email.forwarded == Forwarded(
        from_="Harbour & Hearth <hello@harbourhearth.example>",
        to="Mei Ling Tan <meiling@kopibakes.example>",
    )
    assert email.body == "Hi Mei Ling,\nWelcome aboard."
    assert email.note.startswith("From the sales inbox")


def test_a_rule_line_without_headers_is_not_a_forward() -> None:
    body = "Hi Ana,\n\n__________________________\n\nThe Acme team\n"

    email = parse_welcome_email(_message(body), SOURCE)

    assert email.forwarded is None and email.body.startswith("Hi Ana,")


def test_a_message_forwarded_as_an_attachment() -> None:
    welcome = EmailMessage()
    welcome["From"] = "Harbour & Hearth <hello@harbourhearth.example>"
    welcome["To"] = "Mei Ling Tan <meiling@kopibakes.example>"
    welcome["Subject"] = "Welcome to Harbour & Hearth, Mei Ling!"
    welcome["Date"] = "Tue, 01 Dec 2026 09:15:00 +0800"
    welcome.set_content("Hi Mei Ling,\n\nWelcome to the Pro plan.\n")
    outer = EmailMessage()
    outer["From"] = "Owner <owner@harbourhearth.example>"
    outer["Subject"] = "Fwd: Welcome"
    outer.set_content("Please add her.\n")
    outer.add_attachment(welcome)

    email = parse_welcome_email(outer.as_bytes(), SOURCE)

    assert email.note == "Please add her."
    assert email.forwarded == Forwarded(
        from_="Harbour & Hearth <hello@harbourhearth.example>",
        to="Mei Ling Tan <meiling@kopibakes.example>",
        date="Tue, 01 Dec 2026 09:15:00 +0800",
        subject="Welcome to Harbour & Hearth, Mei Ling!",
    )
    assert email.body == "Hi Mei Ling,\n\nWelcome to the Pro plan."


def test_encoded_headers_and_quoted_printable_bodies_are_decoded() -> None:
    raw = (
        b"From: =?utf-8?q?Caf=C3=A9_Owner?= <owner@example.com>\r\n"
        b"Subject: =?utf-8?b?RndkOiBXZWxjb21lLCBaw7Zl?=\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Hi Z=C3=B6e, welcome to the Starter plan=21\r\n"
    )

    email = parse_welcome_email(raw, SOURCE)

    assert email.sender == "Café Owner <owner@example.com>"
    assert email.subject == "Fwd: Welcome, Zöe"
    assert email.body == "Hi Zöe, welcome to the Starter plan!"


# --- malformed -----------------------------------------------------------------------------------
def test_an_empty_file_is_not_an_email() -> None:
    with pytest.raises(IntakeError, match=r"^s3://og-raw-mime/m-1: the file is empty"):
        parse_welcome_email(b"  \r\n", SOURCE)


def test_an_email_without_text_says_what_it_holds() -> None:
    message = EmailMessage()
    message["Subject"] = "Fwd: scan"
    message.add_attachment(b"%PDF-1.7", maintype="application", subtype="pdf", filename="x.pdf")

    with pytest.raises(IntakeError, match=r"no text in the email .*application/pdf"):
        parse_welcome_email(message.as_bytes(), SOURCE)


def test_an_unknown_charset_is_read_as_far_as_it_goes() -> None:
    email = parse_welcome_email(_message("Hi Ana, welcome!", charset="x-made-up"), SOURCE)

    assert email.body == "Hi Ana, welcome!"


def test_broken_mime_still_yields_its_text() -> None:
    no_boundary = HEADERS + (
        b"Content-Type: multipart/alternative\r\n\r\nHi Ana,\r\nwelcome to the Pro plan.\r\n"
    )
    bad_base64 = HEADERS + (
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"SGkgQW5hLCB3ZWxjb21lIQ=!!\r\n"
    )
    bad_date = _message("Hi Ana").replace(b"Tue, 01 Dec 2026 10:02:00 +0800", b"yesterday-ish")

    assert "welcome to the Pro plan" in parse_welcome_email(no_boundary, SOURCE).body
    assert parse_welcome_email(bad_base64, SOURCE).body.startswith("Hi Ana, welcome!")
    assert parse_welcome_email(bad_date, SOURCE).sent_at is None


def test_html_to_text_keeps_blocks_cells_lists_and_mailto_addresses() -> None:
    html = (
        "<h1>Welcome</h1><ul><li>One</li><li>Two</li></ul>"
        "<table><tr><td>Plan</td><td>Pro</td></tr></table>"
        '<p>Write to <a href="mailto:ana@example.com?subject=hi">Ana</a> or '
        '<a href="mailto:ben@example.com">ben@example.com</a>.</p>'
    )

    assert html_to_text(html) == (
        "Welcome\n\n- One\n\n- Two\n\nPlan Pro\n\n"
        "Write to Ana <ana@example.com> or ben@example.com."
    )


def test_the_prompt_names_who_forwarded_it_and_the_welcome_emails_headers() -> None:
    email = parse_welcome_email(_message(GMAIL_PLAIN), SOURCE)

    assert prompt_text(email) == (
        "Forwarded by: Owner <owner@harbourhearth.example>\n"
        "Forwarded on: 2026-12-01T10:02:00+08:00\n"
        "Subject: Fwd: Welcome to Harbour & Hearth, Mei Ling!\n"
        "\nNote from the person who forwarded it:\nNew one for the list, she's on Starter.\n"
        "\n--- The welcome email ---\n"
        "From: Harbour & Hearth <hello@harbourhearth.example>\n"
        "To: Mei Ling Tan <meiling@kopibakes.example>\n"
        "Date: Tue, Dec 1, 2026 at 9:15 AM\n"
        "Subject: Welcome to Harbour & Hearth, Mei Ling!\n"
        "\n"
        "Hi Mei Ling,\n\nThanks for signing up for the Starter plan."
    )


# --- the proposed row ----------------------------------------------------------------------------
def test_a_proposal_becomes_a_list_row_and_non_text_values_are_dropped() -> None:
    proposed = {"name": " Mei  Ling Tan ", "email": 42, "plan": "Starter", "extra": "x"}

    assert proposal_row(proposed, "in-1") == {
        "customer_id": "in-1",
        "name": "Mei Ling Tan",
        "email": "",
        "plan": "Starter",
        "signup_at": "",
    }


LIST = (
    "customer_id,name,email,plan,signup_at\n"
    "hh-1001,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-01\n"
)
CUSTOMERS = parse_customer_list(LIST, RULES, NOW, "Asia/Singapore")[0]
ROW = {
    "customer_id": "in-1",
    "name": "Arjun Pillai",
    "email": "arjun@pillaicatering.example",
    "plan": "pro",
    "signup_at": "2026-12-09",
}


def _problems(**changes: str) -> list[str]:
    return check_proposal(
        ROW | changes, RULES, CUSTOMERS, NOW, "Asia/Singapore", source="onboarding.csv"
    )


def test_a_good_proposal_has_no_problems() -> None:
    assert _problems() == []


def test_a_proposal_is_checked_with_the_lists_own_rules() -> None:
    assert _problems(email="arjun@@x", plan="Enterprise", signup_at="2026-12-31", name="") == [
        "name: missing; every row needs the customer's name",
        "email: 'arjun@@x' is not a valid email address",
        "plan: unknown plan 'Enterprise'; the plans are Starter, Pro",
        "signup_at: '2026-12-31' is in the future",
    ]
    assert _problems(customer_id="-bad")[0].startswith("customer_id: '-bad' is not allowed")


def test_a_customer_already_on_the_list_is_named() -> None:
    assert _problems(email="MeiLing@kopibakes.example") == [
        "email: meiling@kopibakes.example is already on the list as customer hh-1001 (Mei Ling Tan)"
    ]
    assert _problems(customer_id="hh-1001") == [
        "customer_id: 'hh-1001' is already on the list (Mei Ling Tan); choose another"
    ]
    # The same id with the same email is this very row, added already.
    assert _problems(customer_id="hh-1001", email="meiling@kopibakes.example") == []
