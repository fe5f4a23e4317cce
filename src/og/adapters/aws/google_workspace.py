"""OnboardingSheet and OwnerDocs on Google Workspace, through google-api-python-client: the Sheets
v4 API writes the list (a signup's row, finished_at), the Drive v3 API exports it (the first tab
as CSV) and the rules and voice docs (as text). One service account, its JSON key in Secrets
Manager (og/drive/sa); the files are shared with its client_email."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from og.adapters.ports import OWNER_DOC_NAMES
from og.core.errors import GoogleFileError, SetupError
from og.core.list_rows import find_customer, list_layout, new_row, utc_text

SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.readonly",
)
# The APIs built, by version. The og-core layer ships only these discovery documents
# (og/layer.py reads this), so an API added here is shipped too.
GOOGLE_APIS = {"sheets": "v4", "drive": "v3"}

if TYPE_CHECKING:
    from google_auth_httplib2 import AuthorizedHttp

# The Google client libraries are imported on first use: they take ~0.3 s to import, and every
# function's wiring builds this adapter while only enroll, drive-sync and done-handler use it.


class GoogleClients:
    """Credentials and the two API clients, built on first use and kept for the life of the
    execution environment; google-auth refreshes the access token when it expires.

    Every call is retried by googleapiclient on 429, 5xx and 403 rate-limit reasons, with
    randomized exponential backoff (up to 2**n seconds before retry n). Two retries (at most
    2 + 4 s of waiting per call) suit enroll's and done-handler's 15 s timeout."""

    def __init__(
        self,
        service_account_json: Callable[[], str],
        *,
        sheets_endpoint: str | None = None,
        drive_endpoint: str | None = None,
        timeout: float = 8,
        num_retries: int = 2,
    ):
        self._service_account_json = service_account_json
        self._endpoints = {"sheets": sheets_endpoint, "drive": drive_endpoint}
        self._timeout = timeout
        self.num_retries = num_retries
        self._http: AuthorizedHttp | None = None
        self._services: dict[str, Any] = {}
        self.client_email = "the service account"

    def _authorized(self) -> AuthorizedHttp:
        if self._http is None:
            import httplib2
            from google.oauth2 import service_account
            from google_auth_httplib2 import AuthorizedHttp

            try:
                info = json.loads(self._service_account_json())
                credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                    info, scopes=SCOPES
                )
            except (ValueError, KeyError) as err:
                raise SetupError(
                    f"the Google service account secret is not a service-account JSON key: {err}"
                ) from None
            self.client_email = credentials.service_account_email
            self._http = AuthorizedHttp(credentials, http=httplib2.Http(timeout=self._timeout))
        return self._http

    def service(self, name: str) -> Any:
        if name not in self._services:
            from googleapiclient.discovery import build

            endpoint = self._endpoints[name]
            self._services[name] = build(
                name,
                GOOGLE_APIS[name],
                http=self._authorized(),
                cache_discovery=False,
                static_discovery=True,  # the discovery docs shipped with the library: no fetch
                client_options={"api_endpoint": endpoint} if endpoint else None,
            )
        return self._services[name]

    def execute(self, request: Any, what: str) -> Any:
        from googleapiclient.errors import HttpError

        try:
            return request.execute(num_retries=self.num_retries)
        except HttpError as err:
            if err.status_code in (403, 404):
                raise GoogleFileError(
                    f"{what}: Google answered {err.status_code} ({err.reason}); share the file "
                    f"with {self.client_email} and check its id in the config"
                ) from err
            raise

    def export(self, file_id: str, mime_type: str, what: str) -> tuple[str, str]:
        """A Drive file's export as text, and `<version>@<modifiedTime>`. The version is read
        first: an edit in between makes the text newer than its version, never older."""
        files = self.service("drive").files()
        meta = self.execute(
            files.get(fileId=file_id, fields="version,modifiedTime", supportsAllDrives=True), what
        )
        data = self.execute(files.export_media(fileId=file_id, mimeType=mime_type), what)
        version = f"{meta.get('version', '')}@{meta.get('modifiedTime', '')}"
        return bytes(data).decode("utf-8-sig"), version


class GoogleSheet:
    """The list is the spreadsheet's first tab, as Drive's CSV export sees it."""

    def __init__(self, google: GoogleClients, file_id: Callable[[str], str]):
        self._google = google
        self._file_id = file_id

    def export_csv(self) -> tuple[str, str]:
        sheet_id = self._file_id("sheet_id")
        return self._google.export(sheet_id, "text/csv", f"onboarding sheet {sheet_id}")

    def append_customer(self, row: Mapping[str, str]) -> bool:
        sheet_id, tab, rows = self._read()
        source = f"onboarding sheet {sheet_id}"
        layout = list_layout(rows, source)
        if find_customer(rows, layout, row.get("customer_id", "")) is not None:
            return False
        values = self._google.service("sheets").spreadsheets().values()
        self._google.execute(
            values.append(
                spreadsheetId=sheet_id,
                range=f"{tab}!A{layout.header_index + 1}",
                # RAW: stored exactly as sent. USER_ENTERED would turn signup_at into a
                # locale-formatted date in the export, and a name like "=HYPERLINK(...)" into
                # a formula.
                valueInputOption="RAW",
                insertDataOption="INSERT_ROWS",
                body={"values": [new_row(layout, row, source)]},
            ),
            source,
        )
        return True

    def mark_finished(self, customer_id: str, at: datetime) -> bool:
        sheet_id, tab, rows = self._read()
        source = f"onboarding sheet {sheet_id}"
        layout = list_layout(rows, source)
        index = find_customer(rows, layout, customer_id)
        if index is None:
            return False
        column = layout.finished
        if column is None:
            return True  # the owner keeps no finished_at column: nothing to write
        if column < len(rows[index]) and str(rows[index][column]).strip():
            return True  # the first finish stands; a later click changes nothing
        values = self._google.service("sheets").spreadsheets().values()
        self._google.execute(
            values.update(
                spreadsheetId=sheet_id,
                range=f"{tab}!{column_letters(column)}{index + 1}",
                valueInputOption="RAW",
                body={"values": [[utc_text(at)]]},
            ),
            source,
        )
        return True

    def _read(self) -> tuple[str, str, list[list[str]]]:
        """The sheet id, its first tab (quoted for A1 notation) and that tab's cells, as shown
        (row i of the list is sheet row i + 1)."""
        sheet_id = self._file_id("sheet_id")
        what = f"onboarding sheet {sheet_id}"
        spreadsheets = self._google.service("sheets").spreadsheets()
        meta = self._google.execute(
            spreadsheets.get(spreadsheetId=sheet_id, fields="sheets.properties(title,index)"),
            what,
        )
        first = min(meta["sheets"], key=lambda s: s["properties"].get("index", 0))
        tab = "'" + first["properties"]["title"].replace("'", "''") + "'"
        got = self._google.execute(
            spreadsheets.values().get(spreadsheetId=sheet_id, range=tab), what
        )
        return sheet_id, tab, [[str(c) for c in r] for r in got.get("values", [])]


class GoogleDocs:
    def __init__(self, google: GoogleClients, file_id: Callable[[str], str]):
        self._google = google
        self._file_id = file_id

    def export_text(self, name: str) -> tuple[str, str]:
        if name not in OWNER_DOC_NAMES:
            raise ValueError(f"unknown doc {name!r}; the docs are {', '.join(OWNER_DOC_NAMES)}")
        doc_id = self._file_id(f"{name}_doc_id")
        return self._google.export(doc_id, "text/plain", f"{name} doc {doc_id}")


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: a column in A1 notation."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
