"""drive-sync's handler as the 15-minute schedule calls it, on moto's S3 (versioned buckets, as
deployed): the home's files as the Drive sources, then the Google adapters against the local
Google API stand-in. Unchanged sources write nothing; a changed one writes only itself."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from google_api_fake import FakeGoogle
from moto import mock_aws

from og import wiring
from og.adapters.aws.google_workspace import GoogleClients, GoogleDocs, GoogleSheet
from og.core.errors import DriveSyncFailed
from og.local.engine import load_handler, project_root
from og.local.moto_bridge import LambdaContext
from og.local.stack import init_home

ROOT = project_root()
REGION = "ap-southeast-1"
LIST, RULES = "og-list-source", "og-rules-source"
TARGETS = [f"s3://{LIST}/onboarding.csv", f"s3://{RULES}/rules.txt", f"s3://{RULES}/voice.txt"]


@dataclass
class Mirror:
    home: Path
    s3: Any
    handler: Any

    def run(self) -> dict[str, str]:
        """One scheduled run: target -> outcome."""
        context = LambdaContext("og-drive-sync", 256, "arn:aws:lambda:local:0:function:x", "r1")
        result = self.handler({"scheduled_time": "2026-12-10T01:15:00Z"}, context)
        return {r["target"]: r["outcome"] for r in result["mirrored"]}

    def versions(self, bucket: str, key: str) -> int:
        listed = self.s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions", [])
        return len([v for v in listed if v["Key"] == key])

    def text(self, bucket: str, key: str) -> str:
        return str(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode())

    def metadata(self, bucket: str, key: str) -> dict[str, str]:
        return dict(self.s3.head_object(Bucket=bucket, Key=key)["Metadata"])


@pytest.fixture
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mirror]:
    home = tmp_path / "home"
    init_home(home, ROOT)
    for key, value in {
        "OG_BACKEND": "local",
        "OG_HOME": str(home),
        "OG_LIST_BUCKET": LIST,
        "OG_RULES_BUCKET": RULES,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_METRICS_DISABLED": "true",
    }.items():
        monkeypatch.setenv(key, value)
    wiring.reset()
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (LIST, RULES):
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        handler = load_handler("DriveSyncFunction", ROOT / "functions/drive_sync", "app.handler")
        yield Mirror(home, s3, handler)
    wiring.reset()


def test_unchanged_sources_write_nothing_and_a_changed_one_writes_only_itself(
    mirror: Mirror,
) -> None:
    assert mirror.run() == dict.fromkeys(TARGETS, "written")
    assert mirror.text(RULES, "voice.txt") == (mirror.home / "voice.txt").read_text()
    assert mirror.run() == dict.fromkeys(TARGETS, "unchanged")
    assert [mirror.versions(LIST, "onboarding.csv"), mirror.versions(RULES, "voice.txt")] == [1, 1]

    voice = mirror.home / "voice.txt"
    voice.write_text(voice.read_text() + "\n# a note for the owner\n")
    assert mirror.run() == {
        TARGETS[0]: "unchanged",
        TARGETS[1]: "unchanged",
        TARGETS[2]: "written",
    }

    assert mirror.versions(RULES, "voice.txt") == 2
    assert mirror.versions(RULES, "rules.txt") == 1
    assert mirror.text(RULES, "voice.txt").endswith("# a note for the owner\n")
    meta = mirror.metadata(RULES, "voice.txt")
    assert meta["og-content-sha256"] == hashlib.sha256(voice.read_bytes()).hexdigest()
    assert meta["og-source-version"].startswith("20")  # the file's modification time


def test_a_source_that_fails_is_named_and_the_others_are_still_mirrored(mirror: Mirror) -> None:
    (mirror.home / "rules.txt").unlink()

    with pytest.raises(DriveSyncFailed, match=r"s3://og-rules-source/rules.txt: FileNotFound"):
        mirror.run()

    assert mirror.versions(LIST, "onboarding.csv") == 1
    assert mirror.versions(RULES, "voice.txt") == 1
    assert mirror.versions(RULES, "rules.txt") == 0


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    fake = FakeGoogle()
    fake.start()
    yield fake
    fake.stop()


def test_google_exports_are_mirrored_when_their_content_changes(
    mirror: Mirror, google: FakeGoogle
) -> None:
    ids = {"sheet_id": "1Sheet" + "0" * 30, "rules_doc_id": "1Rules" + "0" * 30}
    ids["voice_doc_id"] = "1Voice" + "0" * 30
    header = ["customer_id", "name", "email", "plan", "signup_at"]
    google.add_sheet(ids["sheet_id"], [header, ["hh-1", "Ana", "ana@x.example", "Starter", ""]])
    # The docs as the owner writes them: drive-sync publishes only documents that pass the checks.
    good_rules = (mirror.home / "rules.txt").read_text(encoding="utf-8-sig")
    rules = google.add_doc(ids["rules_doc_id"], good_rules)
    google.add_doc(ids["voice_doc_id"], (mirror.home / "voice.txt").read_text(encoding="utf-8-sig"))
    clients = GoogleClients(
        google.service_account_json,
        sheets_endpoint=f"{google.url}/",
        drive_endpoint=f"{google.url}/drive/v3/",
    )
    with wiring.overridden(
        sheet=GoogleSheet(clients, ids.__getitem__), owner_docs=GoogleDocs(clients, ids.__getitem__)
    ):
        assert mirror.run() == dict.fromkeys(TARGETS, "written")
        assert mirror.text(LIST, "onboarding.csv") == (
            "customer_id,name,email,plan,signup_at\r\nhh-1,Ana,ana@x.example,Starter,\r\n"
        )
        assert mirror.text(RULES, "rules.txt") == good_rules.replace("\n", "\r\n")
        assert mirror.metadata(RULES, "rules.txt")["og-source-version"] == (
            "1@2026-12-10T01:00:00.000Z"
        )

        rules.version += 1  # shared with someone: Drive's version moves, the text does not
        assert mirror.run() == dict.fromkeys(TARGETS, "unchanged")

        rules.text, rules.version = good_rules + "\n# a note for the owner\n", rules.version + 1
        assert mirror.run()[f"s3://{RULES}/rules.txt"] == "written"
        assert mirror.metadata(RULES, "rules.txt")["og-source-version"].startswith("3@")
        assert mirror.versions(RULES, "rules.txt") == 2
