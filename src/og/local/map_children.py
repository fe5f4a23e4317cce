"""A Distributed Map's children as AWS runs them, where moto's grammar has no word for them: an
`ItemBatcher` (items grouped into one child's input) and EXPRESS children.

moto 5.2.5's ASL grammar (LocalStack's) refuses both tokens when the definition is created. The
definition itself is kept as written (moto stores it; `describe_state_machine` answers it and the
template checks read it); what moto's parser is handed is an equivalent it can parse:
- `ExecutionType: EXPRESS` becomes STANDARD. moto runs every Distributed Map child as a frame of
  the parent, whatever its type, so the child's states, errors, retries and the Map Run's counts
  are the same; what differs in AWS is billing, a 5-minute limit and at-least-once delivery,
  which the definition must tolerate itself. AWS refuses `.sync` and `.waitForTaskToken` tasks
  in an EXPRESS workflow; so does this module.
- `ItemBatcher` is removed and done here, for real: the items the Map read are grouped, in order,
  into `{"Items": [...], "BatchInput": {...}}` (BatchInput only when given), each group one child
  and one job of moto's Map Run, and the Map Run's item counts count the items in it.
Only the options implemented are accepted; any other is refused with a message that names the
state and the option, rather than silently ignored. See docs/local-engine.md, bridge 10.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from moto.stepfunctions.parser import models as backend_module
from moto.stepfunctions.parser.api import InvalidDefinition
from moto.stepfunctions.parser.asl.component.state.exec.state_map import state_map
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
    distributed_iteration_component as distributed_module,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import (
    distributed_item_processor_worker as worker_module,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import (
    map_run_record as map_run_record_module,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import state_parallel
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

from og.core.errors import SetupError

BATCHER_OPTIONS = ("MaxItemsPerBatch", "BatchInput")
NOT_IN_EXPRESS = re.compile(r"\.(sync|waitForTaskToken)(:\d+)?$")  # AWS refuses them in Express


@dataclass(frozen=True)
class ItemBatcher:
    """A Distributed Map's `ItemBatcher`: at most `max_items` items to a child."""

    max_items: int
    batch_input: dict[str, Any] | None = None

    def batches(self, items: list[Any]) -> list[dict[str, Any]]:
        size = self.max_items
        groups = [items[i : i + size] for i in range(0, len(items), size)]
        if self.batch_input is None:
            return [{"Items": group} for group in groups]
        return [{"BatchInput": copy.deepcopy(self.batch_input), "Items": g} for g in groups]


def translate(definition: str) -> tuple[str, dict[str, ItemBatcher]]:
    """What moto's parser is handed for `definition`, and the ItemBatcher of each Distributed
    Map that has one, by state name (state names are unique in a state machine). Raises
    SetupError for what AWS would refuse or this engine does not implement."""
    machine = json.loads(definition)
    batchers: dict[str, ItemBatcher] = {}
    changed = False
    for name, state in _states(machine):
        processor = state.get("ItemProcessor") or {}
        config = processor.get("ProcessorConfig") or {}
        distributed = config.get("Mode") == "DISTRIBUTED"
        if "ItemBatcher" in state:
            batchers[name] = _item_batcher(name, state, distributed)
            changed = True
        if config.get("ExecutionType") == "EXPRESS":
            _check_express(name, processor)
            config["ExecutionType"] = "STANDARD"
            changed = True
    return (json.dumps(machine) if changed else definition), batchers


