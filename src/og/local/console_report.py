"""`og report --home H --out FILE.html`: the activation funnel, the stuck list and every
customer's timeline in one self-contained HTML file — the console's drawing (inline CSS), with
no script, no form and no link back to a server, so it can be mailed or archived. Emails are
named by subject (their done links would lead to the server)."""

from __future__ import annotations

from pathlib import Path

from og.local import console_html as pages
from og.local.console import emails
from og.local.console_data import HomeView, read_home
from og.local.history import Zones, customer_events


def stuck_html(view: HomeView) -> str:
    rows = "".join(
        f"<tr><td>{pages.customer_link(r.customer_id, r.name, linked=False)}"
        f'<div class="muted">{pages.e(r.customer_id)}</div></td><td>{pages.e(r.plan)}</td>'
        f"<td>{pages.e(r.detail)}</td></tr>"
        for r in view.stuck
    )
    if not rows:
        return "<p>Nobody is stuck.</p>"
    return (
        "<table><thead><tr><th>Customer</th><th>Plan</th><th>Why</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def report_html(view: HomeView) -> str:
    outbox = emails(view.home)
    timelines = "".join(
        pages.customer_heading(view, row)
        + pages.timeline_html(
            customer_events(view.home, row.customer.customer_id),
            pages.zones_of(view, row),
            outbox,
            bodies=False,
        )
        for row in view.rows
    )
    now = pages.when(view.now, Zones(view.business_tz, view.business_tz))
    body = (
        f"<h1>Onboarding report</h1><p class=muted>{now} ({pages.e(view.docs.config.timezone)})"
        f" · {len(view.rows)} customers</p>"
        f"<h1>Activation funnel</h1>{pages.funnel_html(view.funnels)}"
        f"<h1>Stuck ({len(view.stuck)})</h1><p class=muted>Flagged, or a step sent and not "
        f"done for longer than the rules allow.</p>{stuck_html(view)}"
        f"<h1>Customers</h1>{pages.customers_table(view, view.rows, linked=False)}"
        f"<h1>Timelines</h1>{timelines}"
    )
    name = view.docs.config.business_name
    return pages.page(f"{name}: onboarding report", body, home_name=name, nav=False)


def write_report(home: Path, out: Path) -> HomeView:
    view = read_home(home)
    out.write_text(report_html(view), encoding="utf-8")
    return view
