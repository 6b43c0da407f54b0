"""The overview's first paint with data, in Chromium, on the local stack (issue 14 item 6: under 1 s).

The whole local stack (moto, the simulator, the API behind the local API Gateway, the web app) with
one seller of three marketplaces (US, DE, JP) holding two years of day rollups (730 days x 3), and
the ECB reference rates (the scheduled fetch, from the simulator's files). The owner signs in through
the dashboard's own form (password + TOTP); then the overview is loaded `RUNS` times (a reload keeps
the tab's session) and each time the page's own performance mark `dashboard:data` is read: the
first animation frame after the KPI tiles (and the home-currency total) are drawn with the API's
figures (`web/js/home-total.js`), in ms since the navigation started.

A reload draws the seller's page from the list this tab's `/sellers` last gave (kept per user in
sessionStorage) and checks it when `/sellers` answers; every other load is made without that list
(removed first, as in a new tab), so that the page waits for `/sellers` as it used to: both kinds
interleaved, under the same load.

    BENCH dashboard_first_paint_ms <median> ms                      (a reload: the stored list)
    BENCH dashboard_first_paint_max_ms <slowest> ms
    BENCH dashboard_first_paint_target_met <0|1> bool     (median under 1,000 ms)
    BENCH dashboard_first_paint_without_stored_list_ms <median> ms  (waiting for /sellers first)

Needs Chromium at /usr/bin/chromium (Playwright drives it through `executable_path`). Not in
`make test`: a timed measurement on a shared machine is a bench, not a test.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
RUNS = 7
TARGET_MS = 1000.0
HISTORY_DAYS = 730


def _sign_in(page: Any, base: str, email: str, password: str, totp_secret: str) -> None:
    """Password, then the authenticator's code, through the dashboard's own form."""
    from sellerflow_dev.local.identity import totp_code

    page.goto(f"{base}/#/signin")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=mfa-code]")
    page.fill("[data-testid=mfa-code]", totp_code(totp_secret))
    page.click("button[type=submit]")
    page.wait_for_selector("#topbar:not([hidden])")


# Where a load's time goes: the requests the overview waits on (Resource Timing, ms).
_REQUESTS = """() => Object.fromEntries(performance.getEntriesByType('resource')
    .filter(e => /\\/sellers(\\?|$)|\\/dashboard\\?/.test(e.name))
    .map(e => [e.name.includes('/dashboard?') ? 'dashboard' : 'sellers', e.duration]))"""


WAIT_MS = 180_000  # a load under a load average of ~20 takes its time; it is measured, not failed
_MARK = "() => performance.getEntriesByName('dashboard:data').length > 0"
_MARK_AT = "() => performance.getEntriesByName('dashboard:data')[0].startTime"


def _load(page: Any, *, stored_list: bool) -> float:
    if not stored_list:
        page.evaluate("() => sessionStorage.removeItem('sellerflow.sellers')")
    page.reload()
    page.wait_for_function(_MARK, timeout=WAIT_MS)
    return float(page.evaluate(_MARK_AT))


def first_paint_ms(runs: int = RUNS) -> tuple[list[float], dict[str, list[float]], list[float]]:
    from playwright.sync_api import sync_playwright

    from sellerflow_dev.bench.dashboard_world import seed_day_rollups
    from sellerflow_dev.local.stack import LocalStack, LocalStackConfig

    stack = LocalStack(LocalStackConfig(sellers=1, seed=7)).start()
    try:
        stack.connect_demo_sellers()
        seller = stack.world.sellers[0]
        seed_day_rollups(seller.seller_id, HISTORY_DAYS, datetime.now(UTC))
        stack.fire_schedule("FetchFxRatesSchedule")
        assert stack.gateway is not None
        base = stack.gateway.url
        user = stack.users["owner1@sellerflow.local"]
        times: list[float] = []
        without: list[float] = []
        requests: dict[str, list[float]] = {"sellers": [], "dashboard": []}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"], headless=True
            )
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            _sign_in(page, base, user.email, user.password, user.totp_secret)
            page.wait_for_url(f"**/#/sellers/{seller.seller_id}")
            for _ in range(runs):
                times.append(_load(page, stored_list=True))
                for name, duration in page.evaluate(_REQUESTS).items():
                    requests[name].append(float(duration))
                without.append(_load(page, stored_list=False))
            shown = page.locator("[data-testid=home-total]").count()
            browser.close()
        if not shown:
            raise RuntimeError("the overview drew no home-currency total: the figures are not all there")
        return times, requests, without
    finally:
        stack.stop()


def main() -> int:
    if not CHROMIUM.is_file():
        print(f"BENCH dashboard_first_paint_skipped 1 bool  ({CHROMIUM} missing)", flush=True)
        return 0
    started = time.monotonic()
    times, requests, without = first_paint_ms()
    median = statistics.median(times)
    print(f"BENCH dashboard_first_paint_ms {median:.0f} ms", flush=True)
    print(f"BENCH dashboard_first_paint_max_ms {max(times):.0f} ms", flush=True)
    print(f"BENCH dashboard_first_paint_target_met {int(median < TARGET_MS)} bool", flush=True)
    print(
        f"BENCH dashboard_first_paint_without_stored_list_ms {statistics.median(without):.0f} ms", flush=True
    )
    for name, durations in requests.items():  # the two requests of a reload (no longer one after the other)
        if durations:
            print(
                f"BENCH dashboard_first_paint_{name}_request_ms {statistics.median(durations):.0f} ms",
                flush=True,
            )
    print(
        f"# {len(times)} reloads: {', '.join(f'{t:.0f}' for t in times)} ms; without the stored list: "
        f"{', '.join(f'{t:.0f}' for t in without)} ms; load average {os.getloadavg()[0]:.1f} at the end; "
        f"{time.monotonic() - started:.0f} s",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
