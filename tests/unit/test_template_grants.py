"""Each function's DynamoDB grants in template.yaml are exactly what its code can call.

The store calls a handler can reach are found by reading the code: from functions/<name>/app.py,
every og.logic function it names (called or passed on), and every function those name, down to
the `a.store.<method>(...)` calls. Each store method's DynamoDB footprint (the IAM action per
table, as DynamoJourneyStore issues it; a TransactWriteItems is authorised per item as PutItem,
UpdateItem or DeleteItem) is listed below, and checked against the store itself: every method
run on moto, each request's IAM actions recorded, must stay inside its footprint and cover it. A
grant the code cannot reach is an unused grant; a reachable call without its grant is an
AccessDenied waiting in production."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from og.adapters.aws.dynamodb_once import DynamoOnce
from og.adapters.aws.dynamodb_store import DynamoJourneyStore
from og.adapters.ports import OwnerTask, PendingFlag, Proposal, ProposalDecision
from og.core.models import Channel, OwnerAction, SendKind, SendRecord
from og.local.template import load_yaml
from og.wiring import Settings

ROOT = Path(__file__).resolve().parents[2]
RESOURCES: dict[str, Any] = load_yaml(ROOT / "template.yaml")["Resources"]

_STATE_CHANGE = {("GetItem", "StateTable"), ("PutItem", "StateTable"), ("PutItem", "AuditTable")}
# A change that finishes the journey first copies its sends to the archive.
_FINISH = {("Query", "SendsTable"), ("BatchWriteItem", "SendsArchiveTable")}
# Keyed by method, or by "method:variant" where the call site decides what it touches.
FOOTPRINT: dict[str, set[tuple[str, str]]] = {
    "load_journeys": {("Scan", "StateTable"), ("Scan", "SendsTable")},
    "journey": {("GetItem", "StateTable"), ("Query", "SendsTable")},
    "claims_in_doubt:all": {("Scan", "SendsTable")},
    "claims_in_doubt:customer": {("Query", "SendsTable")},
    "claim_send": {("PutItem", "SendsTable")},
    "claim_send:one_per_day": {("PutItem", "SendDaysTable")},
    "confirm_send": {("UpdateItem", "SendsTable")},
    "sent_message_id": {("GetItem", "SendsTable")},
    "release_send": {
        ("GetItem", "SendsTable"),
        ("GetItem", "SendDaysTable"),
        ("DeleteItem", "SendsTable"),
        ("DeleteItem", "SendDaysTable"),
    },
    "save_flag": _STATE_CHANGE | {("PutItem", "FlagsTable")},
    "flag": {("GetItem", "FlagsTable")},
    "all_flags": {("Scan", "FlagsTable")},
    "open_flags": {("Scan", "FlagsTable")},
    "save_owner_task": {("PutItem", "FlagsTable")},
    "owner_task": {("GetItem", "FlagsTable")},
    "record_owner_action": _STATE_CHANGE,
    "record_owner_action:flag": {("GetItem", "FlagsTable"), ("UpdateItem", "FlagsTable")},
    "record_owner_action:finish": _FINISH,  # an action that is not Pause, Resume or Hand off
    "record_step_done": _STATE_CHANGE | _FINISH,
    "record_unsubscribed": _STATE_CHANGE,
    "audit_trail": {("Query", "AuditTable")},
    "audit_between": {("Scan", "AuditTable")},
    "archived_sends": {("Query", "SendsArchiveTable")},
    "save_proposal": {("PutItem", "FlagsTable")},
    "proposal": {("GetItem", "FlagsTable")},
    "pending_proposals": {("Scan", "FlagsTable")},
    "decide_proposal": {
        ("GetItem", "FlagsTable"),
        ("UpdateItem", "FlagsTable"),
        ("PutItem", "AuditTable"),
    },
}
# The Once port (DynamoOnce, on og-flags), keyed "once.<method>".
FOOTPRINT |= {
    "once.claim": {("PutItem", "FlagsTable"), ("GetItem", "FlagsTable")},
    "once.confirm": {("UpdateItem", "FlagsTable")},
    "once.result": {("GetItem", "FlagsTable")},
    "once.release": {("DeleteItem", "FlagsTable")},
    "once.unclaimed": {("BatchGetItem", "FlagsTable")},
}
STORE_TABLES = {"StateTable", "SendsTable", "SendDaysTable", "AuditTable"}
STORE_TABLES |= {"SendsArchiveTable", "FlagsTable"}


def test_every_store_method_has_its_footprint() -> None:
    public = {
        name
        for name, member in inspect.getmembers(DynamoJourneyStore, inspect.isfunction)
        if not name.startswith("_")
    }
    assert public == {key.split(":")[0] for key in FOOTPRINT if not key.startswith("once.")}
    once = {name for name in inspect.getmembers(DynamoOnce, inspect.isfunction)}
    assert {f"once.{n}" for n, _ in once if not n.startswith("_")} == {
        key for key in FOOTPRINT if key.startswith("once.")
    }


# --- what the code can reach ----------------------------------------------------------------
Node = tuple[str, str]  # (module path, function name); "" is a module's top level


class _Module:
    def __init__(self, name: str, path: Path):
        self.name = name
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.modules: dict[str, str] = {}  # local name -> og.logic module
        self.functions: dict[str, Node] = {}  # local name -> a function elsewhere
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module == "og.logic":
                self.modules |= {a.asname or a.name: f"og.logic.{a.name}" for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("og.logic."):
                self.functions |= {a.asname or a.name: (node.module, a.name) for a in node.names}  # type: ignore[misc]
        self.defs = {
            n.name: n
            for n in self.tree.body
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        }

    def edges(self, body: ast.AST) -> tuple[set[Node], set[str]]:
        """The functions a body names and the store methods it calls."""
        names: set[Node] = set()
        store: set[str] = set()
        for node in ast.walk(body):
            if isinstance(node, ast.Name):
                if node.id in self.defs:
                    names.add((self.name, node.id))
                elif node.id in self.functions:
                    names.add(self.functions[node.id])
            elif isinstance(node, ast.Attribute):
                value = node.value
                if isinstance(value, ast.Name) and value.id in self.modules:
                    names.add((self.modules[value.id], node.attr))
                if isinstance(value, ast.Attribute) and value.attr == "store":
                    store.add(node.attr)
                if isinstance(value, ast.Name) and value.id == "store":  # a port passed alone
                    store.add(node.attr)
                if isinstance(value, ast.Attribute) and value.attr == "once":
                    store.add(f"once.{node.attr}")
                if isinstance(value, ast.Name) and value.id == "once":  # a port passed alone
                    store.add(f"once.{node.attr}")
                if isinstance(value, ast.Name) and value.id == "a":  # a use case's ports
                    store.add(f"port:{node.attr}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                store |= _variants(node.func.attr, node)
        return names, store


_NOT_FINISHING = {"PAUSE", "RESUME", "HAND_OFF"}


def _variants(method: str, call: ast.Call) -> set[str]:
    """What a call site adds to its method's footprint, read from its arguments."""
    keywords = {k.arg for k in call.keywords}
    if method == "claims_in_doubt":
        by_customer = len(call.args) > 1 or "customer_id" in keywords
        return {f"claims_in_doubt:{'customer' if by_customer else 'all'}"}
    if method == "claim_send":
        one_per_day = next(k.value for k in call.keywords if k.arg == "one_per_day")
        off = isinstance(one_per_day, ast.Constant) and one_per_day.value is False
        return set() if off else {"claim_send:one_per_day"}
    if method == "record_owner_action":
        action = call.args[1] if len(call.args) > 1 else None
        known = isinstance(action, ast.Attribute) and action.attr in _NOT_FINISHING
        found = {"record_owner_action:flag"} if "flag_key" in keywords else set()
        return found if known else found | {"record_owner_action:finish"}
    return set()


