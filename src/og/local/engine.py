"""The embedded local stack: the state machines and functions that template.yaml wires, running
on moto's Step Functions interpreter in this process, with the real handlers and local adapters."""

from __future__ import annotations

import gc
import importlib.util
import io
import json
import logging
import os
import time
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
from moto import mock_aws

from og.core.errors import SetupError
from og.local import journey_slots, moto_bridge
from og.local.template import ACCOUNT, REGION, FunctionSpec, LocalTemplate, read_template
from og.logic.failures import failure_text

TICK_MACHINE = "DailyTickStateMachine"
JOURNEY_MACHINE = "CustomerJourneyStateMachine"
FINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
# A run allocates many short-lived objects (states' inputs, events, requests) and keeps every
# execution's history: with the default thresholds the collector rescans that growing heap ever
# more often, and the cost of a move grew with the number of customers.
GC_THRESHOLDS = (50_000, 20, 100)


@dataclass(frozen=True)
class ExecutionRecord:
    """What the local engine keeps of one execution after its process is gone."""

    name: str
    state_machine: str
    status: str  # SUCCEEDED / FAILED / ... / WAITING_FOR_OWNER
    started_at: datetime
    stopped_at: datetime | None
    input: dict[str, Any]
    output: dict[str, Any] | None
    error: str | None
    events: list[dict[str, Any]]


def project_root() -> Path:
    """The checkout that holds template.yaml (the package is installed editable from it)."""
    env = os.environ.get("OG_PROJECT_ROOT")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        if (parent / "template.yaml").exists():
            return parent
    raise SetupError("cannot find template.yaml; set OG_PROJECT_ROOT to the project checkout")


class LocalEngine:
    def __init__(
        self,
        home: Path,
        root: Path | None = None,
        parameter_overrides: dict[str, str] | None = None,
    ):
        self.home = home
        self.root = root or project_root()
        self.template: LocalTemplate = read_template(self.root, parameter_overrides)
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._saved_env: dict[str, str | None] = {}
        self.machine_arns: dict[str, str] = {}
        self._clients: dict[str, Any] = {}
        self._role = ""  # the IAM role every local function and state machine gets
        self._gc_thresholds = gc.get_threshold()

    # --- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> LocalEngine:
        # moto logs every failed state with its whole parse tree; failures reach the user
        # through execution histories instead.
        logging.getLogger("moto.stepfunctions.parser").setLevel(
            int(os.environ.get("OG_MOTO_LOG_LEVEL", logging.CRITICAL))
        )
        moto_bridge.apply()
        self._set_environment()
        self._mock.start()
        try:
            self._deploy()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        journey_slots.reset(unbounded=[self.machine_arns[TICK_MACHINE]])
        # What is loaded now (modules, moto's models, the handlers) lives as long as the run.
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.set_threshold(*self._gc_thresholds)
        gc.unfreeze()
        self._mock.stop()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def _set_environment(self) -> None:
        merged = handler_environment(self.template, self.home)
        for key, value in merged.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def _deploy(self) -> None:
        s3 = self.client("s3")
        for bucket in self.template.buckets.values():
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
        role = self._role = self.client("iam").create_role(
            RoleName="og-local", AssumeRolePolicyDocument="{}"
        )["Role"]["Arn"]
        for fn in self.template.functions.values():
            self.deploy_function(fn)
        sfn = self.client("stepfunctions")
        for lid, spec in self.template.state_machines.items():
            self.machine_arns[lid] = sfn.create_state_machine(
                name=spec.name, definition=self.template.definition(lid), roleArn=role
            )["stateMachineArn"]

    def deploy_function(self, fn: FunctionSpec) -> str:
        """Create `fn` in moto's Lambda with its real handler behind it (run in this process);
        returns the function's ARN."""
        moto_bridge.register_handler(fn.name, load_handler(fn.logical_id, fn.code_dir, fn.handler))
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as z:
            z.writestr("placeholder.py", "# handlers run in-process; see og.local.moto_bridge\n")
        self.template.functions.setdefault(fn.logical_id, fn)
        return str(
            self.client("lambda").create_function(
                FunctionName=fn.name,
                Runtime="python3.12",
                Role=self._role,
                Handler=fn.handler,
                Code={"ZipFile": code.getvalue()},
                Environment={"Variables": fn.environment},
            )["FunctionArn"]
        )

    def client(self, service: str) -> Any:
        if service not in self._clients:  # building a client parses its service model: slow
            self._clients[service] = boto3.client(service, region_name=REGION)
        return self._clients[service]

    # --- running -----------------------------------------------------------------------------
    def put_object(self, bucket_logical_id: str, key: str, body: bytes) -> None:
        self.client("s3").put_object(
            Bucket=self.template.buckets[bucket_logical_id], Key=key, Body=body
        )

    def start(self, machine: str, name: str, payload: dict[str, Any], at: datetime) -> str:
        moto_bridge.set_now(at)
        return str(
            self.client("stepfunctions").start_execution(
                stateMachineArn=self.machine_arns[machine], name=name, input=json.dumps(payload)
            )["executionArn"]
        )

    def executions(self, machine: str) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        pages = sfn.get_paginator("list_executions").paginate(
            stateMachineArn=self.machine_arns[machine]
        )
        return [e for page in pages for e in page["executions"]]

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        pages = sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn)
        return [e for page in pages for e in page["events"]]

    def settle(self, timeout_s: float = 600, resumed: str | None = None) -> None:
        """Return once every execution has finished or is parked on a callback (one waiting for
        a journey slot is running). `resumed` names an execution just handed its callback: it is
        given a moment to move on first.

        Reads moto's execution objects directly: asking through boto3 serializes every
        execution's history on each poll, which slowed the executions it waited for."""
        backend = _backend()
        deadline = time.monotonic() + timeout_s
        grace = time.monotonic() + 2.0
        pause = 0.02
        while True:
            running = _unfinished(backend)
            moving_on = time.monotonic() < grace and any(
                e.name == resumed and _parked(e) for e in running
            )
            if not moving_on and all(_parked(e) for e in running):
                return
            if time.monotonic() > deadline:
                names = ", ".join(e.name for e in running[:5])
                raise TimeoutError(f"executions still running after {timeout_s:.0f}s: {names}")
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

    def map_run_failures(self, execution_arn: str) -> int:
        """moto reports a Map Run SUCCEEDED even when children failed (AWS fails it)."""
        sfn = self.client("stepfunctions")
        runs = sfn.list_map_runs(executionArn=execution_arn)["mapRuns"]
        return sum(
            sfn.describe_map_run(mapRunArn=r["mapRunArn"])["itemCounts"]["failed"] for r in runs
        )

    def records(
        self, machine: str, skip: Collection[str] = (), only: str | None = None
    ) -> Iterator[ExecutionRecord]:
        """Executions of `machine` as records, except those named in `skip` (or only `only`),
        newest first as ListExecutions gives them. Read from moto's execution objects: asking
        through boto3 serialized every history and searched every execution for each one."""
        arn = self.machine_arns[machine]
        machines = [m for m in _backend().state_machines if m.arn == arn]
        executions = [e for m in machines for e in list(m.executions) if e.exec_status is not None]
        for e in sorted(executions, key=lambda e: e.start_date, reverse=True):
            if e.name in skip or (only is not None and e.name != only):
                continue
            yield _record(machine, e)


