"""`og` — the onboarding guide on the embedded local stack (no AWS account, no Docker).

The same state machines and handlers that template.yaml deploys run here on moto's Step Functions
interpreter, with a virtual clock and local adapters writing into an og home directory."""

from __future__ import annotations

import argparse
import html
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from og.core.errors import DocumentError, HomeBusy, UsageError
from og.core.models import Customer, RowProblem, Rules

DEFAULT_HOME = Path(".og-home")
HOME_HELP = f"the og home folder (default: {DEFAULT_HOME})"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _add_owner_answers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """The commands that answer as the owner does in Slack; returns `act`'s parser."""
    p = act_parser = sub.add_parser("act", help="the owner's answer to an open flag")
    p.add_argument("--home", type=Path, default=DEFAULT_HOME, help=HOME_HELP)
    p.add_argument("customer_id", nargs="?", help="whose one open flag (or give --flag)")
    p.add_argument(
        "action",
        choices=["pause", "hand-off", "done"],
        help="pause the customer, hand them off to a person, or mark the flagged step done",
    )
    p.add_argument("--flag", default=None, help="the flag's key (og flags lists them)")
    p.add_argument("--note", default=None, help="pause reason, or who the customer goes to")
    p.add_argument("--by", default=None, help="Slack user id (default: owner_slack_id)")
    _answer_time_option(p)

    for name, what in (
        ("pause", "stop every message to a customer, flag or no flag (answers an open flag)"),
        ("resume", "let the guide carry on with a paused or handed-off customer"),
    ):
        p = sub.add_parser(name, help=what)
        p.add_argument("--home", type=Path, default=DEFAULT_HOME, help=HOME_HELP)
        p.add_argument("customer_id", help="the customer's id in the onboarding list")
        if name == "pause":
            p.add_argument("--note", default=None, help="why, e.g. 'on holiday until March'")
        p.add_argument("--by", default=None, help="Slack user id (default: owner_slack_id)")
        _answer_time_option(p)
    for name, what in (
        ("approve", "add a proposed customer to the list (the Approve button)"),
        ("edit", "correct a proposed customer, then add it (Edit, and its form submitted)"),
        ("discard", "drop a proposed customer (the Discard button)"),
    ):
        p = sub.add_parser(name, help=what)
        p.add_argument("--home", type=Path, default=DEFAULT_HOME, help=HOME_HELP)
        p.add_argument("key", help="the proposal's key (og flags lists them)")
        if name == "edit":
            p.add_argument(
                "--set",
                action="append",
                default=[],
                metavar="COLUMN=VALUE",
                help="a corrected value, e.g. --set plan=Starter (repeatable)",
            )
        p.add_argument("--by", default=None, help="Slack user id (default: owner_slack_id)")
        _answer_time_option(p)
    return act_parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("onboarding-guide")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed: pip install -e .)"


def _add_home_and_day_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """init, validate, tick and simulate: a home, and the days run on it."""
    p = sub.add_parser(
        "init",
        help="create an og home: the bundled example, or with --blank your own business",
    )
    p.add_argument("home", type=Path, nargs="?", default=DEFAULT_HOME, help=HOME_HELP)
    _add_blank_home_options(p)

    p = sub.add_parser("validate", help="check the list, rules, voice and config")
    p.add_argument("--home", type=Path, default=DEFAULT_HOME, help=HOME_HELP)
    p.add_argument(
        "--date",
        type=_date,
        default=None,
        help="check the list as the tick of this business date reads it: a sign-up after that "
        "day's tick is in the future (default: now)",
    )

    p = sub.add_parser("tick", help="run the daily tick for one day")
    p.add_argument("--home", type=Path, default=DEFAULT_HOME, help=HOME_HELP)
    p.add_argument("--date", type=_date, default=None, help="business date (default: today)")
    p.add_argument("--dry-run", action="store_true", help="print the decisions, send nothing")

    p = sub.add_parser("simulate", help="run successive days with simulated done clicks")
    p.add_argument("--home", type=Path, default=DEFAULT_HOME, help=HOME_HELP)
    p.add_argument(
        "--start", type=_date, required=True, help="the first business date (YYYY-MM-DD)"
    )
    p.add_argument("--days", type=int, default=21, help="how many days to run (default: 21)")