def _logic_modules() -> dict[str, _Module]:
    found = {}
    for path in sorted((ROOT / "src" / "og" / "logic").glob("*.py")):
        name = f"og.logic.{path.stem}"
        found[name] = _Module(name, path)
    return found


LOGIC = _logic_modules()


def reachable_store_calls(function_dir: str) -> set[str]:
    entry = _Module("app", ROOT / "functions" / function_dir / "app.py")
    names, store = entry.edges(entry.tree)
    seen: set[Node] = set()
    todo = list(names)
    while todo:
        node = todo.pop()
        if node in seen or node[0] not in LOGIC:
            continue
        seen.add(node)
        module = LOGIC[node[0]]
        if node[1] not in module.defs:
            continue
        more, calls = module.edges(module.defs[node[1]])
        store |= calls
        todo += more
    return store


# --- what the template grants -----------------------------------------------------------------
def dynamodb_grants(logical_id: str) -> set[tuple[str, str]]:
    granted = set()
    for policy in RESOURCES[logical_id]["Properties"]["Policies"]:
        for st in policy.get("Statement", []):
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            for action in actions:
                if not action.startswith("dynamodb:"):
                    continue
                for resource in resources:
                    table = str(resource.value).removesuffix(".Arn")
                    if table in STORE_TABLES:
                        granted.add((action.removeprefix("dynamodb:"), table))
    return granted


