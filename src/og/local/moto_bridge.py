"""Bridges between moto's Step Functions interpreter (LocalStack's ASL engine, shipped in moto) and
this machine, where there is no Docker and time must not really pass.

See docs/local-engine.md. Each bridge patches one documented seam of moto==5.2.5 (pinned):
- Lambda tasks: moto runs Lambda code in Docker; we call the real handler in-process.
- Service-integration parameters: moto's copy leaves request normalisation empty, so
  `"StateMachineArn"` reaches boto3 as written (KeyError); we restore LocalStack's mapping of
  ASL parameter names onto the boto3 operation's members.
- Service clients: moto builds a new boto3 client (parsing its service model) for every task
  that calls a service; the clients are thread-safe and moto builds them all alike (it passes
  the task's role but ignores it), so one per (service, region) is kept.
- Lambda tasks and `startExecution` tasks call moto's backends directly, without botocore and
  HTTP mocking (og.local.direct_calls), with the errors boto3 would raise.
- Parsing: the ANTLR parser is slow in Python and moto parses the definition again for every
  execution; the parsed program is stateless (runtime state lives in the Environment), so it
  is parsed once per definition. JSONPath expressions (immutable trees) are parsed once too.
- Virtual clock: every execution, Map iteration and frame carries its own virtual "now". Wait
  states and retry back-off advance it instead of sleeping; `$$.State.EnteredTime` and history
  timestamps read it. An execution started from a task inherits its parent's virtual now.
- Payload limit: Step Functions' 262,144 bytes, enforced where AWS enforces it (og.local.limits).
- Map workers: moto's Distributed Map worker takes its next item by recursing, so a worker
  that processes ~1,000 items (5,000 moves at MaxConcurrency 5) dies with RecursionError; it
  loops instead.
- AWS limits moto does not enforce (names, callbacks, payloads, history): og.local.aws_limits.
- A Distributed Map's ItemBatcher and EXPRESS children, which moto's grammar lacks: the
  definition moto parses is translated and the batching done for real (og.local.map_children).
- Journey slots: at most JOURNEY_SLOTS executions run at once, a parked one holding none; the
  tick and what a task waits for need none (og.local.journey_slots).
"""

from __future__ import annotations

import datetime as _dt
import functools
import importlib
import json
import threading
import traceback
import types
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import botocore.session
from moto.awslambda.models import LambdaFunction
from moto.core.models import botocore_stubber
from moto.stepfunctions.parser.asl.component.common.path import result_path as result_path_module
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state import state as state_module
from moto.stepfunctions.parser.asl.component.state.exec import execute_state as execute_state_module
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import (
    distributed_item_processor_worker as map_worker_module,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
    WaitFunction,
)
from moto.stepfunctions.parser.asl.eval import environment as environment_module
from moto.stepfunctions.parser.asl.eval.event import event_manager as event_manager_module
from moto.stepfunctions.parser.asl.utils import boto_client as boto_client_module
from moto.stepfunctions.parser.asl.utils import json_path as json_path_module
from moto.stepfunctions.parser.backend import execution_worker as worker_module

from og.local import aws_limits, direct_calls, journey_slots, limits, map_children

Handler = Callable[[dict[str, Any], Any], Any]

_tls = threading.local()
_lock = threading.Lock()
_state: dict[str, Any] = {"now": None, "handlers": {}, "patched": False}


def set_now(now: _dt.datetime) -> None:
    """The virtual time at which the next top-level execution starts."""
    _state["now"] = now


def register_handler(function_name: str, handler: Handler, memory_mb: int = 256) -> None:
    _state["handlers"][function_name] = (handler, memory_mb)


def handler(function_name: str) -> Handler:
    """The handler registered for a function (tests wrap it to inject faults)."""
    registered: Handler = _state["handlers"][function_name][0]
    return registered


