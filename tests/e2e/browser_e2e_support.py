"""Helpers of the browser tests: Debian's Chromium driven by Playwright, screenshots, sign-in."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sellerflow_dev.local.identity import totp_code

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A sign-in goes through the local Cognito and the API; on a loaded 2-core machine it can take
# longer than Playwright's default 30 s.
SIGN_IN_TIMEOUT_MS = 90_000
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def require_chromium() -> Path:
    """Chromium's path; skip without it locally, but fail in CI (CI installs it, these tests must run)."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    message = f"{CHROMIUM} is missing: apt-get install chromium (CI installs it in .ci/run)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path=str(require_chromium()), args=CHROMIUM_ARGS, headless=True
    )


def shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, base_url: str, email: str, password: str, totp_secret: str, *, name: str = "") -> None:
    """Password, then the authenticator code, through the dashboard's own sign-in form."""
    page.goto(f"{base_url}/#/signin")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    if name:
        shot(page, f"{name}-password")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=mfa-code]")
    # moto checks a code against its own 30-second window only (no tolerance): a code computed at
    # the end of a window can arrive in the next on a loaded machine, so a rejected one is retried.
    for attempt in range(3):
        page.fill("[data-testid=mfa-code]", totp_code(totp_secret))
        if name and attempt == 0:
            shot(page, f"{name}-totp")
        page.click("button[type=submit]")
        signed_in_or_rejected = "#topbar:not([hidden]), [data-testid=form-error]:not([hidden])"
        page.wait_for_selector(signed_in_or_rejected, timeout=SIGN_IN_TIMEOUT_MS)
        if page.locator("#topbar").is_visible():
            return
    page.wait_for_selector("#topbar:not([hidden])", timeout=SIGN_IN_TIMEOUT_MS)


def id_token_of(page: Any) -> str:
    """The ID token the page holds (sessionStorage), to call the API as the same user."""
    raw = page.evaluate("() => sessionStorage.getItem('sellerflow.session')")
    assert raw, "the page holds no session"
    import json

    token: str = json.loads(raw)["idToken"]
    return token


def displayed_number(text: str) -> Decimal:
    """A figure as the page shows it ("$1,234.50", "¥12,345", "-€3.10", "12.3%") → Decimal."""
    negative = "-" in text or "−" in text or "(" in text
    digits = re.sub(r"[^0-9.]", "", text)
    assert digits, f"no number in {text!r}"
    value = Decimal(digits)
    return -value if negative else value


def pl_lines(page: Any, currency: str, testid: str = "pl") -> list[dict[str, Any]]:
    """The P&L of one currency as the page shows it (`testid` pl-home: the home-currency one): every
    line's id, parent, label and figures, and whether the user can see it."""
    rows: list[dict[str, Any]] = page.evaluate(
        """([currency, testid]) => [...document.querySelectorAll(`[data-testid=${testid}][data-currency="${currency}"] tr.pl-line`)]
            .map(r => ({
                id: r.dataset.line, parent: r.dataset.parent || '',
                label: r.querySelector('th').innerText,
                current: r.querySelector('[data-testid=pl-current]').innerText,
                previous: r.querySelector('[data-testid=pl-previous]').innerText,
                change: r.querySelector('[data-testid=pl-change]').innerText,
                visible: !!(r.offsetWidth || r.offsetHeight || r.getClientRects().length),
            }))""",
        [currency, testid],
    )
    return rows


def expand_all(page: Any, scope: str = "[data-testid=pl]") -> None:
    """Opens every closed group (by keyboard, as a user without a mouse would)."""
    for _ in range(20):
        closed = page.locator(f"{scope} button.expander[aria-expanded=false]")
        if closed.count() == 0:
            return
        closed.first.focus()
        page.keyboard.press("Enter")
    raise AssertionError("the P&L's groups do not all open")
