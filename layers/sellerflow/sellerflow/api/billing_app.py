"""The billing app (the Lambda handler of `BillingFunction`, deployed only with `Billing=on`): the
owners' billing routes, the admins' overview and Stripe's public webhook. It alone holds the Stripe
secret and the billing table; the general API knows nothing of Stripe.
"""

from __future__ import annotations

from sellerflow.api.context import AppFactory, RouteFamily
from sellerflow.api.families import LazyFamily
from sellerflow.api.ports import DEPLOYMENT

APP_NAME = "sellerflow-billing"
ROUTE_FAMILIES: tuple[RouteFamily, ...] = (
    LazyFamily("sellerflow.api.routes_billing", "billing_routes"),
    LazyFamily("sellerflow.api.routes_billing", "stripe_webhook_routes"),
)

create_billing_app = AppFactory(APP_NAME, ROUTE_FAMILIES, lambda: DEPLOYMENT.billing)
"""`create_billing_app(settings=..., billing=lambda: BillingPorts(...), ...)`."""

app = create_billing_app()
