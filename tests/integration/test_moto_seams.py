"""The moto internals the local engine patches or reads, pinned: these fail when a moto upgrade
moves a seam, before a tick silently goes back to the slow path or reads the wrong thing."""

from __future__ import annotations

import gc
import importlib
import inspect
import json
import re
import threading
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from moto import mock_aws
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.exec.state_task.credentials import (
    StateCredentials,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_sfn,
)
from moto.stepfunctions.parser.asl.utils import boto_client as boto_client_module
from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from og.local import direct_calls, engine, journey_slots, map_children, moto_bridge
from og.local.engine import LocalEngine, project_root
from og.local.template import ACCOUNT, REGION


def test_moto_is_the_pinned_version_the_seams_were_read_from() -> None:
    pin = re.search(r'"moto\[[^\]]*\]==([^"]+)"', (project_root() / "pyproject.toml").read_text())
    assert pin is not None
    assert version("moto") == pin.group(1) == "5.2.5"


def test_tasks_reach_moto_through_the_direct_calls_and_one_client_per_service() -> None:
    moto_bridge.apply()

    assert lambda_eval_utils._invoke_lambda_function is direct_calls.invoke_lambda
    assert state_task_service_sfn.StateTaskServiceSfn._eval_service_task is direct_calls.sfn_task
    with mock_aws():
        for name in moto_bridge._INTEGRATIONS:
            client_for = importlib.import_module(name).boto_client_for
            a = client_for(REGION, "s3", StateCredentials(role_arn="arn:aws:iam::1:role/a"))
            b = client_for(region=REGION, service="s3", state_credentials=None)
            assert a is b, name
        mocked = a
    # Outside mock_aws moto aims a task's client at a moto server: not the mocked one.
    outside = client_for(REGION, "s3", None)
    assert outside is not mocked
    assert outside.meta.endpoint_url.startswith("http://localhost:")


def test_moto_builds_every_tasks_client_alike_whatever_its_role() -> None:
    """Why the client cache may ignore the role moto passes: moto does not use it."""
    clients = [
        boto_client_module.boto_client_for(REGION, "s3", StateCredentials(role_arn=role))
        for role in ("arn:aws:iam::1:role/a", "arn:aws:iam::2:role/b")
    ]
    keys = {c._request_signer._credentials.get_frozen_credentials() for c in clients}
    assert len(keys) == 1


def test_the_history_the_engine_reads_is_the_one_moto_answers() -> None:
    moto_bridge.apply()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name=REGION)
        arn = sfn.create_state_machine(
            name="m",
            definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/r",
        )["stateMachineArn"]
        started = sfn.start_execution(stateMachineArn=arn, name="e", input='{"a": 1}')
        while sfn.describe_execution(executionArn=started["executionArn"])["status"] == "RUNNING":
            time.sleep(0.02)
        backend = stepfunctions_parser_backends[ACCOUNT][REGION]
        [execution] = [e for m in backend.state_machines for e in m.executions]

        assert engine._events(execution) == execution.to_history_output()["events"]
        answered = sfn.get_execution_history(executionArn=started["executionArn"])["events"]
        assert [engine._timestamp(e) for e in engine._events(execution)] == [
            e["timestamp"] for e in answered
        ]
        assert (execution.exec_status.value, execution.input_data) == ("SUCCEEDED", {"a": 1})


def test_the_engine_tunes_the_collector_for_its_run_and_restores_it(tmp_path: Path) -> None:
    before = gc.get_threshold()
    with LocalEngine(tmp_path):
        assert gc.get_threshold() == engine.GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_map_batches_and_express_children_reach_moto_through_map_children() -> None:
    """Bridge 9: moto's definition check, the parse an execution runs, the Map Run and its
    workers' item counts."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
        distributed_iteration_component as dmap,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import (  # noqa: E501
        distributed_item_processor_worker as dworker,
    )
    from moto.stepfunctions.parser.backend import execution_worker
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    moto_bridge.apply()

    assert StepFunctionsParserBackend._validate_definition is map_children._validate_definition
    entrypoint = execution_worker.ExecutionWorker._get_evaluation_entrypoint
    assert {"map_children", "parse_entrypoint"} <= set(entrypoint.__code__.co_names)
    assert dmap.DistributedIterationComponent._map_run.__module__ == map_children.__name__
    assert dworker.DistributedItemProcessorWorker._eval_job.__module__ == map_children.__name__


def test_journeys_started_at_once_load_the_service_model_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch's inline Map starts its journeys on many threads at once; each start's parameters
    are shaped by the service model, which must be loaded once, not once per thread."""
    loads: list[str] = []
    session = botocore.session.get_session()
    real = session.get_service_model

    def counting(service: str, *args: Any, **kwargs: Any) -> Any:
        loads.append(service)
        time.sleep(0.05)  # a slow load: the other threads arrive meanwhile
        return real(service, *args, **kwargs)

    monkeypatch.setattr(botocore.session, "get_session", lambda: session)
    monkeypatch.setattr(session, "get_service_model", counting)
    moto_bridge._loaded_input_shape.cache_clear()
    threads = [
        threading.Thread(target=moto_bridge._operation_input_shape, args=("stepfunctions", a))
        for a in ["start_execution"] * 8
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert loads == ["stepfunctions"]


def test_journey_slots_hold_moto_at_the_worker_and_the_callback_wait(tmp_path: Path) -> None:
    """Bridge 11: a slot is taken once the execution's environment exists (before its first
    event), given back when the worker's thread body ends, and while a task waits for its token;
    the engine's tick needs none."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_callback as callback,
    )
    from moto.stepfunctions.parser.backend import execution_worker

    moto_bridge.apply()

    worker = execution_worker.ExecutionWorker
    for seam in (worker._get_evaluation_environment, worker._execution_logic):
        assert seam.__module__ == journey_slots.__name__
    wait = callback.StateTaskServiceCallback._eval_wait_for_task_token
    assert wait is journey_slots._wait_for_task_token
    # What the bridge wraps, as moto 5.2.5 has it: the worker's body makes its environment and
    # then records ExecutionStarted; every callback pattern waits through the one method.
    source = inspect.getsource(execution_worker)
    body = source[source.index("def _execution_logic") : source.index("def start(")]
    assert body.index("self._get_evaluation_environment()") < body.index("add_event(")
    pattern = callback.StateTaskServiceCallback._eval_integration_pattern.__code__.co_names
    assert "_eval_wait_for_task_token" in pattern
    with LocalEngine(tmp_path) as local:
        assert journey_slots._unbounded == {local.machine_arns[engine.TICK_MACHINE]}
