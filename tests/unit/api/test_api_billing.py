"""The billing app's routes on fakes: who may see and change the plan, what Stripe is handed (the
Checkout return URLs name no seller), the 402/409 answers, the admins' overview, and the webhook's
signature check and once-per-event handling."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from api_fakes import NOW, POOL_ID, REGION, SELLER_A, FakeAudit, FakeOrders, FakeSellers, Tokens, bearer
from billing_fakes import GOOD_SIGNATURE, Accounts, Ledger, Stripe, Verifier
from chalice.test import Client
from team_fakes import FakeTeam

from sellerflow.api.auth import StaticKeySource
from sellerflow.api.billing_app import create_billing_app
from sellerflow.api.ports import BillingPorts
from sellerflow.billing.limits import Usage
from sellerflow.billing.model import BillingNotice
from sellerflow.billing.plans import bundled_catalog
from sellerflow.billing.service import BillingService
from sellerflow.domain import Role
from sellerflow.settings import Settings

OWNER, ANALYST = "sub-owner-1", "sub-analyst-1"
SETTINGS = Settings(
    aws_region=REGION, cognito_user_pool_id=POOL_ID, cognito_app_client_id="testappclient123",
    web_origin="https://app.example.test",
)  # fmt: skip


@dataclass
class World:
    client: Any
    tokens: Tokens
    stripe: Stripe
    accounts: Accounts
    notices: list[BillingNotice]

    def call(self, method: str, path: str, token: str | None = None, body: Any = None, **headers: str) -> Any:
        sent = {**(bearer(token) if token else {}), "content-type": "application/json", **headers}
        extra = {"body": body if isinstance(body, str) else json.dumps(body)} if body is not None else {}
        return getattr(self.client.http, method.lower())(path, headers=sent, **extra)


@pytest.fixture
def world(tokens: Tokens, pool_jwks: dict[str, Any]) -> Iterator[World]:
    sellers = FakeSellers()
    sellers.add(SELLER_A, "Alpha Mugs")
    sellers.members[(SELLER_A, OWNER)] = Role.OWNER
    sellers.members[(SELLER_A, ANALYST)] = Role.ANALYST
    team = FakeTeam(members_by_key=sellers.members, profiles_by_id=sellers.profiles_by_id)
    stripe, accounts, notices = Stripe(), Accounts(), []

    class Notices:
        def notify(self, notice: BillingNotice) -> None:
            notices.append(notice)

    service = BillingService(
        accounts=accounts,
        provider=lambda: stripe,
        notices=Notices(),
        catalog=bundled_catalog(),
        clock=lambda: NOW,
    )
    ports = BillingPorts(service=service, verifier=Verifier, events=Ledger(), usage=lambda _s: Usage(1, 1, 2))
    app = create_billing_app(
        settings=SETTINGS, key_source=StaticKeySource(pool_jwks), clock=lambda: NOW, sellers=sellers,
        orders=FakeOrders(), audit=FakeAudit(), team=team, billing=lambda: ports,
    )  # fmt: skip
    with Client(app) as client:
        yield World(client, tokens, stripe, accounts, notices)


def test_the_team_sees_the_plan_and_only_owners_start_a_checkout(world: World) -> None:
    analyst, owner = world.tokens.id_token(ANALYST), world.tokens.id_token(OWNER)
    seen = world.call("GET", f"/sellers/{SELLER_A}/billing", analyst)
    assert seen.status_code == 200, seen.body
    assert seen.json_body["state"] == "trialing"
    assert seen.json_body["usage"] == {"connected_accounts": 1, "marketplaces": 1, "seats": 2}
    assert (
        world.call("POST", f"/sellers/{SELLER_A}/billing/checkout", analyst, {"plan": "growth"}).status_code
        == 403
    )
    started = world.call("POST", f"/sellers/{SELLER_A}/billing/checkout", owner, {"plan": "growth"})
    assert started.status_code == 201, started.body
    assert started.json_body == {"url": "https://checkout.stripe.test/c/cs_1"}
    assert (
        world.call("GET", f"/sellers/{SELLER_A}/billing", world.tokens.id_token("sub-stranger")).status_code
        == 404
    )


def test_stripe_is_handed_billing_identity_and_urls_that_name_no_seller(world: World) -> None:
    world.call(
        "POST", f"/sellers/{SELLER_A}/billing/checkout", world.tokens.id_token(OWNER), {"plan": "growth"}
    )
    handed = json.dumps(world.stripe.calls)
    assert SELLER_A not in handed
    assert "Alpha Mugs" not in handed  # the seller's (Amazon store) name is not the billing name
    (kind, customer), (_, checkout) = world.stripe.calls
    assert kind == "customer"
    assert customer == {"name": "owner@example.com", "email": "owner@example.com", "plan": "growth"}
    assert checkout["success_url"].startswith("https://app.example.test/")
    growth = bundled_catalog().get("growth")
    assert growth.metered is not None
    assert checkout["prices"] == [
        (growth.price_id, 1),
        (growth.metered.price_id, None),
    ]  # metered: no quantity


def test_bad_plans_and_wrong_moments_answer_400_and_409(world: World) -> None:
    owner = world.tokens.id_token(OWNER)
    unknown = world.call("POST", f"/sellers/{SELLER_A}/billing/checkout", owner, {"plan": "platinum"})
    assert unknown.status_code == 400
    assert "unknown plan" in unknown.json_body["message"]
    early = world.call("POST", f"/sellers/{SELLER_A}/billing/portal", owner)
    assert early.status_code == 409
    assert early.json_body["error"] == "billing_conflict"


def test_admins_alone_see_every_accounts_plan_state(world: World) -> None:
    world.call("GET", f"/sellers/{SELLER_A}/billing", world.tokens.id_token(OWNER))  # starts the trial
    assert world.call("GET", "/admin/billing", world.tokens.id_token(OWNER)).status_code == 403
    admin = world.tokens.id_token("sub-admin-1", **{"cognito:groups": ["admins"]})
    body = world.call("GET", "/admin/billing", admin).json_body
    assert [(a["seller_id"], a["state"], a["plan"]["id"]) for a in body["accounts"]] == [
        (SELLER_A, "trialing", "starter")
    ]


def _failed_payment(created: int) -> dict[str, Any]:
    return {"id": "evt_1", "type": "invoice.payment_failed", "created": created,
            "data": {"object": {"customer": "cus_test1", "subscription": "sub_1"}}}  # fmt: skip


def test_the_webhook_needs_the_signature_and_handles_each_event_once(world: World) -> None:
    world.call(
        "POST", f"/sellers/{SELLER_A}/billing/checkout", world.tokens.id_token(OWNER), {"plan": "growth"}
    )
    event = json.dumps(_failed_payment(int(NOW.timestamp())))
    forged = world.call("POST", "/webhooks/stripe", body=event, **{"stripe-signature": "t=1,v1=forged"})
    assert forged.status_code == 400
    assert forged.json_body["error"] == "webhook_rejected"
    assert world.notices == []
    first = world.call("POST", "/webhooks/stripe", body=event, **{"stripe-signature": GOOD_SIGNATURE})
    assert first.status_code == 200, first.body
    assert first.json_body == {"received": True, "applied": True, "replay": False, "reason": "payment failed"}
    again = world.call("POST", "/webhooks/stripe", body=event, **{"stripe-signature": GOOD_SIGNATURE})
    assert again.json_body["replay"] is True
    assert len(world.notices) == 1  # the owners were alerted once
    banner = world.call("GET", f"/sellers/{SELLER_A}/billing", world.tokens.id_token(OWNER)).json_body[
        "banner"
    ]
    assert "payment failed" in banner.lower()
