"""AfterAnswer under the local engine: the work waits in this process until the local stack has
the handler's answer, then the stack runs it through done-handler (og.local.stack), as Lambda
runs an asynchronous self-invocation after the answer has gone back to Slack."""

from __future__ import annotations

import json
import threading
from typing import Any

from og.adapters.ports import AFTER_ANSWER, after_answer_event


class QueuedWork:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[dict[str, Any]] = []

    def later(self, work: dict[str, Any]) -> None:
        """Queued as Lambda would take it from Invoke (InvocationType Event): the event as sent,
        refused over the asynchronous payload limit."""
        from og.local.aws_limits import check_invoke_payload

        event = after_answer_event(work)
        check_invoke_payload(event, "Event")
        with self._lock:
            self._queue.append(json.loads(event)[AFTER_ANSWER])

    def take(self) -> list[dict[str, Any]]:
        """The work queued so far, oldest first, and the queue emptied."""
        with self._lock:
            work, self._queue = self._queue, []
        return work
