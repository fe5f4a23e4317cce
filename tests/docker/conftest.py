"""Fixtures for the Step Functions Local tests (see sfn_local_harness.py for how they fit).

`sfn_local` (session): checks that a Docker daemon answers — and skips every test that needs it,
with the client's own reason, when none does — then starts the Lambda Invoke server and the
amazon/aws-stepfunctions-local container and creates og-customer-journey in it.

`journey` (per test): a fresh og home from examples/, the handlers' environment, moto S3 in this
process holding the list, rules and voice, and the adapters the handlers and the test share,
with the workflow adapter pointed at Step Functions Local so owner answers resume executions
there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from sfn_local_harness import (
    HANDLER_NOW,
    Journey,
    SfnLocal,
    docker_unavailable,
    run_sfn_local,
)

from og import wiring
from og.adapters.aws.sfn_workflow import SfnWorkflow
from og.local.engine import handler_environment, project_root
from og.local.stack import init_home
from og.local.template import REGION

# Where a developer's own AWS settings would send the handlers' calls somewhere else.
_STRAY_AWS_ENV = (
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_SFN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)


@pytest.fixture(scope="session")
def sfn_local() -> Iterator[SfnLocal]:
    reason = docker_unavailable()
    if reason is not None:
        pytest.skip(f"no Docker daemon: {reason}")
    pytest.importorskip("testcontainers", reason="testcontainers is not installed (dev extra)")
    with run_sfn_local(project_root()) as running:
        yield running


@pytest.fixture
def journey(
    sfn_local: SfnLocal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Journey]:
    root = project_root()
    home = tmp_path / "og-home"
    init_home(home, root)
    for key in _STRAY_AWS_ENV:
        monkeypatch.delenv(key, raising=False)
    for key, value in handler_environment(sfn_local.template, home).items():
        monkeypatch.setenv(key, value)
    wiring.reset()
    try:
        with mock_aws():
            s3 = boto3.client("s3", region_name=REGION)
            for bucket in sfn_local.template.buckets.values():
                s3.create_bucket(
                    Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
                )
            # What drive-sync mirrors into S3 (og.local.stack.LocalStack.sync_documents).
            for name, bucket in (
                ("onboarding.csv", "ListSourceBucket"),
                ("rules.txt", "RulesSourceBucket"),
                ("voice.txt", "RulesSourceBucket"),
            ):
                s3.put_object(
                    Bucket=sfn_local.template.buckets[bucket],
                    Key=name,
                    Body=(home / name).read_bytes(),
                )
            with wiring.overridden(workflow=SfnWorkflow(sfn_local.sfn), clock=lambda: HANDLER_NOW):
                yield Journey(home, sfn_local)
    finally:
        wiring.reset()
