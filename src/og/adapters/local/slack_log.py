"""OwnerChat that appends every Slack Web API call to slack.jsonl (method, payload, time)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any


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

    def post_message(self, channel: str, text: str, blocks: list[dict[str, Any]]) -> str:
        offset = self._append(
            "chat.postMessage", {"channel": channel, "text": text, "blocks": blocks}
        )
        return f"local.{offset}"

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        self._append("views.open", {"trigger_id": trigger_id, "view": view})

    def update_message(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]
    ) -> None:
        self._append("chat.update", {"channel": channel, "ts": ts, "text": text, "blocks": blocks})


def read_slack_log(path: Path, method: str | None = None) -> list[dict[str, Any]]:
    """The calls logged so far (those of one Web API method, if given)."""
    if not path.exists():
        return []
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [e for e in entries if method is None or e["method"] == method]
