"""EVERY route of the app × every kind of caller, from ONE expectation table.

    (method, path) → the Permission the route checks   (seller-scoped routes)
                   → ADMIN                             (the admins' routes: the `admins` group only)
                   → SIGNED_IN                         (any signed-in user; the answer never depends on a role)

Callers: owner, analyst, support, a non-member, an admin without a grant, an admin with an active
break-glass grant, and an admin who holds an owner membership (made before admins were refused
memberships, or by a bug). What each must get follows from `ROLE_PERMISSIONS` /
`BREAK_GLASS_PERMISSIONS`: allowed, 403 (member whose role lacks it; admin's grant does not cover it),
404 (not a member; an admin without a grant is just a non-member, whatever membership it holds). A
route of the app missing from the table FAILS the test.

How "allowed" is observed on a seller-scoped route without running its backend: `SellerAccess.require`
is wrapped; the wrapper records the permission asked for and, once the real check lets the caller
through, stops the request with a 400 carrying a marker. So every cell proves both which permission
the route asks for and what the real check decides. The admins' routes run for real on fakes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from api_fakes import (
    APP_ROUTES,
    INCIDENT_ID,
    MARKETPLACE_US,
    NOW,
    POOL_ID,
    REGION,
    SELLER_A,
    SELLER_B,
    WELL_FORMED_BODIES,
    FakeAudit,
    FakeIncidents,
    FakeOrders,
    FakeReviewRequests,
    FakeSellers,
    Tokens,
    bearer,
    clients_by_path,
    make_order,
)
from chalice.test import Client
from team_fakes import FakeTeam, FakeUsers

from sellerflow.api import access as access_module
from sellerflow.api.app import create_app
from sellerflow.api.auth import StaticKeySource
from sellerflow.api.pii_app import create_pii_app
from sellerflow.domain import Role
from sellerflow.errors import InvalidInput
from sellerflow.members.permissions import BREAK_GLASS_PERMISSIONS, Permission, role_allows
from sellerflow.members.rules import BreakGlassGrant
from sellerflow.settings import Settings
from sellerflow.subprocessors import HOSTING

ADMIN = "admin"
SIGNED_IN = "signed-in"
P = Permission

EXPECTED: dict[tuple[str, str], Permission | str] = {
    # the caller's own view
    ("GET", "/sellers"): SIGNED_IN,
    ("GET", "/me"): SIGNED_IN,
    ("POST", "/invitations/accept"): SIGNED_IN,
    # orders (money fields only with ORDER_MONEY_READ) and buyer PII
    ("GET", "/sellers/{sellerId}/orders"): P.ORDERS_READ,
    ("GET", "/sellers/{sellerId}/orders/{orderId}"): P.ORDERS_READ,
    ("GET", "/sellers/{sellerId}/orders/{orderId}/shipping-address"): P.BUYER_PII_READ,
    # shipping labels of merchant-fulfilled orders (the PII app)
    ("GET", "/sellers/{sellerId}/labels/queue"): P.ORDERS_READ,
    ("GET", "/sellers/{sellerId}/labels/profiles"): P.ORDERS_READ,
    ("PUT", "/sellers/{sellerId}/labels/profiles/{sku}"): P.LABELS_BUY,
    ("PUT", "/sellers/{sellerId}/labels/settings"): P.LABELS_BUY,
    # buyer messages (the PII app): owners and support answer, owners set the inbox up
    ("GET", "/sellers/{sellerId}/messages/threads"): P.MESSAGES_ANSWER,
    ("GET", "/sellers/{sellerId}/messages/threads/{threadId}"): P.MESSAGES_ANSWER,
    ("POST", "/sellers/{sellerId}/messages/threads/{threadId}/draft"): P.MESSAGES_ANSWER,
    ("PUT", "/sellers/{sellerId}/messages/threads/{threadId}/draft"): P.MESSAGES_ANSWER,
    ("POST", "/sellers/{sellerId}/messages/threads/{threadId}/send"): P.MESSAGES_ANSWER,
    ("POST", "/sellers/{sellerId}/messages/threads/{threadId}/close"): P.MESSAGES_ANSWER,
    ("GET", "/sellers/{sellerId}/messages/settings"): P.MESSAGES_ANSWER,
    ("PUT", "/sellers/{sellerId}/messages/settings"): P.MESSAGES_MANAGE,
    ("POST", "/sellers/{sellerId}/orders/{orderId}/label/rates"): P.LABELS_BUY,
    ("POST", "/sellers/{sellerId}/orders/{orderId}/label"): P.LABELS_BUY,
    ("GET", "/sellers/{sellerId}/orders/{orderId}/label"): P.LABELS_BUY,
    ("DELETE", "/sellers/{sellerId}/orders/{orderId}/label"): P.LABELS_BUY,
    ("GET", "/sellers/{sellerId}/orders/{orderId}/label/tracking"): P.ORDERS_READ,
    # analytics, inventory, finances, COGS
    ("GET", "/sellers/{sellerId}/dashboard"): P.ANALYTICS_READ,
    ("GET", "/sellers/{sellerId}/settings/currency"): P.SELLER_READ,
    ("PUT", "/sellers/{sellerId}/settings/currency"): P.SETTINGS_MANAGE,
    ("GET", "/sellers/{sellerId}/analytics/daily"): P.ANALYTICS_READ,
    ("GET", "/sellers/{sellerId}/analytics/skus"): P.ANALYTICS_READ,
    ("GET", "/sellers/{sellerId}/inventory"): P.INVENTORY_READ,
    ("GET", "/sellers/{sellerId}/inventory/settings"): P.INVENTORY_READ,
    ("PUT", "/sellers/{sellerId}/inventory/settings"): P.INVENTORY_MANAGE,
    ("GET", "/sellers/{sellerId}/settlements"): P.FINANCES_READ,
    ("GET", "/sellers/{sellerId}/settlements/{settlementId}"): P.FINANCES_READ,
    ("GET", "/sellers/{sellerId}/transactions"): P.FINANCES_READ,
    ("GET", "/sellers/{sellerId}/cogs"): P.ANALYTICS_READ,
    ("PUT", "/sellers/{sellerId}/cogs/{sku}"): P.COGS_WRITE,
    ("POST", "/sellers/{sellerId}/cogs"): P.COGS_WRITE,
    # the seller's data rights and the audit trail
    ("POST", "/sellers/{sellerId}/exports"): P.DATA_EXPORT,
    ("GET", "/sellers/{sellerId}/exports/{exportId}"): P.DATA_EXPORT,
    ("DELETE", "/sellers/{sellerId}"): P.SELLER_ERASE,
    ("POST", "/sellers/{sellerId}/disconnect"): P.CONNECTION_MANAGE,
    ("GET", "/sellers/{sellerId}/audit"): P.AUDIT_READ,
    ("GET", "/sellers/{sellerId}/subprocessors"): P.SELLER_READ,
    # teams
    ("GET", "/sellers/{sellerId}/members"): P.MEMBERS_MANAGE,
    ("PUT", "/sellers/{sellerId}/members/{userSub}"): P.MEMBERS_MANAGE,
    ("DELETE", "/sellers/{sellerId}/members/{userSub}"): P.MEMBERS_MANAGE,
    ("POST", "/sellers/{sellerId}/invitations"): P.MEMBERS_MANAGE,
    ("GET", "/sellers/{sellerId}/invitations"): P.MEMBERS_MANAGE,
    ("DELETE", "/sellers/{sellerId}/invitations/{invitationId}"): P.MEMBERS_MANAGE,
    ("GET", "/sellers/{sellerId}/access-review"): P.MEMBERS_MANAGE,
    ("POST", "/sellers/{sellerId}/access-review"): P.MEMBERS_MANAGE,
    # global admins
    ("GET", "/admin/sellers"): ADMIN,
    ("PUT", "/admin/sellers/{sellerId}/members/{userSub}"): ADMIN,
    ("DELETE", "/admin/sellers/{sellerId}/members/{userSub}"): ADMIN,
    ("POST", "/admin/sellers/{sellerId}/break-glass"): ADMIN,
    ("POST", "/admin/incidents"): ADMIN,
    ("PUT", "/admin/incidents/{incidentId}"): ADMIN,
    ("GET", "/admin/incidents"): ADMIN,
    # connecting an Amazon account (the contract's permissions)
    ("GET", "/connect/amazon"): SIGNED_IN,
    ("POST", "/connect/amazon/callback"): SIGNED_IN,
    ("GET", "/sellers/{sellerId}/connection"): P.SELLER_READ,
    ("GET", "/sellers/{sellerId}/connect/amazon-ads"): P.CONNECTION_MANAGE,
    ("POST", "/sellers/{sellerId}/connect/amazon-ads/callback"): P.CONNECTION_MANAGE,
    # advertising
    ("GET", "/sellers/{sellerId}/ads/campaigns"): P.ANALYTICS_READ,
    ("GET", "/sellers/{sellerId}/ads/daily"): P.ANALYTICS_READ,
    # alerts
    ("GET", "/sellers/{sellerId}/alerts/rules"): P.ALERTS_READ,
    ("PUT", "/sellers/{sellerId}/alerts/rules"): P.ALERTS_MANAGE,
    ("GET", "/sellers/{sellerId}/review-requests"): P.REVIEWS_MANAGE,
    ("PUT", "/sellers/{sellerId}/review-requests/settings"): P.REVIEWS_MANAGE,
    ("GET", "/sellers/{sellerId}/alerts"): P.ALERTS_READ,
    ("GET", "/sellers/{sellerId}/alerts/recipients"): P.ALERTS_MANAGE,
    ("PUT", "/sellers/{sellerId}/alerts/recipients"): P.ALERTS_MANAGE,
}

OWNER, ANALYST, SUPPORT = "sub-owner-0001", "sub-analyst-0002", "sub-support-0003"
STRANGER, ADMIN_SUB, ADMIN_GRANTED = "sub-stranger-0004", "sub-admin-0005", "sub-admin-0006"
ADMIN_MEMBER = "sub-admin-0007"
CALLERS: dict[str, tuple[str, tuple[str, ...], Role | None]] = {
    "owner": (OWNER, (), Role.OWNER),
    "analyst": (ANALYST, (), Role.ANALYST),
    "support": (SUPPORT, (), Role.SUPPORT),
    "non-member": (STRANGER, (), None),
    "admin without grant": (ADMIN_SUB, ("admins",), None),
    "admin with grant": (ADMIN_GRANTED, ("admins",), None),
    "admin holding a membership": (ADMIN_MEMBER, ("admins",), None),
}
MARK = "matrix: the permission check let this caller through"

# A well-formed request per route, so the status tested is the access decision, not a 400.
QUERIES = {"/sellers/{sellerId}/orders/{orderId}/shipping-address": "?purpose=shipping_label"}
BODIES = WELL_FORMED_BODIES


def expected_outcome(rule: Permission | str, caller: str) -> str:
    """'allowed', '403' or '404' for a caller of a route, from the permission table alone."""
    _, groups, role = CALLERS[caller]
    if rule == ADMIN:
        return "allowed" if "admins" in groups else "403"
    assert isinstance(rule, Permission)
    if role is not None:
        return "allowed" if role_allows(role, rule) else "403"
    if caller == "admin with grant":
        return "allowed" if rule in BREAK_GLASS_PERMISSIONS else "403"
    return "404"


@dataclass
class Matrix:
    client: Any  # the client of the app that serves a route path
    tokens: Tokens
    asked: list[tuple[str, Permission]] = field(default_factory=list)

    def call(self, method: str, path: str, caller: str) -> Any:
        sub, groups, _ = CALLERS[caller]
        token = self.tokens.id_token(sub, **{"cognito:groups": list(groups)})
        url = re.sub(r"\{[A-Za-z]+\}", "X1", _fill(path)) + QUERIES.get(path, "")
        headers = {**bearer(token), "content-type": "application/json"}
        extra = {"body": json.dumps(BODIES.get(path, {}))} if method in ("POST", "PUT") else {}
        return getattr(self.client(path).http, method.lower())(url, headers=headers, **extra)


def _fill(path: str) -> str:
    return (
        path.replace("{sellerId}", SELLER_A)
        .replace("{orderId}", "111-0000000-0000001")
        .replace("{userSub}", SUPPORT)
        .replace("{invitationId}", "0" * 32)
        .replace("{incidentId}", INCIDENT_ID)
    )


@pytest.fixture
def matrix(tokens: Tokens, pool_jwks: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[Matrix]:
    sellers, orders, audit = FakeSellers(), FakeOrders(), FakeAudit()
    sellers.add(SELLER_A, "Alpha Mugs", (MARKETPLACE_US,))
    sellers.add(SELLER_B, "Bravo Lamps")
    for name in ("owner", "analyst", "support"):
        sub, _, role = CALLERS[name]
        assert role is not None
        sellers.members[(SELLER_A, sub)] = role
    sellers.members[(SELLER_A, ADMIN_MEMBER)] = Role.OWNER  # a stray membership: it must open nothing
    orders.add(make_order(SELLER_A, "111-0000000-0000001", NOW - timedelta(days=1)))
    team = FakeTeam(members_by_key=sellers.members, profiles_by_id=sellers.profiles_by_id)
    team.put_grant(
        BreakGlassGrant(
            seller_id=SELLER_A,
            admin_sub=ADMIN_GRANTED,
            reason="Ticket 4711: orders missing on the dashboard",
            granted_at=NOW - timedelta(minutes=5),
            valid_until=NOW + timedelta(minutes=25),
        )
    )
    settings = Settings(
        aws_region=REGION, cognito_user_pool_id=POOL_ID, cognito_app_client_id="testappclient123"
    )
    given: dict[str, Any] = {
        "sellers": sellers, "orders": orders, "audit": audit, "team": team, "subprocessors": (HOSTING,),
        "incidents": FakeIncidents(), "review_requests": FakeReviewRequests(),
    }  # fmt: skip
    keys = StaticKeySource(pool_jwks)
    users = FakeUsers(by_sub={sub: groups for sub, groups, _ in CALLERS.values()})
    app = create_app(settings=settings, key_source=keys, clock=lambda: NOW, users=users, **given)
    pii_app = create_pii_app(settings=settings, key_source=keys, clock=lambda: NOW, **given)
    state = Matrix(client=None, tokens=tokens)
    real_require = access_module.SellerAccess.require

    def spying_require(self: Any, caller: Any, seller_id: str, permission: Permission) -> Any:
        state.asked.append((seller_id, permission))
        real_require(self, caller, seller_id, permission)
        raise InvalidInput(MARK)

    monkeypatch.setattr(access_module.SellerAccess, "require", spying_require)
    with Client(app) as client, Client(pii_app) as pii_client:
        state.client = clients_by_path(client, pii_client)
        yield state


def test_every_route_of_the_app_is_in_the_expectation_table() -> None:
    missing = [route for route in APP_ROUTES if route not in EXPECTED]
    assert not missing, f"routes with no row in the role matrix's table: {missing}"


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "path"), [r for r in APP_ROUTES if EXPECTED.get(r) != SIGNED_IN])
def test_route_answers_each_role_as_the_permission_table_says(
    matrix: Matrix, method: str, path: str, caller: str
) -> None:
    rule = EXPECTED.get((method, path))
    assert rule is not None, f"{method} {path} is missing from the role matrix's table"
    response = matrix.call(method, path, caller)
    body = response.body.decode()
    outcome = expected_outcome(rule, caller)
    if isinstance(rule, Permission):
        # The route asked for exactly its permission, for the seller in its path, first.
        assert matrix.asked, f"{method} {path} never called SellerAccess.require"
        assert matrix.asked[0] == (SELLER_A, rule), matrix.asked
        if outcome == "allowed":
            assert response.status_code == 400, (response.status_code, body)
            assert MARK in body, body
    elif outcome == "allowed":
        assert 200 <= response.status_code < 300, (response.status_code, body)
    if outcome == "403":
        assert response.status_code == 403, (response.status_code, body)
    if outcome == "404":
        assert response.status_code == 404, (response.status_code, body)
        assert "Alpha Mugs" not in body


@pytest.mark.parametrize(("method", "path"), [r for r in APP_ROUTES if EXPECTED.get(r) == SIGNED_IN])
def test_signed_in_routes_answer_every_role_alike(matrix: Matrix, method: str, path: str) -> None:
    statuses = {caller: matrix.call(method, path, caller).status_code for caller in CALLERS}
    assert 401 not in statuses.values()
    if path in ADMINS_REFUSED:  # an admin may not become a member (nor an owner, by connecting)
        admins = {caller: statuses.pop(caller) for caller in list(statuses) if "admin" in caller}
        assert set(admins.values()) == {403}, admins
    assert len(set(statuses.values())) == 1, statuses


ADMINS_REFUSED = ("/invitations/accept", "/connect/amazon", "/connect/amazon/callback")


def test_the_table_agrees_with_the_contract_on_roles() -> None:
    # support: orders without money, the shipping address; never analytics, finances or the audit log
    assert role_allows(Role.SUPPORT, P.ORDERS_READ)
    assert not role_allows(Role.SUPPORT, P.ORDER_MONEY_READ)
    assert role_allows(Role.SUPPORT, P.BUYER_PII_READ)
    assert not role_allows(Role.ANALYST, P.BUYER_PII_READ)
    assert all(role_allows(Role.OWNER, p) for p in Permission)
    # break-glass reads, never changes, never buyer PII
    assert P.BUYER_PII_READ not in BREAK_GLASS_PERMISSIONS
    assert not {P.COGS_WRITE, P.MEMBERS_MANAGE, P.SELLER_ERASE, P.DATA_EXPORT} & BREAK_GLASS_PERMISSIONS
