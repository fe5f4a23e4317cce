"""The Google Sheets / Drive adapters, driven by the real googleapiclient against a local stand-in
of the APIs (tests/integration/google_api_fake.py): what they send, what they make of the
answers, retries on 429 and 5xx, and errors that say what to fix."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import googleapiclient.http
import pytest
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from google_api_fake import ACCESS_TOKEN, CLIENT_EMAIL, FakeGoogle
from moto import mock_aws

from og import wiring
from og.adapters.aws.google_workspace import SCOPES, GoogleClients, GoogleDocs, GoogleSheet
from og.core.errors import DocumentError, GoogleFileError, ListLayoutError

SHEET = "1SheetIdOfTheOnboardingList0000000000000"
RULES = "1RulesDocId000000000000000000000000000000"
VOICE = "1VoiceDocId000000000000000000000000000000"
IDS = {"sheet_id": SHEET, "rules_doc_id": RULES, "voice_doc_id": VOICE}
HEADER = ["Customer ID", "Name", "Email", "Plan", "Signup date", "Timezone", "Owner", "Notes"]
MEI = ["hh-1001", "Mei Ling Tan", "meiling@kopibakes.example", "Starter", "2026-12-01", "", "", ""]
ANA = {
    "customer_id": "hh-2001",
    "name": "Ana Lima",
    "email": "ana@example.com",
    "plan": "Starter",
    "signup_at": "2026-12-09T02:00:00Z",
    "timezone": "Europe/Lisbon",
}
AT = datetime(2026, 12, 14, 3, 0, tzinfo=UTC)


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    fake = FakeGoogle()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """googleapiclient's backoff sleeps, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(googleapiclient.http.time, "sleep", slept.append)
    return slept


def _clients(google: FakeGoogle) -> GoogleClients:
    return GoogleClients(
        google.service_account_json,
        sheets_endpoint=f"{google.url}/",
        drive_endpoint=f"{google.url}/drive/v3/",
    )


def _sheet(google: FakeGoogle, clients: GoogleClients | None = None) -> GoogleSheet:
    return GoogleSheet(clients or _clients(google), IDS.__getitem__)


def test_append_reads_the_header_and_appends_a_raw_row_in_its_columns(
    google: FakeGoogle,
) -> None:
    google.add_sheet(SHEET, [HEADER, MEI])

    assert _sheet(google).append_customer(ANA) is True

    [token] = [r for r in google.requests if r.path == "/token"]
    assert token.method == "POST"
    [claims] = google.token_claims  # the JWT was signed with the service account's key
    assert claims["iss"] == CLIENT_EMAIL
    # posted to the key's token_uri (this server); the audience is always Google's endpoint
    assert claims["aud"] == "https://oauth2.googleapis.com/token"
    assert set(claims["scope"].split()) == set(SCOPES)
    meta, read, append = google.api_requests()
    assert all(r.headers["authorization"] == f"Bearer {ACCESS_TOKEN}" for r in (meta, read, append))
    assert (meta.method, meta.path) == ("GET", f"/v4/spreadsheets/{SHEET}")
    assert meta.query["fields"] == "sheets.properties(title,index)"
    assert (read.method, read.path) == ("GET", f"/v4/spreadsheets/{SHEET}/values/'Onboarding'")
    assert (append.method, append.path) == (
        "POST",
        f"/v4/spreadsheets/{SHEET}/values/'Onboarding'!A1:append",
    )
    assert append.query == {
        "valueInputOption": "RAW",
        "insertDataOption": "INSERT_ROWS",
        "alt": "json",
    }
    assert append.json() == {
        "values": [
            [
                "hh-2001",
                "Ana Lima",
                "ana@example.com",
                "Starter",
                "2026-12-09T02:00:00Z",
                "Europe/Lisbon",
                "",
                "",
            ]
        ]
    }
    assert google.rows(SHEET)[-1][0] == "hh-2001"


