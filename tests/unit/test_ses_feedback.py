"""SES bounce and complaint notifications: only a permanent bounce or a complaint stops email."""

from __future__ import annotations

from typing import Any

import pytest

from og.core.ses_feedback import SesFeedback, StopSending, read_ses_notification

MAIL = {"source": "hello@harbourhearth.example", "messageId": "0100018c-1"}


def bounce(bounce_type: str, *recipients: dict[str, Any], key: str = "notificationType") -> dict:
    return {
        key: "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": "General",
            "bouncedRecipients": list(recipients),
            "timestamp": "2026-12-10T01:00:00.000Z",
            "feedbackId": "0100018c-2",
        },
        "mail": MAIL,
    }


@pytest.mark.parametrize("key", ["notificationType", "eventType"])
def test_a_permanent_bounce_stops_each_recipient_with_the_diagnostic(key: str) -> None:
    notification = bounce(
        "Permanent",
        {
            "emailAddress": "Mei.Ling@KopiBakes.example",
            "action": "failed",
            "status": "5.1.1",
            "diagnosticCode": "smtp; 550 5.1.1 user unknown",
        },
        {"emailAddress": "Tom <tom@whitfieldpies.example>", "status": "5.1.2"},
        {"emailAddress": "not an address"},
        key=key,
    )

    assert read_ses_notification(notification) == SesFeedback(
        "Bounce",
        (
            StopSending("mei.ling@kopibakes.example", "hard bounce: smtp; 550 5.1.1 user unknown"),
            StopSending("tom@whitfieldpies.example", "hard bounce: 5.1.2"),
        ),
    )


@pytest.mark.parametrize("bounce_type", ["Transient", "Undetermined"])
def test_other_bounces_are_left_to_ses(bounce_type: str) -> None:
    feedback = read_ses_notification(bounce(bounce_type, {"emailAddress": "a@example.com"}))

    assert feedback.stop == ()
    assert feedback.ignored_because == (
        f"{bounce_type} bounce (General): SES retries, the customer stays active"
    )


def test_a_complaint_stops_the_complainant() -> None:
    notification = {
        "notificationType": "Complaint",
        "complaint": {
            "complainedRecipients": [{"emailAddress": "sarah@brooklynloaf.example"}],
            "complaintFeedbackType": "abuse",
        },
        "mail": MAIL,
    }
    without_type = notification | {
        "complaint": {"complainedRecipients": [{"emailAddress": "sarah@brooklynloaf.example"}]}
    }

    assert read_ses_notification(notification).stop == (
        StopSending("sarah@brooklynloaf.example", "complaint: abuse"),
    )
    assert read_ses_notification(without_type).stop == (
        StopSending("sarah@brooklynloaf.example", "complaint: marked as spam"),
    )


def test_deliveries_subscription_notices_and_empty_bounces_are_ignored() -> None:
    assert read_ses_notification({"notificationType": "Delivery", "mail": MAIL}) == SesFeedback(
        "Delivery", ignored_because="not a bounce or complaint ('Delivery')"
    )
    assert read_ses_notification({"Type": "SubscriptionConfirmation"}).ignored_because == (
        "not a bounce or complaint ('')"
    )
    assert read_ses_notification(bounce("Permanent")).ignored_because == (
        "the notification names no recipient address"
    )
    assert read_ses_notification({"notificationType": "Bounce", "bounce": "?"}).stop == ()
