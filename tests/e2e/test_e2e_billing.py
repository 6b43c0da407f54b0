"""Billing end to end (Billing=on): the whole local stack with the Stripe stand-in. An owner goes
trial → Checkout → paid → failed payment (grace) → read-only (Stripe's retries ran out: the fanout
leaves the seller out) → paid again (the fanout lists it again); every request Stripe received holds
none of the seller's Amazon data; a replayed webhook changes nothing, a forged one is refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from sellerflow_dev.local.billing_demo import amazon_fields_sent_for, subscribe
from sellerflow_dev.local.stack import LocalStack
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
    assert paths == ["/v1/customers", "/v1/checkout/sessions", "/v1/billing_portal/sessions"]
    assert amazon_fields_sent_for(stack, seller) == 0