FUNCTIONS = {
    lid: res["Properties"]["CodeUri"].strip("/").split("/")[-1]
    for lid, res in RESOURCES.items()
    if res["Type"] == "AWS::Serverless::Function"
}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_dynamodb_grants_are_exactly_what_the_code_can_call(logical_id: str) -> None:
    calls = reachable_store_calls(FUNCTIONS[logical_id])
    needed = set().union(*(FOOTPRINT[m] for m in calls if m in FOOTPRINT))

    granted = dynamodb_grants(logical_id)

    assert sorted(needed - granted) == [], f"{logical_id}: missing grants"
    assert sorted(granted - needed) == [], f"{logical_id}: unused grants"


# A port the code reaches, and the grant its AWS adapter needs: (action, resource ends with).
PORT_GRANTS = {
    "chat": ("secretsmanager:GetSecretValue", ":secret:og/slack/bot-token-??????"),
    "email": ("ses:SendEmail", ":identity/${SenderIdentity}"),
    "writer": ("bedrock:InvokeModel", ":inference-profile/${HaikuModelId}"),
    "sheet": ("secretsmanager:GetSecretValue", ":secret:og/drive/sa-??????"),
    "owner_docs": ("secretsmanager:GetSecretValue", ":secret:og/drive/sa-??????"),
    "workflow": ("states:SendTaskSuccess", "*"),
}


def _grants(logical_id: str) -> set[tuple[str, str]]:
    return {
        (action, str(getattr(resource, "value", resource)))
        for policy in RESOURCES[logical_id]["Properties"]["Policies"]
        for st in policy.get("Statement", [])
        for action in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])
        for resource in (st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]])
    }


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_slack_ses_bedrock_google_and_step_functions_are_granted_where_the_code_reaches_them(
    logical_id: str,
) -> None:
    ports = {c.removeprefix("port:") for c in reachable_store_calls(FUNCTIONS[logical_id])}
    grants = _grants(logical_id)

    needed = {grant for port, grant in PORT_GRANTS.items() if port in ports}
    granted = {
        (action, resource)
        for action, resource in PORT_GRANTS.values()
        if any(a == action and r.endswith(resource) for a, r in grants)
    }
    assert granted == needed, logical_id


