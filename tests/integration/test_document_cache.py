"""The owner's documents in a warm environment: every read asks S3 whether the object changed
(GetObject If-None-Match, on moto's S3 as in AWS), the body comes back only when it did, and the
parsed docs are reused while it has not. A sync's write is seen on the next read; a broken doc
is refused at every read."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.response import StreamingBody
from botocore.stub import Stubber
from moto import mock_aws

from og.adapters.aws.s3_documents import S3Documents
from og.adapters.local.config_file import ConfigFile
from og.core.errors import DocumentError
from og.local.direct_s3 import NotModifiedInProcess
from og.logic import documents as documents_logic
from og.logic.documents import DocPlaces, GuideFiles, load_docs, read_customers

REGION = "ap-southeast-1"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RULES = (EXAMPLES / "rules.txt").read_text(encoding="utf-8")
VOICE = (EXAMPLES / "voice.txt").read_text(encoding="utf-8")


class S3Calls:
    """What the client sent and what came back: (operation, HTTP status) per request."""

    def __init__(self, client: Any):
        self.seen: list[tuple[str, int]] = []
        client.meta.events.register("after-call.s3.*", self._after)

    def _after(self, http_response: Any, model: Any, **_: Any) -> None:
        self.seen.append((model.name, http_response.status_code))

    def take(self) -> list[tuple[str, int]]:
        seen, self.seen = self.seen, []
        return seen


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        client = boto3.client("s3")
        for bucket in ("og-cache-rules", "og-cache-list", "og-cache-other"):
            client.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
        yield client


def _put(s3: Any, bucket: str, key: str, body: str | bytes) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode() if isinstance(body, str) else body)


def test_a_second_read_in_a_warm_environment_downloads_nothing(s3: Any) -> None:
    text = f"customer_id,name\nc-1,Mei {uuid.uuid4()}\n"  # kept by no earlier test
    _put(s3, "og-cache-list", "onboarding.csv", text)
    calls = S3Calls(s3)

    first = S3Documents(s3).read_text("og-cache-list", "onboarding.csv")
    # A new adapter, as after wiring.reset(): the environment, not the object, keeps the text.
    second = S3Documents(s3).read_text("og-cache-list", "onboarding.csv")

    assert first == text
    assert second is first  # the same str: parses keyed on the text hit their cache
    assert calls.take() == [("GetObject", 200), ("GetObject", 304)]


def test_a_write_between_two_reads_is_seen_on_the_second(s3: Any) -> None:
    documents = S3Documents(s3)
    _put(s3, "og-cache-rules", "rules.txt", "Plan: Starter\n")
    assert documents.read_text("og-cache-rules", "rules.txt") == "Plan: Starter\n"

    # drive-sync writes from another Lambda, with a client of its own.
    _put(boto3.client("s3"), "og-cache-rules", "rules.txt", "Plan: Pro\n")
    calls = S3Calls(s3)

    assert documents.read_text("og-cache-rules", "rules.txt") == "Plan: Pro\n"
    assert documents.read_text("og-cache-rules", "rules.txt") == "Plan: Pro\n"
    assert calls.take() == [("GetObject", 200), ("GetObject", 304)]


def test_the_same_key_in_another_bucket_and_another_key_are_not_confused(s3: Any) -> None:
    documents = S3Documents(s3)
    _put(s3, "og-cache-rules", "rules.txt", "rules in og-cache-rules\n")
    _put(s3, "og-cache-other", "rules.txt", "rules in og-cache-other\n")
    _put(s3, "og-cache-rules", "voice.txt", "voice in og-cache-rules\n")

    for _ in range(2):
        assert documents.read_text("og-cache-rules", "rules.txt") == "rules in og-cache-rules\n"
        assert documents.read_text("og-cache-other", "rules.txt") == "rules in og-cache-other\n"
        assert documents.read_text("og-cache-rules", "voice.txt") == "voice in og-cache-rules\n"


def test_a_document_that_does_not_decode_is_refused_at_every_read(s3: Any) -> None:
    documents = S3Documents(s3)
    _put(s3, "og-cache-list", "onboarding.csv", "customer_id,name\nc-1,Ana\n")
    documents.read_text("og-cache-list", "onboarding.csv")
    _put(s3, "og-cache-list", "onboarding.csv", "customer_id,name\nc-1,Jos\xe9\n".encode("cp1252"))
    calls = S3Calls(s3)

    for _ in range(2):
        with pytest.raises(DocumentError, match=r"onboarding\.csv line 2: is not UTF-8 text"):
            documents.read_text("og-cache-list", "onboarding.csv")
    assert calls.take() == [("GetObject", 200), ("GetObject", 200)]

    _put(s3, "og-cache-list", "onboarding.csv", "customer_id,name\nc-1,José\n")
    assert documents.read_text("og-cache-list", "onboarding.csv") == "customer_id,name\nc-1,José\n"


def test_a_missing_document_is_still_missing_after_it_was_read(s3: Any) -> None:
    documents = S3Documents(s3)
    _put(s3, "og-cache-other", "gone.txt", "here\n")
    documents.read_text("og-cache-other", "gone.txt")
    s3.delete_object(Bucket="og-cache-other", Key="gone.txt")

    with pytest.raises(s3.exceptions.NoSuchKey):
        documents.read_text("og-cache-other", "gone.txt")


def test_only_a_few_documents_are_kept(s3: Any) -> None:
    documents = S3Documents(s3)
    keys = [f"doc-{n}.txt" for n in range(12)]
    for key in keys:
        _put(s3, "og-cache-other", key, f"{key}\n")
        documents.read_text("og-cache-other", key)
    calls = S3Calls(s3)

    documents.read_text("og-cache-other", keys[-1])  # read last: kept
    documents.read_text("og-cache-other", keys[0])  # read first, 11 keys ago: let go

    assert calls.take() == [("GetObject", 304), ("GetObject", 200)]


def test_journeys_reading_at_once_while_a_sync_writes_each_get_a_whole_version(s3: Any) -> None:
    """The local engine runs many Lambda tasks in one process, on threads, as a warm AWS
    environment runs one at a time: every read is one version, and reads after the write see
    the new one."""
    documents = S3Documents(s3)
    old, new = "voice v1\n" * 500, "voice v2\n" * 500
    _put(s3, "og-cache-rules", "voice.txt", old)
    documents.read_text("og-cache-rules", "voice.txt")

    def read(n: int) -> str:
        if n == 20:
            _put(s3, "og-cache-rules", "voice.txt", new)
        return documents.read_text("og-cache-rules", "voice.txt")

    with ThreadPoolExecutor(max_workers=8) as pool:
        seen = list(pool.map(read, range(40)))

    assert set(seen) <= {old, new} and new in seen
    assert documents.read_text("og-cache-rules", "voice.txt") == new


def _files(s3: Any, tmp_path: Path) -> GuideFiles:
    config = tmp_path / "config.txt"
    config.write_text((EXAMPLES / "config.txt").read_text(encoding="utf-8"), encoding="utf-8")
    at = DocPlaces("og-cache-list", "onboarding.csv", "og-cache-rules", "rules.txt", "voice.txt")
    return GuideFiles(ConfigFile(config), S3Documents(s3), at)


def test_the_docs_are_parsed_once_while_they_do_not_change(
    s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _put(s3, "og-cache-rules", "rules.txt", RULES)
    _put(s3, "og-cache-rules", "voice.txt", VOICE)
    files = _files(s3, tmp_path)
    parses: list[str] = []
    parse_docs = documents_logic.parse_docs

    def counting(*args: Any) -> Any:
        parses.append("rules+voice")
        return parse_docs(*args)

    monkeypatch.setattr(documents_logic, "parse_docs", counting)
    edited = RULES.replace("Day: 0", "Day: 1", 1)
    assert edited != RULES

    first = load_docs(files)
    parsed_first = len(parses)  # 0 when an earlier test in this process parsed the same texts
    assert load_docs(files) is first
    assert len(parses) == parsed_first

    _put(s3, "og-cache-rules", "rules.txt", edited)
    changed = load_docs(files)
    assert changed is not first and changed.rules != first.rules
    assert len(parses) == parsed_first + 1


def test_a_broken_rules_doc_is_reported_at_every_read_then_the_fixed_one_loads(
    s3: Any, tmp_path: Path
) -> None:
    files = _files(s3, tmp_path)
    _put(s3, "og-cache-rules", "voice.txt", VOICE)
    _put(s3, "og-cache-rules", "rules.txt", RULES)
    load_docs(files)
    _put(s3, "og-cache-rules", "rules.txt", RULES.replace("Day: 0", "Day: zero", 1))

    for _ in range(2):
        with pytest.raises(DocumentError, match="'zero' is not a day"):
            load_docs(files)
    _put(s3, "og-cache-rules", "rules.txt", RULES)
    assert load_docs(files).rules.plans


def test_the_read_is_conditional_on_the_etag_aws_gave() -> None:
    """The request as AWS sees it (botocore's Stubber): If-None-Match carries the ETag of the
    text kept, and AWS's 304 (an error to botocore) gives that text back."""
    client = boto3.client(
        "s3", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    documents = S3Documents(client)
    bucket = f"og-cache-{uuid.uuid4().hex[:8]}"
    text = b"Hi {first_name}\n"
    plain = {"Bucket": bucket, "Key": "voice.txt"}
    if_changed = plain | {"IfNoneMatch": '"e1"'}
    with Stubber(client) as stub:
        got = {"Body": StreamingBody(io.BytesIO(text), len(text)), "ETag": '"e1"'}
        stub.add_response("get_object", got, plain)
        stub.add_client_error("get_object", "304", "Not Modified", 304, expected_params=if_changed)
        stub.add_client_error(
            "get_object", "AccessDenied", "Denied", 403, expected_params=if_changed
        )

        assert documents.read_text(bucket, "voice.txt") == "Hi {first_name}\n"
        assert documents.read_text(bucket, "voice.txt") == "Hi {first_name}\n"
        with pytest.raises(ClientError, match="AccessDenied"):
            documents.read_text(bucket, "voice.txt")  # not hidden by the text kept
        stub.assert_no_pending_responses()


def test_the_list_is_read_once_while_it_does_not_change_and_checked_at_each_hour(
    s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _put(s3, "og-cache-rules", "rules.txt", RULES)
    _put(s3, "og-cache-rules", "voice.txt", VOICE)
    header = "customer_id,name,email,plan,signup_at\n"
    mei = f"c-1,Mei {uuid.uuid4().hex[:6]},mei@kopibakes.example,Starter,2026-12-14 08:00\n"
    ana = "c-2,Ana Lim,ana@kopibakes.example,Starter,2026-12-14 10:00\n"  # 02:00 UTC
    _put(s3, "og-cache-list", "onboarding.csv", header + mei + ana)
    files = _files(s3, tmp_path)
    docs = load_docs(files)
    reads: list[str] = []
    read_customer_list = documents_logic.read_customer_list

    def counting(*args: Any) -> Any:
        reads.append("list")
        return read_customer_list(*args)

    monkeypatch.setattr(documents_logic, "read_customer_list", counting)
    nine, eleven = datetime(2026, 12, 14, 1, tzinfo=UTC), datetime(2026, 12, 14, 3, tzinfo=UTC)

    at_nine, future = read_customers(files, docs, nine)
    at_eleven, none = read_customers(files, docs, eleven)
    assert [c.customer_id for c in at_nine] == ["c-1"]
    assert [(p.customer_id, p.field) for p in future] == [("c-2", "signup_at")]
    assert [c.customer_id for c in at_eleven] == ["c-1", "c-2"] and none == []
    assert reads == ["list"]

    _put(s3, "og-cache-list", "onboarding.csv", header + mei)  # Ana taken off the list
    assert [c.customer_id for c in read_customers(files, docs, eleven)[0]] == ["c-1"]
    _put(s3, "og-cache-list", "onboarding.csv", "customer_id,name,plan\n")  # columns lost
    for _ in range(2):
        with pytest.raises(DocumentError, match="email"):
            read_customers(files, docs, eleven)
    assert reads == ["list"] * 4


# --- the local flavour: the same adapter, its unchanged answer made in-process ---------------
def test_locally_an_unchanged_document_is_answered_without_a_request(s3: Any) -> None:
    local = NotModifiedInProcess()
    calls = S3Calls(local._client)
    documents = S3Documents(local)
    text = f"Plan: Starter {uuid.uuid4()}\n"
    _put(s3, "og-cache-rules", "rules.txt", text)

    first = documents.read_text("og-cache-rules", "rules.txt")
    assert documents.read_text("og-cache-rules", "rules.txt") is first == text
    assert calls.take() == [("GetObject", 200)]

    _put(s3, "og-cache-rules", "rules.txt", "Plan: Pro\n")  # drive-sync's write
    assert documents.read_text("og-cache-rules", "rules.txt") == "Plan: Pro\n"
    assert calls.take() == [("GetObject", 200)]

    s3.delete_object(Bucket="og-cache-rules", Key="rules.txt")
    with pytest.raises(ClientError, match="NoSuchKey"):
        documents.read_text("og-cache-rules", "rules.txt")
    with pytest.raises(ClientError, match="NoSuchBucket"):
        local.get_object(Bucket="og-cache-nowhere", Key="rules.txt", IfNoneMatch='"e1"')