def test_append_finds_the_header_below_empty_rows_and_a_quoted_tab_name(
    google: FakeGoogle,
) -> None:
    google.add_sheet(SHEET, [[], ["", ""], HEADER, MEI], tab="Bob's list")

    assert _sheet(google).append_customer(ANA) is True

    append = google.api_requests()[-1]
    assert append.path == f"/v4/spreadsheets/{SHEET}/values/'Bob''s list'!A3:append"


def test_a_customer_already_on_the_sheet_is_not_appended_again(google: FakeGoogle) -> None:
    google.add_sheet(SHEET, [HEADER, MEI])
    sheet = _sheet(google)

    assert sheet.append_customer({**ANA, "customer_id": "hh-1001"}) is False

    assert [r.method for r in google.api_requests()] == ["GET", "GET"]
    assert google.rows(SHEET) == [HEADER, MEI]


def test_a_value_without_a_column_is_refused_not_lost(google: FakeGoogle) -> None:
    google.add_sheet(SHEET, [HEADER[:5], MEI[:5]])

    with pytest.raises(
        ListLayoutError, match=r"no 'timezone' column for the value 'Europe/Lisbon'"
    ):
        _sheet(google).append_customer(ANA)

    assert [r.method for r in google.api_requests()] == ["GET", "GET"]


def test_mark_finished_sets_the_finished_at_cell_once(google: FakeGoogle) -> None:
    google.add_sheet(SHEET, [[*HEADER, "Finished at"], MEI, ["hh-1002", "Arjun"]])
    sheet = _sheet(google)

    assert sheet.mark_finished("hh-1002", AT) is True
    update = google.api_requests()[-1]
    assert (update.method, update.path) == (
        "PUT",
        f"/v4/spreadsheets/{SHEET}/values/'Onboarding'!I3",
    )
    assert update.query["valueInputOption"] == "RAW"
    assert update.json() == {"values": [["2026-12-14T03:00:00Z"]]}
    assert google.rows(SHEET)[2][8] == "2026-12-14T03:00:00Z"

    before = len(google.api_requests())
    assert sheet.mark_finished("hh-1002", datetime(2026, 12, 20, tzinfo=UTC)) is True
    assert [r.method for r in google.api_requests()[before:]] == ["GET", "GET"]  # no update
    assert google.rows(SHEET)[2][8] == "2026-12-14T03:00:00Z"


def test_mark_finished_without_the_column_writes_nothing(google: FakeGoogle) -> None:
    google.add_sheet(SHEET, [HEADER, MEI])
    sheet = _sheet(google)

    assert sheet.mark_finished("hh-1001", AT) is True
    assert sheet.mark_finished("hh-9999", AT) is False

    assert all(r.method == "GET" for r in google.api_requests())
    assert google.rows(SHEET) == [HEADER, MEI]


def test_exports_come_from_drive_with_their_version(google: FakeGoogle) -> None:
    google.add_sheet(SHEET, [HEADER, MEI])
    google.add_doc(RULES, "Plan: Starter\n\nStep: welcome\nDay: 0\n")
    clients = _clients(google)

    text, version = _sheet(google, clients).export_csv()
    rules, rules_version = GoogleDocs(clients, IDS.__getitem__).export_text("rules")

    assert text.splitlines()[0] == ",".join(HEADER)
    assert version == "1@2026-12-10T01:00:00.000Z"
    assert rules == "Plan: Starter\r\n\r\nStep: welcome\r\nDay: 0\r\n"  # without the BOM
    assert rules_version == "1@2026-12-10T01:00:00.000Z"
    get, export, get_doc, export_doc = google.api_requests()
    assert (get.path, get.query["fields"], get.query["supportsAllDrives"]) == (
        f"/drive/v3/files/{SHEET}",
        "version,modifiedTime",
        "true",
    )
    assert (export.path, export.query["mimeType"], export.query["alt"]) == (
        f"/drive/v3/files/{SHEET}/export",
        "text/csv",
        "media",
    )
    assert (get_doc.path, export_doc.path) == (
        f"/drive/v3/files/{RULES}",
        f"/drive/v3/files/{RULES}/export",
    )
    assert export_doc.query["mimeType"] == "text/plain"
    assert len(google.token_claims) == 1  # one token for both APIs and every call


