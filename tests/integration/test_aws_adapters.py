"""The cloud adapters against stand-ins that speak the real wire protocols: moto for SES, SSM,
Secrets Manager and Step Functions; a local HTTP server (127.0.0.1, random port) for the Slack
Web API and the Bedrock Converse API, driven by the real slack_sdk and boto3 clients."""

from __future__ import annotations

import email
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from botocore.stub import Stubber
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from slack_sdk.errors import SlackApiError

from og import wiring
from og.adapters import slack_messages
from og.adapters.aws.bedrock_writer import BedrockWriter
from og.adapters.aws.dynamodb_store import DynamoJourneyStore
from og.adapters.aws.parameters import SecretsManagerSecrets, SsmConfigSource
from og.adapters.aws.s3_documents import S3Documents
from og.adapters.aws.self_invoke import SelfInvocation
from og.adapters.aws.ses_sender import SesEmailSender, delivered_message_id
from og.adapters.aws.sfn_workflow import SfnWorkflow
from og.adapters.aws.slack_chat import SlackWebChat
from og.adapters.owner_messages import Answer, AnsweredPost, AnswerModal, FlagPost
from og.adapters.ports import AFTER_ANSWER
from og.core.emails import build_email
from og.core.errors import BedrockError, SendRejected
from og.core.models import OwnerAction

REGION = "ap-southeast-1"
MODEL = "global.anthropic.claude-haiku-4-5-20251001-v1:0"


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def aws(credentials: None) -> Iterator[None]:
    # Powertools keeps its providers (and their cached values) in a module-level dict.
    parameters.clear_caches()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield
    parameters.clear_caches()


