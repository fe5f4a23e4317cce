"""Screenshots of what a customer sees after clicking a done link, for the docs: the example home
ticked for 2026-12-14, `og serve` on a free port, Debian's headless Chromium opening Mei's done
link, then (when the page has a #confirm button) the page after pressing it.

    .venv/bin/python scripts/screenshot_done_page.py            # docs/done-link-*.png
    .venv/bin/python scripts/screenshot_done_page.py --out /tmp

Needs chromium and chromium-driver (apt-get install chromium chromium-driver).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # tests/browser.py: the browser the tests use

from browser import chromium, missing_browser  # noqa: E402

from og.local.serve import LocalServer  # noqa: E402
from og.local.stack import LocalStack, done_link_in, init_home, outbox_messages  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    reason = missing_browser()
    if reason:
        print(f"screenshot_done_page: {reason}", file=sys.stderr)
        return 2
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.ui import WebDriverWait

    with tempfile.TemporaryDirectory(prefix="og-screenshot-") as tmp:
        home = Path(tmp) / "home"
        init_home(home, ROOT)
        with LocalStack(home, ROOT) as stack:
            stack.tick(date(2026, 12, 14))
            message = next(m for m in outbox_messages(home) if "meiling@" in str(m["To"]))
            link = urlsplit(done_link_in(message) or "")
            server = LocalServer(stack, "127.0.0.1", 0)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            try:
                with chromium() as driver:
                    driver.get(f"{server.base_url}{link.path}?{link.query}")
                    shots = [args.out / "done-link-page.png"]
                    driver.save_screenshot(str(shots[0]))
                    buttons = driver.find_elements(By.ID, "confirm")
                    if buttons:
                        buttons[0].click()
                        WebDriverWait(driver, 30).until(staleness_of(buttons[0]))
                        shots.append(args.out / "done-link-confirmed.png")
                        driver.save_screenshot(str(shots[1]))
            finally:
                server.shutdown()
                server.server_close()
    for shot in shots:
        print(f"wrote {shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