def _add_blank_home_options(p: argparse.ArgumentParser) -> None:
    blank = p.add_argument_group(
        "your own business (og init DIR --blank --business NAME --timezone TZ)"
    )
    blank.add_argument(
        "--blank",
        action="store_true",
        help="start a home of your own: your settings, an empty list, one example plan to edit",
    )
    blank.add_argument(
        "--business", metavar="NAME", help="your business's name, as customers know it"
    )
    blank.add_argument(
        "--timezone", metavar="TZ", help="your timezone, like Europe/Lisbon (IANA name)"
    )
    blank.add_argument(
        "--holidays",
        metavar="CODE",
        help="public holidays with no email: a country code like PT, or none "
        "(default: your timezone's country)",
    )
    blank.add_argument(
        "--sender",
        metavar="ADDRESS",
        help="the From address of your emails (default: NAME <hello@example.com>)",
    )
    blank.add_argument(
        "--owner-slack-id",
        metavar="ID",
        default="U0123ABCD",
        help="your Slack member ID, for your flags (default: U0123ABCD, a placeholder)",
    )


def _add_report_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """digest and summary: the weekly and monthly reports, run as their schedules run them."""
    p = sub.add_parser("digest", help="post the weekly digest to the local Slack log and print it")
    p.add_argument("--home", type=Path, default=DEFAULT_HOME, help=HOME_HELP)
    p.add_argument(
        "--date",
        type=_date,
        default=None,
        help="the business date whose 6pm digest to run: the 7 days before it (default: today)",
    )
    p = sub.add_parser("summary", help="write the monthly summary email to the local outbox")
    p.add_argument("--home", type=Path, default=DEFAULT_HOME, help=HOME_HELP)
    p.add_argument("--month", required=True, help="the month to report, as YYYY-MM (e.g. 2026-12)")


def _add_sync_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """sync: drive-sync from a folder standing in for Google Drive (og.local.sync)."""
    from og.local.sync import cmd_sync

    p = sub.add_parser(
        "sync",
        help="publish the owner's exported list and docs into the home, as drive-sync does: "
        "a file that fails og validate's checks is kept out and the owner told once",
    )
    p.add_argument("--home", type=Path, default=DEFAULT_HOME, help="the og home to publish into")
    p.add_argument(
        "--from",
        dest="source",
        metavar="FOLDER",
        type=Path,
        required=True,
        help="the folder standing in for Google Drive: onboarding.csv, rules.txt, voice.txt",
    )
    _COMMANDS["sync"] = cmd_sync


