"""A Distributed Map's ItemBatcher and EXPRESS children on the local engine (og.local.map_children):
batches shaped as AWS shapes them, the Map Run counting items, the definition kept as written, and
what the engine does not run refused by name rather than ignored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from test_aws_limits import Sfn, sfn  # noqa: F401  (the fixture)

from og.core.errors import SetupError
from og.local import map_children


def batched_map(batcher: dict[str, Any], child: dict[str, Any] | None = None) -> dict[str, Any]:
    """A Distributed Map over the execution's input array, each child a Pass of its input."""
    return {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemBatcher": batcher,
                "ItemProcessor": child
                or {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "Child",
                    "States": {"Child": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }


def map_run_counts(on: Sfn, execution_arn: str) -> tuple[dict[str, int], dict[str, int]]:
    [run] = on.sfn.list_map_runs(executionArn=execution_arn)["mapRuns"]
    desc = on.sfn.describe_map_run(mapRunArn=run["mapRunArn"])
    return desc["itemCounts"], desc["executionCounts"]


def test_items_reach_each_child_in_batches_shaped_as_aws_shapes_them(sfn: Sfn) -> None:  # noqa: F811
    definition = batched_map({"MaxItemsPerBatch": 2, "BatchInput": {"day": "2026-12-14"}})
    arn = sfn.machine(definition)

    done = sfn.run(arn, [{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}, {"n": 5}])

    assert done["status"] == "SUCCEEDED", done.get("cause")
    assert json.loads(done["output"]) == [
        {"BatchInput": {"day": "2026-12-14"}, "Items": [{"n": 1}, {"n": 2}]},
        {"BatchInput": {"day": "2026-12-14"}, "Items": [{"n": 3}, {"n": 4}]},
        {"BatchInput": {"day": "2026-12-14"}, "Items": [{"n": 5}]},
    ]
    items, children = map_run_counts(sfn, done["executionArn"])
    assert (items["total"], items["succeeded"], items["failed"]) == (5, 5, 0)
    assert (children["total"], children["succeeded"]) == (3, 3)
    # moto stores and answers the definition as written, ItemBatcher and EXPRESS included.
    described = sfn.sfn.describe_state_machine(stateMachineArn=arn)["definition"]
    assert json.loads(described) == definition


def test_without_batch_input_a_child_gets_only_its_items(sfn: Sfn) -> None:  # noqa: F811
    arn = sfn.machine(batched_map({"MaxItemsPerBatch": 50}))

    done = sfn.run(arn, list(range(3)))

    assert json.loads(done["output"]) == [{"Items": [0, 1, 2]}]


def test_a_failing_child_counts_every_item_of_its_batch_as_failed(sfn: Sfn) -> None:  # noqa: F811
    child = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.Items[0]", "NumericEquals": 3, "Next": "Broken"}],
                "Default": "Fine",
            },
            "Broken": {"Type": "Fail", "Error": "Broken"},
            "Fine": {"Type": "Succeed"},
        },
    }
    arn = sfn.machine(batched_map({"MaxItemsPerBatch": 2}, child))

    done = sfn.run(arn, [1, 2, 3, 4, 5])

    items, children = map_run_counts(sfn, done["executionArn"])
    assert (items["total"], items["succeeded"], items["failed"]) == (5, 3, 2)
    assert (children["total"], children["succeeded"], children["failed"]) == (3, 2, 1)


@pytest.mark.parametrize(
    ("batcher", "child_task", "refused"),
    [
        ({"MaxItemsPerBatch": 2, "MaxInputBytesPerBatch": 1024}, None, "MaxInputBytesPerBatch"),
        ({"MaxItemsPerBatchPath": "$.size"}, None, "MaxItemsPerBatchPath"),
        ({"MaxItemsPerBatch": 0}, None, "MaxItemsPerBatch must be"),
        ({"MaxItemsPerBatch": 2, "BatchInput": {"day.$": "$.day"}}, None, "BatchInput with paths"),
        (
            {"MaxItemsPerBatch": 2},
            "arn:aws:states:::states:startExecution.sync:2",
            "not supported in an Express workflow",
        ),
        (
            {"MaxItemsPerBatch": 2},
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "not supported in an Express workflow",
        ),
    ],
)
def test_what_the_engine_does_not_run_is_refused_by_name(
    sfn: Sfn,  # noqa: F811
    batcher: dict[str, Any],
    child_task: str | None,
    refused: str,
) -> None:
    child = None
    if child_task:
        task = {"Type": "Task", "Resource": child_task, "Parameters": {}, "End": True}
        child = {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
            "StartAt": "Wait",
            "States": {"Wait": task},
        }
    with pytest.raises(ClientError) as error:
        sfn.machine(batched_map(batcher, child))

    # moto answers its InvalidDefinition with an empty code (its own refusals too): the message.
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert refused in error.value.response["Error"]["Message"]
    assert "'M'" in error.value.response["Error"]["Message"] or child_task


def test_item_batcher_with_an_item_selector_or_inline_is_refused() -> None:
    selected = batched_map({"MaxItemsPerBatch": 2})
    selected["States"]["M"]["ItemSelector"] = {"v.$": "$$.Map.Item.Value"}
    inline = batched_map({"MaxItemsPerBatch": 2})
    inline["States"]["M"]["ItemProcessor"]["ProcessorConfig"] = {"Mode": "INLINE"}

    with pytest.raises(SetupError, match="ItemSelector with ItemBatcher"):
        map_children.translate(json.dumps(selected))
    with pytest.raises(SetupError, match="DISTRIBUTED mode"):
        map_children.translate(json.dumps(inline))


def test_what_moto_parses_is_the_definition_without_the_words_it_lacks() -> None:
    definition = json.dumps(batched_map({"MaxItemsPerBatch": 7}))

    translated, batchers = map_children.translate(definition)

    m = json.loads(translated)["States"]["M"]
    assert "ItemBatcher" not in m
    assert m["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] == "STANDARD"
    assert batchers == {"M": map_children.ItemBatcher(7)}
    plain = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    assert map_children.translate(plain) == (plain, {})
