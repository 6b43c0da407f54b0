"""The data-protection routes with fakes: who may read buyer PII and the audit log, and what comes out."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client
from pydantic import SecretStr

from sellerflow.api.app import create_app
from sellerflow.api.auth import Caller
from sellerflow.api.pii_app import create_pii_app
from sellerflow.domain import Membership, Order, Role
from sellerflow.errors import OrderNotFound, SpApiBadRequest, SpApiThrottled, Unauthenticated
from sellerflow.pii.models import ShippingLabel
from sellerflow.pii.service import ShippingAddressService
from sellerflow.settings import Settings
from sellerflow.store.audit import AuditEntry, AuditPage
from sellerflow.store.pii import StoredLabel

SELLER = "A1PROTSELLER"
OWNER, ANALYST, STRANGER = "sub-owner", "sub-analyst", "sub-stranger"
SUPPORT = "sub-support"
NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
MFN, FBA, CANCELLED = "111-0000001-0000001", "111-0000002-0000002", "111-0000003-0000003"


def _order(order_id: str, fulfilled_by: str, status: str = "UNSHIPPED") -> Order:
    return Order(
        seller_id=SELLER, order_id=order_id, marketplace_id="ATVPDKIKX0DER", created_time=NOW - timedelta(days=1),
        last_updated_time=NOW, local_date=date(2026, 5, 9), status=status, fulfilled_by=fulfilled_by,
    )  # fmt: skip


ORDERS = {MFN: _order(MFN, "MERCHANT"), FBA: _order(FBA, "AMAZON"), CANCELLED: _order(CANCELLED, "MERCHANT", "CANCELLED")}  # fmt: skip
DOCUMENT = {
    "orderId": MFN,
    "buyer": {"buyerName": "Jane", "buyerEmail": "jane-pii-canary@marketplace.amazon.com"},
    "recipient": {
        "deliveryAddress": {
            "name": "Jane Doe",
            "addressLine1": "1 Main St",
            "city": "Seattle",
            "stateOrRegion": "WA",
            "postalCode": "98101",
            "countryCode": "US",
            "phone": "+1 206 555 0100",
            "companyName": "Acme",
        }
    },
    "fulfillment": {"fulfilledBy": "MERCHANT", "deliverByWindow": {"latestDateTime": "2026-05-14T00:00:00Z"}},
}


class FakeSellers:
    roles = {OWNER: Role.OWNER, ANALYST: Role.ANALYST, SUPPORT: Role.SUPPORT}

    def membership(self, seller_id: str, user_sub: str) -> Membership | None:
        role = self.roles.get(user_sub)
        return (
            Membership(seller_id=seller_id, user_sub=user_sub, role=role)
            if seller_id == SELLER and role
            else None
        )

    def memberships_of(self, user_sub: str) -> list[Membership]:
        return []

    def profiles(self, seller_ids: Any) -> list[Any]:
        return []


class FakeOrders:
    def get(self, seller_id: str, order_id: str) -> Order:
        if seller_id != SELLER or order_id not in ORDERS:
            raise OrderNotFound(f"order {order_id} not found")
        return ORDERS[order_id]


@dataclass
class FakeSpApi:
    calls: list[tuple[str, Any]] = field(default_factory=list)
    throttle: bool = False
    refuse: bool = False

    def create_restricted_data_token(
        self, seller_id: str, restricted_resources: Sequence[Mapping[str, Any]]
    ) -> SecretStr:
        if self.throttle:
            raise SpApiThrottled("throttled", operation="createRestrictedDataToken", retry_after_s=2.5)
        self.calls.append(("rdt", [dict(r) for r in restricted_resources]))
        return SecretStr("Atz.sprdt|fake")

    def get_order(self, seller_id: str, order_id: str, *, included_data: Sequence[str] = (),
                  restricted_data_token: SecretStr | None = None) -> dict[str, Any]:  # fmt: skip
        if self.refuse:  # Amazon's own message may quote the request: never echoed
            raise SpApiBadRequest("InvalidInput: 1 Main St", operation="getOrder", status=400)
        self.calls.append(("getOrder", (tuple(included_data), restricted_data_token.get_secret_value() if restricted_data_token else None)))  # fmt: skip
        return json.loads(json.dumps(DOCUMENT))


@dataclass
class FakeQueue:
    stored: dict[tuple[str, str, str], StoredLabel] = field(default_factory=dict)

    def get(self, seller_id: str, order_id: str, purpose: str) -> StoredLabel | None:
        return self.stored.get((seller_id, order_id, purpose))

    def put(
        self, seller_id: str, order_id: str, purpose: str, label: ShippingLabel, *, expires_at: datetime
    ) -> None:
        self.stored[(seller_id, order_id, purpose)] = StoredLabel(label, expires_at)


@dataclass
class FakeAudit:
    records: list[tuple[str, str, str, str]] = field(default_factory=list)

    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> object:
        self.records.append((seller_id, actor_sub, action, resource))
        return None

    def page(self, seller_id: str, **kwargs: Any) -> AuditPage:
        entries = [
            AuditEntry(seller_id=s, actor=a, action=act, resource=r, at=NOW, seq=i + 1, hash="h", prev_hash="p")
            for i, (s, a, act, r) in enumerate(self.records) if s == seller_id
        ][::-1]  # fmt: skip
        return AuditPage(entries=entries[: kwargs.get("limit", 50)], next_token=None)


class HeaderVerifier:
    """Takes the Authorization header for the caller's sub (the token checks are test_api_auth's)."""

    def authenticate(self, authorization: str | None) -> Caller:
        if not authorization:
            raise Unauthenticated("missing Authorization header")
        return Caller(sub=authorization)


@dataclass
class Harness:
    client: Client  # the general app's (the audit trail)
    pii_client: Client  # the buyer-PII app's (the shipping address)
    spapi: FakeSpApi
    queue: FakeQueue
    audit: FakeAudit

    def get(self, path: str, sub: str | None = OWNER) -> Any:
        client = self.client if path.split("?")[0].endswith("/audit") else self.pii_client
        return client.http.get(path, headers={"authorization": sub} if sub else {})


@pytest.fixture
def harness() -> Harness:
    spapi, queue, audit = FakeSpApi(), FakeQueue(), FakeAudit()
    shipping = ShippingAddressService(spapi=spapi, queue=queue, orders=FakeOrders(), clock=lambda: NOW)
    given: dict[str, Any] = {
        "settings": Settings(),
        "verifier": HeaderVerifier(),
        "sellers": FakeSellers(),
        "orders": FakeOrders(),
        "audit": audit,
        "audit_reader": audit,
        "shipping": lambda: shipping,
    }
    return Harness(Client(create_app(**given)), Client(create_pii_app(**given)), spapi, queue, audit)


def address_path(order_id: str, query: str = "?purpose=shipping_label") -> str:
    return f"/sellers/{SELLER}/orders/{order_id}/shipping-address{query}"


def test_a_member_gets_the_label_fields_only_uncached_and_audited_with_the_purpose(harness: Harness) -> None:
    # (support holds BUYER_PII_READ; an analyst does not: 403, see test_api_role_matrix)
    assert harness.get(address_path(MFN), ANALYST).status_code == 403
    response = harness.get(address_path(MFN), SUPPORT)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json_body
    assert body["ship_to"]["name"] == "Jane Doe"
    assert set(body["ship_to"]) == {"name", "address_line1", "address_line2", "address_line3", "city",
                                    "state_or_region", "postal_code", "country_code", "phone"}  # fmt: skip
    assert "Acme" not in response.body.decode()
    assert "marketplace.amazon.com" not in response.body.decode()
    assert body["persisted"] is False
    assert body["source"] == "amazon"
    # The RDT was asked for exactly this order's getOrder path, with the model's dataElements
    _, resources = harness.spapi.calls[0]
    assert resources == [{"method": "GET", "path": f"/orders/2026-01-01/orders/{MFN}",
                          "dataElements": ["buyerInfo", "shippingAddress"]}]  # fmt: skip
    assert harness.spapi.calls[1] == ("getOrder", (("BUYER", "RECIPIENT", "FULFILLMENT"), "Atz.sprdt|fake"))
    ((seller, actor, action, resource),) = harness.audit.records
    assert (seller, actor, action) == (SELLER, SUPPORT, "pii.read")
    assert "purpose=shipping_label" in resource
    assert "Jane" not in resource


def test_an_fba_or_cancelled_order_is_a_conflict_and_amazon_is_not_asked(harness: Harness) -> None:
    for order_id in (FBA, CANCELLED):
        response = harness.get(address_path(order_id))
        assert response.status_code == 409
        assert response.json_body["error"] == "conflict"
    assert harness.spapi.calls == []
    assert harness.audit.records == []


def test_non_members_and_unknown_orders_are_not_found_and_anonymous_is_401(harness: Harness) -> None:
    assert harness.get(address_path(MFN), STRANGER).status_code == 404
    assert harness.get(address_path("999-0000000-0000000")).status_code == 404
    assert harness.get(address_path(MFN), None).status_code == 401
    assert harness.spapi.calls == []


@pytest.mark.parametrize("query", ["", "?purpose=marketing", "?purpose=shipping_label&persist=maybe", "?purpose=shipping_label&x=1"])  # fmt: skip
def test_a_missing_or_unknown_purpose_is_a_bad_request(harness: Harness, query: str) -> None:
    assert harness.get(address_path(MFN, query)).status_code == 400
    assert harness.spapi.calls == []


def test_persist_stores_until_at_most_delivery_plus_30_days_and_serves_the_queue(harness: Harness) -> None:
    first = harness.get(address_path(MFN, "?purpose=shipping_label&persist=true"))
    assert first.json_body["persisted"] is True
    ((_, stored),) = harness.queue.stored.items()
    # latest delivery 05-14 + 30 days is later than now + 30 days: the earlier bound wins
    assert stored.expires_at == NOW + timedelta(days=30) < datetime(2026, 6, 13, tzinfo=UTC)
    again = harness.get(address_path(MFN))
    assert again.json_body["source"] == "label_queue"
    assert len([c for c in harness.spapi.calls if c[0] == "rdt"]) == 1


def test_amazon_throttling_is_a_429_with_retry_after(harness: Harness) -> None:
    harness.spapi.throttle = True
    response = harness.get(address_path(MFN))
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"


def test_amazon_refusing_the_call_is_a_422_that_does_not_echo_amazons_message(harness: Harness) -> None:
    harness.spapi.refuse = True
    refused = harness.get(address_path(MFN))
    assert (refused.status_code, refused.json_body["error"]) == (422, "amazon_refused")
    assert "getOrder" in refused.json_body["message"]
    assert "Main St" not in refused.body.decode()


def test_only_owners_read_the_audit_log_newest_first(harness: Harness) -> None:
    harness.get(address_path(MFN), SUPPORT)
    assert harness.get(f"/sellers/{SELLER}/audit", ANALYST).status_code == 403
    assert harness.get(f"/sellers/{SELLER}/audit", SUPPORT).status_code == 403
    assert harness.get(f"/sellers/{SELLER}/audit", STRANGER).status_code == 404
    response = harness.get(f"/sellers/{SELLER}/audit?limit=10", OWNER)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    entries = response.json_body["entries"]
    assert entries[0]["action"] == "pii.read"
    assert "purpose=shipping_label" in entries[0]["resource"]
    assert harness.audit.records[-1][2] == "audit.read"
    assert harness.get(f"/sellers/{SELLER}/audit?from=2026-05-10&to=2026-05-01", OWNER).status_code == 400
