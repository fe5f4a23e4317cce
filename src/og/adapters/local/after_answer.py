"""AfterAnswer under the local engine: the work waits in this process until the local stack has
the handler's answer, then the stack runs it through done-handler (og.local.stack), as Lambda
runs an asynchronous self-invocation after the answer has gone back to Slack."""

from __future__ import annotations

import threading
from typing import Any


class QueuedWork:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[dict[str, Any]] = []

    def later(self, work: dict[str, Any]) -> None:
        with self._lock:
            self._queue.append(work)

    def take(self) -> list[dict[str, Any]]:
        """The work queued so far, oldest first, and the queue emptied."""
        with self._lock:
            work, self._queue = self._queue, []
        return work
