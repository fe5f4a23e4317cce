"""OwnerChat that appends every Slack Web API call to slack.jsonl (method, payload, time): the
payloads the Web API would get, built by og.adapters.slack_messages."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from og.adapters import slack_messages
from og.adapters.owner_messages import AnsweredPost, OwnerModal, OwnerPost


class SlackLogChat:
    def __init__(self, path: Path, clock: Callable[[], datetime]):
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()

    def _append(self, method: str, payload: dict[str, Any]) -> int:
        line = json.dumps({"method": method, "at": self.clock().isoformat(), "payload": payload})
        data = (line + "\n").encode()
        # One write(2) with O_APPEND: a killed process leaves the whole line or none of it (a
        # buffered file may flush a long line in pieces).
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                written = os.write(fd, data)
                if written != len(data):
                    raise OSError(f"{self.path}: wrote {written} of {len(data)} bytes")
                return os.lseek(fd, 0, os.SEEK_CUR)
            finally:
                os.close(fd)

    def post(self, channel: str, message: OwnerPost) -> str:
        built = slack_messages.message(message)
        offset = self._append(
            "chat.postMessage", {"channel": channel, "text": built.text, "blocks": built.blocks}
        )
        return f"local.{offset}"

    def open_modal(self, trigger_id: str, modal: OwnerModal) -> None:
        self._append("views.open", {"trigger_id": trigger_id, "view": slack_messages.modal(modal)})

    def update(self, channel: str, ts: str, message: AnsweredPost) -> None:
        built = slack_messages.answered(message)
        self._append(
            "chat.update",
            {"channel": channel, "ts": ts, "text": built.text, "blocks": built.blocks},
        )


def read_slack_log(path: Path, method: str | None = None) -> list[dict[str, Any]]:
    """The calls logged so far (those of one Web API method, if given)."""
    if not path.exists():
        return []
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [e for e in entries if method is None or e["method"] == method]
