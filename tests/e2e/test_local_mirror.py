"""The local stack mirrors the home's list and docs into its S3 before every tick, click and
answer, and asks S3 nothing while the files hold what it last mirrored. An owner's edit must
still reach the next request, however quickly it follows the last one."""

from __future__ import annotations

import os
from collections.abc import Callable

from og import wiring
from og.local.stack import LocalStack

from .support import Home

MEI = "c-1,Mei Ling Tan,meiling@kopibakes.example,Starter,2026-12-14T08:00:00+08:00,,,"
ANA = "c-2,Ana Silva,ana@kopibakes.example,Starter,2026-12-14T08:00:00+08:00,,,"


def test_an_edit_keeping_the_files_size_and_time_is_still_mirrored(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([MEI])
    voice, listed = home.path / "voice.txt", home.path / "onboarding.csv"
    with LocalStack(home.path) as s:
        s3 = s.engine.client("s3")
        at = wiring.doc_places()

        def mirrored(bucket: str, key: str) -> str:
            return str(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode())

        s.sync_documents()
        s.sync_documents()  # nothing changed: nothing to ask
        # Saved again within the file system clock's tick: same size, same modification time.
        before = voice.stat()
        edited = voice.read_text(encoding="utf-8").replace("e", "E", 1)
        voice.write_text(edited, encoding="utf-8")
        os.utime(voice, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert voice.stat().st_size == before.st_size
        s.sync_documents()
        voice_now = mirrored(at.rules_bucket, at.voice_key)
        listed.write_text(listed.read_text(encoding="utf-8") + ANA + "\n", encoding="utf-8")
        s.sync_documents()
        list_now = mirrored(at.list_bucket, at.list_key)

    assert voice_now == edited
    assert list_now.splitlines()[-1] == ANA
