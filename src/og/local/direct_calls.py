"""The interpreter's Lambda tasks and `startExecution` tasks, handed straight to moto's backends.

moto's interpreter makes these calls through a boto3 client: botocore builds and signs an HTTP
request, moto's HTTP mocking parses it back, and the answer makes the same trip in reverse. That
round trip was most of a local tick's CPU. Here the task calls the same backend method the
HTTP layer would (so the checks installed on it still apply: the payload limits of
og.local.limits and og.local.aws_limits, execution names, the idempotent start), and a backend
error reaches the interpreter as the `ClientError` boto3 would have raised, so the ASL sees the
same error names (`StepFunctions.ExecutionAlreadyExistsException`, `Lambda.<Code>`) and a
handler's exception the same `FunctionError`.
"""

from __future__ import annotations

import json
import sys
import uuid
from typing import Any

from botocore.exceptions import ClientError
from moto.awslambda.models import lambda_backends
from moto.core.exceptions import JsonRESTError
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_sfn,
)
from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from og.local.template import ACCOUNT

# moto's Lambda HTTP layer turns a synchronous answer over this size into this error.
_RESPONSE_LIMIT = 6_000_000
_RESPONSE_TOO_LARGE = {
    "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
    "errorType": "Function.ResponseSizeTooLarge",
}


def client_error(exc: JsonRESTError, operation: str) -> ClientError:
    """The ClientError boto3 raises for the error answer moto's HTTP layer makes of `exc`."""
    return ClientError(
        {
            "Error": {"Code": exc.error_type.split("#")[-1], "Message": exc.message},
            "ResponseMetadata": {"HTTPStatusCode": exc.code, "RequestId": str(uuid.uuid4())},
        },
        operation,
    )


def _payload(raw: str | bytes) -> Any:
    """The answer's payload as the interpreter reads it: JSON if it parses, else the text."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def invoke_lambda(
    parameters: dict[str, Any], region: str, state_credentials: Any
) -> dict[str, Any]:
    """`lambda_eval_utils._invoke_lambda_function` without the HTTP round trip: the response
    boto3's `invoke` returns, with the payload already read."""
    kind = parameters.get("InvocationType") or "RequestResponse"
    headers = {"X-Amz-Invocation-Type": kind}
    answer: dict[str, str] = {}
    try:
        raw: Any = lambda_backends[ACCOUNT][region].invoke(
            parameters["FunctionName"],
            parameters.get("Qualifier"),
            parameters.get("Payload"),
            headers,
            answer,
        )
    except JsonRESTError as exc:
        raise client_error(exc, "Invoke") from exc
    if kind != "Event" and sys.getsizeof(raw) > _RESPONSE_LIMIT:
        answer["x-amz-function-error"] = "Unhandled"
        raw = json.dumps(_RESPONSE_TOO_LARGE)
    response: dict[str, Any] = {
        "StatusCode": {"Event": 202, "DryRun": 204}.get(kind, 200),
        "Payload": _payload(raw),
    }
    if "x-amz-function-error" in answer:
        response["FunctionError"] = answer["x-amz-function-error"]
    return response


_original_sfn_task = state_task_service_sfn.StateTaskServiceSfn._eval_service_task


def sfn_task(
    self: Any,
    env: Any,
    resource_runtime_part: Any,
    normalised_parameters: dict[str, Any],
    state_credentials: Any,
) -> None:
    """A `states:startExecution` task calls the Step Functions backend itself (other actions,
    e.g. DescribeExecution for `.sync`, still go through moto's client)."""
    if self._get_boto_service_action() != "start_execution":
        _original_sfn_task(
            self,
            env=env,
            resource_runtime_part=resource_runtime_part,
            normalised_parameters=normalised_parameters,
            state_credentials=state_credentials,
        )
        return
    p: dict[str, Any] = normalised_parameters
    name: Any = p.get("name")
    backend = stepfunctions_parser_backends[resource_runtime_part.account][
        resource_runtime_part.region
    ]
    execution_input = p.get("input")
    try:
        execution = backend.start_execution(
            p["stateMachineArn"],
            name,
            "{}" if execution_input is None else execution_input,
        )
    except JsonRESTError as exc:
        raise client_error(exc, "StartExecution") from exc
    env.stack.append({"executionArn": execution.execution_arn, "startDate": execution.start_date})


def install() -> None:
    """Called once from og.local.moto_bridge.apply."""
    lambda_eval_utils._invoke_lambda_function = invoke_lambda
    state_task_service_sfn.StateTaskServiceSfn._eval_service_task = sfn_task  # type: ignore[method-assign]
