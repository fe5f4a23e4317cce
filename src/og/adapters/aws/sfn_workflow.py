"""Workflow on Step Functions: resume a journey parked on an owner flag."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

import boto3

_GONE = {"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"}


class SfnWorkflow:
    def __init__(self, client: Any = None):
        self._client = client

    @cached_property
    def _sfn(self) -> Any:
        # Built on first use: done-handler resumes journeys only after it has answered Slack.
        return self._client or boto3.client("stepfunctions")

    def resume(self, task_token: str, output: dict[str, Any]) -> bool:
        try:
            self._sfn.send_task_success(taskToken=task_token, output=json.dumps(output))
        except self._sfn.exceptions.ClientError as err:
            if err.response["Error"]["Code"] in _GONE:
                return False
            raise
        return True