def current_now() -> _dt.datetime:
    env = getattr(_tls, "env", None)
    now = getattr(env, "og_now", None) or _state["now"]
    return now if now is not None else _dt.datetime.now(_dt.UTC)


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def invoke_in_process(self: LambdaFunction, event: str | None = None) -> tuple[str, bool, str]:
    handler, memory = _state["handlers"][self.function_name]
    payload = json.loads(event) if isinstance(event, str | bytes) and event else (event or {})
    context = LambdaContext(self.function_name, memory, self.function_arn, str(uuid.uuid4()))
    try:
        return json.dumps(handler(payload, context), default=str), False, ""
    except Exception as exc:  # the Lambda runtime's error contract: errorType becomes the error
        error = {
            "errorType": type(exc).__name__,
            "errorMessage": str(exc),
            "stackTrace": traceback.format_exception(exc)[-6:],
        }
        return json.dumps(error), True, ""


class _VirtualDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz: _dt.tzinfo | None = None) -> _VirtualDatetime:
        now = current_now()
        return now.astimezone(tz) if tz else now.replace(tzinfo=None)  # type: ignore[return-value]


_virtual_datetime_module = types.SimpleNamespace(datetime=_VirtualDatetime, timezone=_dt.timezone)


class _ClockThread(threading.Thread):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._og_env = getattr(_tls, "env", None)

    def run(self) -> None:
        _tls.env = self._og_env
        super().run()


def _virtual_sleep(seconds: float) -> None:
    env = getattr(_tls, "env", None)
    if env is not None:
        env.og_now = current_now() + _dt.timedelta(seconds=seconds)


_shapes_lock = threading.Lock()


def _operation_input_shape(service: str, snake_action: str) -> Any:
    # Locked: a batch's inline Map starts its journeys on as many threads at once, and each would
    # otherwise load the service model (~0.1 s of CPU) before the first could cache it.
    with _shapes_lock:
        return _loaded_input_shape(service, snake_action)


@functools.cache
def _loaded_input_shape(service: str, snake_action: str) -> Any:
    model = botocore.session.get_session().get_service_model(service)
    for name in model.operation_names:
        if botocore.xform_name(name) == snake_action:
            return model.operation_model(name).input_shape
    raise LookupError(f"{service} has no operation {snake_action}")


def _normalise_parameters(
    self: state_task_service.StateTaskService,
    parameters: dict[str, Any],
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    shape = _operation_input_shape(
        boto_service_name or self._get_boto_service_name(),
        self._get_boto_service_action(service_action_name),
    )
    self._to_boto_request(parameters, shape)


_INTEGRATIONS = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3",
)


def _cache_service_clients() -> None:
    original = boto_client_module.boto_client_for
    cached = functools.lru_cache(maxsize=None)(
        lambda region, service, _intercepted: original(region=region, service=service)
    )

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        # moto always passes the task's role, and ignores it: every client is the same. Outside
        # mock_aws moto points the client at a moto server instead, so that is a separate key.
        return cached(region, service, botocore_stubber.enabled)

    for name in _INTEGRATIONS:
        importlib.import_module(name).boto_client_for = boto_client_for  # type: ignore[attr-defined]


def _loop_map_workers() -> None:
    def eval_pool(self: Any, job: Any, worker_frame: Any) -> None:
        """moto's `_eval_pool`, one item after another in a loop rather than a recursion."""
        while job is not None:
            job_frame = worker_frame.open_inner_frame()
            self._eval_job(env=job_frame, job=job)
            worker_frame.delete_frame(job_frame)
            if isinstance(job.job_output, Exception) or self.stopped():
                break
            next_job = self._job_pool.next_job()
            if next_job is None:
                break
            self._job_pool.close_job(job)
            job = next_job
        # The worker's frame is deleted before its last job is closed: the Map awaits its jobs.
        self._env.delete_frame(worker_frame)
        if job is not None:
            self._job_pool.close_job(job)

    map_worker_module.DistributedItemProcessorWorker._eval_pool = eval_pool  # type: ignore[method-assign]


