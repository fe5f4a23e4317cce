"""The owner's console and `og report` as HTML: plain f-strings, every value through
html.escape, inline CSS, no external assets (it works offline and as one saved file).

The console's pages carry forms (the Slack buttons) and one line of JavaScript (a filter applies
as it is chosen); the report is the same drawing with neither."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from email.message import EmailMessage
from html import escape
from urllib.parse import quote
from zoneinfo import ZoneInfo

from og.adapters.ports import PendingFlag, Proposal
from og.core.digest import WeeklyDigest
from og.core.funnel import PlanFunnel, funnel_table
from og.local.console_data import STATUSES, CustomerRow, HomeView
from og.local.history import EXECUTION, Event, Zones, window_text

ANSWER_PATH = "/console/answer"
INBOX_PATH = "/console/inbox"
FUNNEL_PATH = "/console/funnel"
CUSTOMER_PATH = "/console/customers/"

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;
background:#f5f6f8}
header{background:#232f3e;color:#fff;padding:10px 24px;display:flex;gap:22px;align-items:center}
header b{font-size:17px}header a{color:#d5dbe4;text-decoration:none}
header a.on{color:#fff;border-bottom:2px solid #ff9900}
main{padding:18px 24px;max-width:1200px}h1{font-size:21px;margin:4px 0 12px}
h2{font-size:17px;margin:22px 0 8px}.muted{color:#5f6b7a;font-size:13px}
table{border-collapse:collapse;background:#fff;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e3e6ea;vertical-align:top}
th{background:#eef0f3;font-size:13px}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:600}
.s-on-track{background:#e3f4e6;color:#1b6b2c}.s-waiting{background:#fff4d6;color:#7a5500}
.s-flagged{background:#fde2e1;color:#a4201a}.s-paused{background:#e6e9ef;color:#3b4656}
.s-unsubscribed{background:#ece4f7;color:#5b2f91}.s-finished{background:#dcecff;color:#0b4f9c}
form.filter{display:flex;gap:10px;margin:0 0 12px}form.filter input{flex:1}
input,select,button,textarea{font:inherit;padding:4px 8px}
button{border:1px solid #8d99a8;border-radius:4px;background:#fff;cursor:pointer}
button.primary{background:#ff9900;border-color:#e88b00}
.card{background:#fff;border:1px solid #e3e6ea;border-radius:6px;padding:12px 14px;
margin:0 0 12px}
.buttons{display:flex;gap:8px;align-items:flex-start;margin-top:8px}
details.ask{display:inline-block}details.ask>summary{list-style:none;cursor:pointer;
border:1px solid #8d99a8;border-radius:4px;padding:4px 10px;background:#fff}
details.ask[open]>summary{background:#eef0f3}details.ask form{margin-top:6px}
.timeline{list-style:none;padding:0;margin:0}
.timeline>li{display:grid;grid-template-columns:200px 1fr;gap:14px;padding:10px 0;
border-bottom:1px solid #e3e6ea}
.when{font-size:13px;color:#3b4656}.when span{display:block;color:#5f6b7a}
.kind{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:#5f6b7a}
.details{margin:2px 0 0;padding-left:18px;color:#3b4656;font-size:14px}
.path{display:flex;flex-direction:column;align-items:center;width:220px;margin:8px 0 2px}
.path .st{border:1px solid #1d8102;background:#f2fbef;border-radius:3px;padding:2px 12px;
font-size:13px;min-width:150px;text-align:center}
.path .st.failed{border-color:#d13212;background:#fdecea;color:#a4201a;font-weight:600}
.path .st.waiting{border-color:#0073bb;background:#e9f3fb}
.path .arrow{width:1px;height:12px;background:#8d99a8}
.path .end{border-radius:12px;background:#eef0f3;border:1px solid #8d99a8;padding:0 10px;
font-size:12px}
iframe.email{width:100%;height:420px;border:1px solid #e3e6ea;background:#fff}
.bar{background:#eef0f3;height:16px;width:260px;border-radius:3px;overflow:hidden}
.bar i{display:block;height:100%;background:#ff9900}
.note{background:#fff8e6;border:1px solid #f2d59b;padding:6px 10px;border-radius:4px;
font-size:13px}
"""


