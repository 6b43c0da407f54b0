"""Billing end to end (Billing=on): the whole local stack with the Stripe stand-in. An owner goes
trial → Checkout → paid → failed payment (grace) → read-only (Stripe's retries ran out: the fanout
leaves the seller out) → paid again (the fanout lists it again); every request Stripe received holds
none of the seller's Amazon data; a replayed webhook changes nothing, a forged one is refused.

In the browser (Chromium, Playwright): during the grace period the owner sees the plan banner on the
overview and, on the Billing tab, the plan, usage against its limits, the next invoice and the button
to Stripe's Customer Portal; an admin sees every account's plan state."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from sellerflow_dev.local.billing_demo import amazon_fields_sent_for, subscribe
from sellerflow_dev.local.stack import DEMO_PASSWORD, LocalStack
from sellerflow_dev.simulator.stripe_api import stripe_signature

pytestmark = pytest.mark.e2e


def _due(stack: LocalStack) -> set[str]:
    """The sellers the fanout lists at a tick (its own code, with the deployment's billing gate)."""
    from sellerflow import wiring
    from sellerflow.sync.fanout import list_due_sellers

    due = list_due_sellers(
        datetime.now(UTC),
        sellers=wiring.connection_store(),
        window_minutes=15,
        billing=wiring.billing_sync_gate(),
    )
    return {s.seller_id for s in due.sellers}


def test_billing_cycle_keeps_amazon_data_from_stripe(local_stack: Callable[..., LocalStack]) -> None:
    stack = local_stack(sellers=1, billing=True)
    seller = stack.world.sellers[0].seller_id
    run, owner = subscribe(stack, seller, "owner1@sellerflow.local")
    assert run.states == ["trialing", "trialing", "active"]
    assert run.plan == "growth"
    assert seller in _due(stack)

    stripe = stack.stripe
    stripe.fail_payment(run.customer_id)
    answer = owner.get()
    assert answer["state"] == "past_due"  # the grace period: everything works, a banner says so
    assert "payment failed" in answer["banner"].lower()
    assert seller in _due(stack)
    _owner_sees_the_banner_and_the_billing_screen(stack, seller, answer)

    stripe.retries_exhausted(run.customer_id)
    assert owner.get()["state"] == "read_only"
    assert seller not in _due(stack)  # syncing pauses; nothing is deleted

    stripe.pay(run.customer_id)
    assert owner.get()["state"] == "active"
    assert seller in _due(stack)  # resumes from its stored watermark

    assert stack.gateway is not None
    failed = next(e for e in stripe.events if e["type"] == "invoice.payment_failed")
    assert stripe.resend(failed["id"])
    assert stripe.deliveries[-1]["status"] == 200
    assert owner.get()["state"] == "active"  # the replay was answered from its idempotency record
    payload = json.dumps(failed).encode()
    forged = httpx.post(
        f"{stack.gateway.url}/webhooks/stripe", content=payload, timeout=30,
        headers={"stripe-signature": stripe_signature("whsec_forged", payload, int(datetime.now(UTC).timestamp()))},
    )  # fmt: skip
    assert forged.status_code == 400

    assert {d["status"] for d in stripe.deliveries} == {200}
    assert owner.portal().startswith(stripe.base_url)  # card and plan changes: Stripe's hosted portal
    paths = [r["path"] for r in stripe.requests]
    # the customer, its Checkout, the portal the owner opened in the browser, then the API's portal
    assert paths == ["/v1/customers", "/v1/checkout/sessions"] + ["/v1/billing_portal/sessions"] * 2
    assert amazon_fields_sent_for(stack, seller) == 0

    # The monthly usage report runs as deployed (its schedule's Lambda target, its own wiring): the
    # seller has no synced orders in the month that ended, so nothing is metered and nothing sent
    report = json.loads(stack.fire_schedule("ReportUsageSchedule"))
    assert (report["reported"], report["skipped"], report["orders"]) == (0, 1, 0)
    assert stripe.meter_events == []
    _an_admin_sees_every_accounts_plan_state(stack, seller)


@contextmanager
def _browser_page(stack: LocalStack, email: str) -> Iterator[Any]:
    from browser_e2e_support import launch, sign_in
    from playwright.sync_api import sync_playwright

    assert stack.gateway is not None
    user = stack.users[email]
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            sign_in(page, stack.gateway.url, email, user.password, user.totp_secret)
            yield page
            assert not errors, f"uncaught errors in the page: {errors}"
        finally:
            browser.close()


def _owner_sees_the_banner_and_the_billing_screen(
    stack: LocalStack, seller: str, answer: dict[str, Any]
) -> None:
    from browser_e2e_support import shot

    with _browser_page(stack, "owner1@sellerflow.local") as page:
        page.wait_for_url(f"**/#/sellers/{seller}")
        banner = page.locator("[data-testid=plan-banner]")
        banner.wait_for(state="visible")
        assert banner.inner_text() == answer["banner"]
        billing_tab = page.get_by_role("link", name="Billing", exact=True)
        assert billing_tab.is_visible()  # with Billing=on the tab is there
        billing_tab.click()
        page.wait_for_selector("[data-testid=billing-limits]")
        assert page.locator("[data-testid=billing-plan]").inner_text() == "Growth — past due"
        next_invoice = (answer["current_period_end"] or "—")[:10]
        assert f"next invoice {next_invoice}" in page.locator("main").inner_text()
        rows = page.locator("[data-testid=billing-limits] tbody tr").all_inner_texts()
        seats = next(r for r in rows if r.startswith("Team seats")).split("\t")
        assert seats[1:] == [str(answer["usage"]["seats"]), str(answer["limits"]["seats"])]
        portal = page.locator("[data-testid=billing-portal]")
        assert portal.is_visible()
        shot(page, "billing-owner-past-due")
        portal.click()  # card data is Stripe's: the button leaves for the hosted Customer Portal
        page.wait_for_url(f"{stack.stripe.base_url}/**")


def _an_admin_sees_every_accounts_plan_state(stack: LocalStack, seller: str) -> None:
    from browser_e2e_support import shot

    email = "admin-billing@sellerflow.local"
    stack.users[email] = stack.identity().create_user(email, DEMO_PASSWORD, groups=("admins",))
    with _browser_page(stack, email) as page:
        page.click("[data-testid=admin-billing-link]")
        page.wait_for_selector("[data-testid=admin-billing] tbody tr")
        rows = page.locator("[data-testid=admin-billing] tbody tr").all_inner_texts()
        assert [r.split("\t")[:4] for r in rows] == [[seller, "Growth", "active", "yes"]]
        shot(page, "billing-admin")
