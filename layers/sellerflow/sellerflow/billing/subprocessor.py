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
        "usage counts (orders synced per period) with the Stripe customer id only",
        "never a seller id, marketplace, SKU, ASIN, order, figure or metric of Amazon's",
    ),
    in_use=_billing_on,
)
