"""Limits AWS enforces that moto's Step Functions and Lambda do not, enforced on the local engine
with the error AWS documents, so a run that would fail in AWS fails here too.

Each check is a plain function (tests call them directly); `install()` wires them into moto's
seams and is called once from `og.local.moto_bridge.apply`. The figures, with AWS's pages, are
in docs/local-engine.md ("Limits AWS enforces, enforced here too").
"""

from __future__ import annotations

import datetime as _dt
import re
import threading
from typing import Any

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaBackend
from moto.stepfunctions.exceptions import InvalidName, ValidationException
from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
from moto.stepfunctions.parser.asl.eval import environment as environment_module
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager
from moto.stepfunctions.parser.backend import execution_worker as worker_module
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import StepFunctionResponse

from og.adapters.ports import ASYNC_INVOKE_LIMIT

# StartExecution `name`: 1-80 characters, none of these (Step Functions quotas, "Names").
NAME_LIMIT = 80
_NAME_FORBIDDEN = re.compile(
    r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]"
)
# SendTaskSuccess / SendTaskFailure members (Step Functions API reference).
TASK_TOKEN_LIMIT = 2048  # characters
TASK_OUTPUT_LIMIT = 262_144  # bytes of UTF-8
TASK_ERROR_LIMIT = 256  # characters
TASK_CAUSE_LIMIT = 32_768  # characters
# Lambda Invoke request payload (Lambda API reference, Invoke).
SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024  # bytes, InvocationType RequestResponse
ASYNC_PAYLOAD_LIMIT = ASYNC_INVOKE_LIMIT  # bytes, InvocationType Event
# Standard workflows: event 25,000 is the last (Step Functions quotas, "Avoid reaching the
# history quota"): it is ExecutionSucceeded, or the execution fails with States.Runtime.
HISTORY_LIMIT = 25_000
HISTORY_CAUSE = f"The execution reached the maximum number of history events ({HISTORY_LIMIT})."


def check_execution_name(name: str | None) -> None:
    """StartExecution's rule for `name` (None: AWS picks a UUID) -> InvalidName."""
    if name is None:
        return
    if len(name) > NAME_LIMIT:
        raise InvalidName(f"Invalid Name: '{name}' (longer than {NAME_LIMIT} characters)")
    bad = _NAME_FORBIDDEN.search(name)
    if bad:
        raise InvalidName(f"Invalid Name: '{name}' (contains {bad.group()!r})")


def _too_long(member: str, limit: int) -> ValidationException:
    return ValidationException(
        f"1 validation error detected: Value at '{member}' failed to satisfy constraint: "
        f"Member must have length less than or equal to {limit}"
    )


def check_task_callback(
    token: str, output: str | None = None, error: str | None = None, cause: str | None = None
) -> None:
    """SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat members -> ValidationException."""
    if len(token) > TASK_TOKEN_LIMIT:
        raise _too_long("taskToken", TASK_TOKEN_LIMIT)
    if output is not None and len(output.encode()) > TASK_OUTPUT_LIMIT:
        raise _too_long("output", TASK_OUTPUT_LIMIT)
    if error is not None and len(error) > TASK_ERROR_LIMIT:
        raise _too_long("error", TASK_ERROR_LIMIT)
    if cause is not None and len(cause) > TASK_CAUSE_LIMIT:
        raise _too_long("cause", TASK_CAUSE_LIMIT)


class RequestTooLarge(LambdaClientError):
    code = 413

    def __init__(self, limit: int):
        super().__init__(
            "RequestTooLargeException",
            f"Request must be smaller than {limit} bytes for the InvokeFunction operation",
        )


def check_invoke_payload(payload: bytes | str | None, invocation_type: str | None) -> None:
    """Lambda Invoke's request payload: 6 MB synchronous, 1 MB asynchronous (`Event`)."""
    size = len(payload.encode() if isinstance(payload, str) else payload or b"")
    limit = ASYNC_PAYLOAD_LIMIT if invocation_type == "Event" else SYNC_PAYLOAD_LIMIT
    if size > limit:
        raise RequestTooLarge(limit)


