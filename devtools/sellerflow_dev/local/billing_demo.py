"""Billing on the local stack (Billing=on): an owner subscribes through the API, the Stripe stand-in
plays Stripe (hosted Checkout, invoices, dunning) and POSTs signed webhooks to the local gateway;
what Stripe received is then scanned for the seller's Amazon data.

`make demo` prints `verified billing <seller> plan=<plan> state=<state> stripe_requests=N
amazon_fields_sent=0` per seller, each number read from the API's answer and the stand-in's record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from sellerflow_dev.local.stack import LocalStack
from sellerflow_dev.simulator.stripe_api import amazon_fields_sent, amazon_terms


@dataclass
class BillingRun:
    """One seller's way through billing, as the owner's API saw it."""

    seller_id: str
    plan: str = ""
    states: list[str] = field(default_factory=list)  # the API's `state` after each step
    customer_id: str = ""


class OwnerBilling:
    """The billing routes of one owner over real HTTP (the local gateway, a Cognito ID token)."""

    def __init__(self, stack: LocalStack, seller_id: str, owner_email: str) -> None:
        assert stack.gateway is not None
        self._base = f"{stack.gateway.url}/sellers/{seller_id}/billing"
        self._headers = {"authorization": f"Bearer {stack.id_token(owner_email)}"}

    def get(self) -> dict[str, Any]:
        response = httpx.get(self._base, headers=self._headers, timeout=30)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def checkout(self, plan: str) -> str:
        response = httpx.post(
            f"{self._base}/checkout",
            headers=self._headers,
            json={"plan": plan, "name": "Demo Owner"},
            timeout=30,
        )
        response.raise_for_status()
        return str(response.json()["url"])

    def portal(self) -> str:
        response = httpx.post(f"{self._base}/portal", headers=self._headers, timeout=30)
        response.raise_for_status()
        return str(response.json()["url"])


def subscribe(
    stack: LocalStack, seller_id: str, owner_email: str, plan: str = "growth"
) -> tuple[BillingRun, OwnerBilling]:
    """Trial → Checkout (the owner on Stripe's hosted page) → first invoice paid."""
    owner = OwnerBilling(stack, seller_id, owner_email)
    run = BillingRun(seller_id)
    run.states.append(owner.get()["state"])
    session_id = owner.checkout(plan).rsplit("/", 1)[1]
    stripe = stack.stripe
    stripe.complete_checkout(session_id)
    run.customer_id = stripe.sessions[session_id]["customer"]
    run.states.append(owner.get()["state"])
    stripe.pay(run.customer_id)
    answer = owner.get()
    run.states.append(answer["state"])
    run.plan = answer["plan"]["id"]
    return run, owner


def amazon_fields_sent_for(stack: LocalStack, seller_id: str) -> int:
    """How many of the seller's Amazon identifiers, titles or figures appear in any request Stripe got."""
    return len(amazon_fields_sent(stack.stripe.requests, amazon_terms(stack.world, [seller_id])))


def verify_billing(stack: LocalStack, say: Callable[[str], None]) -> bool:
    """Each demo seller's owner subscribes; the line says what the API answers and what Stripe got."""
    all_ok = True
    for index, seller in enumerate(stack.world.sellers, start=1):
        email = f"owner{index}@sellerflow.local"
        if email not in stack.users:
            continue
        before = len(stack.stripe.requests)
        run, _owner = subscribe(stack, seller.seller_id, email)
        requests = len(stack.stripe.requests) - before  # what this owner's subscribing sent Stripe
        sent = amazon_fields_sent_for(stack, seller.seller_id)  # over every request Stripe received
        ok = run.states == ["trialing", "trialing", "active"] and run.plan == "growth" and sent == 0
        all_ok = all_ok and ok
        say(
            f"{'verified' if ok else 'MISMATCH'} billing {seller.seller_id} plan={run.plan} "
            f"state={run.states[-1]} stripe_requests={requests} amazon_fields_sent={sent}"
            + ("" if ok else f" states={'>'.join(run.states)}")
        )
    return all_ok
