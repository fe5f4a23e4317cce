"""EmailSender on Amazon SES (API v2 SendEmail with raw content: our RFC 5322 message as built,
List-Unsubscribe headers included; SES takes sender and recipients from its headers).

SES replaces the Message-ID header with its own, `<MessageId@REGION.amazonses.com>`
(`email.amazonses.com` in us-east-1; see "Amazon SES header fields" in the SES developer guide).
`send` returns that id, so a later nudge can answer the email the customer really has."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from functools import cached_property
from typing import Any

import boto3
from botocore.exceptions import ClientError

from og.core.errors import SendRejected


class SesEmailSender:
    def __init__(self, client: Any = None, configuration_set: str | None = None):
        self._client = client
        self.configuration_set = configuration_set

    @cached_property
    def _ses(self) -> Any:
        # Built on first use: of the functions that build every adapter, only sender sends.
        return self._client or boto3.client("sesv2")

    def send(self, message: EmailMessage) -> str:
        options = {"ConfigurationSetName": self.configuration_set} if self.configuration_set else {}
        try:
            response = self._ses.send_email(
                Content={"Raw": {"Data": message.as_bytes(policy=SMTP)}}, **options
            )
        except ClientError as err:
            # A 4xx is SES refusing the request (MessageRejected, an unverified identity, sending
            # paused, throttling once botocore's retries are spent...): nothing went out, so the
            # claim may be released and the state machine may retry or flag. A 5xx or a lost
            # connection may come after SES accepted the message, so it propagates.
            status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500)
            if 400 <= status < 500:
                error = err.response.get("Error", {})
                raise SendRejected(
                    f"SES refused {message['Message-ID']} to {message['To']}: "
                    f"{error.get('Code')}: {error.get('Message')}"
                ) from err
            raise
        return delivered_message_id(str(response["MessageId"]), self._ses.meta.region_name)


def delivered_message_id(ses_message_id: str, region: str) -> str:
    """The Message-ID (without <>) that SES stamps on the email it delivers."""
    domain = "email.amazonses.com" if region == "us-east-1" else f"{region}.amazonses.com"
    return f"{ses_message_id}@{domain}"
