"""The local engine reads template.yaml as the one wiring point."""

import json
import re
from pathlib import Path

import pytest

from og.local.template import ACCOUNT, REGION, read_template

ROOT = Path(__file__).resolve().parents[2]


def test_every_function_in_the_template_has_its_handler_file():
    tpl = read_template(ROOT)
    assert {
        "GuideFunction",
        "SenderFunction",
        "PersonalizeFunction",
        "NotifyOwnerFunction",
        "DoneHandlerFunction",
    } <= tpl.functions.keys()
    for fn in tpl.functions.values():
        module = fn.handler.rpartition(".")[0]
        assert (fn.code_dir / f"{module}.py").is_file(), fn.logical_id


def test_definitions_are_substituted_from_the_template():
    tpl = read_template(ROOT, {"MapMaxConcurrency": "3"})
    tick = json.loads(tpl.definition("DailyTickStateMachine"))
    plan = tick["States"]["PlanDay"]
    assert plan["Parameters"]["FunctionName"] == (
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:og-guide"
    )
    assert plan["ResultSelector"]["max_concurrency.$"] == "States.StringToJson('3')"
    batch = tick["States"]["StartJourneys"]["ItemProcessor"]["States"]["StartBatchJourneys"]
    start = batch["ItemProcessor"]["States"]["StartJourney"]
    assert start["Parameters"]["StateMachineArn"] == (
        f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:og-customer-journey"
    )
    for lid in tpl.state_machines:
        assert not re.search(r"\$\{\w+\}", tpl.definition(lid)), lid


def test_bucket_names_and_environment_resolve():
    tpl = read_template(ROOT)
    assert tpl.buckets["ListSourceBucket"] == f"og-list-source-{ACCOUNT}-{REGION}"
    env = tpl.functions["GuideFunction"].environment
    assert env["OG_LIST_BUCKET"] == tpl.buckets["ListSourceBucket"]
    assert env["OG_SENDS_TABLE"] == "og-sends"


def test_a_missing_substitution_is_named(tmp_path):
    (tmp_path / "statemachines").mkdir()
    (tmp_path / "statemachines" / "m.asl.json").write_text('{"X": "${Nope}"}')
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  M:\n    Type: AWS::Serverless::StateMachine\n"
        "    Properties:\n      DefinitionUri: statemachines/m.asl.json\n"
    )
    with pytest.raises(ValueError, match=r"m.asl.json: no DefinitionSubstitutions for \['Nope'\]"):
        read_template(tmp_path).definition("M")
