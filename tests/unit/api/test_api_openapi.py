"""The committed OpenAPI document is the apps' own, and every route's real responses match it.

(a) docs/openapi.json equals a fresh `python -m sellerflow_dev.openapi` (`make openapi`).
(b) Every route of the three apps (general, buyer-PII, billing) is driven with fakes, as a caller it lets through, with a well-formed
    request; the status must be one the document lists for the route and the body must validate
    against the document's schema for that status.
(c) Per route family, malformed query parameters and bodies get 400 with the documented error shape.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
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
    WELL_FORMED_BODIES,
    FakeAlerts,
    FakeIncidents,
    FakeOrders,
    FakeReviewRequests,
    FakeSellers,
    StubConnect,
    Tokens,
    bearer,
    clients_by_path,
    make_order,
)
from billing_fakes import GOOD_SIGNATURE, Accounts, Ledger, Stripe, Verifier
from chalice.test import Client
from jsonschema import Draft202012Validator
from label_fakes import label_service
from message_fakes import THREAD_ID, message_ports
from team_fakes import FakeReviews, FakeTeam, FakeUsers

from sellerflow.alerts.model import AlertKind, AlertRule
from sellerflow.analytics.ads import AdsService
from sellerflow.analytics.model import DayRollup
from sellerflow.analytics.service import AnalyticsService
from sellerflow.api.app import create_app
from sellerflow.api.auth import StaticKeySource
from sellerflow.api.billing_app import create_billing_app
from sellerflow.api.errors import SECURITY_HEADERS
from sellerflow.api.pii_app import create_pii_app
from sellerflow.api.ports import BillingPorts
from sellerflow.billing.plans import bundled_catalog
from sellerflow.billing.service import BillingService
from sellerflow.domain import Order, Role
from sellerflow.facts import CogsEntry, SettlementSummary
from sellerflow.pii.models import Purpose, ShippingLabel
from sellerflow.pii.service import ShippingAddress
from sellerflow.privacy.service import PrivacyConfig
from sellerflow.settings import Settings
from sellerflow.store.audit import AuditEntry, AuditPage
from sellerflow.subprocessors import HOSTING
from sellerflow_dev.openapi import render

ROOT = Path(__file__).resolve().parents[3]
DOCUMENT_PATH = ROOT / "docs" / "openapi.json"
DOCUMENT: dict[str, Any] = json.loads(DOCUMENT_PATH.read_text())
OWNER, ADMIN, MEMBER = "sub-owner-0001", "sub-admin-0005", "sub-member-0009"
ORDER_ID = "111-0000000-0000001"
# The billing app's routes (Billing=on deployments) are documented too; the other API tests' route lists
# (APP_ROUTES) are the general and PII apps'.
BILLING_ROUTES = sorted((m, p) for p, methods in create_billing_app().routes.items() for m in methods)
DOCUMENTED_ROUTES = sorted({*APP_ROUTES, *BILLING_ROUTES})
BILLING_PATHS = frozenset(p for _, p in BILLING_ROUTES)
PUBLIC_PATHS = frozenset({"/webhooks/stripe"})


# --- fakes of the ports the role matrix never reaches ------------------------------------------------
@dataclass
class FakeAuditLog:
    records: list[tuple[str, str, str, str]] = field(default_factory=list)

    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> None:
        self.records.append((seller_id, actor_sub, action, resource))

    def page(self, seller_id: str, **_: Any) -> AuditPage:
        entries = [
            AuditEntry(seller_id=s, actor=a, action=act, resource=r, at=NOW, seq=i + 1, hash="h", prev_hash="p")
            for i, (s, a, act, r) in enumerate(self.records) if s == seller_id
        ]  # fmt: skip
        return AuditPage(entries=entries[::-1], next_token=None)


class FakeRollups:
    def days(
        self, seller_id: str, first: date, last: date, *, marketplace_id: str | None = None
    ) -> list[DayRollup]:
        day = NOW.date() - timedelta(days=1)
        if not first <= day <= last or marketplace_id not in (None, MARKETPLACE_US):
            return []
        return [
            DayRollup(
                seller_id=seller_id, marketplace_id=MARKETPLACE_US, day=day, currency="USD", orders=3, units=4,
                gross_sales=Decimal("84.00"), amazon_fees=Decimal("12.60"), cogs=Decimal("20.00"),
            )
        ]  # fmt: skip

    def skus(self, *_: Any, **__: Any) -> list[Any]:
        return []


class FakeFacts:
    def inventory(self, *_: Any, **__: Any) -> list[Any]:
        return []

    def settlements(self, _seller_id: str) -> list[SettlementSummary]:
        return []

    def settlement(self, *_: Any) -> SettlementSummary | None:
        return None  # an unknown settlement: the documented 404

    def settlement_lines(self, *_: Any, **__: Any) -> list[Any]:
        return []

    def finance_page(self, *_: Any, **__: Any) -> Any:
        return type("Page", (), {"transactions": [], "last_key": None})()


@dataclass
class FakeCogs:
    entries: list[CogsEntry] = field(default_factory=list)

    def put(self, entry: CogsEntry, *, now: datetime | None = None) -> None:
        self.entries.append(entry)

    def put_all(self, entries: Sequence[CogsEntry], *, now: datetime | None = None) -> None:
        self.entries.extend(entries)

    def all_for_seller(self, seller_id: str) -> list[CogsEntry]:
        return [e for e in self.entries if e.seller_id == seller_id]

    def for_sku(self, seller_id: str, sku: str) -> list[CogsEntry]:
        return [e for e in self.all_for_seller(seller_id) if e.sku == sku]


class FakeDirty:
    def mark(self, _seller_id: str, days: Sequence[tuple[str, date]], **_: Any) -> int:
        return len(days)


class FakeAdFacts:
    def for_marketplaces(self, *_: Any) -> list[Any]:
        return []


@dataclass
class FakeWorkflows:
    started: dict[str, dict[str, Any]] = field(default_factory=dict)

    def start(self, _arn: str, *, name: str, payload: Mapping[str, Any]) -> str:
        self.started[name] = dict(payload)
        return f"arn:aws:states:{REGION}:123456789012:execution:x:{name}"

    def describe(self, _arn: str, name: str) -> Any:
        payload = self.started.get(name)
        return None if payload is None else type("Execution", (), {"status": "RUNNING", "input": payload})()


class FakeObjects:
    def exists(self, _key: str) -> bool:
        return False

    def presigned_get(self, key: str, *, expires_in: int) -> str:
        return f"https://bucket.example/{key}?ttl={expires_in}"


class StubShipping:
    def check_order(self, seller_id: str, order_id: str) -> Order:
        return make_order(seller_id, order_id, NOW - timedelta(days=1), status="UNSHIPPED")

    def shipping_address(
        self, _seller_id: str, order: Order, *, purpose: Purpose, persist: bool = False
    ) -> ShippingAddress:
        label = ShippingLabel(name="Jane Doe", address_line1="1 Main St", country_code="US")
        return ShippingAddress(
            order_id=order.order_id,
            purpose=purpose,
            label=label,
            source="amazon",
            persisted=persist,
            expires_at=None,
        )


# --- the apps, driven ---------------------------------------------------------------------------------
@dataclass
class Api:
    client: Any
    tokens: Tokens

    def call(self, method: str, url: str, route_path: str, *, sub: str = OWNER, body: Any = None) -> Any:
        groups = ["admins"] if sub == ADMIN else []
        headers = {
            **bearer(self.tokens.id_token(sub, **{"cognito:groups": groups})),
            "content-type": "application/json",
        }
        if "connect/amazon" in route_path and method == "GET":
            headers["accept"] = "application/json"
        if route_path in PUBLIC_PATHS:
            headers = {"content-type": "application/json", "stripe-signature": GOOD_SIGNATURE}
        extra = (
            {"body": body if isinstance(body, str) else json.dumps(body or {})}
            if method in ("POST", "PUT")
            else {}
        )
        return getattr(self.client(route_path).http, method.lower())(url, headers=headers, **extra)


@pytest.fixture
def api(tokens: Tokens, pool_jwks: dict[str, Any]) -> Iterator[Api]:
    sellers, orders = FakeSellers(), FakeOrders()
    sellers.add(SELLER_A, "Alpha Mugs", (MARKETPLACE_US,))
    sellers.members[(SELLER_A, OWNER)] = Role.OWNER
    sellers.members[(SELLER_A, MEMBER)] = Role.ANALYST
    orders.add(make_order(SELLER_A, ORDER_ID, NOW - timedelta(days=1)))
    audit = FakeAuditLog()
    rollups = FakeRollups()
    team = FakeTeam(members_by_key=sellers.members, profiles_by_id=sellers.profiles_by_id)
    given: dict[str, Any] = {
        "sellers": sellers, "orders": orders, "audit": audit, "audit_reader": audit, "currencies": sellers,
        "team": team, "reviews": FakeReviews(team),
        "users": FakeUsers(by_sub={MEMBER: (), OWNER: ()}),
        "analytics": AnalyticsService(rollups=rollups, facts=FakeFacts(), cogs=FakeCogs(), dirty=FakeDirty()),
        "ads": AdsService(ads=FakeAdFacts(), rollups=rollups),
        "alerts": FakeAlerts(), "connect": StubConnect, "ads_connect": StubConnect,
        "workflows": FakeWorkflows(), "export_objects": FakeObjects(),
        "privacy": PrivacyConfig(export_state_machine_arn="arn:x:export", erase_state_machine_arn="arn:x:erase"),
        "subprocessors": (HOSTING,),
        "incidents": FakeIncidents(), "review_requests": FakeReviewRequests(),
        "shipping": StubShipping,
        "labels": functools.partial(lambda service: service, label_service(SELLER_A, ORDER_ID)),
        "messages": functools.partial(lambda ports: ports, message_ports(SELLER_A, ORDER_ID, audit)[0]),
    }  # fmt: skip
    settings = Settings(
        aws_region=REGION, cognito_user_pool_id=POOL_ID, cognito_app_client_id="testappclient123"
    )
    keys = StaticKeySource(pool_jwks)
    general = create_app(settings=settings, key_source=keys, clock=lambda: NOW, **given)
    pii = create_pii_app(settings=settings, key_source=keys, clock=lambda: NOW, **given)
    service = BillingService(
        accounts=Accounts(),
        provider=Stripe,
        notices=FakeNotices(),
        catalog=bundled_catalog(),
        clock=lambda: NOW,
    )
    ports = BillingPorts(service=service, verifier=Verifier, events=Ledger())
    billing = create_billing_app(
        settings=settings, key_source=keys, clock=lambda: NOW, billing=lambda: ports, **given
    )
    with Client(general) as client, Client(pii) as pii_client, Client(billing) as billing_client:
        by_path = clients_by_path(client, pii_client)
        yield Api(
            client=lambda path: billing_client if path in BILLING_PATHS else by_path(path), tokens=tokens
        )


class FakeNotices:
    def notify(self, notice: Any) -> None:
        raise AssertionError(f"no owner notice in these calls: {notice}")


# A well-formed request for every route (the routes' own tests cover their rules).
QUERIES = {
    "/sellers/{sellerId}/orders/{orderId}/shipping-address": "?purpose=shipping_label",
    "/sellers/{sellerId}/orders": "?limit=5",
    "/sellers/{sellerId}/dashboard": "?range=last30",
    "/sellers/{sellerId}/audit": "?limit=10",
}
RULE = AlertRule(kind=next(iter(AlertKind)), enabled=True).model_dump(mode="json")
BODIES: dict[str, Any] = {
    **WELL_FORMED_BODIES,
    "/connect/amazon/callback": {
        "state": "x.y",
        "selling_partner_id": "A1SELLERALPHA",
        "spapi_oauth_code": "ANcode",
    },
    "/sellers/{sellerId}/members/{userSub}": {"role": "owner"},
    "/sellers/{sellerId}/alerts/rules": {"rules": [RULE]},
    "/sellers/{sellerId}/alerts/recipients": {"recipients": [{"phone": "+15551234567", "opted_in": True}]},
    "/sellers/{sellerId}/billing/checkout": {"plan": "growth"},
    "/webhooks/stripe": {
        "id": "evt_openapi_1",
        "type": "invoice.paid",
        "created": 1750000000,
        "data": {"object": {"id": "in_1", "customer": "cus_nobody"}},
    },
}


def _url(path: str) -> str:
    filled = (
        path.replace("{sellerId}", SELLER_A)
        .replace("{orderId}", ORDER_ID)
        .replace("{userSub}", MEMBER)
        .replace("{invitationId}", "0" * 32)
        .replace("{incidentId}", INCIDENT_ID)
        .replace("{exportId}", "0123456789abcdef01234567")
        .replace("{sku}", "SKU-RED-MUG")
        .replace("{threadId}", THREAD_ID)
    )
    return re.sub(r"\{[A-Za-z]+\}", "X1", filled) + QUERIES.get(path, "")


def _assert_documented(method: str, path: str, response: Any) -> None:
    for name, value in SECURITY_HEADERS.items():  # every route, whatever it answers
        assert response.headers.get(name) == value, (method, path, name)
    operation = DOCUMENT["paths"][path][method.lower()]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, (method, path, response.status_code, response.body[:300])
    content = documented.get("content")
    if content is None:
        assert response.body in (b"", ""), (method, path, response.body[:300])
        return
    schema = {**content["application/json"]["schema"], "components": DOCUMENT["components"]}
    errors = sorted(Draft202012Validator(schema).iter_errors(json.loads(response.body)), key=str)
    assert not errors, (method, path, response.status_code, [e.message for e in errors[:3]])


def test_the_committed_document_is_the_apps_own() -> None:
    assert DOCUMENT_PATH.read_text() == render(), "docs/openapi.json is stale: run `make openapi`"


def test_the_document_is_valid_openapi_3_1() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(DOCUMENT)
    assert DOCUMENT["openapi"].startswith("3.1")


def test_the_document_names_every_route_and_only_those() -> None:
    documented = {(m.upper(), p) for p, ops in DOCUMENT["paths"].items() for m in ops}
    assert documented == set(DOCUMENTED_ROUTES)


@pytest.mark.parametrize(("method", "path"), DOCUMENTED_ROUTES)
def test_every_route_answers_as_the_document_says(api: Api, method: str, path: str) -> None:
    sub = ADMIN if path.startswith("/admin/") else OWNER
    url = _url(path)
    if path.endswith("/billing/portal"):  # the portal needs a Stripe customer: subscribe first
        checkout = "/sellers/{sellerId}/billing/checkout"
        assert api.call("POST", _url(checkout), checkout, body=BODIES[checkout]).status_code == 201
    if path.endswith("{invitationId}"):  # revoke one that exists
        invitations = "/sellers/{sellerId}/invitations"
        created = api.call("POST", _url(invitations), invitations, body=BODIES[invitations]).json_body
        url = url.replace("0" * 32, created["invitation_id"])
    if "/label" in path and not path.endswith("/rates") and "/labels/" not in path:  # rates, then a label
        rates, label = (
            "/sellers/{sellerId}/orders/{orderId}/label/rates",
            "/sellers/{sellerId}/orders/{orderId}/label",
        )
        assert api.call("POST", _url(rates), rates).status_code == 200
        if (method, path) != ("POST", label):
            assert api.call("POST", _url(label), label, body=BODIES[label]).status_code == 200
    response = api.call(method, url, path, sub=sub, body=BODIES.get(path))
    _assert_documented(method, path, response)
    if (
        path not in ("/sellers/{sellerId}/settlements/{settlementId}", "/invitations/accept")
        and "exportId" not in path
    ):
        # (an unknown settlement, invitation or export is the documented 404/410)
        assert response.status_code < 300 or response.status_code == 302, (method, path, response.body[:300])


def test_an_anonymous_call_gets_the_documented_401_everywhere(api: Api) -> None:
    for method, path in DOCUMENTED_ROUTES:
        url = _url(path)
        response = getattr(api.client(path).http, method.lower())(url, headers={})
        # a public webhook has no token to miss: without its signature it is the documented 400
        assert response.status_code == (400 if path in PUBLIC_PATHS else 401), (path, response.body[:200])
        _assert_documented(method, path, response)


# --- the bad-input side: one malformed query and one malformed body per route family ----------------
BAD_QUERIES = [
    ("GET", "/sellers/{sellerId}/orders", "?limit=0"),
    ("GET", "/sellers/{sellerId}/orders", "?from=yesterday"),
    ("GET", "/sellers/{sellerId}/dashboard", "?range=forever"),
    ("GET", "/sellers/{sellerId}/analytics/daily", "?from=2025-13-01"),
    ("GET", "/sellers/{sellerId}/transactions", "?limit=abc"),
    ("GET", "/sellers/{sellerId}/ads/campaigns", "?from=2025-06-10&to=2025-06-01"),
    ("GET", "/sellers/{sellerId}/alerts", "?unknown=1"),
    ("GET", "/connect/amazon", "?seller_hint=not-a-seller"),
    ("GET", "/sellers/{sellerId}/members", "?page=2"),
    ("GET", "/admin/sellers", "?all=true"),
    ("POST", "/sellers/{sellerId}/exports", "?format=csv"),
    ("GET", "/sellers/{sellerId}/audit", "?from=2025-06-10&to=2025-06-01"),
    ("GET", "/sellers/{sellerId}/orders/{orderId}/shipping-address", "?purpose=marketing"),
]
BAD_BODIES = [
    (
        "PUT",
        "/sellers/{sellerId}/cogs/{sku}",
        {"unit_cost": "-1", "currency": "USD", "effective_from": "2025-06-01"},
    ),
    ("POST", "/sellers/{sellerId}/cogs", {"entries": []}),
    ("PUT", "/sellers/{sellerId}/alerts/rules", {"rules": []}),
    ("PUT", "/sellers/{sellerId}/review-requests/settings", {"enabled": True, "delay_days": 3}),
    ("PUT", "/sellers/{sellerId}/alerts/recipients", {"recipients": [{"phone": "5551234"}]}),
    ("POST", "/connect/amazon/callback", {"state": "x"}),
    ("POST", "/sellers/{sellerId}/connect/amazon-ads/callback", "not json"),
    ("PUT", "/sellers/{sellerId}/members/{userSub}", {"role": "king"}),
    ("POST", "/sellers/{sellerId}/invitations", {"email": "nobody", "role": "support"}),
    ("POST", "/admin/sellers/{sellerId}/break-glass", {"reason": "short", "minutes": 600}),
    ("POST", "/sellers/{sellerId}/disconnect", {"erase_data": "maybe"}),
]


@pytest.mark.parametrize(("method", "path", "query"), BAD_QUERIES)
def test_a_malformed_query_gets_the_documented_400(api: Api, method: str, path: str, query: str) -> None:
    sub = ADMIN if path.startswith("/admin/") else OWNER
    url = re.sub(r"\?.*$", "", _url(path)) + query
    response = api.call(method, url, path, sub=sub, body=BODIES.get(path))
    assert response.status_code == 400, (response.status_code, response.body[:300])
    assert json.loads(response.body)["error"] == "bad_request"
    _assert_documented(method, path, response)


@pytest.mark.parametrize(("method", "path", "body"), BAD_BODIES)
def test_a_malformed_body_gets_the_documented_400(api: Api, method: str, path: str, body: Any) -> None:
    sub = ADMIN if path.startswith("/admin/") else OWNER
    response = api.call(method, _url(path), path, sub=sub, body=body)
    assert response.status_code == 400, (response.status_code, response.body[:300])
    assert json.loads(response.body)["error"] == "bad_request"
    _assert_documented(method, path, response)
