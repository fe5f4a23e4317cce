from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import SMTP, default

import pytest

from og.core.emails import build_email, message_id_for

SENDER = "Harbour & Hearth <hello@harbourhearth.example>"


def _email(**kw):
    args = {
        "sender": SENDER,
        "to_name": "Sarah O'Connor",
        "to_addr": "sarah@brooklynloaf.example",
        "subject": "Welcome, Sarah",
        "body": "Hi Sarah,\nClick: https://x.example/done?t=abc\n",
        "message_id": message_id_for("hh-1003", "welcome", "step", SENDER),
        "sent_at": datetime(2026, 12, 10, 13, 0, tzinfo=UTC),
    } | kw
    return build_email(**args)


def test_headers_of_a_step_email():
    msg = message_from_bytes(
        _email(reply_to="help@harbourhearth.example").as_bytes(), policy=default
    )
    assert msg["To"] == "Sarah O'Connor <sarah@brooklynloaf.example>"
    assert msg["Date"] == "Thu, 10 Dec 2026 13:00:00 +0000"
    assert msg["Message-ID"] == "<og.hh-1003.welcome.step@harbourhearth.example>"
    assert msg["Reply-To"] == "help@harbourhearth.example"
    assert msg["List-Unsubscribe"] == "<mailto:hello@harbourhearth.example?subject=unsubscribe>"
    assert msg["List-Unsubscribe-Post"] is None
    assert "https://x.example/done?t=abc" in msg.get_body(("plain",)).get_content()


def test_one_click_unsubscribe_when_a_url_is_given():
    msg = _email(unsubscribe_url="https://x.example/unsubscribe?t=1")
    assert msg["List-Unsubscribe"].startswith("<https://x.example/unsubscribe?t=1>, <mailto:")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_long_unsubscribe_url_travels_whole_not_encoded():
    url = (
        "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.ap-southeast-1.on.aws/unsubscribe"
        "?t=u.2027-01.hh-1001-abcdefghijklmnopqrstuvwxyz.tq0g40.-jtlNLRK9F1EoopvcLrNyg"
    )
    raw = _email(unsubscribe_url=url).as_bytes(policy=SMTP)  # as SES and the outbox send it
    assert f"\r\nList-Unsubscribe: <{url}>,\r\n <mailto:hello@".encode() in raw
    assert b"=?utf-8?" not in raw
    parsed = message_from_bytes(raw, policy=default)
    assert " ".join(str(parsed["List-Unsubscribe"]).split()) == (
        f"<{url}>, <mailto:hello@harbourhearth.example?subject=unsubscribe>"
    )


@pytest.mark.parametrize("field", ["subject", "to_name"])
def test_header_injection_is_refused(field):
    with pytest.raises(ValueError):
        _email(**{field: "Hello\r\nBcc: victim@example.com"}).as_bytes()


def _parsed(msg):
    return message_from_bytes(msg.as_bytes(), policy=default)


def test_a_step_email_is_text_with_an_html_alternative():
    done = "https://x.example/done?t=abc"
    msg = _parsed(_email(body=f"Hi Sarah,\n\nDone? {done}\n", done_link=done))
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    text = msg.get_body(("plain",)).get_content()
    assert text.replace("\r\n", "\n") == f"Hi Sarah,\n\nDone? {done}\n"
    html = msg.get_body(("html",)).get_content()
    assert f'<a href="{done}"' in html and ">Mark as done</a>" in html
    assert msg["In-Reply-To"] is None and msg["References"] is None


def test_an_email_without_a_done_link_has_no_button():
    msg = _parsed(_email(body="Just hit reply.\n"))
    assert "Mark as done" not in msg.get_body(("html",)).get_content()


def test_a_nudge_threads_under_its_step_email():
    step_id = message_id_for("hh-1003", "welcome", "step", SENDER)
    nudge = _parsed(
        _email(
            subject="A gentle reminder: Set up your account",
            message_id=message_id_for("hh-1003", "welcome", "nudge", SENDER),
            in_reply_to=step_id,
        )
    )
    assert nudge["In-Reply-To"] == f"<{step_id}>"
    assert nudge["References"] == f"<{step_id}>"
    assert nudge["Message-ID"] != nudge["In-Reply-To"]
    assert nudge["Subject"] == "A gentle reminder: Set up your account"  # no forced "Re:"
