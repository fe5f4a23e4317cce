"""Read template.yaml the way the local engine needs it: which functions exist (CodeUri, Handler,
environment), which state machines (DefinitionUri, DefinitionSubstitutions), which buckets, and
the parameter defaults. The template is the one wiring point; nothing here restates it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

from og.core.errors import SetupError

ACCOUNT = "123456789012"
REGION = "ap-southeast-1"


class _Tag:
    def __init__(self, name: str, value: Any):
        self.name = name
        self.value = value


class _CfnLoader(yaml.SafeLoader):  # type: ignore[misc]
    pass


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> _Tag:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return _Tag(suffix, value)


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_yaml(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)
    return loaded


@dataclass
class FunctionSpec:
    logical_id: str
    name: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    function_url: bool = False  # has a FunctionUrlConfig: a public HTTPS endpoint in AWS


@dataclass
class StateMachineSpec:
    logical_id: str
    name: str
    definition_path: Path
    substitutions: dict[str, str]


@dataclass
class LocalTemplate:
    root: Path
    parameters: dict[str, str]
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    state_machines: dict[str, StateMachineSpec] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)  # logical id -> bucket name

    def definition(self, logical_id: str) -> str:
        """The state machine definition with DefinitionSubstitutions applied, as AWS would."""
        spec = self.state_machines[logical_id]
        text = spec.definition_path.read_text(encoding="utf-8")
        missing = set(re.findall(r"\$\{(\w+)\}", text)) - spec.substitutions.keys()
        if missing:
            raise SetupError(
                f"{spec.definition_path.name}: no DefinitionSubstitutions for {sorted(missing)} "
                f"in template.yaml resource {logical_id}"
            )
        return re.sub(r"\$\{(\w+)\}", lambda m: spec.substitutions[m.group(1)], text)


def read_template(root: Path, overrides: dict[str, str] | None = None) -> LocalTemplate:
    doc = load_yaml(root / "template.yaml")
    params = {
        name: str(spec.get("Default", "")) for name, spec in (doc.get("Parameters") or {}).items()
    } | (overrides or {})
    resources: dict[str, Any] = doc["Resources"]
    globals_env = (
        doc.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    )
    tpl = LocalTemplate(root=root, parameters=params)
    resolver = _Resolver(tpl, resources)
    for lid, res in resources.items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::S3::Bucket":
            tpl.buckets[lid] = resolver.physical_name(lid)
    for lid, res in resources.items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::Serverless::Function":
            env = globals_env | props.get("Environment", {}).get("Variables", {})
            tpl.functions[lid] = FunctionSpec(
                logical_id=lid,
                name=resolver.physical_name(lid),
                code_dir=root / props["CodeUri"],
                handler=props["Handler"],
                environment={k: str(resolver.resolve(v)) for k, v in env.items()},
                function_url="FunctionUrlConfig" in props,
            )
        elif res["Type"] == "AWS::Serverless::StateMachine":
            tpl.state_machines[lid] = StateMachineSpec(
                logical_id=lid,
                name=resolver.physical_name(lid),
                definition_path=root / props["DefinitionUri"],
                substitutions={
                    k: str(resolver.resolve(v))
                    for k, v in (props.get("DefinitionSubstitutions") or {}).items()
                },
            )
    return tpl


class _Resolver:
    """The few intrinsic functions the template uses where the local engine reads it."""

    _NAME_PROPERTY: ClassVar[dict[str, str]] = {
        "AWS::S3::Bucket": "BucketName",
        "AWS::Serverless::Function": "FunctionName",
        "AWS::Serverless::StateMachine": "Name",
        "AWS::DynamoDB::Table": "TableName",
    }

    def __init__(self, tpl: LocalTemplate, resources: dict[str, Any]):
        self.tpl = tpl
        self.resources = resources

    def physical_name(self, lid: str) -> str:
        res = self.resources[lid]
        prop = self._NAME_PROPERTY.get(res["Type"])
        value = res.get("Properties", {}).get(prop) if prop else None
        return str(self.resolve(value)) if value is not None else lid

    def _ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::StackName": "og",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.tpl.parameters:
            return self.tpl.parameters[name]
        res = self.resources.get(name)
        if res is None:
            raise SetupError(f"template.yaml: !Ref {name}: no such parameter or resource")
        if res["Type"] == "AWS::Serverless::StateMachine":
            return self._arn(name, "Arn")
        return self.physical_name(name)

    def _arn(self, lid: str, attr: str) -> str:
        typ = self.resources[lid]["Type"]
        name = self.physical_name(lid)
        if attr == "Arn" and typ == "AWS::Serverless::Function":
            return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        if attr in ("Arn", "") and typ == "AWS::Serverless::StateMachine":
            return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
        if attr == "Arn" and typ == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{name}"
        if attr == "Arn" and typ == "AWS::DynamoDB::Table":
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
        if attr == "Name":
            return name
        raise SetupError(f"template.yaml: !GetAtt {lid}.{attr} is not known to the local engine")

    def resolve(self, value: Any) -> Any:
        if not isinstance(value, _Tag):
            if isinstance(value, dict) and len(value) == 1:
                ((key, inner),) = value.items()
                if key == "Ref":
                    return self._ref(inner)
                if key.startswith("Fn::"):
                    return self.resolve(_Tag(key[4:], inner))
            return value
        if value.name == "Ref":
            return self._ref(value.value)
        if value.name == "GetAtt":
            lid, _, attr = (
                value.value.partition(".")
                if isinstance(value.value, str)
                else (value.value[0], ".", value.value[1])
            )
            return self._arn(lid, attr)
        if value.name == "Sub":
            text, extra = (value.value, {}) if isinstance(value.value, str) else value.value

            def sub(m: re.Match[str]) -> str:
                key = m.group(1)
                if key in extra:
                    return str(self.resolve(extra[key]))
                if "." in key:
                    lid, attr = key.split(".", 1)
                    return self._arn(lid, attr)
                return self._ref(key)

            return re.sub(r"\$\{([\w:.]+)\}", sub, text)
        raise SetupError(f"template.yaml: !{value.name} is not supported by the local engine")