def test_rate_limits_and_server_errors_are_retried_with_backoff(
    google: FakeGoogle, sleeps: list[float]
) -> None:
    google.add_sheet(SHEET, [HEADER, MEI])
    google.fail_next(":append", 429)
    google.fail_next(":append", 503)

    assert _sheet(google).append_customer(ANA) is True

    appends = [r for r in google.api_requests() if r.path.endswith(":append")]
    assert len(appends) == 3
    assert appends[0].json() == appends[2].json()
    assert [r[0] for r in google.rows(SHEET)] == ["Customer ID", "hh-1001", "hh-2001"]
    # randomized exponential backoff: up to 2 s before the first retry, 4 s before the second
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 2 and 0 <= sleeps[1] <= 4


def test_retries_give_up_after_two(google: FakeGoogle, sleeps: list[float]) -> None:
    google.add_sheet(SHEET, [HEADER, MEI])
    google.fail_next("/export", 429, times=3)

    with pytest.raises(googleapiclient.http.HttpError) as raised:
        _sheet(google).export_csv()

    assert raised.value.status_code == 429
    assert len([r for r in google.api_requests() if r.path.endswith("/export")]) == 3
    assert len(sleeps) == 2


def test_a_file_not_shared_with_the_service_account_says_so(google: FakeGoogle) -> None:
    with pytest.raises(
        GoogleFileError,
        match=rf"rules doc {RULES}: Google answered 404 .*"
        rf"share the file with {CLIENT_EMAIL}",
    ):
        GoogleDocs(_clients(google), IDS.__getitem__).export_text("rules")


def test_a_broken_service_account_secret_is_named(google: FakeGoogle) -> None:
    clients = GoogleClients(lambda: '{"type": "service_account"}')

    with pytest.raises(ValueError, match="not a service-account JSON key"):
        GoogleSheet(clients, IDS.__getitem__).export_csv()


def test_unknown_doc_names_are_refused(google: FakeGoogle) -> None:
    with pytest.raises(ValueError, match="unknown doc 'notes'; the docs are rules, voice"):
        GoogleDocs(_clients(google), IDS.__getitem__).export_text("notes")


def test_the_backoff_sleep_seam_is_the_one_googleapiclient_uses() -> None:
    # The `sleeps` fixture patches googleapiclient.http.time.sleep; HttpRequest binds it when
    # built, so this guards against a library change that would make the tests really sleep.
    assert googleapiclient.http.time is time


def test_the_aws_backend_wires_google_with_ids_from_parameter_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "OG_LIST_BUCKET": "og-list-source",
        "OG_RULES_BUCKET": "og-rules-source",
        "OG_IDEMPOTENCY_TABLE": "og-idempotency-test",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("OG_BACKEND", raising=False)
    monkeypatch.delenv("OG_HOME", raising=False)
    parameters.clear_caches()
    wiring.reset()
    try:
        with mock_aws():
            boto3.client("ssm").put_parameter(
                Name="/og/config/sheet_id",
                Value=f"https://docs.google.com/spreadsheets/d/{SHEET}/edit",
                Type="String",
            )
            a = wiring.adapters()
            assert isinstance(a.sheet, GoogleSheet) and isinstance(a.owner_docs, GoogleDocs)
            assert a.sheet._file_id("sheet_id") == SHEET
            with pytest.raises(DocumentError, match=r"^/og/config, rules_doc_id: missing setting"):
                a.owner_docs.export_text("rules")  # before any call to Google
            store = a.idempotency()
            assert isinstance(store, DynamoDBPersistenceLayer)
            assert store.table_name == "og-idempotency-test"
            assert a.idempotency() is store
    finally:
        wiring.reset()
        parameters.clear_caches()
