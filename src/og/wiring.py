"""The one place that picks the adapters: cloud in Lambda, local under the embedded engine
(OG_BACKEND=local, OG_HOME=<og home>). Built once per execution environment."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from og.adapters.ports import (
    ConfigSource,
    Documents,
    EmailSender,
    JourneyStore,
    OwnerChat,
    Secrets,
    Workflow,
    Writer,
)


class Settings(BaseModel):
    """OG_* environment variables (set by template.yaml), validated once."""

    model_config = ConfigDict(extra="ignore", frozen=True)

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

    @classmethod
    def from_env(cls) -> Settings:
        prefix = "OG_"
        return cls.model_validate(
            {k[len(prefix) :].lower(): v for k, v in os.environ.items() if k.startswith(prefix)}
        )


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
    from og.adapters.local.config_file import ConfigFile, SecretsFile
    from og.adapters.local.outbox import OutboxEmailSender
    from og.adapters.local.slack_log import SlackLogChat
    from og.adapters.local.store import SqliteJourneyStore
    from og.adapters.local.writer import StandInWriter
    from og.local.moto_bridge import current_now

    if settings.home is None:
        raise RuntimeError("OG_BACKEND=local needs OG_HOME (the og home directory)")
    home = settings.home
    # S3 and Step Functions are moto, in this process: the same adapters as in AWS.
    return Adapters(
        settings=settings,
        store=SqliteJourneyStore(home / "og.sqlite"),
        email=OutboxEmailSender(home / "outbox"),
        chat=SlackLogChat(home / "slack.jsonl", clock=current_now),
        writer=StandInWriter(),
        documents=S3Documents(),
        config=ConfigFile(home / "config.txt"),
        secrets=SecretsFile(home / "secrets.json"),
        workflow=SfnWorkflow(),
        clock=current_now,
    )


def _aws(settings: Settings) -> Adapters:
    from datetime import UTC

    from og.adapters.aws.bedrock_writer import BedrockWriter
    from og.adapters.aws.dynamodb_store import DynamoJourneyStore
    from og.adapters.aws.parameters import SecretsManagerSecrets, SsmConfigSource
    from og.adapters.aws.s3_documents import S3Documents
    from og.adapters.aws.ses_sender import SesEmailSender
    from og.adapters.aws.sfn_workflow import SfnWorkflow
    from og.adapters.aws.slack_chat import SlackWebChat

    secrets = SecretsManagerSecrets()
    return Adapters(
        settings=settings,
        store=DynamoJourneyStore(settings),
        email=SesEmailSender(configuration_set=settings.ses_configuration_set),
        chat=SlackWebChat(lambda: secrets.get(settings.slack_bot_token)),
        writer=BedrockWriter(settings.bedrock_model_id),
        documents=S3Documents(),
        config=SsmConfigSource(settings.config_path),
        secrets=secrets,
        workflow=SfnWorkflow(),
        clock=lambda: datetime.now(UTC),
    )
