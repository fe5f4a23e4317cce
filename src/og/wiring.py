"""The one place that picks the adapters: cloud in Lambda, local under the embedded engine
(OG_BACKEND=local, OG_HOME=<og home>). Built once per execution environment."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from og.adapters.ports import (
    AfterAnswer,
    ConfigSource,
    Documents,
    EmailSender,
    JourneyStore,
    OnboardingSheet,
    Once,
    OwnerChat,
    OwnerDocs,
    Secrets,
    Workflow,
    Writer,
)
from og.core.errors import SetupError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer

    from og.logic.customer_links import LinkPorts
    from og.logic.digest import DigestPorts
    from og.logic.documents import DocPlaces, GuideFiles
    from og.logic.drive_sync import DriveSyncPorts
    from og.logic.intake import IntakePorts
    from og.logic.owner import OwnerPorts
    from og.logic.pausing import PausingPorts
    from og.logic.sending import PersonalizePorts, SendingPorts
    from og.logic.ses_feedback import FeedbackPorts
    from og.logic.summary import SummaryPorts
    from og.logic.tick import TickPorts


@dataclass(frozen=True, kw_only=True)
class Settings:
    """OG_* environment variables (set by template.yaml), validated once. A plain dataclass, not
    a pydantic model: a function whose events are not pydantic models (alarm-to-slack,
    ses-feedback, intake, drive-sync, done-handler) then never imports pydantic."""

    backend: Literal["aws", "local"] = "aws"
    home: Path | None = None
    list_bucket: str
    rules_bucket: str
    list_key: str = "onboarding.csv"
    rules_key: str = "rules.txt"
    voice_key: str = "voice.txt"
    moves_prefix: str = "moves/"
    sends_table: str = "og-sends"
    send_days_table: str = "og-send-days"
    state_table: str = "og-state"
    audit_table: str = "og-audit"
    archive_table: str = "og-sends-archive"
    flags_table: str = "og-flags"
    config_path: str = "/og/config/"
    done_link_secret: str = "og/done-link/secret"
    slack_signing_secret: str = "og/slack/signing-secret"
    slack_bot_token: str = "og/slack/bot-token"
    ses_configuration_set: str | None = None
    bedrock_model_id: str = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
    idempotency_table: str = "og-idempotency"
    webhook_secret: str = "og/webhook/secret"
    drive_service_account: str = "og/drive/sa"
    # The sender's Lambda timeout (template.yaml, SenderTimeoutSeconds): a claim older than this
    # is no longer being sent by anyone (og.logic.in_doubt).
    send_timeout_seconds: int | None = None

    @classmethod
    def from_env(cls) -> Settings:
        prefix = "OG_"
        given = {k[len(prefix) :].lower(): v for k, v in os.environ.items() if k.startswith(prefix)}
        missing = [f"OG_{f.name.upper()}" for f in fields(cls) if f.name in _REQUIRED - set(given)]
        if missing:
            raise SetupError(f"{' and '.join(missing)} must be set (template.yaml sets them)")
        if given.get("backend", "aws") not in ("aws", "local"):
            raise SetupError(f"OG_BACKEND is '{given['backend']}'; use aws or local")
        values = {
            f.name: _typed(f.name, str(f.type), given[f.name])
            for f in fields(cls)
            if f.name in given
        }
        return cls(**values)  # type: ignore[arg-type]


_REQUIRED = {"list_bucket", "rules_bucket"}


def _typed(name: str, annotation: str, text: str) -> object:
    """An OG_* value as its Settings field's type (the annotation as written: str, Path, int)."""
    if annotation.startswith("Path"):
        return Path(text) if text else None
    if annotation.startswith("int"):
        try:
            return int(text)
        except ValueError:
            raise SetupError(f"OG_{name.upper()} is '{text}'; write a whole number") from None
    return text


@dataclass(frozen=True)
class Adapters:
    settings: Settings
    store: JourneyStore
    email: EmailSender
    chat: OwnerChat
    writer: Writer
    documents: Documents
    config: ConfigSource
    secrets: Secrets
    workflow: Workflow
    clock: Callable[[], datetime]
    sheet: OnboardingSheet
    owner_docs: OwnerDocs
    idempotency: Callable[[], BasePersistenceLayer]
    after_answer: AfterAnswer
    once: Once


