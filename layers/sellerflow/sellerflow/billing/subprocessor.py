"""Stripe as a sub-processor of a hosted deployment (Billing=on), and exactly what it receives."""

from __future__ import annotations

from sellerflow.settings import Settings
from sellerflow.subprocessors import SubprocessorUse


def _billing_on(settings: Settings) -> bool:
    return settings.billing_enabled


STRIPE_SENDS = SubprocessorUse(
    role="payments",
    provider="Stripe, Inc.",
    service="Stripe Billing (Checkout, Customer Portal, subscriptions, meter events)",
    purpose="charges the deployment's customers for their Sellerflow plan",
    receives=(
        "the billing name and email an owner gives, and the plan's id",
        "Checkout and Customer Portal sessions: that customer, the plan's Stripe prices and the "
        "dashboard's return URLs (no seller id in them)",
        "usage counts (orders synced per month) with the Stripe customer id only",
        "never a seller id, marketplace, SKU, ASIN, order, product title, figure or metric of Amazon's",
    ),
    in_use=_billing_on,
)