def e(value: object) -> str:
    return escape(str(value), quote=True)


def page(title: str, body: str, *, home_name: str, active: str = "", nav: bool = True) -> str:
    links = (
        ("/", "Customers"),
        (INBOX_PATH, "Flags & proposals"),
        (FUNNEL_PATH, "Funnel & digest"),
    )
    menu = "".join(
        f'<a href="{href}"{" class=on" if href == active else ""}>{e(label)}</a>'
        for href, label in links
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<style>{CSS}</style></head><body><header><b>{e(home_name)}</b>"
        f"{menu if nav else ''}</header><main>{body}</main></body></html>"
    )


def when(at: datetime | None, zones: Zones) -> str:
    """A moment at the business's local time, and the customer's where it differs."""
    if at is None:
        return ""
    business, customer = zones.local(at)
    if zones.same:
        return f"{e(business)}"
    return f"{e(business)}<span>{e(customer)} their time</span>"


def badge(status: str) -> str:
    return f'<span class="badge s-{e(status.replace(" ", "-"))}">{e(status)}</span>'


def customer_link(customer_id: str, text: str, *, linked: bool = True) -> str:
    if not linked:
        return f'<a href="#c-{e(customer_id)}">{e(text)}</a>'
    return f'<a href="{CUSTOMER_PATH}{quote(customer_id)}">{e(text)}</a>'


def zones_of(view: HomeView, row: CustomerRow) -> Zones:
    return Zones(view.business_tz, ZoneInfo(row.customer.timezone or view.docs.config.timezone))


