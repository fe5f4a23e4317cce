"""drive-sync deployed before the owner has said which Google files to mirror: every run fails
(the alarm's error metric counts it) and says exactly which parameter to create, and how."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from og import wiring
from og.core.errors import DriveSyncFailed
from og.local.engine import load_handler, project_root
from og.local.moto_bridge import LambdaContext

ROOT = project_root()
REGION = "ap-southeast-1"
LIST, RULES = "og-list-source", "og-rules-source"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "OG_LIST_BUCKET": LIST,
        "OG_RULES_BUCKET": RULES,
        "POWERTOOLS_METRICS_DISABLED": "true",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("OG_BACKEND", raising=False)
    parameters.clear_caches()
    wiring.reset()
    try:
        with mock_aws():
            s3 = boto3.client("s3", region_name=REGION)
            for bucket in (LIST, RULES):
                s3.create_bucket(
                    Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
                )
            # What the stack creates; the file ids are the owner's to add.
            boto3.client("ssm").put_parameter(
                Name="/og/config/timezone", Value="Asia/Singapore", Type="String"
            )
            yield s3
    finally:
        wiring.reset()
        parameters.clear_caches()


def test_each_missing_file_id_names_the_parameter_to_create(aws: object) -> None:
    handler = load_handler("drive_sync_setup", ROOT / "functions" / "drive_sync", "app.handler")
    context = LambdaContext("og-drive-sync", 256, "arn:aws:lambda:x:0:function:x", "r1")

    with pytest.raises(DriveSyncFailed) as failed:
        handler({"scheduled_time": "2026-12-10T01:15:00Z"}, context)

    details = {r.target: r.detail for r in failed.value.results}
    for target, key in (
        (f"s3://{LIST}/onboarding.csv", "sheet_id"),
        (f"s3://{RULES}/rules.txt", "rules_doc_id"),
        (f"s3://{RULES}/voice.txt", "voice_doc_id"),
    ):
        assert details[target] == (
            f"DocumentError: /og/config, {key}: missing setting; add it as the parameter "
            f"/og/config/{key} with the file's address or id: aws ssm put-parameter --name "
            f"/og/config/{key} --type String --value '<address or id>' (functions keep what "
            "they read of /og/config for up to 24 hours)"
        )
    assert [r.outcome for r in failed.value.results] == ["failed"] * 3
    s3 = boto3.client("s3", region_name=REGION)
    assert all("Contents" not in s3.list_objects_v2(Bucket=b) for b in (LIST, RULES))
