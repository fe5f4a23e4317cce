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
from local_home import KilledAfterPosting
from moto import mock_aws

from og import wiring
from og.adapters.aws.google_workspace import GoogleClients, GoogleDocs, GoogleSheet
from og.adapters.local.slack_log import read_slack_log
from og.core.errors import DriveSyncFailed
from og.local.engine import load_handler, project_root
from og.local.moto_bridge import LambdaContext
from og.local.stack import init_home
from og.logic.documents import load_docs

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


# --- only good documents are published ------------------------------------------------------------
DAY_ZERO = (
    "rules.txt line 9, Day: step 'welcome': 'zero' is not a day; write a whole number of days "
    "after signup, 0 or more, like 'Day: 2'"
)
TRIAL = "\nPlan: Trial\n\nStep: welcome\nTitle: Welcome\nDay: 0\nNudge after: never\n"
TRIAL_ROW = "hh-9001,Ana Trial,ana@trial.example,Trial,2026-12-01T09:00:00+08:00,,,\n"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _posts(mirror: Mirror) -> list[dict[str, Any]]:
    return read_slack_log(mirror.home / "slack.jsonl", "chat.postMessage")


def _problem_lines(post: dict[str, Any]) -> list[str]:
    code = [b["text"]["text"] for b in post["payload"]["blocks"] if "```" in b["text"]["text"]]
    return "\n".join(c.strip("`\n") for c in code).split("\n")


def _results(mirror: Mirror) -> dict[str, dict[str, Any]]:
    context = LambdaContext("og-drive-sync", 256, "arn:aws:lambda:local:0:function:x", "r2")
    result = mirror.handler({"scheduled_time": "2026-12-10T01:30:00Z"}, context)
    return {r["target"].rsplit("/", 1)[1]: r for r in result["mirrored"]}


def test_a_broken_rules_doc_is_kept_out_and_the_owner_told_once_per_broken_content(
    mirror: Mirror,
) -> None:
    assert mirror.run() == dict.fromkeys(TARGETS, "written")
    good = mirror.text(RULES, "rules.txt")
    rules, voice = mirror.home / "rules.txt", mirror.home / "voice.txt"
    _edit(rules, "Day: 0", "Day: zero")
    voice.write_text(voice.read_text() + "\n# a note\n")

    first = _results(mirror)  # the run succeeds: the owner's to fix, not an outage
    again = mirror.run()  # the same broken export: nothing new to say

    assert {k: r["outcome"] for k, r in first.items()} == {
        "onboarding.csv": "unchanged",
        "rules.txt": "kept out",
        "voice.txt": "written",  # the other good docs are still published
    }
    assert first["rules.txt"]["detail"] == DAY_ZERO and first["rules.txt"]["told"]
    assert again[TARGETS[1]] == "kept out"
    assert mirror.text(RULES, "rules.txt") == good and mirror.versions(RULES, "rules.txt") == 1
    [post] = _posts(mirror)
    assert post["payload"]["channel"] == "U0OWNER01"
    assert post["payload"]["text"] == (
        "rules.txt was not published: 1 problem. The guide keeps using the last good rules.txt "
        "until it is fixed."
    )
    assert _problem_lines(post) == [DAY_ZERO]
    # The guide still reads the last good rules (load_docs raises on broken ones).
    assert load_docs(wiring.guide_files()).rules.plan("Starter") is not None

    _edit(rules, "Flag after: 5 days", "Flag after: soon")  # broken differently: told again
    assert mirror.run()[TARGETS[1]] == "kept out"
    assert len(_posts(mirror)) == 2 and _problem_lines(_posts(mirror)[1])[0] == DAY_ZERO

    _edit(rules, "Day: zero", "Day: 0")
    _edit(rules, "Flag after: soon", "Flag after: 5 days")
    rules.write_text(rules.read_text() + "\n# fixed\n")
    assert mirror.run()[TARGETS[1]] == "written"
    assert mirror.text(RULES, "rules.txt").endswith("# fixed\n") and len(_posts(mirror)) == 2


def test_a_run_killed_after_telling_the_owner_does_not_tell_again(mirror: Mirror) -> None:
    mirror.run()
    _edit(mirror.home / "rules.txt", "Day: 0", "Day: zero")
    chat = wiring.adapters().chat
    with wiring.overridden(chat=KilledAfterPosting(chat)), pytest.raises(SystemExit):
        mirror.run()

    assert mirror.run()[TARGETS[1]] == "kept out"  # in doubt: not posted twice

    assert len(_posts(mirror)) == 1
    assert mirror.versions(RULES, "rules.txt") == 1


def test_without_an_owner_to_tell_the_run_fails_after_publishing_the_good_ones(
    mirror: Mirror,
) -> None:
    mirror.run()
    _edit(mirror.home / "config.txt", "owner_slack_id: U0OWNER01", "owner_slack_id: Siti")
    _edit(mirror.home / "rules.txt", "Day: 0", "Day: zero")
    voice = mirror.home / "voice.txt"
    voice.write_text(voice.read_text() + "\n# a note\n")

    with pytest.raises(
        DriveSyncFailed, match=r"(?s)rules.txt: rules.txt line 9, Day: .*not told: .* no owner_sl"
    ):
        mirror.run()  # the DriveSyncFailed alarm is who tells

    assert mirror.versions(RULES, "voice.txt") == 2 and mirror.versions(RULES, "rules.txt") == 1
    assert _posts(mirror) == []