# --- customers -----------------------------------------------------------------------------------
def customers_table(view: HomeView, rows: Iterable[CustomerRow], *, linked: bool = True) -> str:
    body = []
    for r in rows:
        z = zones_of(view, r)
        c = r.customer
        body.append(
            f'<tr data-status="{e(r.status)}">'
            f"<td>{customer_link(c.customer_id, c.name, linked=linked)}"
            f'<div class="muted">{e(c.customer_id)} · {e(c.email)}</div></td>'
            f"<td>{e(r.plan)}</td><td>{badge(r.status)}<div class=muted>{e(r.detail)}</div></td>"
            f"<td>{e(r.step) or '—'}</td>"
            f"<td>{e(r.last_move) or '—'}<div class=when>{when(r.last_at, z)}</div></td>"
            f"<td>{e(r.next_move) or '—'}<div class=when>{when(r.next_at, z)}</div></td></tr>"
        )
    return (
        "<table><thead><tr><th>Customer</th><th>Plan</th><th>Status</th><th>Current step</th>"
        "<th>Last move</th><th>Next move (send window)</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def customers_page(view: HomeView, status: str, plan: str, text: str) -> str:
    rows = [
        r
        for r in view.rows
        if (not status or r.status == status)
        and (not plan or r.plan == plan)
        and (
            not text
            or text.lower()
            in f"{r.customer.customer_id} {r.customer.name} "
            f"{r.customer.email} {r.step} {r.detail}".lower()
        )
    ]
    plans = sorted({r.plan for r in view.rows})

    def select(name: str, choices: Iterable[str], chosen: str, every: str) -> str:
        options = "".join(
            f'<option value="{e(c)}"{" selected" if c == chosen else ""}>{e(c)}</option>'
            for c in choices
        )
        return (
            f'<select name="{name}" onchange="this.form.submit()">'
            f'<option value="">{every}</option>{options}</select>'
        )

    form = (
        '<form class="filter" method="get" action="/">'
        f"{select('status', STATUSES, status, 'every status')}"
        f"{select('plan', plans, plan, 'every plan')}"
        f'<input name="q" value="{e(text)}" placeholder="name, id, email, step…">'
        "<button>Filter</button></form>"
    )
    counts = " · ".join(f"{sum(r.status == s for r in view.rows)} {s}" for s in STATUSES)
    body = (
        f"<h1>Customers</h1><p class=muted>{len(rows)} of {len(view.rows)} shown · {e(counts)}"
        f" · now {when(view.now, Zones(view.business_tz, view.business_tz))}"
        f" ({e(view.docs.config.timezone)})</p>{skipped_html(view)}{form}"
        f"{customers_table(view, rows)}"
    )
    return page("Customers", body, home_name=view.docs.config.business_name, active="/")


def skipped_html(view: HomeView) -> str:
    """The rows of the list the tick skips now, each with its line and what to fix."""
    if not view.skipped:
        return ""
    n = len(view.skipped)
    items = "".join(f"<li>{e(p)}</li>" for p in view.skipped)
    return (
        f'<div class="note"><b>{n} row{"" if n == 1 else "s"} of the list '
        f"{'is' if n == 1 else 'are'} not used</b>"
        f"<ul>{items}</ul></div>"
    )


# --- one customer's journey --------------------------------------------------------------------
def path_html(event: Event) -> str:
    """The states an execution passed, as the Step Functions console draws a path."""
    boxes = ['<span class="end">Start</span>']
    for i, s in enumerate(event.states):
        last = i == len(event.states) - 1
        kind = (
            "failed"
            if s.failed
            else "waiting"
            if last and event.status == "WAITING_FOR_OWNER"
            else ""
        )
        boxes.append(f'<span class="st {kind}" title="{e(s.name)}">{e(s.name)}</span>')
    if event.status in ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"):
        boxes.append(f'<span class="end">{e(event.status.title())}</span>')
    return '<div class="path">' + '<span class="arrow"></span>'.join(boxes) + "</div>"


def email_html(message: EmailMessage | None, *, body: bool = True) -> str:
    """The email as the customer got it, its links clickable (they open in a new tab); without
    `body`, only its subject and recipient."""
    if message is None:
        return '<p class="muted">(not in the local outbox)</p>'
    if not body:
        return f'<p class="muted">“{e(message["Subject"])}” to {e(message["To"])}</p>'
    part = message.get_body(("html", "plain"))
    content = part.get_content() if part is not None else ""
    if part is not None and part.get_content_type() == "text/plain":
        content = f"<pre style='white-space:pre-wrap'>{e(content)}</pre>"
    doc = '<base target="_blank">' + content
    return (
        f"<details><summary>{e(message['Subject'])} — to {e(message['To'])}</summary>"
        f'<iframe class="email" sandbox="allow-popups allow-popups-to-escape-sandbox" '
        f'srcdoc="{e(doc)}"></iframe></details>'
    )


def event_html(
    event: Event,
    zones: Zones,
    emails: Mapping[str, EmailMessage],
    flags: Mapping[str, str],
    *,
    bodies: bool = True,
) -> str:
    """One timeline entry; an open flag's key in `flags` gets its buttons (the console only)."""
    details = list(event.details)
    extra = ""
    if event.kind == EXECUTION:
        details.insert(1, window_text(event, zones))
        extra = path_html(event)
    elif event.message_id and event.channel == "email":
        extra = email_html(emails.get(event.message_id), body=bodies)
    items = "".join(f"<li>{e(d)}</li>" for d in details if d)
    key = event.flag_key
    buttons = flag_buttons(key, flags[key]) if key in flags and event.status == "open" else ""
    return (
        f'<li class="ev-{e(event.kind)}"><div class=when>{when(event.at, zones)}</div><div>'
        f"<div class=kind>{e(event.kind)}</div><div>{e(event.text)}</div>"
        f'<ul class="details">{items}</ul>{extra}{buttons}</div></li>'
    )


def timeline_html(
    events: Iterable[Event],
    zones: Zones,
    emails: Mapping[str, EmailMessage],
    flags: Mapping[str, str] | None = None,
    *,
    bodies: bool = True,
) -> str:
    entries = "".join(event_html(ev, zones, emails, flags or {}, bodies=bodies) for ev in events)
    return f'<ol class="timeline">{entries or "<li>nothing recorded yet</li>"}</ol>'


def customer_heading(view: HomeView, row: CustomerRow) -> str:
    c = row.customer
    z = zones_of(view, row)
    zone_note = (
        f"times in {z.business.key} (the business and the customer)"
        if z.same
        else f"times in {z.business.key} (the business), then {z.customer.key} (the customer)"
    )
    return (
        f'<h2 id="c-{e(c.customer_id)}">{e(c.name)} <span class=muted>{e(c.customer_id)} · '
        f"{e(c.email)} · {e(row.plan)}</span> {badge(row.status)}</h2>"
        f"<p class=muted>{e(row.detail)} · next: {e(row.next_move) or '—'} · {e(zone_note)}</p>"
    )


def customer_page(
    view: HomeView,
    row: CustomerRow,
    events: list[Event],
    emails: Mapping[str, EmailMessage],
    told: str = "",
) -> str:
    z = zones_of(view, row)
    open_flags = {f.flag_key: f.customer_id for f in view.flags}
    body = (
        f'<p><a href="/">← all customers</a></p>{_told(told)}{customer_heading(view, row)}'
        f"{SENT_AS_SLACK}{timeline_html(events, z, emails, open_flags)}"
    )
    return page(row.customer.name, body, home_name=view.docs.config.business_name)


def _told(told: str) -> str:
    return f'<p class="note" id="told">{e(told)}</p>' if told else ""


# --- flags and proposals -----------------------------------------------------------------------
SENT_AS_SLACK = (
    '<p class="note">The buttons are sent as Slack would: this server signs a Slack-shaped '
    "request with the home's Slack signing secret and posts it to /slack/interactions, so "
    "done-handler answers it exactly as it answers Slack.</p>"
)


def _answer_form(fields: Mapping[str, str], inner: str) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in fields.items()
    )
    return f'<form method="post" action="{ANSWER_PATH}">{hidden}{inner}</form>'