# --- a scripted local HTTP server ----------------------------------------------------------------
@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class ScriptedServer:
    """Records every request and answers with the next scripted reply (a 500 when none is left)."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.replies: list[Reply] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_port}"

    def reply(self, body: dict[str, Any], status: int = 200, **headers: str) -> None:
        self.replies.append(Reply(body, status, headers))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 5  # a stuck client cannot hold the test

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.requests.append(
                    Received(
                        "POST",
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                )
                reply = (
                    server.replies.pop(0)
                    if server.replies
                    else Reply({"ok": False, "error": "no scripted reply"}, 500)
                )
                payload = json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    scripted.start()
    yield scripted
    scripted.stop()


# --- SES -----------------------------------------------------------------------------------------
def _email(sender: str = "Acme <hello@acme.example>") -> EmailMessage:
    return build_email(
        sender=sender,
        to_name="Ana Lima",
        to_addr="ana@example.com",
        subject="Welcome to Acme",
        body="Hi Ana,\n\nWelcome aboard — here is your first step.\n",
        message_id="og.c1.welcome.step@acme.example",
        sent_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
        unsubscribe_url="https://guide.acme.example/unsubscribe?c=c1",
    )


def test_ses_sends_the_raw_message_with_its_unsubscribe_headers(aws: None) -> None:
    sesv2 = boto3.client("sesv2")
    sesv2.create_email_identity(EmailIdentity="acme.example")

    message_id = SesEmailSender(sesv2).send(_email())

    [stored] = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    assert message_id == f"{stored.id}@{REGION}.amazonses.com"  # the Message-ID SES delivers
    assert stored.source == "hello@acme.example"
    assert stored.destinations == ["Ana Lima <ana@example.com>"]
    raw = email.message_from_bytes(stored.raw_data.encode(), policy=default_policy)
    assert raw["List-Unsubscribe"] == (
        "<https://guide.acme.example/unsubscribe?c=c1>, "
        "<mailto:hello@acme.example?subject=unsubscribe>"
    )
    assert raw["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert raw["Message-ID"] == "<og.c1.welcome.step@acme.example>"
    assert raw["Subject"] == "Welcome to Acme"
    assert (
        raw.get_body(("plain",)).get_content()
        == "Hi Ana,\r\n\r\nWelcome aboard — here is your first step.\r\n"
    )


def test_the_delivered_message_id_of_us_east_1_is_on_email_amazonses_com() -> None:
    assert delivered_message_id("0100-abc", "us-east-1") == "0100-abc@email.amazonses.com"


def test_ses_refusing_an_unverified_sender_is_a_send_rejected(aws: None) -> None:
    with pytest.raises(SendRejected, match="MessageRejected: Did not have authority"):
        SesEmailSender(boto3.client("sesv2")).send(_email("Other <hi@other.example>"))

    assert ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages == []


@pytest.mark.parametrize(
    ("code", "status", "rejected"),
    [
        ("TooManyRequestsException", 429, True),
        ("SendingPausedException", 400, True),
        ("MailFromDomainNotVerifiedException", 400, True),
        ("InternalFailure", 500, False),
        ("ServiceUnavailable", 503, False),
    ],
)
def test_ses_errors_split_into_refused_and_maybe_sent(
    credentials: None, code: str, status: int, rejected: bool
) -> None:
    client = boto3.client("sesv2")
    message = _email()
    with Stubber(client) as stub:
        stub.add_client_error(
            "send_email",
            service_error_code=code,
            service_message="no",
            http_status_code=status,
            expected_params={
                "Content": {"Raw": {"Data": message.as_bytes(policy=SMTP)}},
                "ConfigurationSetName": "og-sends",
            },
        )
        sender = SesEmailSender(client, configuration_set="og-sends")
        expected = SendRejected if rejected else client.exceptions.ClientError
        with pytest.raises(expected, match=code):
            sender.send(message)
        stub.assert_no_pending_responses()


# --- Slack ---------------------------------------------------------------------------------------
FLAG = FlagPost("f-1", "Ana is stuck", "*Ana is stuck on setup*")
HAND_OFF = AnswerModal("f-1", OwnerAction.HAND_OFF)


def test_slack_posts_blocks_and_opens_views_with_the_bot_token(server: ScriptedServer) -> None:
    server.reply({"ok": True, "channel": "D0OWNER", "ts": "1772415000.000100"})
    server.reply({"ok": True, "view": {"id": "V0001"}})
    token_reads: list[str] = []

    def token() -> str:
        token_reads.append("read")
        return "xoxb-test-token"

    chat = SlackWebChat(token, base_url=f"{server.url}/api/")
    assert token_reads == []  # not read until Slack is first called

    assert chat.post("U0OWNER", FLAG) == "1772415000.000100"
    chat.open_modal("trigger-1", HAND_OFF)

    assert token_reads == ["read"]
    post, opened = server.requests
    assert (post.method, post.path) == ("POST", "/api/chat.postMessage")
    assert post.headers["authorization"] == "Bearer xoxb-test-token"
    assert post.headers["content-type"].startswith("application/json")
    built = slack_messages.message(FLAG)
    assert post.json() == {"channel": "U0OWNER", "text": "Ana is stuck", "blocks": built.blocks}
    assert (opened.path, opened.headers["authorization"]) == (
        "/api/views.open",
        "Bearer xoxb-test-token",
    )
    assert opened.json() == {"trigger_id": "trigger-1", "view": slack_messages.modal(HAND_OFF)}


def test_slack_updates_a_posted_message(server: ScriptedServer) -> None:
    server.reply({"ok": True, "channel": "D0OWNER", "ts": "1772415000.000100"})
    chat = SlackWebChat(lambda: "xoxb-test-token", base_url=f"{server.url}/api/")

    answered = AnsweredPost(
        tuple(slack_messages.message(FLAG).blocks),
        Answer("Done", "U0ANA", datetime(2026, 12, 21, 3, tzinfo=UTC)),
    )
    chat.update("D0OWNER", "1772415000.000100", answered)

    [update] = server.requests
    assert (update.path, update.headers["authorization"]) == (
        "/api/chat.update",
        "Bearer xoxb-test-token",
    )
    built = slack_messages.answered(answered)
    assert update.json() == {
        "channel": "D0OWNER",
        "ts": "1772415000.000100",
        "text": built.text,
        "blocks": built.blocks,
    }
    assert built.text.startswith("*Done* by <@U0ANA> at <!date^")


# --- done-handler's work after its answer -------------------------------------------------------
def test_work_after_the_answer_is_an_asynchronous_invocation_of_the_function_itself(
    credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "og-done-handler")
    client = boto3.client("lambda", region_name=REGION)
    work = {"work": "flag", "flag_key": "k1", "resume": True, "note": None, "message": None}
    with Stubber(client) as stub:
        stub.add_response(
            "invoke",
            {"StatusCode": 202},
            {
                "FunctionName": "og-done-handler",
                "InvocationType": "Event",
                "Payload": json.dumps({AFTER_ANSWER: work}),
            },
        )
        SelfInvocation(client=client).later(work)
        stub.assert_no_pending_responses()


def test_slack_rate_limit_is_retried_after_retry_after(server: ScriptedServer) -> None:
    server.reply({"ok": False, "error": "ratelimited"}, 429, **{"Retry-After": "1"})
    server.reply({"ok": True, "channel": "D0OWNER", "ts": "1772415000.000200"})
    chat = SlackWebChat(lambda: "xoxb-test-token", base_url=f"{server.url}/api/")

    started = time.monotonic()
    ts = chat.post("U0OWNER", FLAG)

    assert ts == "1772415000.000200"
    assert time.monotonic() - started >= 1.0
    assert [r.path for r in server.requests] == ["/api/chat.postMessage"] * 2
    assert server.requests[0].json() == server.requests[1].json()


def test_slack_errors_name_the_slack_error(server: ScriptedServer) -> None:
    server.reply({"ok": False, "error": "channel_not_found"})
    chat = SlackWebChat(lambda: "xoxb-test-token", base_url=f"{server.url}/api/")

    with pytest.raises(SlackApiError, match="channel_not_found"):
        chat.post("C0GONE", FLAG)


# --- Bedrock -------------------------------------------------------------------------------------
@pytest.fixture
def bedrock(
    server: ScriptedServer, credentials: None, monkeypatch: pytest.MonkeyPatch
) -> ScriptedServer:
    # botocore's service-specific endpoint variable: the writer builds its own client (with its
    # retry config) and that client talks to the local server.
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.url)
    monkeypatch.delenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", raising=False)
    return server


def _converse_reply(content: list[dict[str, Any]], stop: str = "tool_use") -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop,
        "usage": {"inputTokens": 120, "outputTokens": 40, "totalTokens": 160},
        "metrics": {"latencyMs": 310},
    }


REWRITTEN = {
    "toolUse": {
        "toolUseId": "tooluse_1",
        "name": "rewritten_email",
        "input": {"body": "Hi Ana, welcome aboard!\n\nThe Acme team"},
    }
}


def test_bedrock_forces_the_rewrite_tool_and_returns_its_body(bedrock: ScriptedServer) -> None:
    bedrock.reply(_converse_reply([REWRITTEN]))

    body = BedrockWriter(MODEL).rewrite("Hi Ana,\n\nWelcome.", instructions="Be warm.")

    assert body == "Hi Ana, welcome aboard!\n\nThe Acme team"
    [request] = bedrock.requests
    assert unquote(request.path) == f"/model/{MODEL}/converse"
    assert request.headers["authorization"].startswith("AWS4-HMAC-SHA256 ")
    assert "/bedrock/aws4_request" in request.headers["authorization"]
    sent = request.json()
    assert sent["toolConfig"]["toolChoice"] == {"tool": {"name": "rewritten_email"}}
    [tool] = sent["toolConfig"]["tools"]
    assert tool["toolSpec"]["name"] == "rewritten_email"
    assert tool["toolSpec"]["inputSchema"]["json"]["properties"]["body"]["type"] == "string"
    assert tool["toolSpec"]["inputSchema"]["json"]["required"] == ["body"]
    [message] = sent["messages"]
    assert message["role"] == "user"
    assert message["content"] == [{"text": "Be warm.\n\n<email>\nHi Ana,\n\nWelcome.\n</email>"}]


def test_bedrock_throttling_is_retried(bedrock: ScriptedServer) -> None:
    bedrock.reply(
        {"message": "Too many requests, please wait before trying again."},
        429,
        **{"x-amzn-ErrorType": "ThrottlingException"},
    )
    bedrock.reply(_converse_reply([REWRITTEN]))

    body = BedrockWriter(MODEL).rewrite("Hi Ana,\n\nWelcome.", instructions="Be warm.")

    assert body == "Hi Ana, welcome aboard!\n\nThe Acme team"
    assert len(bedrock.requests) == 2


def test_bedrock_without_the_tool_call_is_a_clear_error(bedrock: ScriptedServer) -> None:
    bedrock.reply(_converse_reply([{"text": "Sure! Here is the email."}], stop="end_turn"))

    with pytest.raises(BedrockError, match=rf"{MODEL} did not return the rewritten_email tool"):
        BedrockWriter(MODEL).rewrite("Hi Ana,\n\nWelcome.", instructions="Be warm.")


CUSTOMER = {
    "toolUse": {
        "toolUseId": "tooluse_2",
        "name": "customer_row",
        "input": {
            "name": "Mei Ling Tan",
            "email": "meiling@kopibakes.example",
            "plan": "Starter",
            "signup_date": "2026-12-01",
        },
    }
}


def test_bedrock_proposes_a_customer_row_through_its_tool(bedrock: ScriptedServer) -> None:
    bedrock.reply(_converse_reply([CUSTOMER]))

    row = BedrockWriter(MODEL).propose_customer("To: Mei Ling Tan <...>", plans=["Starter", "Pro"])

    assert row == CUSTOMER["toolUse"]["input"]
    [request] = bedrock.requests
    assert unquote(request.path) == f"/model/{MODEL}/converse"
    sent = request.json()
    assert sent["toolConfig"]["toolChoice"] == {"tool": {"name": "customer_row"}}
    schema = sent["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"]
    assert schema["required"] == ["name", "email", "plan", "signup_date"]
    assert schema["properties"]["plan"]["enum"] == ["Starter", "Pro", ""]
    assert sent["inferenceConfig"]["temperature"] == 0.0
    [message] = sent["messages"]
    assert message["content"] == [
        {"text": "The plans are: Starter, Pro.\n\n<email>\nTo: Mei Ling Tan <...>\n</email>"}
    ]


def test_bedrock_proposal_fields_that_are_not_text_come_back_empty(
    bedrock: ScriptedServer,
) -> None:
    partial = {"toolUse": {"name": "customer_row", "toolUseId": "t", "input": {"name": None}}}
    bedrock.reply(_converse_reply([partial]))

    row = BedrockWriter(MODEL).propose_customer("?", plans=["Starter"])

    assert row == {"name": "", "email": "", "plan": "", "signup_date": ""}


def test_bedrock_narrates_the_figures_in_one_paragraph(bedrock: ScriptedServer) -> None:
    paragraph = "December brought four sign-ups; one finished."
    bedrock.reply(
        _converse_reply(
            [
                {
                    "toolUse": {
                        "name": "narrative",
                        "toolUseId": "t",
                        "input": {"paragraph": paragraph},
                    }
                }
            ]
        )
    )

    assert BedrockWriter(MODEL).narrate("Sign-ups 4", instructions="Summarize.") == paragraph
    sent = bedrock.requests[0].json()
    assert sent["toolConfig"]["toolChoice"] == {"tool": {"name": "narrative"}}
    assert sent["messages"][0]["content"] == [
        {"text": "Summarize.\n\n<figures>\nSign-ups 4\n</figures>"}
    ]


def test_bedrock_narrative_without_a_paragraph_is_a_clear_error(bedrock: ScriptedServer) -> None:
    empty = {"toolUse": {"name": "narrative", "toolUseId": "t", "input": {"paragraph": " "}}}
    bedrock.reply(_converse_reply([empty]))

    with pytest.raises(BedrockError, match=rf"{MODEL} returned the narrative tool without a"):
        BedrockWriter(MODEL).narrate("Sign-ups 4", instructions="Summarize.")


# --- SSM and Secrets Manager through Powertools --------------------------------------------------
def test_config_entries_come_from_ssm_and_say_where(aws: None) -> None:
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/og/config/timezone", Value="Asia/Singapore", Type="String")
    ssm.put_parameter(Name="/og/config/business_name", Value="Acme Bakery", Type="String")
    ssm.put_parameter(Name="/og/other/timezone", Value="UTC", Type="String")
    source = SsmConfigSource("/og/config/")

    assert source.entries() == {
        "timezone": ("Asia/Singapore", "/og/config/timezone"),
        "business_name": ("Acme Bakery", "/og/config/business_name"),
    }
    ssm.put_parameter(
        Name="/og/config/timezone", Value="Europe/Paris", Type="String", Overwrite=True
    )
    assert source.entries()["timezone"] == ("Asia/Singapore", "/og/config/timezone")  # cached


def test_secrets_come_from_secrets_manager(aws: None) -> None:
    boto3.client("secretsmanager").create_secret(
        Name="og/slack/bot-token", SecretString="xoxb-from-secrets-manager"
    )
    secrets = SecretsManagerSecrets()

    assert secrets.get("og/slack/bot-token") == "xoxb-from-secrets-manager"
    with pytest.raises(parameters.GetParameterError, match="secret og/done-link/secret"):
        secrets.get("og/done-link/secret")


# --- S3 -----------------------------------------------------------------------------------------
def test_a_documents_version_changes_with_its_text_and_is_read_with_one_head(aws: None) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="rules", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket="rules", VersioningConfiguration={"Status": "Enabled"})
    calls: list[str] = []
    s3.meta.events.register("before-call.s3.*", lambda model, **_: calls.append(model.name))
    documents = S3Documents(s3)
    documents.write_text("rules", "rules.txt", "Plan: Starter\n", "text/plain", {"v": "1"})
    calls.clear()

    first = documents.version("rules", "rules.txt")
    assert calls == ["HeadObject"]  # the text is not read
    documents.write_text("rules", "rules.txt", "Plan: Starter\n", "text/plain", {"v": "2"})
    same_text = documents.version("rules", "rules.txt")  # a sync that wrote it again
    documents.write_text("rules", "rules.txt", "Plan: Pro\n", "text/plain")
    edited = documents.version("rules", "rules.txt")

    assert first and first == same_text and edited not in (None, first)
    assert documents.version("rules", "voice.txt") is None
    assert documents.read_metadata("rules", "voice.txt") is None
    assert documents.read_metadata("rules", "rules.txt") == {}
    assert documents.read_text("rules", "rules.txt") == "Plan: Pro\n"


# --- Step Functions ------------------------------------------------------------------------------
def test_resume_with_an_unknown_token_reports_not_waiting(aws: None) -> None:
    assert SfnWorkflow(boto3.client("stepfunctions")).resume("not-a-task-token", {}) is False


# --- wiring --------------------------------------------------------------------------------------
def test_the_aws_backend_wires_the_cloud_adapters(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OG_BACKEND", raising=False)
    monkeypatch.delenv("OG_HOME", raising=False)
    monkeypatch.setenv("OG_LIST_BUCKET", "og-list-source")
    monkeypatch.setenv("OG_RULES_BUCKET", "og-rules-source")
    monkeypatch.setenv("OG_SES_CONFIGURATION_SET", "og-sends")
    monkeypatch.setenv("OG_CONFIG_PATH", "/og/config/")
    wiring.reset()
    try:
        a = wiring.adapters()
    finally:
        wiring.reset()

    assert isinstance(a.store, DynamoJourneyStore)
    assert isinstance(a.email, SesEmailSender) and a.email.configuration_set == "og-sends"
    assert isinstance(a.chat, SlackWebChat)
    assert isinstance(a.writer, BedrockWriter) and a.writer.model_id == MODEL
    assert isinstance(a.config, SsmConfigSource) and a.config.path == "/og/config/"
    assert isinstance(a.secrets, SecretsManagerSecrets)
    assert isinstance(a.workflow, SfnWorkflow)
    now = a.clock()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=1)