def apply() -> None:
    """Install the bridges once per process (they only act on executions moto runs)."""
    with _lock:
        if _state["patched"]:
            return
        _state["patched"] = True

    LambdaFunction._invoke_lambda = invoke_in_process  # type: ignore[method-assign]
    limits.install()
    _loop_map_workers()
    _cache_service_clients()
    direct_calls.install()
    map_children.install()
    _parse_once()
    state_task_service.StateTaskService._normalise_parameters = _normalise_parameters  # type: ignore[method-assign]
    _virtual_clock_in_states()
    _virtual_clock_in_executions()
    aws_limits.install()
    journey_slots.install()  # last: a queued execution's environment is the one the others make


def _parse_once() -> None:
    """Definitions and JSONPath expressions: parsed once, not per execution or per state."""
    for module in (json_path_module, result_path_module):
        module.parse = functools.lru_cache(maxsize=4096)(module.parse)  # type: ignore[attr-defined]

    def entrypoint(self: Any) -> Any:
        return map_children.parse_entrypoint(
            self._evaluation_details.state_machine_details.definition
        )

    worker_module.ExecutionWorker._get_evaluation_entrypoint = entrypoint  # type: ignore[method-assign]


def _wait_seconds(self: Timestamp, env: Any) -> int:
    """A `TimestampPath` wait, measured from the state's virtual now rather than `time.time()`."""
    self.string.eval(env=env)
    text = env.stack.pop()
    target = self._from_timestamp_string(timestamp=text)
    if target is None:
        from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
            FailureEventException,
        )

        raise FailureEventException(self._create_failure_event(env, text))
    delta = target.replace(tzinfo=_dt.UTC) - env.og_now
    return max(0, int(delta.total_seconds()))


def _wait_interval(self: WaitFunction, env: Any, wait_seconds: int) -> None:
    env.og_now = env.og_now + _dt.timedelta(seconds=max(0, wait_seconds))


def _virtual_clock_in_states() -> None:
    """States read and advance their frame's virtual now; nothing really sleeps."""
    state_module.datetime = _virtual_datetime_module  # type: ignore[attr-defined, assignment]
    event_manager_module.datetime = _virtual_datetime_module  # type: ignore[attr-defined, assignment]
    retrier_decl.time = types.SimpleNamespace(sleep=_virtual_sleep)  # type: ignore[attr-defined, assignment]

    original_eval_body = state_module.CommonStateField._eval_body

    def eval_body(self: Any, env: Any) -> None:
        _tls.env = env
        original_eval_body(self, env)

    state_module.CommonStateField._eval_body = eval_body  # type: ignore[method-assign]
    # Tasks run in a thread of their own (for TimeoutSeconds): it inherits the state's clock.
    execute_state_module.Thread = _ClockThread  # type: ignore[attr-defined]
    Timestamp._get_wait_seconds = _wait_seconds  # type: ignore[method-assign]
    WaitFunction._wait_interval = _wait_interval  # type: ignore[method-assign]


def _virtual_clock_in_executions() -> None:
    """An execution starts at the virtual now of whoever started it; its frames inherit it."""
    original_worker_init = worker_module.ExecutionWorker.__init__

    def worker_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_worker_init(self, *args, **kwargs)
        self.og_start_now = current_now()

    worker_module.ExecutionWorker.__init__ = worker_init  # type: ignore[method-assign]
    original_get_env = worker_module.ExecutionWorker._get_evaluation_environment

    def get_env(self: Any) -> Any:
        env = original_get_env(self)
        env.og_now = self.og_start_now  # type: ignore[attr-defined]
        return env

    worker_module.ExecutionWorker._get_evaluation_environment = get_env  # type: ignore[method-assign]

    env_cls = environment_module.Environment
    for name in ("as_frame_of", "as_inner_frame_of"):
        original = getattr(env_cls, name).__func__

        def frame_of(cls: Any, env: Any, *args: Any, _original: Any = original, **kw: Any) -> Any:
            frame = _original(cls, env, *args, **kw)
            frame.og_now = getattr(env, "og_now", None) or current_now()
            return frame

        setattr(env_cls, name, classmethod(frame_of))  # type: ignore[arg-type]
