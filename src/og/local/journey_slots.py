"""At most `JOURNEY_SLOTS` executions run at once in the local engine (bridge 11).

moto runs each execution on a thread of its own, and each Task state on another: at 10,000
customers ~1,800 journeys ran at once, their threads taking turns at the GIL, each with its
stack and its states' data alive. Here an execution takes a slot when its worker begins and
gives it back when it ends (however it ends) and while it is parked on a `.waitForTaskToken`
task: a flag may wait a week for the owner, and parked journeys holding every slot would stop
the rest. The callback (or the task's timeout or heartbeat) wakes it, and it takes a slot again
before going on.

Needing no slot, so that nothing ever waits on a journey that waits for a slot: the executions of
the state machines named by `reset(unbounded=...)`, the tick (its Distributed Map children are
frames of it; its StartExecution tasks return at once, as in AWS, and the journeys queue). No
execution here waits for another: a `.sync` StartExecution task fails in moto 5.2.5 (it reads
`ExecutionArn` from a result that has `executionArn`); were it bridged, the execution it waits
for would have to need no slot. A queued execution is RUNNING to every reader, as in AWS;
`moving` tells the engine's settle that it is not parked.

One slot per execution: the engine counts an execution as parked when its one path waits on a
task token (og's journeys have no Parallel state).
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_callback as callback_module,
)
from moto.stepfunctions.parser.backend import execution_worker as worker_module

# Chosen by measuring the 10,000-customer tick (docs/benchmark.md, "The local engine, fast").
JOURNEY_SLOTS = 50


@dataclass
class _Run:
    """One bounded execution: whether it holds a slot of `pool`, and whether it is parked."""

    pool: threading.Semaphore
    held: bool = False
    parked: bool = False
    ended: bool = False


_lock = threading.Lock()
_pool = threading.Semaphore(JOURNEY_SLOTS)
_unbounded: frozenset[str] = frozenset()
_runs: dict[str, _Run] = {}  # by execution ARN, while the execution's worker runs


def reset(unbounded: Collection[str] = ()) -> None:
    """New slots, `JOURNEY_SLOTS` of them, for the executions started from now on; executions of
    the state machines `unbounded` (ARNs) need none. Called when the engine is entered."""
    global _pool, _unbounded
    with _lock:
        _pool = threading.Semaphore(JOURNEY_SLOTS)
        _unbounded = frozenset(unbounded)


def moving(execution_arn: str) -> bool:
    """The execution runs or waits for a slot to run: not parked on a task token."""
    with _lock:
        run = _runs.get(execution_arn)
        return run is not None and not run.parked


def _begin(execution_arn: str, machine_arn: str) -> None:
    if machine_arn in _unbounded:
        return
    with _lock:
        run = _runs[execution_arn] = _Run(_pool)
    _take(run)


def _take(run: _Run) -> None:
    run.pool.acquire()
    with _lock:
        if run.held or run.ended:  # a sibling path took it first, or the execution ended
            run.pool.release()
        else:
            run.held = True


def _give_back(run: _Run, *, parked: bool = False, ended: bool = False) -> None:
    with _lock:
        run.parked, run.ended = parked, ended
        if run.held:
            run.held = False
            run.pool.release()


def _end(execution_arn: str) -> None:
    with _lock:
        run = _runs.pop(execution_arn, None)
    if run is not None:
        _give_back(run, ended=True)


def _wait_for_task_token(self: Any, env: Any, **kwargs: Any) -> Any:
    """moto's wait for a task's callback, parked without a slot."""
    execution_arn = env.states.context_object.context_object_data["Execution"]["Id"]
    with _lock:
        run = _runs.get(execution_arn)
    if run is None:
        return _original_wait(self, env=env, **kwargs)
    _give_back(run, parked=True)
    try:
        return _original_wait(self, env=env, **kwargs)
    finally:
        with _lock:
            run.parked = False
        _take(run)


_original_wait = callback_module.StateTaskServiceCallback._eval_wait_for_task_token


def install() -> None:
    """Called once by og.local.moto_bridge.apply, after the bridges that shape an execution's
    environment."""
    worker = worker_module.ExecutionWorker
    original_logic = worker._execution_logic
    original_environment = worker._get_evaluation_environment

    def environment(self: Any) -> Any:
        # The environment first: while queued the execution answers callbacks and StopExecution
        # as moto expects of a running one; its history is still empty.
        self.env = original_environment(self)
        details = self._evaluation_details
        _begin(details.execution_details.arn, details.state_machine_details.arn)
        return self.env

    def execution_logic(self: Any) -> None:
        try:
            original_logic(self)  # type: ignore[no-untyped-call]
        finally:
            _end(self._evaluation_details.execution_details.arn)

    worker._get_evaluation_environment = environment  # type: ignore[method-assign]
    worker._execution_logic = execution_logic  # type: ignore[method-assign]
    callback_module.StateTaskServiceCallback._eval_wait_for_task_token = _wait_for_task_token  # type: ignore[method-assign, assignment]
