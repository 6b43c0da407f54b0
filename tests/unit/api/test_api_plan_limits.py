"""The plan's limits as the API enforces them (Billing=on), and the same calls with billing off.

With billing on, a limit reached is a 402 from the API's one status map (`plan_limit_reached`, or
`billing_read_only` for an account past its grace period) and nothing is stored; what exists stays
readable. With billing off (the open gate) every one of these calls succeeds as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from api_fakes import (
    MARKETPLACE_US,
    NOW,
    POOL_ID,
    REGION,
    SELLER_A,
    FakeAlerts,
    FakeAudit,
    FakeOrders,
    FakeSellers,
    StubConnect,
    Tokens,
    bearer,
    make_order,
)
from billing_fakes import Accounts, Stripe
from chalice.test import Client
from label_fakes import label_service
from team_fakes import FakeTeam, FakeUsers

from sellerflow.api.app import create_app
from sellerflow.api.auth import StaticKeySource
from sellerflow.api.pii_app import create_pii_app
from sellerflow.billing.gate import OPEN, PlanGate
from sellerflow.billing.model import BillingAccount, BillingNotice, PlanState
from sellerflow.billing.plans import bundled_catalog
from sellerflow.billing.service import BillingService
from sellerflow.domain import Role
from sellerflow.settings import Settings

OWNER, ANALYST = "sub-owner-0001", "sub-analyst-0002"
ORDER_ID = "111-0000000-0000001"
CATALOG = bundled_catalog()
STARTER, GROWTH, SCALE = (CATALOG.get(p) for p in ("starter", "growth", "scale"))
NEW_SELLER = "A9NEWSELLER1"


class _Notices:
    def notify(self, notice: BillingNotice) -> None:
        raise AssertionError(f"no notice expected: {notice}")


@dataclass
class World:
    general: Any
    pii: Any
    tokens: Tokens
    accounts: Accounts
    team: FakeTeam
    alerts: FakeAlerts
    connects: list[str]

    def call(self, method: str, path: str, body: Any = None, *, pii: bool = False) -> Any:
        headers = {**bearer(self.tokens.id_token(OWNER)), "content-type": "application/json"}
        extra = {"body": json.dumps(body)} if body is not None else {}
        client = self.pii if pii else self.general
        return getattr(client.http, method.lower())(path, headers=headers, **extra)

    def on_plan(self, plan_id: str, status: PlanState = PlanState.ACTIVE) -> None:
        account = BillingAccount.trial(SELLER_A, CATALOG.get(plan_id), NOW)
        self.accounts.put(replace(account, status=status))


class _RecordingConnect(StubConnect):
    def __init__(self, seen: list[str]) -> None:
        self.seen = seen

    def complete(self, user: Any, *args: Any) -> Any:
        self.seen.append(getattr(args[0], "selling_partner_id", "ads"))
        return super().complete(user, *args)


def _world(tokens: Tokens, pool_jwks: dict[str, Any], billing: bool) -> Iterator[World]:
    sellers, orders, alerts, accounts, connects = FakeSellers(), FakeOrders(), FakeAlerts(), Accounts(), []
    sellers.add(SELLER_A, "Alpha Mugs", (MARKETPLACE_US,))
    sellers.members[(SELLER_A, OWNER)] = Role.OWNER
    sellers.members[(SELLER_A, ANALYST)] = Role.ANALYST
    orders.add(make_order(SELLER_A, ORDER_ID, NOW - timedelta(days=1)))
    team = FakeTeam(members_by_key=sellers.members, profiles_by_id=sellers.profiles_by_id)
    plans: PlanGate = OPEN
    if billing:
        plans = BillingService(
            accounts=accounts, provider=Stripe, notices=_Notices(), catalog=CATALOG, clock=lambda: NOW
        )
    given: dict[str, Any] = {
        "sellers": sellers, "orders": orders, "audit": FakeAudit(), "team": team, "alerts": alerts,
        "users": FakeUsers(existing={"owner@example.com"}, by_sub={OWNER: (), ANALYST: ()}),
        "connect": lambda: _RecordingConnect(connects), "plans": plans,
        "labels": lambda: label_service(SELLER_A, ORDER_ID),
    }  # fmt: skip
    settings = Settings(
        aws_region=REGION, cognito_user_pool_id=POOL_ID, cognito_app_client_id="testappclient123",
        web_origin="https://app.example.com",
    )  # fmt: skip
    keys = StaticKeySource(pool_jwks)
    general = create_app(settings=settings, key_source=keys, clock=lambda: NOW, **given)
    pii = create_pii_app(settings=settings, key_source=keys, clock=lambda: NOW, **given)
    with Client(general) as general_client, Client(pii) as pii_client:
        yield World(general_client, pii_client, tokens, accounts, team, alerts, connects)


@pytest.fixture
def billed(tokens: Tokens, pool_jwks: dict[str, Any]) -> Iterator[World]:
    yield from _world(tokens, pool_jwks, billing=True)


@pytest.fixture
def unbilled(tokens: Tokens, pool_jwks: dict[str, Any]) -> Iterator[World]:
    yield from _world(tokens, pool_jwks, billing=False)


def _refused(response: Any, code: str = "plan_limit_reached") -> str:
    assert response.status_code == 402, response.body
    assert response.json_body["error"] == code
    message: str = response.json_body["message"]
    return message


INVITE = {"email": "new.person@example.com", "role": "analyst"}
WHATSAPP = {"recipients": [{"phone": "+15551234567", "opted_in": True}]}
CALLBACK = {"state": "x.y", "selling_partner_id": NEW_SELLER, "spapi_oauth_code": "ANcode"}
OLD = (NOW - timedelta(days=STARTER.limits.history_days + 10)).date().isoformat()


def test_a_full_team_gets_402_and_no_invitation_until_the_plan_is_upgraded(billed: World) -> None:
    assert STARTER.limits.seats == 2  # the owner and the analyst fill the starter plan
    billed.on_plan("starter")
    message = _refused(billed.call("POST", f"/sellers/{SELLER_A}/invitations", INVITE))
    assert "2 team seats" in message
    assert "upgrade" in message
    assert billed.team.invites == {}
    billed.on_plan("growth")
    assert billed.call("POST", f"/sellers/{SELLER_A}/invitations", INVITE).status_code == 201
    assert len(billed.team.invites) == 1


def test_a_pending_invitation_holds_its_seat(billed: World) -> None:
    billed.on_plan("starter")
    del billed.team.members_by_key[(SELLER_A, ANALYST)]  # one seat free
    assert billed.call("POST", f"/sellers/{SELLER_A}/invitations", INVITE).status_code == 201
    other = {**INVITE, "email": "second@example.com"}
    _refused(billed.call("POST", f"/sellers/{SELLER_A}/invitations", other))
    assert len(billed.team.invites) == 1


def test_a_read_only_account_keeps_its_data_readable_and_refuses_changes(billed: World) -> None:
    billed.on_plan("growth", PlanState.READ_ONLY)
    _refused(billed.call("POST", f"/sellers/{SELLER_A}/invitations", INVITE), "billing_read_only")
    _refused(billed.call("PUT", f"/sellers/{SELLER_A}/alerts/recipients", WHATSAPP), "billing_read_only")
    listed = billed.call("GET", f"/sellers/{SELLER_A}/orders")
    assert listed.status_code == 200
    assert [o["order_id"] for o in listed.json_body["orders"]] == [ORDER_ID]


def test_whatsapp_recipients_need_a_paid_plan_and_removing_them_is_always_allowed(billed: World) -> None:
    billed.on_plan("starter")
    assert not STARTER.limits.whatsapp_alerts
    message = _refused(billed.call("PUT", f"/sellers/{SELLER_A}/alerts/recipients", WHATSAPP))
    assert "WhatsApp" in message
    assert billed.alerts.recipients(SELLER_A) == []
    cleared = billed.call("PUT", f"/sellers/{SELLER_A}/alerts/recipients", {"recipients": []})
    assert cleared.status_code == 200, cleared.body
    billed.on_plan("growth")
    kept = billed.call("PUT", f"/sellers/{SELLER_A}/alerts/recipients", WHATSAPP)
    assert kept.status_code == 200, kept.body
    assert [r.phone for r in billed.alerts.recipients(SELLER_A)] == ["+15551234567"]


def test_history_older_than_the_plan_is_a_402_and_recent_reads_answer(billed: World) -> None:
    billed.on_plan("starter")
    _refused(billed.call("GET", f"/sellers/{SELLER_A}/orders?from={OLD}"))
    _refused(billed.call("GET", f"/sellers/{SELLER_A}/analytics/daily?from={OLD}"))
    assert billed.call("GET", f"/sellers/{SELLER_A}/orders").status_code == 200
    billed.on_plan("growth")  # 540 days
    assert billed.call("GET", f"/sellers/{SELLER_A}/orders?from={OLD}").status_code == 200


def test_a_second_amazon_account_needs_room_and_reconnecting_never_does(billed: World) -> None:
    billed.on_plan("starter")  # one connected account: SELLER_A
    message = _refused(billed.call("POST", "/connect/amazon/callback", CALLBACK))
    assert "1 connected Amazon accounts" in message
    assert billed.connects == []  # Amazon's code was not even exchanged
    again = billed.call("POST", "/connect/amazon/callback", {**CALLBACK, "selling_partner_id": SELLER_A})
    assert again.status_code == 201, again.body
    billed.on_plan("growth")
    assert billed.call("POST", "/connect/amazon/callback", CALLBACK).status_code == 201
    assert billed.connects == [SELLER_A, NEW_SELLER]


def test_labels_are_a_plan_feature_and_the_check_runs_before_amazon_is_asked(billed: World) -> None:
    rates = f"/sellers/{SELLER_A}/orders/{ORDER_ID}/label/rates"
    billed.on_plan("growth")
    assert not GROWTH.limits.labels
    message = _refused(billed.call("POST", rates, pii=True))
    assert "shipping labels" in message
    billed.on_plan("scale")
    assert billed.call("POST", rates, pii=True).status_code == 200


def test_drafting_and_sending_buyer_replies_are_a_plan_feature_checked_before_the_inbox_is_read(
    billed: World,
) -> None:
    thread = f"/sellers/{SELLER_A}/messages/threads/0123456789abcdef"
    billed.on_plan("starter")
    for action in ("draft", "send"):
        assert "messaging" in _refused(billed.call("POST", f"{thread}/{action}", pii=True)).lower()
    billed.on_plan("growth")  # messaging included: the request reaches the inbox (none in this world)
    assert billed.call("POST", f"{thread}/draft", pii=True).status_code != 402


def test_the_feature_check_other_areas_call_names_features_by_short_names(billed: World) -> None:
    service = BillingService(
        accounts=billed.accounts, provider=Stripe, notices=_Notices(), catalog=CATALOG, clock=lambda: NOW
    )
    billed.on_plan("starter")
    from sellerflow.errors import PlanLimitReached

    with pytest.raises(PlanLimitReached) as refused:
        service.require_feature(SELLER_A, "messages")
    assert refused.value.limit == "messaging"
    billed.on_plan("growth")
    service.require_feature(SELLER_A, "messages")
    with pytest.raises(ValueError, match="unknown plan feature"):
        OPEN.require_feature(SELLER_A, "teleport")


def test_a_trial_evaluates_the_whole_product_and_the_subscribed_plan_limits_it_after(billed: World) -> None:
    assert CATALOG.trial_limits == "scale"
    # A seller seen for the first time starts the default plan's trial, with the trial's limits
    assert billed.call("PUT", f"/sellers/{SELLER_A}/alerts/recipients", WHATSAPP).status_code == 200
    assert billed.call("GET", f"/sellers/{SELLER_A}/orders?from={OLD}").status_code == 200
    assert (
        billed.call("POST", f"/sellers/{SELLER_A}/orders/{ORDER_ID}/label/rates", pii=True).status_code == 200
    )
    assert billed.accounts.by_seller[SELLER_A].plan_id == CATALOG.default_plan == "starter"
    # Once subscribed to Starter, Starter's limits apply (what the trial stored stays)
    billed.on_plan("starter")
    _refused(billed.call("GET", f"/sellers/{SELLER_A}/orders?from={OLD}"))
    _refused(billed.call("POST", f"/sellers/{SELLER_A}/orders/{ORDER_ID}/label/rates", pii=True))
    assert [r.phone for r in billed.alerts.recipients(SELLER_A)] == ["+15551234567"]


def test_with_billing_off_every_gated_call_behaves_as_before(unbilled: World) -> None:
    w = unbilled
    assert w.call("POST", f"/sellers/{SELLER_A}/invitations", INVITE).status_code == 201
    assert (
        w.call("POST", f"/sellers/{SELLER_A}/invitations", {**INVITE, "email": "b@example.com"}).status_code
        == 201
    )
    assert w.call("PUT", f"/sellers/{SELLER_A}/alerts/recipients", WHATSAPP).status_code == 200
    assert w.call("GET", f"/sellers/{SELLER_A}/orders?from={OLD}").status_code == 200
    assert w.call("POST", "/connect/amazon/callback", CALLBACK).status_code == 201
    assert w.call("POST", f"/sellers/{SELLER_A}/orders/{ORDER_ID}/label/rates", pii=True).status_code == 200
    assert w.accounts.by_seller == {}  # no plan was read or started