def _add_file_report_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """report: the console's pages as one file."""
    p = sub.add_parser("report", help="write the funnel, stuck list and timelines to one HTML file")
    p.add_argument("--home", type=Path, default=DEFAULT_HOME, help=HOME_HELP)
    p.add_argument(
        "--out", type=Path, required=True, help="the HTML file to write (self-contained)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="og", description=__doc__)
    parser.add_argument("--version", action="version", version=f"og {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    _add_home_and_day_commands(sub)
    _add_report_commands(sub)
    _add_file_report_command(sub)
    _add_sync_command(sub)

    p = sub.add_parser("history", help="one customer's timeline")
    p.add_argument("--home", type=Path, default=DEFAULT_HOME, help=HOME_HELP)
    p.add_argument("customer_id", help="the customer's id in the onboarding list")

    p = sub.add_parser("flags", help="the open flags and pending intake proposals, with keys")
    p.add_argument("--home", type=Path, default=DEFAULT_HOME, help=HOME_HELP)

    act_parser = _add_owner_answers(sub)

    p = sub.add_parser("intake", help="propose the customer of a saved forwarded email (.eml)")
    p.add_argument("--home", type=Path, default=DEFAULT_HOME, help=HOME_HELP)
    p.add_argument("email", type=Path, help="the forwarded welcome email, as a .eml file")
    p.add_argument("--at", type=datetime.fromisoformat, default=None, help="default: now")

    p = sub.add_parser("serve", help="serve the Function URLs (done links, enroll...) locally")
    p.add_argument("--home", type=Path, default=DEFAULT_HOME, help=HOME_HELP)
    p.add_argument("--port", type=int, default=8765, help="port to listen on (default: 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: localhost)")

    p = sub.add_parser("asl", help="compose statemachines/ from asl-fragments/")
    p.add_argument(
        "action",
        choices=["build", "check"],
        help="build: write statemachines/; check: list the files that differ (exit 1)",
    )

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["act"]:
        # Intermixed: options may stand between the optional customer id and the action.
        args = act_parser.parse_intermixed_args(argv[1:], argparse.Namespace(command="act"))
    else:
        args = parser.parse_args(argv)
    try:
        return int(_COMMANDS[args.command](args))
    except DocumentError as err:
        print(f"og: the documents have problems; nothing was sent:\n{err}", file=sys.stderr)
        return 2
    except (FileNotFoundError, LookupError, ValueError) as err:
        print(f"og: {err}", file=sys.stderr)
        return 2
    except HomeBusy as err:
        print(f"og: {err}", file=sys.stderr)
        return 75  # EX_TEMPFAIL: try again later


def _home_file(home: Path, name: str) -> str:
    from og.core.text import decode_export

    _require_file(home / name)
    return decode_export((home / name).read_bytes(), name)


def _require_file(path: Path) -> None:
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: an og home has config.txt, rules.txt, voice.txt and "
            f"onboarding.csv (og init DIR makes one from the bundled example)"
        )


def _require_home(home: Path) -> None:
    if not (home / "config.txt").exists():
        raise FileNotFoundError(f"{home} is not an og home (no config.txt); run: og init {home}")
    for name in ("rules.txt", "voice.txt", "onboarding.csv"):
        _require_file(home / name)


def cmd_init(args: argparse.Namespace) -> int:
    from og.local.engine import project_root
    from og.local.new_home import init_blank_home
    from og.local.stack import init_home

    own = ("business", "timezone", "holidays", "sender")
    if args.blank:
        if not (args.business and args.timezone):
            raise UsageError("og init --blank needs --business NAME and --timezone TZ")
        written = init_blank_home(
            args.home,
            business=args.business,
            timezone=args.timezone,
            holidays=args.holidays,
            sender=args.sender,
            owner_slack_id=args.owner_slack_id,
        )
    elif any(getattr(args, name) for name in own):
        raise UsageError("--business, --timezone, --holidays and --sender go with --blank")
    else:
        written = init_home(args.home, project_root())
    for path in written:
        print(f"created {path}")
    print(f"og home ready at {args.home}" if written else f"{args.home} already set up")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from og.core.config_doc import read_config_entries
    from og.local.stack import tick_time
    from og.logic.validate import check_documents

    _require_home(args.home)
    h = args.home
    now = tick_time(h, args.date) if args.date else datetime.now(ZoneInfo("UTC"))
    checked = check_documents(
        read_config_entries(_home_file(h, "config.txt"), "config.txt"),
        ("rules.txt", _home_file(h, "rules.txt")),
        ("voice.txt", _home_file(h, "voice.txt")),
        ("onboarding.csv", _home_file(h, "onboarding.csv")),
        now,
    )
    if checked.docs is None:
        raise DocumentError(list(checked.problems))
    customers, problems = list(checked.customers), checked.skipped
    print(f"config.txt, rules.txt ({len(checked.docs.rules.plans)} plans), voice.txt: ok")
    print(f"onboarding.csv: {len(customers)} customers ok, {len(problems)} rows skipped")
    _show_problems(problems)
    held = _unknown_progress(h, customers, checked.docs.rules)
    _show_problems(held)
    return 1 if problems or held else 0


def _show_problems(problems: Sequence[RowProblem]) -> None:
    from og.local.terminal import show_table

    if problems:
        show_table(
            ("FILE", "LINE", "CUSTOMER", "FIELD", "PROBLEM"),
            [(p.source, str(p.line), p.customer_id, p.field, p.message) for p in problems],
            plain=[f"  {p}" for p in problems],
        )


def _unknown_progress(home: Path, customers: list[Customer], rules: Rules) -> list[RowProblem]:
    """Customers of the home's store with progress on a step their plan no longer has."""
    from og.adapters.local.store import SqliteJourneyStore
    from og.core.step_identity import unknown_progress_problems

    if not (home / "og.sqlite").exists():
        return []
    journeys = SqliteJourneyStore(home / "og.sqlite").load_journeys()
    held = unknown_progress_problems(customers, rules, journeys)
    customers_held = len({p.customer_id for p in held})
    print(f"og.sqlite: {customers_held} customers held (progress on a step no longer in the plan)")
    return held


def _today(home: Path) -> date:
    return datetime.now(_timezone(home)).date()


def _timezone(home: Path) -> ZoneInfo:
    from og.core.config_doc import read_config_entries

    entries = read_config_entries((home / "config.txt").read_text(encoding="utf-8"), "config.txt")
    return ZoneInfo(entries["timezone"][0])


def cmd_tick(args: argparse.Namespace) -> int:
    from og.local.stack import LocalStack

    _require_home(args.home)
    day = args.date or _today(args.home)
    with LocalStack(args.home) as stack:
        if args.dry_run:
            plan = stack.dry_run(day)
            _print_plan(plan)
            return 0
        report = stack.tick(day)
    _print_tick(report)
    return 0 if report.ok else 1


def _print_plan(plan: object) -> None:
    from og.core.models import DayPlan

    assert isinstance(plan, DayPlan)
    print(f"dry run for {plan.business_date} (nothing is sent)")
    if plan.closed_because:
        print(f"closed today: {plan.closed_because}")
    for d in plan.decisions:
        if d.move is None:
            print(f"  {d.customer_id:<14} nothing     {d.reason}")
            continue
        for m in (d.move, d.also):
            if m is None:
                continue
            when = m.window.rfc3339 + (
                f" (deferred: {m.window.deferred_because})" if m.window.deferred_because else ""
            )
            print(
                f"  {d.customer_id:<14} {m.kind.value:<11} {m.step.id} at {when}\n"
                f"  {'':<14} {'':<11} why: {m.reason}"
            )
    for problem in plan.problems:
        print(f"  skipped row: {problem}")


def _print_tick(report: object) -> None:
    from og.local.stack import TickReport

    assert isinstance(report, TickReport)
    plan = report.plan
    print(
        f"tick {report.day} at {report.tick_at:%H:%M}Z: {report.status}; "
        f"{plan.get('customer_count', 0)} customers, {plan.get('move_count', 0)} moves"
        + (f", closed: {plan['closed_because']}" if plan.get("closed_because") else "")
    )
    for problem in plan.get("new_problems", []):
        print(f"  reported to owner: {problem['text']}")
    rows = [_journey_row(r) for r in sorted(report.journeys, key=lambda r: r.name)]
    if rows:
        from og.local.terminal import show_table

        show_table(
            ("CUSTOMER", "MOVE", "STEP", "OUTCOME"),
            rows,
            plain=[f"  {c:<14} {m:<9} {s:<18} {outcome}" for c, m, s, outcome in rows],
        )
    if report.error:
        print(f"  error: {report.error}")


def _journey_row(r: object) -> tuple[str, str, str, str]:
    from og.local.engine import ExecutionRecord

    assert isinstance(r, ExecutionRecord)
    move = r.input["move"]
    return (move["customer_id"], move["move"], move["step_id"], _outcome(r))


def _outcome(r: object) -> str:
    from og.local.engine import ExecutionRecord

    assert isinstance(r, ExecutionRecord)
    out = r.output or {}
    if r.status == "WAITING_FOR_OWNER":
        return "flag posted; waiting for the owner (og act ... pause|hand-off|done)"
    if r.status != "SUCCEEDED":
        return f"{r.status}: {r.error}"
    sent = out.get("sent") or {}
    if out.get("failure"):
        return f"failed, owner flagged: {out['failure'].get('Error')}"
    if "owner_answer" in out:
        return f"owner answered: {out['owner_answer'].get('action', 'no answer (timed out)')}"
    return f"{sent.get('outcome', '?')}: {sent.get('detail', '')}"


def cmd_simulate(args: argparse.Namespace) -> int:
    from og.local.simulation import simulate

    _require_home(args.home)
    return simulate(args.home, args.start, args.days)


def cmd_history(args: argparse.Namespace) -> int:
    from og.local.history import customer_timeline

    _require_home(args.home)
    lines = customer_timeline(args.home, args.customer_id)
    if not lines:
        print(f"no history for customer {args.customer_id}")
        return 1
    print("\n".join(lines))
    return 0


def cmd_flags(args: argparse.Namespace) -> int:
    """Read-only: no home lock, so it answers while a tick or `og serve` runs."""
    from og.local.owner_inbox import describe, listings, open_items
    from og.local.terminal import is_terminal, show_table

    _require_home(args.home)
    items, tz = open_items(args.home), _timezone(args.home)
    if not is_terminal():
        print("\n".join(describe(items, args.home, tz)))
        return 0
    for i, listing in enumerate(listings(items, args.home, tz)):
        print(("\n" if i else "") + listing.heading)
        if listing.rows:
            show_table(listing.headers, listing.rows, plain=())
    return 0


def cmd_act(args: argparse.Namespace) -> int:
    from og.local.stack import LocalStack

    _require_home(args.home)
    action = args.action.replace("-", "_")
    at = _answer_time(args.home, args.at)
    with LocalStack(args.home) as stack:
        stack.sync_documents()
        stack.owner_answers(
            args.customer_id, action, at, flag_key=args.flag, by_user=args.by, note=args.note
        )
    print(
        f"{args.customer_id or f'flag {args.flag}'}: {args.action} recorded at "
        f"{at:%Y-%m-%d %H:%M}Z (the waiting journey is resumed if it is still running; "
        "otherwise the answer stands on its own)"
    )
    return 0


def cmd_proposal(args: argparse.Namespace) -> int:
    """`og approve|edit|discard KEY`: exit 0 when the proposal was decided, 1 when it was not
    (the list refused the row: what to fix is printed)."""
    from og.local.owner_inbox import answer_proposal, parse_edits
    from og.local.stack import LocalStack, owner_slack_id

    _require_home(args.home)
    edits = parse_edits(getattr(args, "set", []))
    by = args.by or owner_slack_id(args.home)
    at = _answer_time(args.home, args.at)
    with LocalStack(args.home) as stack:
        answer = answer_proposal(stack, args.key, args.command, at, by_user=by, edits=edits)
    print("\n".join(answer.told))
    return 0 if answer.decided else 1


def _answer_time_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--at",
        type=datetime.fromisoformat,
        default=None,
        help="when the owner answers (default: now, or after the home's last run if later)",
    )


