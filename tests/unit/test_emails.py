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
