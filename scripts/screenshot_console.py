"""Screenshots of the owner's console for the docs: the example home simulated for 21 days from
2026-12-10 (as `make simulate`), `og serve` on a free port, Debian's headless Chromium opening
the customer list, a flagged customer's journey (at the open flag, with its buttons) and the
funnel with the weekly digest's preview.

    .venv/bin/python scripts/screenshot_console.py            # docs/console-*.png
    .venv/bin/python scripts/screenshot_console.py --out /tmp

Needs chromium and chromium-driver (apt-get install chromium chromium-driver).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # tests/browser.py: the browser the tests use

from browser import chromium, missing_browser  # noqa: E402

from og.cli import main as og  # noqa: E402
from og.local.serve import LocalServer  # noqa: E402
from og.local.stack import LocalStack  # noqa: E402

FLAGGED = "hh-1004"  # Tom Whitfield, London: both local times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    reason = missing_browser()
    if reason:
        print(f"screenshot_console: {reason}", file=sys.stderr)
        return 2
    from selenium.webdriver.common.by import By

    with tempfile.TemporaryDirectory(prefix="og-screenshot-") as tmp:
        home = Path(tmp) / "home"
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            og(["init", str(home)])
            og(["simulate", "--home", str(home), "--start", "2026-12-10", "--days", "21"])
        with LocalStack(home, ROOT) as stack:
            server = LocalServer(stack, "127.0.0.1", 0)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            try:
                with chromium() as driver:
                    driver.get(f"{server.base_url}/")
                    driver.save_screenshot(str(args.out / "console-customers.png"))
                    driver.get(f"{server.base_url}/console/customers/{FLAGGED}")
                    flag = driver.find_element(By.CSS_SELECTOR, ".ev-flag")
                    driver.find_element(  # the email after the flag, opened
                        By.XPATH,
                        "//li[contains(@class,'ev-flag')]/following-sibling::"
                        "li[contains(@class,'ev-message')][1]//summary",
                    ).click()
                    driver.execute_script("arguments[0].scrollIntoView()", flag)
                    driver.save_screenshot(str(args.out / "console-journey.png"))
                    driver.get(f"{server.base_url}/console/funnel")
                    driver.save_screenshot(str(args.out / "console-funnel.png"))
            finally:
                server.shutdown()
                server.server_close()
    for name in ("customers", "journey", "funnel"):
        print(args.out / f"console-{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
