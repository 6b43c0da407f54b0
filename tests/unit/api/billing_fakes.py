"""Billing fakes for the API unit tests: in-memory accounts, a Stripe that records what it is handed,
a signature check that knows one good signature, and a once-per-event ledger."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sellerflow.billing.model import BillingAccount
from sellerflow.billing.service import BillingIdentity
from sellerflow.errors import WebhookRejected

GOOD_SIGNATURE = "t=1,v1=good"


@dataclass
class Accounts:
    by_seller: dict[str, BillingAccount] = field(default_factory=dict)
    customers: dict[str, str] = field(default_factory=dict)

    def get(self, seller_id: str) -> BillingAccount | None:
        return self.by_seller.get(seller_id)

    def put(self, account: BillingAccount) -> None:
        self.by_seller[account.seller_id] = account

    def seller_for_customer(self, customer_id: str) -> str | None:
        return self.customers.get(customer_id)

    def link_customer(self, customer_id: str, seller_id: str) -> None:
        self.customers[customer_id] = seller_id

    def all(self) -> list[BillingAccount]:
        return list(self.by_seller.values())


@dataclass
class Stripe:
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def create_customer(self, identity: BillingIdentity, plan_id: str) -> str:
        self.calls.append(("customer", {"name": identity.name, "email": identity.email, "plan": plan_id}))
        return "cus_test1"

    def checkout_session(self, **kwargs: Any) -> str:
        self.calls.append(("checkout", kwargs))
        return "https://checkout.stripe.test/c/cs_1"

    def portal_session(self, **kwargs: Any) -> str:
        self.calls.append(("portal", kwargs))
        return "https://billing.stripe.test/p/bps_1"

    def meter_event(self, **kwargs: Any) -> None:
        self.calls.append(("meter", kwargs))


class Verifier:
    def verify(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        if signature != GOOD_SIGNATURE:
            raise WebhookRejected("the Stripe signature check failed: bad signature")
        event: dict[str, Any] = json.loads(payload)
        return event


@dataclass
class Ledger:
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)

    def once(
        self, event: dict[str, Any], handle: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any]:
        if event["id"] in self.seen:
            return {**self.seen[event["id"]], "replay": True}
        self.seen[event["id"]] = handle(event)
        return {**self.seen[event["id"]], "replay": False}