# The ports of each use case, from the adapters in force (og.logic imported on use: a handler
# loads only its own).
def doc_places() -> DocPlaces:
    from og.logic.documents import DocPlaces

    s = adapters().settings
    return DocPlaces(s.list_bucket, s.list_key, s.rules_bucket, s.rules_key, s.voice_key)


def guide_files() -> GuideFiles:
    from og.logic.documents import GuideFiles

    a = adapters()
    return GuideFiles(a.config, a.documents, doc_places())


def sending_ports() -> SendingPorts:
    from og.logic.sending import SendingPorts

    a = adapters()
    return SendingPorts(
        guide_files(), a.store, a.email, a.secrets, a.clock, a.settings.done_link_secret
    )


def personalize_ports() -> PersonalizePorts:
    from og.logic.sending import PersonalizePorts

    a = adapters()
    return PersonalizePorts(
        guide_files(), a.secrets, a.writer, a.clock, a.settings.done_link_secret
    )


def link_ports() -> LinkPorts:
    from og.logic.customer_links import LinkPorts

    a = adapters()
    return LinkPorts(
        guide_files(),
        a.store,
        a.secrets,
        a.sheet,
        a.chat,
        a.once,
        a.clock,
        a.settings.done_link_secret,
    )


def owner_ports() -> OwnerPorts:
    from og.logic.owner import OwnerPorts

    a = adapters()
    return OwnerPorts(
        guide_files(),
        a.store,
        a.chat,
        a.once,
        a.clock,
        a.workflow,
        a.after_answer,
        a.settings.send_timeout_seconds,
    )


def pausing_ports() -> PausingPorts:
    from og.logic.pausing import PausingPorts

    a = adapters()
    return PausingPorts(guide_files(), a.store, a.clock, a.after_answer)


def intake_ports() -> IntakePorts:
    from og.logic.intake import IntakePorts

    a = adapters()
    return IntakePorts(guide_files(), a.store, a.chat, a.once, a.writer, a.sheet, a.clock)


def tick_ports() -> TickPorts:
    from og.logic.tick import TickPorts

    a = adapters()
    s = a.settings
    return TickPorts(
        guide_files(), a.store, a.chat, a.once, a.clock, s.moves_prefix, s.send_timeout_seconds
    )


def digest_ports() -> DigestPorts:
    from og.logic.digest import DigestPorts

    a = adapters()
    return DigestPorts(guide_files(), a.store, a.chat, a.once, a.clock)


def summary_ports() -> SummaryPorts:
    from og.logic.summary import SummaryPorts

    a = adapters()
    return SummaryPorts(guide_files(), a.store, a.writer, a.email, a.once, a.clock)


def feedback_ports() -> FeedbackPorts:
    from og.logic.ses_feedback import FeedbackPorts

    a = adapters()
    return FeedbackPorts(guide_files(), a.store, a.chat, a.clock)


def drive_sync_ports() -> DriveSyncPorts:
    from og.logic.drive_sync import DriveSyncPorts

    a = adapters()
    return DriveSyncPorts(
        a.sheet, a.owner_docs, a.documents, a.config, a.chat, a.once, a.clock, doc_places()
    )


_overrides: dict[str, object] = {}


def adapters() -> Adapters:
    built = _built()
    return replace(built, **_overrides) if _overrides else built  # type: ignore[arg-type]


def reset() -> None:
    """Forget the built adapters (the environment changed: another og home, another backend)."""
    _built.cache_clear()


@contextmanager
def overridden(**replacements: object) -> Iterator[None]:
    """Swap adapters for a while — how tests inject faults, e.g. an email sender that fails
    after the message went out."""
    outer = {k: _overrides[k] for k in replacements if k in _overrides}
    _overrides.update(replacements)
    try:
        yield
    finally:
        for key in replacements:
            _overrides.pop(key, None)
        _overrides.update(outer)


@cache
def _built() -> Adapters:
    settings = Settings.from_env()
    if settings.backend == "local":
        return _local(settings)
    return _aws(settings)