def test_the_list_and_voice_are_checked_against_the_rules_published_with_them(
    mirror: Mirror,
) -> None:
    mirror.run()
    rules, listed = mirror.home / "rules.txt", mirror.home / "onboarding.csv"
    listed.write_text(listed.read_text() + TRIAL_ROW)
    rules.write_text(rules.read_text() + TRIAL)

    both = _results(mirror)  # a new plan in the list and the rules of the same run

    assert [both["rules.txt"]["outcome"], both["onboarding.csv"]["outcome"]] == ["written"] * 2
    assert "hh-9001" not in both["onboarding.csv"]["detail"]  # not a row the tick would skip

    # The same row against rules that are kept out: the list goes (the tick skips that row and
    # says why), the rules stay out.
    listed.write_text(listed.read_text().replace("hh-9001", "hh-9003"))
    rules.write_text(rules.read_text().replace("Trial", "Trial2").replace("Day: 0", "Day: x", 1))
    listed.write_text(listed.read_text().replace(",Trial,", ",Trial2,"))
    results = _results(mirror)
    assert [results["rules.txt"]["outcome"], results["onboarding.csv"]["outcome"]] == [
        "kept out",
        "written",
    ]
    assert (
        "onboarding.csv line 17 (customer hh-9003), plan: unknown plan 'Trial2'; the plans are "
        "Starter, Pro, Trial"  # the live rules: the rules of this run were kept out
    ) in results["onboarding.csv"]["detail"].splitlines()

    # A voice that does not fit the rules in force is kept out: here, a step without a message.
    voice = mirror.home / "voice.txt"
    _edit(voice, "\n=== step: welcome ===", "\n=== step: welcome-typo ===")
    kept = _results(mirror)["voice.txt"]
    assert kept["outcome"] == "kept out" and "welcome" in kept["detail"]
    assert mirror.versions(RULES, "voice.txt") == 1


def test_new_rules_the_live_voice_does_not_fit_wait_for_a_voice_that_does(
    mirror: Mirror,
) -> None:
    mirror.run()
    rules, voice = mirror.home / "rules.txt", mirror.home / "voice.txt"
    rules.write_text(rules.read_text() + TRIAL.replace("welcome", "trial-welcome"))
    voice.write_text(voice.read_text().replace("=== nudge ===", "=== step: trial-welcome ===", 1))

    results = _results(mirror)  # the new voice is broken; the live one has no trial-welcome

    assert results["voice.txt"]["outcome"] == "kept out"
    assert results["rules.txt"]["outcome"] == "kept out"
    assert "trial-welcome" in results["rules.txt"]["detail"]
    assert [mirror.versions(RULES, "rules.txt"), mirror.versions(RULES, "voice.txt")] == [1, 1]
    assert {p["payload"]["text"].split(" ")[0] for p in _posts(mirror)} == {
        "rules.txt",
        "voice.txt",
    }


def test_a_list_not_saved_as_utf8_is_kept_out_with_its_line(mirror: Mirror) -> None:
    mirror.run()
    listed = mirror.home / "onboarding.csv"
    listed.write_bytes(
        listed.read_bytes() + "hh-9002,Zoë,z@x.example,Starter,,,,\n".encode("cp1252")
    )

    result = _results(mirror)["onboarding.csv"]

    assert result["outcome"] == "kept out"
    assert "onboarding.csv line" in result["detail"] and "CSV UTF-8" in result["detail"]
    assert mirror.versions(LIST, "onboarding.csv") == 1
    assert len(_posts(mirror)) == 1


def test_a_broken_doc_on_the_first_sync_is_kept_out_with_nothing_to_fall_back_on(
    mirror: Mirror,
) -> None:
    _edit(mirror.home / "rules.txt", "Day: 0", "Day: zero")

    assert mirror.run() == {TARGETS[0]: "written", TARGETS[1]: "kept out", TARGETS[2]: "written"}

    assert mirror.versions(RULES, "rules.txt") == 0
    [post] = _posts(mirror)
    assert post["payload"]["text"] == (
        "rules.txt was not published: 1 problem. The guide has no version of it to use until it "
        "is fixed."
    )


def test_new_rules_whose_step_has_no_message_yet_wait_for_the_voice(mirror: Mirror) -> None:
    mirror.run()
    rules, voice = mirror.home / "rules.txt", mirror.home / "voice.txt"
    rules.write_text(rules.read_text() + TRIAL.replace("welcome", "trial-call"))

    results = _results(mirror)  # the voice doc has no message for trial-call yet

    assert [results["rules.txt"]["outcome"], results["voice.txt"]["outcome"]] == [
        "kept out",
        "unchanged",
    ]
    assert results["rules.txt"]["detail"] == (
        "voice.txt, step: trial-call: no message for step 'trial-call' (plan Trial); add a "
        "section '=== step: trial-call ===' with a Subject and the message"
    )
    assert mirror.versions(RULES, "rules.txt") == 1

    voice.write_text(voice.read_text() + "\n=== step: trial-call ===\nSubject: Hi\n\nA call?\n")
    assert mirror.run() == {TARGETS[0]: "unchanged", TARGETS[1]: "written", TARGETS[2]: "written"}
