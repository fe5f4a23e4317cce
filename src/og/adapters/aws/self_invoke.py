"""AfterAnswer in AWS: done-handler invokes itself asynchronously (InvocationType=Event) with the
work to do after it has answered Slack. Lambda queues the event durably and retries a failed run
twice; the function's on-failure destination keeps what still failed."""

from __future__ import annotations

import os
from functools import cached_property
from typing import Any

import boto3

from og.adapters.ports import after_answer_event


class SelfInvocation:
    def __init__(self, function_name: str | None = None, client: Any = None):
        self._function_name = function_name
        self._client = client

    @cached_property
    def _lambda(self) -> Any:
        return self._client or boto3.client("lambda")

    def later(self, work: dict[str, Any]) -> None:
        # The Lambda runtime names the running function; template.yaml lets it invoke itself.
        name = self._function_name or os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self._lambda.invoke(
            FunctionName=name, InvocationType="Event", Payload=after_answer_event(work).decode()
        )
