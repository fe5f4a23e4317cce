"""Small state machines and in-process Lambda functions on moto's Step Functions interpreter with
the engine's bridges applied: what the tests of one bridge build their cases from."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto import mock_aws

from og.local import moto_bridge
from og.local.template import REGION


class MotoSfn:
    def __init__(self) -> None:
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.aws_lambda = boto3.client("lambda", region_name=REGION)
        self.role = boto3.client("iam", region_name=REGION).create_role(
            RoleName="r", AssumeRolePolicyDocument="{}"
        )["Role"]["Arn"]
        self._machines = 0

    def machine(self, definition: dict[str, Any], name: str | None = None) -> str:
        self._machines += 1
        return str(
            self.sfn.create_state_machine(
                name=name or f"m{self._machines}",
                definition=json.dumps(definition),
                roleArn=self.role,
            )["stateMachineArn"]
        )

    def function(self, name: str, handler: moto_bridge.Handler) -> str:
        """A Lambda function whose code is `handler`, run in this process (bridge 1)."""
        moto_bridge.register_handler(name, handler)
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as z:
            z.writestr("x.py", "")
        return str(
            self.aws_lambda.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=self.role,
                Handler="x.handler",
                Code={"ZipFile": code.getvalue()},
            )["FunctionArn"]
        )


@contextmanager
def moto_with_bridges() -> Iterator[None]:
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    moto_bridge.apply()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield
