"""The harness behind tests/docker: AWS Step Functions Local (the amazon/aws-stepfunctions-local
image, started with testcontainers) runs the project's real customer-journey state machine, and
every Lambda task it invokes is answered in this process by the real handler.

How the pieces meet:
- Step Functions Local calls Lambda at LAMBDA_ENDPOINT with the Lambda Invoke REST API
  (POST /2015-03-31/functions/{FunctionName}/invocations). `LambdaInvokeServer` serves that API
  on 0.0.0.0 and runs the handler named by template.yaml, with the local engine's own invoke and
  error contract (og.local.moto_bridge): a raised exception comes back as 200 with
  `X-Amz-Function-Error: Unhandled` and {errorType, errorMessage, stackTrace}.
- The container reaches this process as host.docker.internal (mapped to host-gateway) when the
  tests run on the Docker host; at this container's own address when the tests themselves run
  in a container (testcontainers' gateway_ip / bridge_ip modes: Docker in Docker, or the host's
  socket mounted in CI); or at OG_SFN_LOCAL_LAMBDA_HOST when that is set (e.g. a remote
  DOCKER_HOST, which needs an address it can route back to).
- The handlers' S3 (the mirrored list, rules and voice) is moto in this process; the tests'
  fixture wraps each test in `mock_aws()`. moto only answers AWS hostnames, so the boto3 client
  pointed at the container's mapped port still reaches Step Functions Local.

Nothing here imports docker or testcontainers at module level: without a daemon the tests skip
with the reason, and importing this module never fails.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from og import wiring
from og.local import moto_bridge
from og.local.engine import JOURNEY_MACHINE, load_handler
from og.local.template import ACCOUNT, REGION, FunctionSpec, LocalTemplate, read_template

SFN_LOCAL_PORT = 8083
IMAGE = os.environ.get("OG_SFN_LOCAL_IMAGE", "amazon/aws-stepfunctions-local")
LAMBDA_HOST_ENV = "OG_SFN_LOCAL_LAMBDA_HOST"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/og-sfn-local"

# The handlers' clock: 09:00 in Singapore on the day the example tick plans. Step Functions Local
# runs on the real clock, so the moves' send_at is a minute in the past instead.
HANDLER_NOW = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)

CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<function>[^/]+)/invocations/?$")


def docker_unavailable() -> str | None:
    """None when a Docker daemon answers, else why not (the client's own words)."""
    try:
        import docker
    except ImportError as err:
        return f"the docker package is not installed ({err})"
    try:
        client = docker.from_env(timeout=10)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as err:  # whatever the client raises, the answer is "no daemon here"
        return f"{type(err).__name__}: {err}"
    return None


def function_name_of(ref: str) -> str:
    """FunctionName as the Invoke API accepts it: a name, `name:qualifier`, a partial ARN
    (`account:function:name`) or a full ARN, with or without a qualifier."""
    parts = ref.split(":")
    return parts[parts.index("function") + 1] if "function" in parts else parts[0]


@dataclass(frozen=True)
class Invocation:
    function: str
    payload: dict[str, Any]
    error: bool
    response: Any

    @property
    def execution(self) -> str | None:
        value = self.payload.get("execution")
        return value if isinstance(value, str) else None


class LambdaInvokeServer:
    """The Lambda Invoke API (RequestResponse) over template.yaml's functions, run in-process."""

    def __init__(self, template: LocalTemplate, host: str = "0.0.0.0"):
        self.functions: dict[str, FunctionSpec] = {f.name: f for f in template.functions.values()}
        self.invocations: list[Invocation] = []
        self._loaded: set[str] = set()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, 0), self._request_handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="og-lambda-invoke", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)

    def calls(self, execution: str) -> list[str]:
        """The functions invoked for one execution, in order."""
        with self._lock:
            return [i.function for i in self.invocations if i.execution == execution]

    def invoke(self, function_ref: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        name = function_name_of(function_ref)
        spec = self.functions.get(name)
        if spec is None:
            message = (
                f"Function not found: {function_ref} (template.yaml has {sorted(self.functions)})"
            )
            return (
                404,
                {"x-amzn-ErrorType": "ResourceNotFoundException"},
                json.dumps({"Type": "User", "message": message}).encode(),
            )
        self._ensure_loaded(spec)
        # The local engine's invoke, unchanged: the same context object and the same error
        # contract as when moto's interpreter runs these machines.
        fn = types.SimpleNamespace(
            function_name=name,
            function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        )
        text = body.decode("utf-8")
        payload, is_error, _logs = moto_bridge.invoke_in_process(fn, text)  # type: ignore[arg-type]
        try:
            event = json.loads(text) if text else {}
        except ValueError:
            event = {"raw": text}
        with self._lock:
            self.invocations.append(
                Invocation(
                    name, event if isinstance(event, dict) else {}, is_error, json.loads(payload)
                )
            )
        headers = {"Content-Type": "application/json", "X-Amz-Executed-Version": "$LATEST"}
        if is_error:
            headers["X-Amz-Function-Error"] = "Unhandled"
        return 200, headers, payload.encode("utf-8")

    def _ensure_loaded(self, spec: FunctionSpec) -> None:
        # Loaded on first use, i.e. under the test's environment, as a Lambda cold start would be.
        with self._lock:
            if spec.name in self._loaded:
                return
            handler = load_handler(spec.logical_id, spec.code_dir, spec.handler)
            moto_bridge.register_handler(spec.name, handler)
            self._loaded.add(spec.name)

    def _request_handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive for the AWS SDK's pooled connections

            def do_POST(self) -> None:
                match = _INVOKE_PATH.match(urlsplit(self.path).path)
                body = self._body()
                if match is None:
                    self._reply(
                        404,
                        {"x-amzn-ErrorType": "UnknownOperationException"},
                        json.dumps({"message": f"not the Lambda Invoke API: {self.path}"}).encode(),
                    )
                    return
                kind = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
                if kind != "RequestResponse":
                    message = f"only RequestResponse invocations are served here, not {kind}"
                    self._reply(
                        400,
                        {"x-amzn-ErrorType": "InvalidParameterValueException"},
                        json.dumps({"Type": "User", "message": message}).encode(),
                    )
                    return
                self._reply(*server.invoke(unquote(match["function"]), body))

            def _body(self) -> bytes:
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    chunks = []
                    while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # pytest shows failures; per-request lines would only be noise

        return Handler


@dataclass
class SfnLocal:
    """A running Step Functions Local with og-customer-journey created in it."""

    sfn: Any  # boto3 stepfunctions client for the container's mapped port
    endpoint: str
    machine_arn: str
    template: LocalTemplate
    lambdas: LambdaInvokeServer
    container_logs: Callable[[], str] = field(repr=False, default=lambda: "")

    def function_name(self, logical_id: str) -> str:
        return self.template.functions[logical_id].name

    def start(self, name: str, payload: dict[str, Any]) -> str:
        return str(
            self.sfn.start_execution(
                stateMachineArn=self.machine_arn, name=name, input=json.dumps(payload)
            )["executionArn"]
        )

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        pages = self.sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn)
        return [e for page in pages for e in page["events"]]

    def wait_for(
        self,
        execution_arn: str,
        reached: Callable[[dict[str, Any], list[dict[str, Any]]], bool],
        what: str,
        timeout_s: float = 90,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Poll until `reached(describe_execution, history)`; fail with the history otherwise."""
        deadline = time.monotonic() + timeout_s
        while True:
            desc = self.sfn.describe_execution(executionArn=execution_arn)
            events = self.history(execution_arn)
            if reached(desc, events):
                return desc, events
            if desc["status"] != "RUNNING" or time.monotonic() > deadline:
                name = execution_arn.rsplit(":", 1)[-1]
                raise AssertionError(
                    f"{name}: waited for {what}, but it is {desc['status']}; "
                    f"events: {[e['type'] for e in events]}; "
                    f"lambda calls: {self.lambdas.calls(name)}; "
                    f"failure: {_failure(events)}"
                )
            time.sleep(0.2)

    def wait_finished(self, execution_arn: str) -> dict[str, Any]:
        desc, _ = self.wait_for(
            execution_arn, lambda d, _: d["status"] != "RUNNING", "the execution to finish"
        )
        return desc

    def wait_parked(self, execution_arn: str) -> list[dict[str, Any]]:
        """Waiting on a task token (an owner flag): running, the last event the submitted
        callback task — the same test the local engine uses."""
        _, events = self.wait_for(
            execution_arn,
            lambda d, ev: (
                d["status"] == "RUNNING" and bool(ev) and ev[-1]["type"] == "TaskSubmitted"
            ),
            "the execution to wait on the owner (TaskSubmitted)",
        )
        return events


def _failure(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    for event in reversed(events):
        for key, value in event.items():
            if key.endswith("FailedEventDetails") and isinstance(value, dict):
                return {"event": event["type"], **value}
    return None


def _lambda_host(container: Any) -> tuple[str, dict[str, Any]]:
    """The address Step Functions Local uses to reach this process, and the container options
    that make it resolvable."""
    from testcontainers.core import utils
    from testcontainers.core.config import ConnectionMode

    override = os.environ.get(LAMBDA_HOST_ENV)
    if override:
        return override, {}
    client = container.get_docker_client()
    if client.get_connection_mode() is not ConnectionMode.docker_host:
        # This process runs in a container itself (Docker outside of Docker, or Docker in
        # Docker in CI): host-gateway would name the daemon's host, not us. Containers reach us
        # at our own address on the interface that faces the daemon.
        return _address_towards(utils.default_gateway_ip() or client.host()), {}
    # Docker 20.10+ maps host-gateway to the host (the bridge gateway on Linux); Docker Desktop
    # also resolves host.docker.internal by itself.
    return "host.docker.internal", {"extra_hosts": {"host.docker.internal": "host-gateway"}}


def _address_towards(peer: str) -> str:
    """This machine's address on the interface it would use to reach `peer`."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((peer, 9))  # UDP connect sends nothing; it only picks the route
            return str(probe.getsockname()[0])
    except OSError:
        return socket.gethostbyname(socket.gethostname())


def _wait_until_answering(sfn: Any, logs: Callable[[], str], timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            sfn.list_state_machines(maxResults=1)
            return
        except (BotoCoreError, ClientError) as err:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Step Functions Local did not answer within {timeout_s:.0f}s ({err}); "
                    f"container logs:\n{logs()}"
                ) from err
        time.sleep(0.5)


@contextmanager
def run_sfn_local(root: Path) -> Iterator[SfnLocal]:
    """Start the Lambda Invoke server and the Step Functions Local container, and create
    og-customer-journey from template.yaml (DefinitionSubstitutions applied, so its tasks name
    the template's function ARNs)."""
    from testcontainers.core.container import DockerContainer

    template = read_template(root)
    lambdas = LambdaInvokeServer(template)
    lambdas.start()
    try:
        container = DockerContainer(IMAGE).with_exposed_ports(SFN_LOCAL_PORT)
        host, options = _lambda_host(container)
        container.with_envs(
            AWS_DEFAULT_REGION=REGION,
            AWS_ACCOUNT_ID=ACCOUNT,
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",
            LAMBDA_ENDPOINT=f"http://{host}:{lambdas.port}",
        )
        if options:
            container.with_kwargs(**options)  # replaces, not merges: set once

        def logs() -> str:
            out, err = container.get_logs()
            return (out + err).decode("utf-8", errors="replace")[-4000:]

        with container:
            endpoint = (
                f"http://{container.get_container_host_ip()}:"
                f"{container.get_exposed_port(SFN_LOCAL_PORT)}"
            )
            sfn = boto3.client(
                "stepfunctions",
                endpoint_url=endpoint,
                region_name=REGION,
                config=Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 1}),
                **CREDENTIALS,
            )
            _wait_until_answering(sfn, logs)
            spec = template.state_machines[JOURNEY_MACHINE]
            try:
                machine_arn = sfn.create_state_machine(
                    name=spec.name,
                    definition=template.definition(JOURNEY_MACHINE),
                    roleArn=ROLE_ARN,
                )["stateMachineArn"]
            except ClientError as err:
                raise RuntimeError(
                    f"Step Functions Local refused {spec.definition_path.name}: {err}"
                ) from err
            yield SfnLocal(sfn, endpoint, machine_arn, template, lambdas, logs)
    finally:
        lambdas.stop()


@dataclass
class Journey:
    """One test's og home, handlers and Step Functions Local."""

    home: Path
    sfn_local: SfnLocal

    @property
    def adapters(self) -> wiring.Adapters:
        return wiring.adapters()

    def outbox(self) -> list[Path]:
        return sorted((self.home / "outbox").glob("*.eml"))

    def slack_log(self) -> str:
        path = self.home / "slack.jsonl"
        return path.read_text(encoding="utf-8") if path.exists() else ""
