"""A message every business day in every timezone, through the real state machines: the example
business is in Asia/Singapore, so its 09:00 tick falls on the previous evening in New York (20:00,
quiet hours) and the previous afternoon in Los Angeles (17:00, inside send hours)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from .support import Home

pytestmark = [pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]

MON = date(2026, 12, 14)
WEEK = [MON + timedelta(days=n) for n in range(7)]  # Monday 14 .. Sunday 20 December
NY, LA = "America/New_York", "America/Los_Angeles"
# Signed up on 1 December: with no done clicks, every step is overdue and then every nudge.
SARAH = "c-ny,Sarah O'Connor,sarah@brooklynloaf.example,Starter,2026-12-01 10:00,America/New_York,,"
LEO = "c-la,Leo Park,leo@sunsetcrumb.example,Starter,2026-12-01 10:00,America/Los_Angeles,,"


def test_new_york_customer_of_a_singapore_business_gets_an_email_on_each_business_day(
    make_home: Callable[..., Home],
) -> None:
    home = make_home([SARAH, LEO])
    with home.stack() as s:
        reports = [s.tick(day) for day in WEEK]
    assert all(r.ok for r in reports), [r.error for r in reports]

    for cid, tz in (("c-ny", NY), ("c-la", LA)):
        mails = sorted(
            (m for m in home.outbox() if m.message_id.startswith(f"og.{cid}.")),
            key=lambda m: m.date,
        )
        local = [m.date.astimezone(ZoneInfo(tz)) for m in mails]
        # Monday 14 to Friday 18 December on the customer's clock, one each, inside their send
        # hours; nothing on their weekend.
        assert [t.date() for t in local] == WEEK[:5], (cid, local)
        assert all(8 <= t.hour < 20 for t in local), (cid, local)
        assert sorted(home.send_days(cid)) == [d.isoformat() for d in WEEK[:5]]
        # Every journey sent: none was planned and then refused as "already messaged".
        outcomes = [
            j.output["sent"]["outcome"]
            for r in reports
            for j in r.journeys
            if j.input["move"]["customer_id"] == cid and j.output and "sent" in j.output
        ]
        assert outcomes == ["sent"] * 5, (cid, outcomes)
    kinds = [m.message_id.split("@")[0].rsplit(".", 1)[1] for m in home.outbox()]
    assert kinds.count("step") == 8 and kinds.count("nudge") == 2  # four steps, then a nudge