def _answer_time(home: Path, at: datetime | None) -> datetime:
    """When the owner answers: `at`, else now, or after the home's last run if that is later
    (simulated days run ahead of the real clock)."""
    from og.local.runs import RunLog

    return at or RunLog(home / "og.sqlite").clock_after_runs(datetime.now(UTC))


def cmd_pause_resume(args: argparse.Namespace) -> int:
    """`og pause` / `og resume`: the owner's `/og` slash command, signed as Slack signs it,
    through done-handler."""
    from og.local.stack import LocalStack
    from og.logic.pausing import CHANGED, Outcome

    _require_home(args.home)
    at = _answer_time(args.home, args.at)
    with LocalStack(args.home) as stack:
        outcome, text = stack.owner_command(
            args.command,
            args.customer_id,
            at,
            by_user=args.by,
            note=getattr(args, "note", None),
        )
    print(html.unescape(text))  # as Slack shows it to the owner
    if outcome in CHANGED or outcome in (Outcome.ALREADY_PAUSED, Outcome.NOT_PAUSED):
        return 0
    return 1


def cmd_intake(args: argparse.Namespace) -> int:
    """`og intake`: the saved email through intake-ses-parser, as SES and S3 would deliver it."""
    from og.adapters.owner_messages import PROPOSAL_FIELDS as FIELDS
    from og.local.intake import propose_file
    from og.local.stack import LocalStack

    _require_home(args.home)
    at = _answer_time(args.home, args.at)
    with LocalStack(args.home) as stack:
        result = propose_file(stack, args.email, at)
    if result.proposal is None:
        print(f"{args.email}: {result.outcome}: {result.detail}")
        return 1
    p = result.proposal
    said = "proposed to the owner" if result.outcome == "posted" else "already proposed"
    print(f"{args.email}: {said} (proposal {p.key}, stored as {result.source})")
    for column, label in FIELDS:
        print(f"  {label + ':':<13} {p.row.get(column) or '-'}")
    for problem in p.problems:
        print(f"  to fix with Edit before it can be added: {problem}")
    if p.note:
        print(f"  {p.note}")
    if p.decision is not None:
        print(f"  {p.decision.value} by {p.decided_by} at {p.decided_at}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from og.local.serve import serve
    from og.local.stack import LocalStack

    _require_home(args.home)
    with LocalStack(args.home) as stack:
        serve(stack, args.host, args.port)
    return 0


def cmd_report_run(args: argparse.Namespace) -> int:
    """`og digest` / `og summary`: the report's real handler on the home, and what came out."""
    from og.local import reports

    _require_home(args.home)
    if args.command == "digest":
        ran = reports.run_digest(args.home, args.date or _today(args.home))
    else:
        ran = reports.run_summary(args.home, reports.parse_month(args.month))
    print("\n".join(ran.told))
    return 0 if ran.ok else 1


def cmd_report(args: argparse.Namespace) -> int:
    """Read-only: no home lock, so it answers while a tick or `og serve` runs."""
    from og.local.console_report import write_report

    _require_home(args.home)
    view = write_report(args.home, args.out)
    print(
        f"wrote {args.out}: {len(view.rows)} customers, {len(view.stuck)} stuck, "
        f"{len(view.funnels)} plan funnels"
    )
    return 0


def cmd_asl(args: argparse.Namespace) -> int:
    from og import asl
    from og.local.engine import project_root

    root = project_root()
    if args.action == "build":
        for path in asl.build(root):
            print(f"wrote {path}")
        return 0
    stale = asl.stale(root)
    for name in stale:
        print(f"statemachines/{name} differs from asl-fragments/; run: og asl build")
    return 1 if stale else 0


_COMMANDS = {
    "init": cmd_init,
    "validate": cmd_validate,
    "tick": cmd_tick,
    "simulate": cmd_simulate,
    "history": cmd_history,
    "flags": cmd_flags,
    "act": cmd_act,
    "approve": cmd_proposal,
    "edit": cmd_proposal,
    "discard": cmd_proposal,
    "pause": cmd_pause_resume,
    "resume": cmd_pause_resume,
    "intake": cmd_intake,
    "serve": cmd_serve,
    "asl": cmd_asl,
    "digest": cmd_report_run,
    "summary": cmd_report_run,
    "report": cmd_report,
}

if __name__ == "__main__":
    sys.exit(main())
