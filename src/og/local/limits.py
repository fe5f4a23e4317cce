"""Step Functions' payload limit on moto's interpreter, enforced where AWS enforces it.

AWS: "Maximum input or output size for a task, state, or execution: 262,144 bytes of data as a
UTF-8 encoded string" (Step Functions quotas). moto 5.2.5 checks some of it, measured on
`json.dumps` with spaces and `\\uXXXX` escapes and refusing exactly 262,144 bytes, and lets a
`States.ALL` catcher take the error; it does not check execution input, a state's input after
`Parameters`, or a Distributed Map's aggregated result. See docs/local-engine.md, "Limits AWS
enforces, enforced here too".
"""

from __future__ import annotations

import json
import threading
from typing import Any

from moto.stepfunctions.exceptions import ValidationException
from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
from moto.stepfunctions.parser.asl.component.common import parargs as parargs_module
from moto.stepfunctions.parser.asl.component.common.error_name import error_equals_decl
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
    StatesErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.state import state as state_module
from moto.stepfunctions.parser.asl.component.state.exec.state_map import state_map
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
    distributed_iteration_component as distributed_module,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_lambda
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service,
)
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

PAYLOAD_LIMIT_BYTES = 262_144
DATA_LIMIT_EXCEEDED = StatesErrorNameType.StatesStatesDataLimitExceeded

_lock = threading.Lock()
_installed: list[bool] = []


def payload_bytes(value: Any) -> int:
    """The size AWS counts: the UTF-8 bytes of the JSON text (a string is the text itself)."""
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    )
    return len(text.encode("utf-8"))


def fits(value: Any) -> bool:
    return payload_bytes(value) <= PAYLOAD_LIMIT_BYTES


def _data_limit_exceeded(env: Any, cause: str) -> FailureEventException:
    return FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=DATA_LIMIT_EXCEEDED),
            event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(  # type: ignore[typeddict-item]
                executionFailedEventDetails=ExecutionFailedEventDetails(
                    error=DATA_LIMIT_EXCEEDED.to_name(), cause=cause
                )
            ),
        )
    )


def _state_name(env: Any) -> str:
    return str(env.states.context_object.context_object_data.get("State", {}).get("Name", ""))


def install() -> None:
    """Patch moto once per process (called by moto_bridge.apply)."""
    with _lock:
        if _installed:
            return
        _installed.append(True)

    # Task results and state output: moto's own checks, measured as AWS measures.
    for module in (state_module, state_task_lambda, state_task_service):
        module.is_within_size_quota = fits  # type: ignore[attr-defined]
    _check_execution_input()
    _check_input_after_parameters()
    _check_map_result()
    _data_limit_not_caught_by_states_all()


def _check_execution_input() -> None:
    """StartExecution refuses it (the API's length constraint on `input`)."""
    original_start = StepFunctionsParserBackend.start_execution

    def start_execution(
        self: Any, state_machine_arn: str, name: Any = None, execution_input: Any = None, **kw: Any
    ) -> Any:
        if execution_input is not None and payload_bytes(execution_input) > PAYLOAD_LIMIT_BYTES:
            raise ValidationException(
                "1 validation error detected: Value at 'input' failed to satisfy constraint: "
                f"Member must have length less than or equal to {PAYLOAD_LIMIT_BYTES}"
            )
        return original_start(self, state_machine_arn, name, execution_input, **kw)

    StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign, assignment]


def _check_input_after_parameters() -> None:
    """A state's input after Parameters (a task's request, a Pass state's value)."""
    original_parameters = parargs_module.Parameters._eval_body

    def parameters(self: Any, env: Any) -> None:
        original_parameters(self, env)
        if not fits(env.stack[-1]):
            raise _data_limit_exceeded(
                env,
                f"The state/task '{_state_name(env)}' has an input after Parameters with a size "
                "exceeding the maximum number of bytes service limit.",
            )

    parargs_module.Parameters._eval_body = parameters  # type: ignore[method-assign]


def _check_map_result() -> None:
    """A Distributed Map's aggregated result (every child's output), unless ResultWriter sends
    it to S3. The children have run by then: in AWS the journeys have started and the tick
    fails."""
    original_map = state_map.StateMap._eval_execution
    original_map_run = distributed_module.DistributedIterationComponent._eval_body

    def map_execution(self: Any, env: Any) -> None:
        env.og_map_state = self
        original_map(self, env)

    def map_run(self: Any, env: Any) -> None:
        original_map_run(self, env)
        state = getattr(env, "og_map_state", None)
        if state is not None and state.result_writer is None and not fits(env.stack[-1]):
            raise _data_limit_exceeded(
                env,
                f"The state/task '{state.name}' returned a result with a size exceeding the "
                "maximum number of bytes service limit.",
            )

    state_map.StateMap._eval_execution = map_execution  # type: ignore[method-assign]
    distributed_module.DistributedIterationComponent._eval_body = map_run  # type: ignore[method-assign]


def _data_limit_not_caught_by_states_all() -> None:
    """AWS: "States.ALL ... cannot catch the States.DataLimitExceeded terminal error" (error
    handling); naming States.DataLimitExceeded in ErrorEquals still does."""
    original_equals = error_equals_decl.ErrorEqualsDecl._eval_body

    def error_equals(self: Any, env: Any) -> None:
        error_name = env.stack[-1]
        original_equals(self, env)
        if (
            isinstance(error_name, StatesErrorName)
            and error_name.typ == DATA_LIMIT_EXCEEDED
            and error_name not in self.error_names
        ):
            env.stack[-1] = False

    error_equals_decl.ErrorEqualsDecl._eval_body = error_equals  # type: ignore[method-assign]