def _local(settings: Settings) -> Adapters:
    from og.adapters.aws.s3_documents import S3Documents
    from og.adapters.aws.sfn_workflow import SfnWorkflow
    from og.adapters.local.after_answer import QueuedWork
    from og.adapters.local.config_file import ConfigFile, SecretsFile
    from og.adapters.local.once import SqliteOnce
    from og.adapters.local.outbox import OutboxEmailSender
    from og.adapters.local.sheet_file import CsvSheet, TextDocs
    from og.adapters.local.slack_log import SlackLogChat
    from og.adapters.local.store import SqliteJourneyStore
    from og.adapters.local.writer import StandInWriter
    from og.local.direct_s3 import NotModifiedInProcess
    from og.local.moto_bridge import current_now

    if settings.home is None:
        raise SetupError("OG_BACKEND=local needs OG_HOME (the og home directory)")
    home = settings.home
    # S3 and Step Functions are moto, in this process: the same adapters as in AWS.
    return Adapters(
        settings=settings,
        store=SqliteJourneyStore(home / "og.sqlite"),
        email=OutboxEmailSender(home / "outbox"),
        chat=SlackLogChat(home / "slack.jsonl", clock=current_now),
        writer=StandInWriter(),
        documents=S3Documents(NotModifiedInProcess()),
        config=ConfigFile(home / "config.txt"),
        secrets=SecretsFile(home / "secrets.json"),
        workflow=SfnWorkflow(),
        clock=current_now,
        sheet=CsvSheet(home / "onboarding.csv"),
        owner_docs=TextDocs(home),
        idempotency=_idempotency_store(settings),
        after_answer=QueuedWork(),
        once=SqliteOnce(home / "og.sqlite"),
    )


def _aws(settings: Settings) -> Adapters:
    from datetime import UTC

    from og.adapters.aws.bedrock_writer import BedrockWriter
    from og.adapters.aws.dynamodb_once import DynamoOnce
    from og.adapters.aws.dynamodb_store import DynamoJourneyStore
    from og.adapters.aws.google_workspace import GoogleClients, GoogleDocs, GoogleSheet
    from og.adapters.aws.parameters import SecretsManagerSecrets, SsmConfigSource
    from og.adapters.aws.s3_documents import S3Documents
    from og.adapters.aws.self_invoke import SelfInvocation
    from og.adapters.aws.ses_sender import SesEmailSender
    from og.adapters.aws.sfn_workflow import SfnWorkflow
    from og.adapters.aws.slack_chat import SlackWebChat
    from og.core.config_doc import drive_file_id

    secrets = SecretsManagerSecrets()
    config = SsmConfigSource(settings.config_path)
    google = GoogleClients(lambda: secrets.get(settings.drive_service_account))

    def google_file_id(key: str) -> str:
        return drive_file_id(config.entries(), key, source=settings.config_path.rstrip("/"))

    return Adapters(
        settings=settings,
        store=DynamoJourneyStore(settings),
        email=SesEmailSender(configuration_set=settings.ses_configuration_set),
        chat=SlackWebChat(lambda: secrets.get(settings.slack_bot_token)),
        writer=BedrockWriter(settings.bedrock_model_id),
        documents=S3Documents(),
        config=config,
        secrets=secrets,
        workflow=SfnWorkflow(),
        clock=lambda: datetime.now(UTC),
        sheet=GoogleSheet(google, google_file_id),
        owner_docs=GoogleDocs(google, google_file_id),
        idempotency=_idempotency_store(settings),
        after_answer=SelfInvocation(),
        once=DynamoOnce(settings),
    )


def _idempotency_store(settings: Settings) -> Callable[[], BasePersistenceLayer]:
    """enroll's idempotency records on DynamoDB (under the local engine, moto's), built on first
    use: no other function needs the DynamoDB client."""

    @cache
    def store() -> BasePersistenceLayer:
        import boto3
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        # A client of boto3's default session, as every adapter's: powertools would open a
        # session of its own, whose first client reads botocore's data files again.
        return DynamoDBPersistenceLayer(
            table_name=settings.idempotency_table, boto3_client=boto3.client("dynamodb")
        )

    return store