def test_the_reader_sees_store_calls_through_modules_and_callbacks() -> None:
    """The reader itself, on code whose reach is known: ses-feedback pauses a customer (a
    state change) after reading the list, and nothing else."""
    calls = reachable_store_calls("ses_feedback")
    assert {c for c in calls if not c.startswith("port:")} == {"journey", "record_owner_action"}
    assert {c for c in calls if c.startswith("port:")} >= {"port:chat", "port:store"}
    assert "port:email" not in calls
    assert "record_owner_action:flag" in reachable_store_calls("done_handler")
    assert "open_flags" in reachable_store_calls("done_handler")  # /og pause lists the flags


# --- the footprints, checked against DynamoJourneyStore on moto ---------------------------------
_ITEM_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}


def _iam_actions(operation: str, params: dict[str, Any]) -> set[tuple[str, str]]:
    """The IAM action and table of each part of one DynamoDB request."""
    if operation == "TransactWriteItems":
        return {
            (_ITEM_ACTIONS[kind], body["TableName"])
            for item in params["TransactItems"]
            for kind, body in item.items()
        }
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return {(operation, table) for table in params["RequestItems"]}
    return {(operation, params["TableName"])}


def _record(
    send: Callable[[str, int], SendRecord], store: DynamoJourneyStore, once: DynamoOnce
) -> Iterator[tuple[set[str], Callable[[], object]]]:
    """Every store method, with the footprint keys its call site has, in an order that takes
    each through its branches (a claim released, a flag answered, a journey finished)."""
    t0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    plan = ("welcome", "setup")
    welcome, setup = send("welcome", 0), send("setup", 1)
    flag = PendingFlag("k1", "c1", "setup", "stuck", "token", "exec", t0)
    proposal = Proposal(
        "p1",
        {"customer_id": "c2", "name": "Ana", "email": "ana@example.com", "plan": "Starter"},
        (),
        "s3://og-raw-mime/m1",
        "Owner <owner@example.com>",
        "Fwd: Welcome",
        t0,
    )
    yield (
        {"claim_send", "claim_send:one_per_day"},
        lambda: store.claim_send(welcome, "a1", one_per_day=True),
    )
    yield {"confirm_send"}, lambda: store.confirm_send(welcome, "a1", "ses-1")
    yield {"sent_message_id"}, lambda: store.sent_message_id("c1", welcome.send_key)
    yield {"claim_send"}, lambda: store.claim_send(setup, "a2", one_per_day=False)
    yield (
        {"claim_send", "claim_send:one_per_day"},
        lambda: store.claim_send(send("tour", 2), "a3", one_per_day=True),
    )
    yield {"claims_in_doubt:all"}, lambda: store.claims_in_doubt(t0 + timedelta(days=9))
    yield {"claims_in_doubt:customer"}, lambda: store.claims_in_doubt(t0 + timedelta(days=9), "c1")
    yield {"release_send"}, lambda: store.release_send(send("tour", 2), "a3")
    yield {"journey"}, lambda: store.journey("c1")
    yield {"load_journeys"}, store.load_journeys
    yield {"save_flag"}, lambda: store.save_flag(flag)
    yield {"flag"}, lambda: store.flag("k1")
    yield {"all_flags"}, lambda: store.all_flags("c1")
    yield {"open_flags"}, store.open_flags
    yield {"save_owner_task"}, lambda: store.save_owner_task(OwnerTask("t1", "c1", "setup", t0))
    yield {"owner_task"}, lambda: store.owner_task("t1")
    yield (
        {"record_owner_action"},
        lambda: store.record_owner_action("c1", OwnerAction.PAUSE, by_user="U1", at=t0),
    )
    yield (
        {"record_owner_action"},
        lambda: store.record_owner_action("c1", OwnerAction.RESUME, by_user="U1", at=t0),
    )
    yield (
        {"record_step_done"},
        lambda: store.record_step_done(
            "c1", "welcome", by_user="customer", at=t0, plan_step_ids=plan
        ),
    )
    yield (
        {
            "record_owner_action",
            "record_owner_action:flag",
            "record_owner_action:finish",
        },
        lambda: store.record_owner_action(
            "c1",
            OwnerAction.DONE,
            by_user="U1",
            at=t0 + timedelta(days=3),
            flag_key="k1",
            step_id="setup",
            plan_step_ids=plan,
        ),
    )
    c3 = replace(welcome, customer_id="c3", recipient="c3@example.com")
    yield {"claim_send"}, lambda: store.claim_send(c3, "a4", one_per_day=False)
    yield (
        {"record_step_done"},
        lambda: store.record_step_done(
            "c3", "welcome", by_user="customer", at=t0, plan_step_ids=("welcome",)
        ),
    )
    yield {"record_unsubscribed"}, lambda: store.record_unsubscribed("c4", by_user="c", at=t0)
    yield {"audit_trail"}, lambda: store.audit_trail("c1")
    yield {"audit_between"}, lambda: store.audit_between(t0, t0 + timedelta(days=9))
    yield {"archived_sends"}, lambda: store.archived_sends("c1")
    yield {"save_proposal"}, lambda: store.save_proposal(proposal)
    yield {"proposal"}, lambda: store.proposal("p1")
    yield {"pending_proposals"}, store.pending_proposals
    yield (
        {"decide_proposal"},
        lambda: store.decide_proposal(
            "p1", ProposalDecision.APPROVED, row=proposal.row, by_user="U1", at=t0
        ),
    )
    yield {"once.unclaimed"}, lambda: once.unclaimed(["list:row-3", "digest:2026-03-08"])
    yield {"once.claim"}, lambda: once.claim("digest:2026-03-08", "r1", t0)
    yield {"once.claim"}, lambda: once.claim("digest:2026-03-08", "r2", t0)
    yield {"once.confirm"}, lambda: once.confirm("digest:2026-03-08", "r1", "ts-1", t0)
    yield {"once.result"}, lambda: once.result("digest:2026-03-08")
    yield {"once.claim"}, lambda: once.claim("digest:2026-03-15", "r1", t0)
    yield {"once.release"}, lambda: once.release("digest:2026-03-15", "r1")


