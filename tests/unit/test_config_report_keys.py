"""The optional config keys of the weekly digest and the monthly summary."""

from __future__ import annotations

import pytest

from og.core.config_doc import parse_config_file
from og.core.errors import DocumentError

BASE = """business_name: Harbour & Hearth
timezone: Asia/Singapore
quiet_hours: 20:00-08:00
weekend: Saturday, Sunday
holidays: SG
sender: Harbour & Hearth <hello@harbourhearth.example>
owner_slack_id: U0OWNER01
"""


def test_without_them_the_digest_goes_to_the_owner_and_no_summary_is_sent() -> None:
    config = parse_config_file(BASE)

    assert (config.digest_channel, config.summary_recipients) == (None, ())


def test_a_channel_and_a_list_of_addresses() -> None:
    config = parse_config_file(
        BASE + "digest_channel: C0DIGEST1\n"
        "summary recipients: owner@harbourhearth.example; Siti Rahman <siti@harbourhearth.example>,"
        " ops@harbourhearth.example\n"
    )

    assert config.digest_channel == "C0DIGEST1"
    assert config.summary_recipients == (
        "owner@harbourhearth.example",
        "Siti Rahman <siti@harbourhearth.example>",
        "ops@harbourhearth.example",
    )


def test_a_channel_name_and_a_bad_address_are_named_with_their_line() -> None:
    with pytest.raises(DocumentError) as caught:
        parse_config_file(
            BASE + "digest_channel: #onboarding\nsummary_recipients: owner@, siti@example.com\n"
        )

    assert [str(p) for p in caught.value.problems] == [
        "config.txt line 8, digest_channel: '#onboarding' is not a Slack channel ID; it looks "
        "like C0123ABCD (in Slack: open the channel, click its name, the ID is at the bottom), "
        "or a member ID like U0123ABCD for a direct message",
        "config.txt line 9, summary_recipients: 'owner@' is not an email address; write it like "
        "'hello@example.com' or 'Your Shop <hello@example.com>'",
    ]
