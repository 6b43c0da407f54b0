"""The overview's first paint with data, in Chromium, on the local stack (issue 14 item 6: under 1 s).

The whole local stack (moto, the simulator, the API behind the local API Gateway, the web app) with
one seller of three marketplaces (US, DE, JP) holding two years of day rollups (730 days x 3), and
the ECB reference rates (the scheduled fetch, from the simulator's files). The owner signs in through
the dashboard's own form (password + TOTP); then the overview is loaded `RUNS` times (a reload keeps
the tab's session) and each time the page's own performance mark `dashboard:data` is read: the
first animation frame after the KPI tiles (and the home-currency total) are drawn with the API's
figures (`web/js/home-total.js`), in ms since the navigation started.

Two kinds of load, interleaved so that they share the same minutes, each with the gateway's N
environments per function (`SELLERFLOW_LOCAL_ENVIRONMENTS`, default 4: a page's requests run side by
side, as Lambda's environments) and, side by side in the same run, with one (the old queue):

- *opened*: the previous page has settled (no request for 500 ms, then 300 ms) before the reload,
  as when a seller opens the overview — the headline figure;
- *reloaded while loading*: the reload comes as soon as the previous page drew its tiles, while its
  other requests (SKU rows, ads series, ...) are still running or queued.

    BENCH dashboard_first_paint_ms <median> ms                     (opened, N environments)
    BENCH dashboard_first_paint_max_ms <slowest> ms
    BENCH dashboard_first_paint_target_met <0|1> bool    (median under 1,000 ms)
    BENCH dashboard_first_paint_environments <N> count
    BENCH dashboard_first_paint_reload_while_loading_ms <median> ms
    BENCH dashboard_first_paint_one_environment_ms <median> ms      (opened, 1 environment)
    BENCH dashboard_first_paint_one_environment_reload_while_loading_ms <median> ms
    BENCH dashboard_first_paint_{sellers,dashboard}_request_ms <median> ms  (opened, N environments)

Needs Chromium at /usr/bin/chromium (Playwright drives it through `executable_path`). Not in
`make test`: a timed measurement on a shared machine is a bench, not a test.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import dataclass, field
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
SETTLE_MS = 300
_MARK = "() => performance.getEntriesByName('dashboard:data').length > 0"
_MARK_AT = "() => performance.getEntriesByName('dashboard:data')[0].startTime"
KINDS = ("opened", "reloaded")


def _load(page: Any, *, settled: bool) -> float:
    if settled:  # the previous page's requests are all answered
        page.wait_for_load_state("networkidle", timeout=WAIT_MS)
        page.wait_for_timeout(SETTLE_MS)
    page.reload()
    page.wait_for_function(_MARK, timeout=WAIT_MS)
    return float(page.evaluate(_MARK_AT))


@dataclass
class Figures:
    """Per environment count, per kind of load: the first paints (ms) and the opened loads' requests."""

    environments: int
    paints: dict[tuple[int, str], list[float]] = field(default_factory=dict)
    requests: dict[str, list[float]] = field(default_factory=lambda: {"sellers": [], "dashboard": []})
    dropped: int = 0
    busiest: int = 0


def first_paint_ms(runs: int = RUNS, environments: int | None = None) -> Figures:
    from playwright.sync_api import sync_playwright

    from sellerflow_dev.bench.dashboard_world import seed_day_rollups
    from sellerflow_dev.local.gateway import configured_environments
    from sellerflow_dev.local.stack import LocalStack, LocalStackConfig

    count = environments or configured_environments()
    stack = LocalStack(LocalStackConfig(sellers=1, seed=7, environments=count)).start()
    try:
        stack.connect_demo_sellers()
        seller = stack.world.sellers[0]
        seed_day_rollups(seller.seller_id, HISTORY_DAYS, datetime.now(UTC))
        stack.fire_schedule("FetchFxRatesSchedule")
        gateway = stack.gateway
        assert gateway is not None
        base = gateway.url
        user = stack.users["owner1@sellerflow.local"]
        figures = Figures(environments=count)
        counts = (count, 1) if count > 1 else (1,)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"], headless=True
            )
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            _sign_in(page, base, user.email, user.password, user.totp_secret)
            page.wait_for_url(f"**/#/sellers/{seller.seller_id}")
            for run in range(runs):
                # each run: both counts, both kinds, the order turned round every other run
                order = [(n, kind) for n in counts for kind in KINDS]
                for n, kind in order if run % 2 == 0 else order[::-1]:
                    if gateway.environment_count != n:
                        page.wait_for_load_state("networkidle", timeout=WAIT_MS)
                        gateway.use_environments(n)
                    paint = _load(page, settled=kind == "opened")
                    figures.paints.setdefault((n, kind), []).append(paint)
                    if (n, kind) == (count, "opened"):
                        for name, duration in page.evaluate(_REQUESTS).items():
                            figures.requests[name].append(float(duration))
                        api = gateway.routes.match("GET", "/sellers")
                        if api is not None:
                            figures.busiest = max(
                                figures.busiest, gateway.environments(api[0].function).busiest
                            )
            shown = page.locator("[data-testid=home-total]").count()
            page.wait_for_load_state("networkidle", timeout=WAIT_MS)  # nothing left for the teardown
            browser.close()
        figures.dropped = gateway.dropped
        if not shown:
            raise RuntimeError("the overview drew no home-currency total: the figures are not all there")
        return figures
    finally:
        stack.stop()


def _bench(name: str, value: float, unit: str = "ms") -> None:
    shown = f"{value:.0f}" if unit == "ms" else str(int(value))
    print(f"BENCH dashboard_first_paint{name} {shown} {unit}", flush=True)


def _list(times: list[float]) -> str:
    return ", ".join(f"{t:.0f}" for t in times)


def main() -> int:
    if not CHROMIUM.is_file():
        print(f"BENCH dashboard_first_paint_skipped 1 bool  ({CHROMIUM} missing)", flush=True)
        return 0
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    figures = first_paint_ms()
    n = figures.environments
    opened = figures.paints[(n, "opened")]
    median = statistics.median(opened)
    _bench("_ms", median)
    _bench("_max_ms", max(opened))
    _bench("_target_met", median < TARGET_MS, "bool")
    _bench("_environments", n, "count")
    _bench("_reload_while_loading_ms", statistics.median(figures.paints[(n, "reloaded")]))
    if n > 1:
        _bench("_one_environment_ms", statistics.median(figures.paints[(1, "opened")]))
        _bench("_one_environment_reload_while_loading_ms", statistics.median(figures.paints[(1, "reloaded")]))
    for name, durations in figures.requests.items():  # the opened loads' two requests (N environments)
        if durations:
            _bench(f"_{name}_request_ms", statistics.median(durations))
    for (count, kind), times in sorted(figures.paints.items()):
        print(f"# {count} environment(s), {kind}: {_list(times)} ms", flush=True)
    print(
        f"# {len(opened)} runs; at most {figures.busiest} API requests ran at once; {figures.dropped} "
        f"queued requests dropped (their client had left); load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after; {time.monotonic() - started:.0f} s",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
