"""The Stripe adapter: the only module that holds the `stripe` client (an import-linter contract keeps it so).

It sends Stripe exactly what `sellerflow.billing.service.PaymentProvider` names: a customer's name,
email and plan id; Checkout and Customer Portal sessions naming that customer, Stripe prices and the
dashboard's return URLs; meter events with a count and the customer id. Webhooks are verified with
`stripe.Webhook.construct_event` (HMAC-SHA256 signature, timestamp tolerance).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import stripe

from sellerflow.billing.service import BillingIdentity
from sellerflow.billing.subprocessor import STRIPE_SENDS
from sellerflow.errors import WebhookRejected

# What Stripe receives (declared without importing stripe in `billing.subprocessor`, which the
# deployment's sub-processor list reads: that list must not load the Stripe library).
SENDS = STRIPE_SENDS
DEFAULT_TOLERANCE_S = 300  # Stripe's default: a signed timestamp older than five minutes is refused


class StripePayments:
    """Stripe's REST API through the official client (`api_base`: only set locally, the stand-in)."""

    def __init__(self, api_key: str, *, api_base: str = "", max_network_retries: int = 2) -> None:
        addresses: Any = {"api": api_base} if api_base else None
        self._client = stripe.StripeClient(
            api_key, base_addresses=addresses, max_network_retries=max_network_retries
        )

    def create_customer(self, identity: BillingIdentity, plan_id: str) -> str:
        customer = self._client.v1.customers.create(
            params={"name": identity.name, "email": identity.email, "metadata": {"plan": plan_id}}
        )
        return str(customer.id)

    def checkout_session(
        self,
        *,
        customer_id: str,
        prices: Sequence[tuple[str, int | None]],
        trial_days: int,
        success_url: str,
        cancel_url: str,
    ) -> str:
        line_items: list[Any] = [
            {"price": price} if quantity is None else {"price": price, "quantity": quantity}
            for price, quantity in prices
        ]
        params: Any = {
            "mode": "subscription",
            "customer": customer_id,
            "line_items": line_items,
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        if trial_days > 0:
            params["subscription_data"] = {"trial_period_days": trial_days}
        session = self._client.v1.checkout.sessions.create(params=params)
        return str(session.url)

    def portal_session(self, *, customer_id: str, return_url: str) -> str:
        session = self._client.v1.billing_portal.sessions.create(
            params={"customer": customer_id, "return_url": return_url}
        )
        return str(session.url)

    def meter_event(self, *, event_name: str, customer_id: str, value: int, identifier: str) -> None:
        """One meter event; Stripe keeps one event per `identifier` and refuses a repeat, which is
        then the period's report already made (a rerun of the monthly report is a no-op)."""
        try:
            self._client.v1.billing.meter_events.create(
                params={
                    "event_name": event_name,
                    "identifier": identifier,
                    "payload": {"stripe_customer_id": customer_id, "value": str(value)},
                }
            )
        except stripe.InvalidRequestError as error:
            if "already exists" not in str(error.user_message or ""):
                raise


class StripeWebhookVerifier:
    """Checks `Stripe-Signature` over the raw body with the endpoint's signing secret."""

    def __init__(self, signing_secret: str, *, tolerance_s: int = DEFAULT_TOLERANCE_S) -> None:
        self._secret = signing_secret
        self._tolerance_s = tolerance_s

    def verify(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The event as a dict; WebhookRejected (400) for a missing, forged or stale signature."""
        if not signature:
            raise WebhookRejected("the Stripe-Signature header is missing")
        try:
            event = stripe.Webhook.construct_event(payload, signature, self._secret, self._tolerance_s)
        except stripe.SignatureVerificationError as exc:
            reason = "stale timestamp" if "tolerance" in str(exc).lower() else "bad signature"
            raise WebhookRejected(f"the Stripe signature check failed: {reason}") from None
        except ValueError:
            raise WebhookRejected("the webhook body is not a Stripe event") from None
        result: dict[str, Any] = event.to_dict()
        return result
