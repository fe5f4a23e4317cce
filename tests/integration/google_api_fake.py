"""A local stand-in for the Google APIs the guide calls, on 127.0.0.1 (random port), driven by the
real googleapiclient: the OAuth token endpoint (checks the service account's signed JWT), Sheets
v4 (spreadsheets.get, values.get / append / update) and Drive v3 (files.get, files.export). It
keeps a small spreadsheet and docs in memory and records every request, so tests assert on
what the client really sent."""

from __future__ import annotations

import base64
import csv
import functools
import io
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ACCESS_TOKEN = "ya29.local-test-token"
CLIENT_EMAIL = "og-guide@og-test.iam.gserviceaccount.com"


@functools.cache
def _service_account_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


@dataclass
class Received:
    method: str
    path: str  # decoded, without the query
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class DriveFile:
    version: int = 1
    modified: str = "2026-12-10T01:00:00.000Z"


@dataclass
class Sheet(DriveFile):
    tabs: list[tuple[str, list[list[str]]]] = field(default_factory=list)  # in tab order


@dataclass
class Doc(DriveFile):
    text: str = ""


class FakeGoogle:
    def __init__(self) -> None:
        self.key = _service_account_key()
        self.requests: list[Received] = []
        self.token_claims: list[dict[str, Any]] = []
        self.files: dict[str, Sheet | Doc] = {}
        self._faults: list[tuple[str, int]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- test-facing ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_port}"

    def service_account_json(self) -> str:
        pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return json.dumps(
            {
                "type": "service_account",
                "project_id": "og-test",
                "private_key_id": "key-1",
                "private_key": pem,
                "client_email": CLIENT_EMAIL,
                "client_id": "100000000000000000001",
                "token_uri": f"{self.url}/token",
            }
        )

    def add_sheet(self, file_id: str, rows: list[list[str]], *, tab: str = "Onboarding") -> Sheet:
        sheet = Sheet(tabs=[(tab, [list(r) for r in rows])])
        self.files[file_id] = sheet
        return sheet

    def add_doc(self, file_id: str, text: str) -> Doc:
        doc = Doc(text=text)
        self.files[file_id] = doc
        return doc

    def rows(self, file_id: str) -> list[list[str]]:
        sheet = self.files[file_id]
        assert isinstance(sheet, Sheet)
        return sheet.tabs[0][1]

    def fail_next(self, path_part: str, status: int, times: int = 1) -> None:
        """The next `times` API requests whose path contains `path_part` get `status`."""
        self._faults += [(path_part, status)] * times

    def api_requests(self) -> list[Received]:
        return [r for r in self.requests if r.path != "/token"]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # --- the APIs ------------------------------------------------------------------------------
    def _answer(self, r: Received) -> tuple[int, str, bytes]:
        if r.path == "/token":
            return self._token(r)
        if r.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return _error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        for i, (part, status) in enumerate(self._faults):
            if part in r.path:
                del self._faults[i]
                reason = "RESOURCE_EXHAUSTED" if status == 429 else "UNAVAILABLE"
                return _error(status, reason, f"scripted {status}")
        if m := re.fullmatch(r"/v4/spreadsheets/([^/]+)", r.path):
            return self._spreadsheet(m[1])
        if m := re.fullmatch(r"/v4/spreadsheets/([^/]+)/values/(.+?)(:append)?", r.path):
            return self._values(r, m[1], m[2], bool(m[3]))
        if m := re.fullmatch(r"/drive/v3/files/([^/]+)(/export)?", r.path):
            return self._drive(r, m[1], bool(m[2]))
        return _error(404, "NOT_FOUND", f"no route {r.method} {r.path}")

    def _token(self, r: Received) -> tuple[int, str, bytes]:
        form = {k: v[0] for k, v in parse_qs(r.body.decode()).items()}
        assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
        header, claims, signature = form["assertion"].split(".")
        self.key.public_key().verify(
            _b64(signature),
            f"{header}.{claims}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
        self.token_claims.append(json.loads(_b64(claims)))
        body = {"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"}
        return 200, "application/json", json.dumps(body).encode()

    def _file(self, file_id: str) -> Sheet | Doc | None:
        return self.files.get(file_id)

    def _spreadsheet(self, file_id: str) -> tuple[int, str, bytes]:
        sheet = self._file(file_id)
        if not isinstance(sheet, Sheet):
            return _error(404, "NOT_FOUND", "Requested entity was not found.")
        props = [{"properties": {"title": t, "index": i}} for i, (t, _) in enumerate(sheet.tabs)]
        return 200, "application/json", json.dumps({"sheets": props}).encode()

    def _values(self, r: Received, file_id: str, a1: str, append: bool) -> tuple[int, str, bytes]:
        sheet = self._file(file_id)
        if not isinstance(sheet, Sheet):
            return _error(404, "NOT_FOUND", "Requested entity was not found.")
        m = re.fullmatch(r"'((?:[^']|'')+)'(?:!([A-Z]+)(\d+))?", a1)
        tabs = dict(sheet.tabs)
        if m is None or m[1].replace("''", "'") not in tabs:
            return _error(400, "INVALID_ARGUMENT", f"Unable to parse range: {a1}")
        grid = tabs[m[1].replace("''", "'")]
        if r.method == "GET":
            rows = [_trimmed(row) for row in grid]
            while rows and not rows[-1]:
                rows.pop()
            return 200, "application/json", json.dumps({"range": a1, "values": rows}).encode()
        if r.query.get("valueInputOption") != "RAW":
            return _error(400, "INVALID_ARGUMENT", "this fake only takes RAW values")
        [values] = r.json()["values"]
        if append:
            last = max((i for i, row in enumerate(grid) if any(row)), default=-1)
            grid[last + 1 : last + 1] = [list(values)]
        else:
            col, row_number = _column_index(m[2]), int(m[3])
            while len(grid) < row_number:
                grid.append([])
            row = grid[row_number - 1]
            row.extend([""] * (col + 1 - len(row)))
            row[col] = values[0]
        sheet.version += 1
        return 200, "application/json", json.dumps({"spreadsheetId": file_id}).encode()

    def _drive(self, r: Received, file_id: str, export: bool) -> tuple[int, str, bytes]:
        f = self._file(file_id)
        if f is None:
            return _error(404, "notFound", f"File not found: {file_id}.")
        if not export:
            meta = {"version": str(f.version), "modifiedTime": f.modified}
            return 200, "application/json", json.dumps(meta).encode()
        mime = r.query.get("mimeType")
        if isinstance(f, Sheet) and mime == "text/csv":
            out = io.StringIO()
            csv.writer(out, lineterminator="\r\n").writerows(f.tabs[0][1])
            return 200, "text/csv", out.getvalue().encode()
        if isinstance(f, Doc) and mime == "text/plain":
            # Docs exports start with a byte order mark and use Windows line endings.
            text = "\ufeff" + f.text.replace("\n", "\r\n")
            return 200, "text/plain", text.encode()
        return _error(400, "badRequest", f"cannot export as {mime}")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 5

            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                parts = urlsplit(self.path)
                received = Received(
                    self.command,
                    unquote(parts.path),
                    {k: v[0] for k, v in parse_qs(parts.query).items()},
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with fake._lock:
                    fake.requests.append(received)
                    status, content_type, payload = fake._answer(received)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _error(status: int, reason: str, message: str) -> tuple[int, str, bytes]:
    body = {"error": {"code": status, "message": message, "status": reason}}
    return status, "application/json", json.dumps(body).encode()


def _trimmed(row: list[str]) -> list[str]:
    out = list(row)
    while out and out[-1] == "":
        out.pop()
    return out


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - ord("A") + 1
    return n - 1
