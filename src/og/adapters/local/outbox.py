"""EmailSender that writes each message as an RFC 5322 .eml file into the home's outbox/."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path


class OutboxEmailSender:
    def __init__(self, outbox: Path):
        self.outbox = outbox
        outbox.mkdir(parents=True, exist_ok=True)

    def send(self, message: EmailMessage) -> str:
        message_id = str(message["Message-ID"]).strip("<>")
        safe = re.sub(r"[^A-Za-z0-9._@-]", "_", message_id)
        (self.outbox / f"{safe}.eml").write_bytes(message.as_bytes(policy=SMTP))
        return message_id