def _states(machine: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state of a definition, nested ones (Map processors, Parallel branches) included."""
    for name, state in (machine.get("States") or {}).items():
        yield name, state
        for nested in (state.get("ItemProcessor"), state.get("Iterator")):
            if nested:
                yield from _states(nested)
        for branch in state.get("Branches") or ():
            yield from _states(branch)


def _item_batcher(name: str, state: dict[str, Any], distributed: bool) -> ItemBatcher:
    where = f"state {name!r}: ItemBatcher"
    if not distributed:
        raise SetupError(f"{where} is for a Map in DISTRIBUTED mode (AWS refuses it inline)")
    batcher = state.pop("ItemBatcher")
    unknown = sorted(set(batcher) - set(BATCHER_OPTIONS))
    if unknown:
        raise SetupError(
            f"{where}: {', '.join(unknown)} is not run by the local engine (it runs "
            f"{' and '.join(BATCHER_OPTIONS)}); use those, or extend og.local.map_children"
        )
    size = batcher.get("MaxItemsPerBatch")
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise SetupError(f"{where}: MaxItemsPerBatch must be a whole number of 1 or more")
    batch_input = batcher.get("BatchInput")
    if batch_input is not None and not isinstance(batch_input, dict):
        raise SetupError(f"{where}: BatchInput must be a JSON object")
    if batch_input and any(str(k).endswith(".$") for k in _keys(batch_input)):
        raise SetupError(
            f"{where}: BatchInput with paths ('key.$') is not run by the local engine; "
            "give fixed values"
        )
    if "ItemSelector" in state or "Parameters" in state:
        raise SetupError(
            f"state {name!r}: ItemSelector with ItemBatcher is not run by the local engine; "
            "select each item's fields inside the child (an inline Map's ItemSelector over $.Items)"
        )
    return ItemBatcher(size, batch_input)


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def _check_express(name: str, processor: dict[str, Any]) -> None:
    for inner, state in _states(processor):
        resource = str(state.get("Resource", ""))
        if NOT_IN_EXPRESS.search(resource):
            raise SetupError(
                f"state {inner!r} in the EXPRESS children of {name!r}: {resource} is not "
                "supported in an Express workflow (AWS refuses it); start a Standard execution "
                "without waiting, or make the children STANDARD"
            )


@functools.lru_cache(maxsize=32)
def parse(definition: str) -> Any:
    """The program moto runs for `definition`: parsed once (the parsed program keeps no runtime
    state), with each ItemBatcher attached to its Map's iteration component."""
    translated, batchers = translate(definition)
    program = AmazonStateLanguageParser.parse(translated)[0]
    found = set()
    for name, state in _parsed_states(program):
        if name in batchers and isinstance(state, state_map.StateMap):
            state.iteration_component.og_item_batcher = batchers[name]  # type: ignore[attr-defined]
            found.add(name)
    missing = set(batchers) - found
    if missing:  # the walk and the parse disagree: fail loud rather than run unbatched
        raise SetupError(f"ItemBatcher of {sorted(missing)} not attached to a Map")
    return program


def _parsed_states(program: Any) -> Iterator[tuple[str, Any]]:
    for name, state in program.states.states.items():
        yield name, state
        if isinstance(state, state_map.StateMap):
            component = state.iteration_component
            yield from _parsed_states(component._get_iteration_program())
        elif isinstance(state, state_parallel.StateParallel):
            for branch in state.branches.programs:
                yield from _parsed_states(branch)


_parse_lock = threading.Lock()


def parse_entrypoint(definition: str) -> Any:
    with _parse_lock:  # executions start together: without it each would parse
        return parse(definition)


def _validate_definition(definition: str) -> None:
    """moto's check at create/update_state_machine, on the translated definition."""
    try:
        translated, _ = translate(definition)
    except SetupError as refused:
        raise InvalidDefinition(message=str(refused)) from None
    except ValueError as bad_json:
        raise InvalidDefinition(message=f"the definition is not JSON: {bad_json}") from None
    _original_validate(translated)


_original_validate = backend_module.StepFunctionsParserBackend._validate_definition


_tls = threading.local()
ITEM_COUNTS: tuple[str, ...] = (
    "aborted",
    "failed",
    "pending",
    "results_written",
    "running",
    "succeeded",
)
ITEM_COUNTS += ("timed_out", "total")


class _ItemsCounter(map_run_record_module.Counter):
    """A Map Run's item counter where a child is a batch: moto counts each child once, from the
    worker thread that runs it; the child counts as the number of items in its batch."""

    def count(self, increment: int = 1) -> None:
        super().count(increment * getattr(_tls, "items", 1))

    def offset(self, offset: int) -> None:
        super().offset(offset * getattr(_tls, "items", 1))


def _batch_map_runs() -> None:
    original_map_run = distributed_module.DistributedIterationComponent._map_run

    def map_run(self: Any, env: Any, eval_input: Any) -> None:
        batcher: ItemBatcher | None = getattr(self, "og_item_batcher", None)
        if batcher is not None:
            env.stack.append(batcher.batches(env.stack.pop()))
            record = eval_input.map_run_record
            record.og_batched = True
            for name in ITEM_COUNTS:
                setattr(record.item_counter, name, _ItemsCounter())  # type: ignore[no-untyped-call]
        original_map_run(self, env, eval_input)

    distributed_module.DistributedIterationComponent._map_run = map_run  # type: ignore[method-assign]
    original_eval_job = worker_module.DistributedItemProcessorWorker._eval_job

    def eval_job(self: Any, env: Any, job: Any) -> None:
        if getattr(self._map_run_record, "og_batched", False):
            _tls.items = len(job.job_input["Items"])
        try:
            original_eval_job(self, env, job)
        finally:
            _tls.items = 1

    worker_module.DistributedItemProcessorWorker._eval_job = eval_job  # type: ignore[method-assign]


def install() -> None:
    """Called once by og.local.moto_bridge.apply."""
    backend_module.StepFunctionsParserBackend._validate_definition = staticmethod(  # type: ignore[method-assign]
        _validate_definition
    )
    _batch_map_runs()