def test_each_footprint_is_what_the_dynamodb_store_really_calls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    tables = {
        res["Properties"]["TableName"]: lid
        for lid, res in RESOURCES.items()
        if res["Type"] == "AWS::DynamoDB::Table"
    }
    calls: list[set[tuple[str, str]]] = []

    def record(event_name: str, params: dict[str, Any], **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[1]
        calls[-1] |= {(a, tables[t]) for a, t in _iam_actions(operation, params)}

    observed: dict[str, set[tuple[str, str]]] = {key: set() for key in FOOTPRINT}
    with mock_aws():
        client = boto3.client("dynamodb", region_name="ap-southeast-1")
        for table in tables:
            props = next(
                r["Properties"]
                for r in RESOURCES.values()
                if r["Properties"].get("TableName") == table
            )
            client.create_table(
                **{k: props[k] for k in ("TableName", "KeySchema", "AttributeDefinitions")},
                BillingMode="PAY_PER_REQUEST",
            )
        client.meta.events.register("before-parameter-build.dynamodb.*", record)
        store = DynamoJourneyStore(Settings(list_bucket="l", rules_bucket="r"), client)

        def send(step: str, day: int) -> SendRecord:
            at = datetime(2026, 3, 2 + day, 1, 30, tzinfo=UTC)
            return SendRecord(
                "c1", step, SendKind.STEP, at, at.date(), Channel.EMAIL, "c1@example.com"
            )

        once = DynamoOnce(Settings(list_bucket="l", rules_bucket="r"), client)
        for keys, call in _record(send, store, once):
            calls.append(set())
            call()
            allowed = set().union(*(FOOTPRINT[k] for k in keys))
            assert calls[-1] <= allowed, (sorted(keys), sorted(calls[-1] - allowed))
            for key in keys:
                observed[key] |= calls[-1]

    # Each footprint is seen in full: none of it is a grant no call needs.
    for key, footprint in FOOTPRINT.items():
        assert footprint <= observed[key], (key, sorted(footprint - observed[key]))
