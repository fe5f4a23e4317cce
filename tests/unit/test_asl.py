import json
from pathlib import Path

import pytest

from og import asl

ROOT = Path(__file__).resolve().parents[2]


def test_committed_state_machines_equal_the_composed_fragments():
    composed = asl.compose(ROOT)
    assert set(composed) == {p.name for p in (ROOT / "statemachines").glob("*.asl.json")}
    for name, text in composed.items():
        assert (ROOT / "statemachines" / name).read_text(encoding="utf-8") == text, name
    assert asl.stale(ROOT) == []


def test_every_lambda_task_retries_lambda_service_errors_and_throttling():
    for name, text in asl.compose(ROOT).items():
        states = json.loads(text)["States"]
        tasks = [
            s
            for s in states.values()
            if s.get("Resource", "").startswith("arn:aws:states:::lambda:invoke")
        ]
        assert tasks, name
        for task in tasks:
            errors = {e for r in task["Retry"] for e in r["ErrorEquals"]}
            assert {"Lambda.ServiceException", "Lambda.TooManyRequestsException"} <= errors


def _tree(tmp_path: Path, machine: dict, **fragments: object) -> Path:
    (tmp_path / "asl-fragments" / "machines").mkdir(parents=True)
    (tmp_path / "statemachines").mkdir()
    (tmp_path / "asl-fragments" / "machines" / "m.json").write_text(json.dumps(machine))
    for name, body in fragments.items():
        (tmp_path / "asl-fragments" / f"{name}.json").write_text(json.dumps(body))
    return tmp_path


def test_fragment_overrides_lay_over_the_fragment(tmp_path):
    root = _tree(
        tmp_path,
        {"StartAt": "A", "States": {"A": {"$fragment": "task", "Next": "B"}}},
        task={"Type": "Task", "Resource": "r", "Retry": {"$fragment": "retry"}},
        retry=[{"ErrorEquals": ["X"]}],
    )
    out = json.loads(asl.compose(root)["m.asl.json"])
    assert out["States"]["A"] == {
        "Type": "Task",
        "Resource": "r",
        "Retry": [{"ErrorEquals": ["X"]}],
        "Next": "B",
    }
    assert asl.stale(root) == ["m.asl.json"]
    asl.build(root)
    assert asl.stale(root) == []


def test_missing_fragment_and_cycles_are_named(tmp_path):
    root = _tree(tmp_path, {"States": {"A": {"$fragment": "nope"}}})
    with pytest.raises(FileNotFoundError, match=r"no fragment 'nope'.*machines/m\.json"):
        asl.compose(root)
    (root / "asl-fragments" / "machines" / "m.json").write_text(
        json.dumps({"States": {"A": {"$fragment": "a"}}})
    )
    (root / "asl-fragments" / "a.json").write_text(json.dumps({"$fragment": "a"}))
    with pytest.raises(ValueError, match="cycle"):
        asl.compose(root)


def test_a_list_fragment_inside_a_list_is_spliced_in(tmp_path):
    root = _tree(
        tmp_path,
        {"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [
            {"Variable": "$.a", "StringEquals": "x", "Next": "B"},
            {"$fragment": "rules"},
        ], "Default": "B"}, "B": {"Type": "Succeed"}}},
        rules=[{"Variable": "$.b", "StringEquals": "y", "Next": "B"}],
    )  # fmt: skip
    choices = json.loads(asl.compose(root)["m.asl.json"])["States"]["A"]["Choices"]
    assert [c["Variable"] for c in choices] == ["$.a", "$.b"]