def flag_buttons(flag_key: str, customer_id: str) -> str:
    """Pause / Hand off / Done, as on the flag's Slack message; Pause and Hand off ask for the
    note first, as their Slack modal does."""
    base = {"kind": "flag", "key": flag_key, "customer": customer_id}
    ask = "".join(
        f'<details class="ask"><summary>{label}</summary>'
        + _answer_form(
            base | {"action": action},
            f'<input name="note" placeholder="{e(hint)}" aria-label="{e(hint)}"> '
            f'<button class="primary" name="send" value="{action}">{label}</button>',
        )
        + "</details>"
        for action, label, hint in (
            ("pause", "Pause", "why (optional)"),
            ("hand_off", "Hand off", "to whom"),
        )
    )
    done = _answer_form(base | {"action": "done"}, '<button class="primary">Done</button>')
    return f'<div class="buttons">{ask}{done}</div>'


def flag_card(flag: PendingFlag, name: str, zones: Zones) -> str:
    return (
        f'<div class="card" id="flag-{e(flag.flag_key)}"><b>{customer_link(flag.customer_id, name)}'
        f"</b> is stuck on step <b>{e(flag.step_id)}</b>"
        f"<div class=muted>flagged {when(flag.posted_at, zones)} · key {e(flag.flag_key)}</div>"
        f"<div>{e(flag.reason)}</div>{flag_buttons(flag.flag_key, flag.customer_id)}</div>"
    )


