"""`og intake`: a saved email (.eml) through the same flow as a forwarded one in AWS. It is
stored in og-raw-mime as SES stores it, and intake-ses-parser gets the S3 notification, so the
proposal lands in slack.jsonl (Approve / Edit / Discard) and in the store."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from og.adapters.ports import Proposal
from og.local.stack import LocalStack
from og.local.template import REGION
from og.wiring import adapters

RAW_MIME = "RawMimeBucket"


@dataclass(frozen=True)
class IntakeResult:
    outcome: str  # posted, already_posted, unreadable
    detail: str  # the proposal key, or why the email could not be read
    source: str  # s3://og-raw-mime/<key>
    proposal: Proposal | None


def s3_put_event(bucket: str, key: str, size: int) -> dict[str, Any]:
    """The S3 event notification as AWS delivers it: the key URL-encoded (spaces as +)."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": quote_plus(key), "size": size},
                },
            }
        ]
    }


def email_key(path: Path, raw: bytes) -> str:
    """Where the email is stored: by its content, so the same file given twice is the same
    stored email (and the same proposal), as a redelivered S3 event is."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", path.name)
    return f"og-intake/{hashlib.sha256(raw).hexdigest()[:16]}-{name}"


def propose_file(stack: LocalStack, path: Path, at: datetime) -> IntakeResult:
    raw = path.read_bytes()
    key = email_key(path, raw)
    bucket = stack.engine.template.buckets[RAW_MIME]
    stack.sync_documents()  # intake-ses-parser checks the row against the list and rules
    stack.engine.put_object(RAW_MIME, key, raw)
    out = stack.invoke("IntakeSesParserFunction", s3_put_event(bucket, key, len(raw)), at)
    [result] = out["results"]
    proposed = result["outcome"] in ("posted", "already_posted")
    proposal = adapters().store.proposal(result["detail"]) if proposed else None
    return IntakeResult(result["outcome"], result["detail"], f"s3://{bucket}/{key}", proposal)
