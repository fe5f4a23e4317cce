"""Write what a customer sees of a step email: its HTML part and a screenshot of it.

    .venv/bin/python scripts/email_preview.py                  # docs/email-step.{html,png}
    .venv/bin/python scripts/email_preview.py --out /tmp/mail --customer hh-1003

Builds a temporary og home from examples/, runs the example's first tick (2026-12-10) on the
local stack, takes that customer's welcome email from the outbox and renders its HTML part in
Debian's headless Chromium (`apt-get install chromium`). The done link in it is signed with the
temporary home's secret, so it is valid nowhere.
"""

from __future__ import annotations

import argparse
import email
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from og.local.engine import project_root
from og.local.stack import LocalStack, init_home

DAY = date(2026, 12, 10)
WINDOW = (760, 480)


def step_email(customer_id: str, step_id: str) -> EmailMessage:
    root = project_root()
    with tempfile.TemporaryDirectory(prefix="og-email-preview-") as tmp:
        home = Path(tmp) / "home"
        init_home(home, root)
        with LocalStack(home, root) as stack:
            report = stack.tick(DAY)
            if not report.ok:
                sys.exit(f"the example tick of {DAY} failed: {report.error}")
        found = list((home / "outbox").glob(f"og.{customer_id}.{step_id}.step@*.eml"))
        if not found:
            sys.exit(f"no '{step_id}' email to {customer_id} on {DAY}; try --customer hh-1001")
        message = email.message_from_bytes(found[0].read_bytes(), policy=default_policy)
        return message  # type: ignore[return-value]


def screenshot(page: Path, png: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("no chromium on PATH: apt-get install chromium (the HTML was written anyway)")
    with tempfile.TemporaryDirectory(prefix="og-chromium-") as profile:
        subprocess.run(
            [
                chromium,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--disable-background-networking",
                "--no-first-run",
                f"--user-data-dir={profile}",
                f"--window-size={WINDOW[0]},{WINDOW[1]}",
                f"--screenshot={png}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=project_root() / "docs")
    parser.add_argument("--customer", default="hh-1001", help="an example customer id")
    args = parser.parse_args(argv)
    message = step_email(args.customer, "welcome")
    html = message.get_body(("html",))
    if html is None:
        sys.exit("the email has no HTML part")
    args.out.mkdir(parents=True, exist_ok=True)
    page, png = args.out / "email-step.html", args.out / "email-step.png"
    page.write_text(html.get_content(), encoding="utf-8")
    screenshot(page.resolve(), png)
    print(f"{message['Subject']}\n  {page}\n  {png}")


if __name__ == "__main__":
    main()
