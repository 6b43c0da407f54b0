"""Fakes, token factories and fixtures for the API unit tests: no AWS, no network, keys made here."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import jwt
import pytest
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import rsa

from sellerflow.alerts.model import AlertRules, AlertView, Recipient
from sellerflow.api.app import app as general_app
from sellerflow.api.app import create_app
from sellerflow.api.auth import StaticKeySource
from sellerflow.api.pii_app import app as pii_app
from sellerflow.api.pii_app import create_pii_app
from sellerflow.connect.models import (
    AdsConnectOut,
    AdsProfileOut,
    ConnectCallbackOut,
    ConnectionOut,
    ConnectStartOut,
    SyncExecutionOut,
)
from sellerflow.domain import Membership, Order, OrderLine, Role, SellerProfile, SellerStatus
from sellerflow.errors import OrderNotFound
from sellerflow.incidents.model import Incident, Severity
from sellerflow.labels.model import LabelShipment
from sellerflow.settings import Settings
from sellerflow.solicitations.model import ReviewRequest, ReviewRequestSettings, RunMarker
from sellerflow.store.orders import OrderPage, decode_page_token, encode_page_token

REGION = "eu-west-1"
POOL_ID = f"{REGION}_TestPool1"
CLIENT_ID = "testappclient123"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
KID = "test-key-1"
NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)

SELLER_A = "A1SELLERALPHA"
SELLER_B = "A2SELLERBRAVO"
MEMBER_SUB = "11111111-aaaa-4bbb-8ccc-000000000001"
STRANGER_SUB = "22222222-aaaa-4bbb-8ccc-000000000002"
MARKETPLACE_US = "ATVPDKIKX0DER"

# The deployed apps' routes: the general API and the buyer-PII API (its own function).
PII_PATHS = frozenset(pii_app.routes)
APP_ROUTES = sorted(
    (m, p) for app in (general_app, pii_app) for p, methods in app.routes.items() for m in methods
)


def clients_by_path(general: Any, pii: Any) -> Any:
    """The test client of the app that serves a route path."""
    return lambda path: pii if path in PII_PATHS else general


# --- keys and tokens -----------------------------------------------------------------------------
def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def pool_key() -> rsa.RSAPrivateKey:
    return _rsa_key()


@pytest.fixture(scope="session")
def other_key() -> rsa.RSAPrivateKey:
    return _rsa_key()


@pytest.fixture(scope="session")
def pool_jwks(pool_key: rsa.RSAPrivateKey) -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(pool_key.public_key()))
    jwk.update({"kid": KID, "alg": "RS256", "use": "sig"})
    return {"keys": [jwk]}


@dataclass
class Tokens:
    """Makes Cognito-shaped tokens; every kind a caller might present."""

    key: rsa.RSAPrivateKey
    other_key: rsa.RSAPrivateKey

    def claims(self, sub: str = MEMBER_SUB, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": sub,
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "token_use": "id",
            "iat": now,
            "auth_time": now,
            "exp": now + 3600,
            "email": "owner@example.com",
            "cognito:username": sub,
            "cognito:groups": ["sellers"],
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(self, claims: dict[str, Any], *, key: rsa.RSAPrivateKey | None = None, kid: str = KID) -> str:
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid})

    def id_token(self, sub: str = MEMBER_SUB, **overrides: Any) -> str:
        return self.sign(self.claims(sub, **overrides))

    def expired(self, sub: str = MEMBER_SUB) -> str:
        now = int(time.time())
        return self.id_token(sub, iat=now - 7200, auth_time=now - 7200, exp=now - 3600)

    def forged(self, sub: str = MEMBER_SUB) -> str:
        """Claims a valid pool would issue, signed by a key that is not the pool's (same kid)."""
        return self.sign(self.claims(sub), key=self.other_key)

    def wrong_audience(self, sub: str = MEMBER_SUB) -> str:
        return self.id_token(sub, aud="someoneelsesclient")

    def wrong_issuer(self, sub: str = MEMBER_SUB) -> str:
        return self.id_token(sub, iss=f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_OtherPool")

    def access_token(self, sub: str = MEMBER_SUB) -> str:
        return self.id_token(
            sub, token_use="access", aud=None, client_id=CLIENT_ID, scope="aws.cognito.signin.user.admin"
        )


@pytest.fixture
def tokens(pool_key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey) -> Tokens:
    return Tokens(key=pool_key, other_key=other_key)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- fakes of the stores ---------------------------------------------------------------------------
@dataclass
class FakeSellers:
    profiles_by_id: dict[str, SellerProfile] = field(default_factory=dict)
    members: dict[tuple[str, str], Role] = field(default_factory=dict)

    def add(self, seller_id: str, name: str, marketplaces: Sequence[str] = (MARKETPLACE_US,)) -> None:
        self.profiles_by_id[seller_id] = SellerProfile(
            seller_id=seller_id, name=name, status=SellerStatus.ACTIVE, marketplace_ids=tuple(marketplaces)
        )

    def memberships_of(self, user_sub: str) -> list[Membership]:
        return [
            Membership(seller_id=s, user_sub=u, role=r)
            for (s, u), r in sorted(self.members.items())
            if u == user_sub
        ]

    def membership(self, seller_id: str, user_sub: str) -> Membership | None:
        role = self.members.get((seller_id, user_sub))
        return None if role is None else Membership(seller_id=seller_id, user_sub=user_sub, role=role)

    def profiles(self, seller_ids: Iterable[str]) -> list[SellerProfile]:
        return [self.profiles_by_id[s] for s in seller_ids if s in self.profiles_by_id]

    def set_home_currency(self, seller_id: str, currency: str | None) -> None:
        profile = self.profiles_by_id[seller_id]
        self.profiles_by_id[seller_id] = profile.model_copy(update={"home_currency": currency})


@dataclass
class FakeOrders:
    """In-memory orders with the real store's contract: newest first, seller-bound page tokens."""

    by_seller: dict[str, list[Order]] = field(default_factory=dict)

    def add(self, *orders: Order) -> None:
        for order in orders:
            self.by_seller.setdefault(order.seller_id, []).append(order)

    def get(self, seller_id: str, order_id: str) -> Order:
        for order in self.by_seller.get(seller_id, []):
            if order.order_id == order_id:
                return order
        raise OrderNotFound(f"order {order_id} not found")

    def list(
        self,
        seller_id: str,
        *,
        created_from: datetime,
        created_to: datetime,
        statuses: Sequence[str] = (),
        limit: int = 50,
        next_token: str | None = None,
    ) -> OrderPage:
        matching = sorted(
            (
                o
                for o in self.by_seller.get(seller_id, [])
                if created_from <= o.created_time < created_to and (not statuses or o.status in statuses)
            ),
            key=lambda o: (o.created_time, o.order_id),
            reverse=True,
        )
        # The fake keeps its offset in the token's sort key, shaped like the real index key.
        start = int(decode_page_token(next_token, seller_id)["sk"]["S"]) if next_token else 0
        page = matching[start : start + limit]
        end = start + len(page)
        token = (
            encode_page_token(
                {"seller_id": {"S": seller_id}, "sk": {"S": str(end)}, "purchase_sk": {"S": str(end)}},
                seller_id,
            )
            if end < len(matching)
            else None
        )
        return OrderPage(orders=page, next_token=token)


@dataclass
class FakeAudit:
    entries: list[tuple[str, str, str, str]] = field(default_factory=list)

    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> None:
        self.entries.append((seller_id, actor_sub, action, resource))


def make_order(
    seller_id: str,
    order_id: str,
    created: datetime,
    *,
    status: str = "SHIPPED",
    total: str = "42.50",
) -> Order:
    return Order(
        seller_id=seller_id,
        order_id=order_id,
        marketplace_id=MARKETPLACE_US,
        created_time=created,
        last_updated_time=created + timedelta(hours=2),
        local_date=date(created.year, created.month, created.day),
        status=status,
        fulfilled_by="MERCHANT",
        fulfillment_service_level="Standard",
        currency="USD",
        order_total=Decimal(total),
        programs=("PRIME",),
        lines=(
            OrderLine(
                order_item_id=f"{order_id}-1",
                asin="B0TESTASIN",
                seller_sku="SKU-RED-MUG",
                title="Red mug",
                quantity_ordered=2,
                quantity_shipped=2,
                unit_price=Decimal("21.25"),
                item_price=Decimal(total),
                shipping_price=Decimal("0.00"),
                proceeds_total=Decimal("36.10"),
            ),
        ),
    )


@dataclass
class World:
    sellers: FakeSellers
    orders: FakeOrders
    audit: FakeAudit
    tokens: Tokens
    client: Any  # the general app's
    pii_client: Any = None  # the buyer-PII app's
    review_requests: Any = None  # FakeReviewRequests
    shipments: Any = None  # FakeShipments

    def get(self, path: str, token: str | None = None) -> Any:
        return self.client.http.get(path, headers=bearer(token) if token else {})

    def client_for(self, route_path: str) -> Any:
        return clients_by_path(self.client, self.pii_client)(route_path)


@pytest.fixture
def world(tokens: Tokens, pool_jwks: dict[str, Any]) -> Iterator[World]:
    """Seller A (member: MEMBER_SUB, owner) with 7 orders; seller B (no shared member) with 2."""
    sellers, orders, audit = FakeSellers(), FakeOrders(), FakeAudit()
    sellers.add(SELLER_A, "Alpha Mugs")
    sellers.add(SELLER_B, "Bravo Lamps")
    sellers.members[(SELLER_A, MEMBER_SUB)] = Role.OWNER
    sellers.members[(SELLER_B, "33333333-aaaa-4bbb-8ccc-000000000003")] = Role.OWNER
    orders.add(
        *(
            make_order(SELLER_A, f"111-0000000-000000{i}", NOW - timedelta(days=i + 1), status=s)
            for i, s in enumerate(
                ["SHIPPED", "UNSHIPPED", "SHIPPED", "CANCELLED", "PENDING", "SHIPPED", "SHIPPED"]
            )
        )
    )
    orders.add(
        make_order(SELLER_B, "222-0000000-0000001", NOW - timedelta(days=2), total="999.99"),
        make_order(SELLER_B, "222-0000000-0000002", NOW - timedelta(days=3), total="888.88"),
    )
    settings = Settings(aws_region=REGION, cognito_user_pool_id=POOL_ID, cognito_app_client_id=CLIENT_ID)
    review_requests, shipments = FakeReviewRequests(), FakeShipments()
    given: dict[str, Any] = {
        "sellers": sellers, "orders": orders, "audit": audit, "review_requests": review_requests,
        "currencies": sellers, "shipments": shipments,
    }  # fmt: skip
    keys = StaticKeySource(pool_jwks)
    app = create_app(settings=settings, key_source=keys, clock=lambda: NOW, **given)
    pii = create_pii_app(settings=settings, key_source=keys, clock=lambda: NOW, **given)
    with Client(app) as client, Client(pii) as pii_client:
        yield World(
            sellers=sellers, orders=orders, audit=audit, tokens=tokens, client=client, pii_client=pii_client,
            review_requests=review_requests, shipments=shipments,
        )  # fmt: skip


# A well-formed body per route that takes one, so a test's status is the decision it looks at, not a 400.
WELL_FORMED_BODIES: dict[str, Any] = {
    "/sellers/{sellerId}/disconnect": {"erase_data": False},
    "/sellers/{sellerId}/connect/amazon-ads/callback": {"state": "x.y", "code": "ANexampleCode"},
    "/sellers/{sellerId}/cogs/{sku}": {
        "unit_cost": "1.00",
        "currency": "USD",
        "effective_from": "2025-06-01",
    },
    "/sellers/{sellerId}/cogs": {
        "entries": [{"sku": "SKU-1", "unit_cost": "1.00", "currency": "USD", "effective_from": "2025-06-01"}]
    },
    "/sellers/{sellerId}/members/{userSub}": {"role": "analyst"},
    "/sellers/{sellerId}/settings/currency": {"home_currency": "EUR"},
    "/sellers/{sellerId}/invitations": {"email": "new.teammate@example.com", "role": "support"},
    "/invitations/accept": {"token": f"{SELLER_A}.{'0' * 32}.{'x' * 43}"},
    "/admin/sellers/{sellerId}/members/{userSub}": {"role": "analyst"},
    "/admin/sellers/{sellerId}/break-glass": {
        "reason": "Ticket 4711: orders missing on the dashboard",
        "minutes": 15,
    },
    "/admin/incidents": {
        "title": "AuthorizationFailures alarm",
        "severity": "low",
        "detected_at": (NOW - timedelta(hours=1)).isoformat(),
    },
    "/admin/incidents/{incidentId}": {"contained_at": (NOW - timedelta(minutes=30)).isoformat()},
    "/sellers/{sellerId}/messages/threads/{threadId}/draft": {"text": "Thank you, it ships today."},
    "/sellers/{sellerId}/messages/settings": {"tone": "warm", "signature": "The Shop"},
    "/sellers/{sellerId}/labels/profiles/{sku}": {
        "length_cm": "20",
        "width_cm": "15",
        "height_cm": "12",
        "weight_g": 600,
    },
    "/sellers/{sellerId}/inventory/settings": {
        "default": {"lead_time_days": 20, "safety_days": 5},
        "skus": {"SKU-1": {"lead_time_days": 45, "safety_days": 10}},
    },
    "/sellers/{sellerId}/labels/settings": {
        "ship_from": {
            "name": "Acme",
            "address_line1": "1 Dock St",
            "city": "Seattle",
            "state_or_region": "WA",
            "postal_code": "98101",
            "country_code": "US",
        },
        "label_format": "PDF",
        "reprint_days": 7,
    },
    "/sellers/{sellerId}/orders/{orderId}/label": {"request_token": "rt-1", "rate_id": "r-1"},
    "/sellers/{sellerId}/review-requests/settings": {"enabled": True, "delay_days": 10},
}
INCIDENT_ID = "0" * 32


class FakeShipments:
    """The order view's label lookup (`ApiPorts.shipments`): labels by (seller, order)."""

    def __init__(self) -> None:
        self.bought: dict[tuple[str, str], LabelShipment] = {}

    def shipment(self, seller_id: str, order_id: str) -> LabelShipment | None:
        return self.bought.get((seller_id, order_id))


class FakeReviewRequests:
    """The review-request store in memory (settings per seller, outcomes per order)."""

    def __init__(self) -> None:
        self.by_seller: dict[str, ReviewRequestSettings] = {}
        self.items: dict[tuple[str, str], ReviewRequest] = {}

    def __call__(self) -> FakeReviewRequests:  # the port is a factory
        return self

    def settings(self, seller_id: str) -> ReviewRequestSettings:
        return self.by_seller.get(seller_id, ReviewRequestSettings())

    def put_settings(self, seller_id: str, settings: ReviewRequestSettings) -> None:
        self.by_seller[seller_id] = settings

    def requests(self, seller_id: str) -> list[ReviewRequest]:
        return [r for (seller, _), r in self.items.items() if seller == seller_id]

    def claim(self, request: ReviewRequest, previous: ReviewRequest | None) -> bool:
        if self.items.get((request.seller_id, request.order_id)) != previous:
            return False
        self.save(request)
        return True

    def save(self, request: ReviewRequest) -> None:
        self.items[(request.seller_id, request.order_id)] = request

    def last_run(self, seller_id: str) -> RunMarker | None:
        return None

    def record_run(self, marker: RunMarker) -> None:
        pass


class FakeIncidents:
    """The incident store, holding one open incident (INCIDENT_ID) detected two hours before NOW."""

    def __init__(self) -> None:
        self.by_id: dict[str, Incident] = {
            INCIDENT_ID: Incident(
                incident_id=INCIDENT_ID,
                title="PiiReads alarm",
                severity=Severity.HIGH,
                detected_at=NOW - timedelta(hours=2),
                opened_by="admin-sub",
            )
        }

    def put_incident(self, incident: Incident) -> None:
        self.by_id[incident.incident_id] = incident

    def incident(self, incident_id: str) -> Incident | None:
        return self.by_id.get(incident_id)

    def incidents(self) -> list[Incident]:
        return list(self.by_id.values())


@dataclass
class FakeAlerts:
    rules_by_seller: dict[str, AlertRules] = field(default_factory=dict)
    recipients_by_seller: dict[str, dict[str, Recipient]] = field(default_factory=dict)

    def rules(self, seller_id: str, _marketplace_ids: Sequence[str]) -> AlertRules:
        return self.rules_by_seller.get(seller_id, AlertRules(rules=()))

    def put_rules(self, seller_id: str, rules: AlertRules, *, now: datetime | None = None) -> None:
        self.rules_by_seller[seller_id] = rules

    def recipients(self, seller_id: str) -> list[Recipient]:
        return list(self.recipients_by_seller.get(seller_id, {}).values())

    def put_recipient(self, seller_id: str, recipient: Recipient, *, now: datetime | None = None) -> None:
        self.recipients_by_seller.setdefault(seller_id, {})[recipient.phone] = recipient

    def alerts(self, _seller_id: str, *, limit: int = 100) -> list[AlertView]:
        return []


class StubConnect:
    """The connect services' answers (their own rules are tests/unit/connect's)."""

    def start(self, *_: Any, **__: Any) -> ConnectStartOut:
        return ConnectStartOut(
            authorize_url="https://sellercentral.amazon.com/apps/authorize", expires_at=NOW
        )

    def complete(self, _user: Any, *args: Any) -> ConnectCallbackOut | AdsConnectOut:
        if args and isinstance(args[0], str):  # the ads grant: (user, seller_id, callback)
            return AdsConnectOut(
                seller_id=SELLER_A,
                region="NA",
                profiles=[AdsProfileOut(profile_id="1", marketplace_id=MARKETPLACE_US, country_code="US")],
            )
        return ConnectCallbackOut(
            seller_id=SELLER_A, name="Alpha Mugs", marketplace_ids=[MARKETPLACE_US], status="active",
            reconnected=False, authorized_at=NOW, expires_at=NOW + timedelta(days=365),
            sync_execution=SyncExecutionOut(execution_name="x", status="started"),
        )  # fmt: skip

    def connection(self, _seller_id: str) -> ConnectionOut:
        return ConnectionOut(
            status="active", authorized_at=NOW, expires_at=NOW + timedelta(days=300), days_left=300,
            last_sync_at=NOW, last_outcome="succeeded", consecutive_failures=0,
        )  # fmt: skip