def _history_full(manager: Any, event_type: str) -> bool:
    """True once `manager` has no room: the event that fills it is not ExecutionSucceeded."""
    return (
        len(manager._history_event_list) >= HISTORY_LIMIT - 1
        and event_type != HistoryEventType.ExecutionSucceeded
    )


_installed = threading.Lock()
_state = {"done": False}


def install() -> None:
    """Wire the checks into moto (once per process)."""
    with _installed:
        if _state["done"]:
            return
        _state["done"] = True

    start_execution = StepFunctionsParserBackend.start_execution

    def checked_start(self: Any, arn: str, name: Any = None, *a: Any, **kw: Any) -> Any:
        check_execution_name(name)
        return start_execution(self, arn, name, *a, **kw)

    StepFunctionsParserBackend.start_execution = checked_start  # type: ignore[method-assign, assignment]
    _check_task_callbacks()
    invoke = LambdaBackend.invoke

    def checked_invoke(
        self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, *a: Any
    ) -> Any:
        check_invoke_payload(body, headers.get("X-Amz-Invocation-Type"))
        return invoke(self, function_name, qualifier, body, headers, *a)

    LambdaBackend.invoke = checked_invoke  # type: ignore[method-assign, assignment]
    _bound_history()
    _start_time_as_text()


def _check_task_callbacks() -> None:
    """The API's members, read as the request carries them (moto drops SendTaskFailure's
    cause)."""
    for op in ("send_task_success", "send_task_failure", "send_task_heartbeat"):
        answer = getattr(StepFunctionResponse, op)

        def checked(self: Any, _answer: Any = answer) -> Any:
            check_task_callback(
                self._get_param("taskToken") or "",
                self._get_param("output"),
                self._get_param("error"),
                self._get_param("cause"),
            )
            return _answer(self)

        setattr(StepFunctionResponse, op, checked)


def _bound_history() -> None:
    """An execution's history ends at HISTORY_LIMIT events, failing it with States.Runtime."""
    environment_init = environment_module.Environment.__init__

    def environment(self: Any, *args: Any, **kw: Any) -> None:
        environment_init(self, *args, **kw)
        self.event_manager.og_env = self  # frames share the execution's manager, not this one

    environment_module.Environment.__init__ = environment  # type: ignore[method-assign]

    add_event = EventManager.add_event
    history_lock = threading.Lock()

    def bounded_add_event(self: Any, context: Any, event_type: Any, *a: Any, **kw: Any) -> int:
        with history_lock:
            if getattr(self, "og_full", False):  # the execution has failed: nothing more is kept
                return int(context.last_published_event_id or 0)
            # moto gives a Distributed Map run one manager for all its children (no og_env); in
            # AWS each child is an execution with a history of its own, so that one is not capped.
            if not hasattr(self, "og_env") or not _history_full(self, event_type):
                return int(add_event(self, context, event_type, *a, **kw))
            self.og_full = True
            details = ExecutionFailedEventDetails(error="States.Runtime", cause=HISTORY_CAUSE)
            event_id = add_event(
                self,
                context,
                HistoryEventType.ExecutionFailed,
                EventDetails(executionFailedEventDetails=details),  # type: ignore[typeddict-item]
            )
        self.og_env.set_error(details)
        return int(event_id)

    EventManager.add_event = bounded_add_event  # type: ignore[method-assign]


def _start_time_as_text() -> None:
    """moto hands `$$.Execution.StartTime` to the definition as a datetime (describe_execution
    then cannot serialise an output holding it); AWS gives an ISO 8601 string."""
    get_env = worker_module.ExecutionWorker._get_evaluation_environment

    def start_time_as_text(self: Any) -> Any:
        env = get_env(self)
        execution = env.states.context_object.context_object_data["Execution"]
        started = getattr(self, "og_start_now", None) or execution["StartTime"]
        if isinstance(started, _dt.datetime):
            text = started.astimezone(_dt.UTC).isoformat(timespec="milliseconds")
            execution["StartTime"] = text.replace("+00:00", "Z")
        return env

    worker_module.ExecutionWorker._get_evaluation_environment = start_time_as_text  # type: ignore[method-assign]