def proposal_card(p: Proposal, zones: Zones, columns: Iterable[str]) -> str:
    base = {"kind": "proposal", "key": p.key}
    fields = "".join(
        f'<label>{e(c)} <input name="set:{e(c)}" value="{e(p.row.get(c, ""))}"></label> '
        for c in columns
    )
    approve = (
        _answer_form(base | {"action": "approve"}, '<button class="primary">Approve</button>')
        if not p.problems
        else ""
    )
    edit = (
        '<details class="ask"><summary>Edit</summary>'
        + _answer_form(base | {"action": "edit"}, fields + "<button>Save and add</button>")
        + "</details>"
    )
    discard = _answer_form(base | {"action": "discard"}, "<button>Discard</button>")
    problems = "; ".join(p.problems) or "none"
    row = ", ".join(f"{k}={v}" for k, v in p.row.items())
    return (
        f'<div class="card" id="proposal-{e(p.key)}"><b>New customer from '
        f"{e(p.email_from)}</b>: {e(p.email_subject)}"
        f"<div class=muted>proposed {when(p.proposed_at, zones)} · key {e(p.key)}</div>"
        f"<div>{e(row)}</div><div class=muted>problems: {e(problems)}</div>"
        f'<div class="buttons">{approve}{edit}{discard}</div></div>'
    )


def inbox_page(view: HomeView, columns: Iterable[str], told: str = "") -> str:
    z = Zones(view.business_tz, view.business_tz)
    names = {c.customer_id: c.name for c in view.customers}
    flags = "".join(flag_card(f, names.get(f.customer_id, f.customer_id), z) for f in view.flags)
    columns = tuple(columns)
    proposals = "".join(proposal_card(p, z, columns) for p in view.proposals)
    body = (
        _told(told)
        + f"<h1>Open flags ({len(view.flags)})</h1>{SENT_AS_SLACK}"
        + (flags or "<p>No flag waits for you.</p>")
        + f"<h1>Intake proposals ({len(view.proposals)})</h1>"
        + (proposals or "<p>No proposal waits for you.</p>")
    )
    name = view.docs.config.business_name
    return page("Flags & proposals", body, home_name=name, active=INBOX_PATH)


# --- funnel and digest ---------------------------------------------------------------------------
def funnel_html(funnels: Iterable[PlanFunnel]) -> str:
    """og.core.funnel's table per plan, with a bar per stage."""
    out = []
    for f in funnels:
        table = funnel_table(f)
        head = "".join(f"<th>{e(h)}</th>" for h in table.headers[:3])
        rows = "".join(
            f"<tr><td>{e(stage)}</td><td>{e(n)}</td><td>{e(pct)}</td>"
            f'<td><div class="bar"><i style="width:{e(pct)}"></i></div></td>'
            f"<td>{e(days) or '—'}</td></tr>"
            for stage, n, pct, days in table.rows
        )
        drop = f.biggest_drop()
        where = (
            f"Most stop between “{e(drop.after)}” and “{e(drop.before)}” "
            f"({drop.customers} customers)."
            if drop
            else ""
        )
        out.append(
            f'<h2>{e(f.plan)}</h2><table class="funnel"><thead><tr>{head}<th></th>'
            f"<th>{e(table.headers[3])} from sign-up</th></tr></thead>"
            f"<tbody>{rows}</tbody></table><p class=muted>{where}</p>"
        )
    return "".join(out)


def digest_html(digest: WeeklyDigest) -> str:
    table = digest.table().html() if digest.rows else "<p>Nobody to list this week.</p>"
    flags = (
        f"<h3>Flags awaiting your answer ({len(digest.open_flags)})</h3>"
        f"{digest.flags_table().html()}"
        if digest.open_flags
        else ""
    )
    return (
        f'<div class="card"><b>{e(digest.headline)}</b><div class=muted>{e(digest.activity)}'
        f"</div>{table}{flags}</div>"
    )


def funnel_page(view: HomeView) -> str:
    body = (
        f"<h1>Activation funnel</h1>{funnel_html(view.funnels)}"
        "<h1>Weekly digest (preview)</h1><p class=muted>As the digest Lambda would post it for "
        f"the week ending now ({when(view.now, Zones(view.business_tz, view.business_tz))})."
        f"</p>{digest_html(view.digest)}"
    )
    name = view.docs.config.business_name
    return page("Funnel & digest", body, home_name=name, active=FUNNEL_PATH)
