"""EmailSender that writes each message as an RFC 5322 .eml file into the home's outbox/.

SES accepts a message whole or not at all, so each file appears whole: it is written under a
temporary name and renamed into place (a killed process leaves no empty or partial .eml)."""

from __future__ import annotations

import os
import re
import tempfile
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path


class OutboxEmailSender:
    def __init__(self, outbox: Path):
        self.outbox = outbox
        outbox.mkdir(parents=True, exist_ok=True)

    def path_for(self, message_id: str) -> Path:
        """Where the message with this Message-ID (without <>) is written."""
        return self.outbox / f"{re.sub(r'[^A-Za-z0-9._@-]', '_', message_id)}.eml"

    def send(self, message: EmailMessage) -> str:
        message_id = str(message["Message-ID"]).strip("<>")
        data = message.as_bytes(policy=SMTP)
        fd, temp = tempfile.mkstemp(dir=self.outbox, prefix=".sending-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(temp, self.path_for(message_id))
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return message_id