def _backend() -> Any:
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    return stepfunctions_parser_backends[ACCOUNT][REGION]


def _events(execution: Any) -> list[dict[str, Any]]:
    """An execution's history events as moto keeps them (moto's own answer deep-copies them).
    Published events are not changed afterwards, so a copy of the list is enough."""
    env = execution.exec_worker.env if execution.exec_worker else None
    if env is None:
        return []
    manager = env.event_manager
    with manager._mutex:
        return list(manager._history_event_list)


def _timestamp(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["timestamp"])


def _record(machine: str, execution: Any) -> ExecutionRecord:
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    events = _events(execution)
    status = execution.exec_status.value
    if status == "RUNNING" and _parked(execution, events):
        status = "WAITING_FOR_OWNER"
    failed = next((ev for ev in reversed(events) if ev["type"] == "ExecutionFailed"), None)
    details = (failed or {}).get("executionFailedEventDetails") or {}
    return ExecutionRecord(
        name=execution.name,
        state_machine=machine,
        status=status,
        started_at=_timestamp(events[0]) if events else execution.start_date,
        stopped_at=_timestamp(events[-1]) if status in FINAL and events else None,
        input=json.loads(to_json_str(execution.input_data)),
        output=json.loads(to_json_str(execution.output)) if status == "SUCCEEDED" else None,
        error=failure_text(details.get("error"), details.get("cause")) if failed else None,
        events=[_plain_event(ev) for ev in events],
    )


def handler_environment(template: LocalTemplate, home: Path) -> dict[str, str]:
    """What the handlers get locally: template.yaml's environment plus the local backend over
    `home`. Lambdas here share one process, so their environments must agree; the template is
    checked for conflicting values rather than silently merged."""
    merged: dict[str, str] = {}
    for fn in template.functions.values():
        for key, value in fn.environment.items():
            if merged.setdefault(key, value) != value:
                raise SetupError(
                    f"template.yaml: environment variable {key} differs between functions; "
                    "the local engine runs them in one process"
                )
    return merged | {
        "OG_BACKEND": "local",
        "OG_HOME": str(home),
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": "local",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("OG_LOG_LEVEL", "ERROR"),
        "POWERTOOLS_IDEMPOTENCY_DISABLED": "false",
    }


def _unfinished(backend: Any) -> list[Any]:
    """Executions running or not started yet. moto appends an execution to its state machine
    before starting it, and until then its `status` raises AttributeError (the tick's Map
    starts journeys from other threads while settle polls), so the raw `exec_status` is read."""
    from moto.stepfunctions.parser.api import ExecutionStatus

    return [
        e
        for machine in list(backend.state_machines)
        for e in list(machine.executions)
        if e.exec_status in (None, ExecutionStatus.RUNNING)
    ]


def _parked(execution: Any, events: list[dict[str, Any]] | None = None) -> bool:
    """Waiting on a task token: its last event is the submitted callback, and it is not moving on
    (answered, and waiting for a journey slot or running). An execution that is created but not
    started yet, or waiting for a slot to start, has no events: it counts as running."""
    events = _events(execution) if events is None else events
    return (
        bool(events)
        and events[-1]["type"] == "TaskSubmitted"
        and not journey_slots.moving(execution.execution_arn)
    )


def _plain_event(event: dict[str, Any]) -> dict[str, Any]:
    details = {k: v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, dict)}
    detail = next(iter(details.values()), {})
    return {
        "type": event["type"].value,
        "at": _timestamp(event).isoformat(),
        "state": detail.get("name"),
        "error": detail.get("error"),
        "cause": failure_text(None, detail.get("cause")) or None,
    }


def load_handler(logical_id: str, code_dir: Path, handler: str) -> moto_bridge.Handler:
    module_name, _, attr = handler.rpartition(".")
    path = code_dir / f"{module_name.replace('.', '/')}.py"
    spec = importlib.util.spec_from_file_location(f"og_functions.{logical_id}", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"template.yaml {logical_id}: handler file {path} not found")
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn: moto_bridge.Handler = getattr(module, attr)
    return fn
