"""In-memory stand-ins for the label service's ports (no network, no AWS): a real `LabelService`
over them answers the label routes in the API's unit tests."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from api_fakes import NOW, make_order

from sellerflow.domain import Order
from sellerflow.errors import OrderNotFound
from sellerflow.labels.model import (
    LabelDocument,
    LabelSettings,
    LabelShipment,
    PackageProfile,
    RateQuote,
    ShipFrom,
    ShipmentStatus,
)
from sellerflow.labels.service import LabelService

CANARY = "Jane Doe PII-CANARY-0a0a"
LABEL_PDF = b"%PDF-1.4 SHIP TO: " + CANARY.encode()


@dataclass
class FakeShippingApi:
    """Canned Shipping v2 answers in the model's shapes; records what it was sent."""

    rates_sent: list[dict[str, Any]] = field(default_factory=list)
    purchases: list[str] = field(default_factory=list)  # idempotency keys
    confirmed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    order_status: str = "UNSHIPPED"

    def get_rates(self, _seller_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        self.rates_sent.append(dict(request))
        promise = {"deliveryWindow": {"start": "2026-03-05T08:00:00Z", "end": "2026-03-05T20:00:00Z"}}
        rate = {"carrierId": "UPS", "carrierName": "UPS", "promise": promise, "totalCharge": {"unit": "USD"}}
        return {
            "payload": {
                "requestToken": "rt-1",
                "rates": [
                    rate | {"rateId": "r-2", "serviceId": "UPS_2DAY", "serviceName": "2nd Day Air",
                            "totalCharge": {"unit": "USD", "value": 18.4}},
                    rate | {"rateId": "r-1", "serviceId": "UPS_GROUND", "serviceName": "UPS Ground",
                            "totalCharge": {"unit": "USD", "value": 9.1}},
                ],
                "ineligibleRates": [],
            }
        }  # fmt: skip

    def purchase_shipment(
        self, _seller_id: str, _request: Mapping[str, Any], *, idempotency_key: str
    ) -> dict[str, Any]:
        self.purchases.append(idempotency_key)
        return {"payload": {"shipmentId": "S-1", "packageDocumentDetails": [self._detail(idempotency_key)],
                            "promise": {"deliveryWindow": {"end": "2026-03-05T20:00:00Z"}}}}  # fmt: skip

    def get_shipment_documents(
        self, _seller_id: str, _shipment_id: str, *, package_reference: str, document_format: str
    ) -> dict[str, Any]:
        return {
            "payload": {
                "shipmentId": "S-1",
                "packageDocumentDetail": self._detail(package_reference, document_format),
            }
        }

    def cancel_shipment(self, _seller_id: str, shipment_id: str) -> None:
        self.cancelled.append(shipment_id)

    def get_tracking(self, _seller_id: str, tracking_id: str, _carrier_id: str) -> dict[str, Any]:
        return {
            "payload": {"trackingId": tracking_id, "summary": {"status": "InTransit"}, "eventHistory": []}
        }

    def confirm_shipment(self, _seller_id: str, order_id: str, _request: Mapping[str, Any]) -> None:
        self.confirmed.append(order_id)

    def get_order(
        self, _seller_id: str, _order_id: str, *, included_data: Sequence[str] = ()
    ) -> dict[str, Any]:
        return {"fulfillment": {"fulfillmentStatus": self.order_status}}

    @staticmethod
    def _detail(reference: str, document_format: str = "PDF") -> dict[str, Any]:
        contents = base64.b64encode(LABEL_PDF).decode()
        return {"packageClientReferenceId": reference, "trackingId": "1Z0001",
                "packageDocuments": [{"type": "LABEL", "format": document_format, "contents": contents}]}  # fmt: skip


class FakeRecipients:
    def ship_to(self, _seller_id: str, _order: Order) -> dict[str, str]:
        return {"name": CANARY, "addressLine1": "1 Main St", "city": "Seattle", "stateOrRegion": "WA",
                "postalCode": "98101", "countryCode": "US"}  # fmt: skip


class FakeMerchantOrders:
    def __init__(self, orders: Iterable[Order]) -> None:
        self.orders = {o.order_id: o for o in orders}

    def get(self, _seller_id: str, order_id: str) -> Order:
        if order_id not in self.orders:
            raise OrderNotFound(f"order {order_id} not found")
        return self.orders[order_id]

    def unshipped_merchant_orders(self, _seller_id: str, *, now: datetime) -> Iterable[Order]:
        return [o for o in self.orders.values() if o.created_time <= now]


@dataclass
class FakeLabelData:
    profile_rows: dict[str, PackageProfile] = field(default_factory=dict)
    label_settings: LabelSettings | None = None
    quotes: dict[str, RateQuote] = field(default_factory=dict)
    rows: dict[str, LabelShipment] = field(default_factory=dict)

    def profiles(self, _seller_id: str, skus: Iterable[str] | None = None) -> dict[str, PackageProfile]:
        wanted = None if skus is None else set(skus)
        return {k: v for k, v in self.profile_rows.items() if wanted is None or k in wanted}

    def put_profile(self, _seller_id: str, profile: PackageProfile) -> None:
        self.profile_rows[profile.sku] = profile

    def settings(self, _seller_id: str) -> LabelSettings | None:
        return self.label_settings

    def put_settings(self, _seller_id: str, settings: LabelSettings) -> None:
        self.label_settings = settings

    def put_quote(self, _seller_id: str, quote: RateQuote) -> None:
        self.quotes[quote.order_id] = quote

    def quote(self, _seller_id: str, order_id: str) -> RateQuote | None:
        return self.quotes.get(order_id)

    def shipment(self, _seller_id: str, order_id: str) -> LabelShipment | None:
        return self.rows.get(order_id)

    def shipments(self, _seller_id: str, order_ids: Iterable[str]) -> dict[str, LabelShipment]:
        return {o: self.rows[o] for o in order_ids if o in self.rows}

    def put_shipment(self, shipment: LabelShipment) -> None:
        self.rows[shipment.order_id] = shipment

    def forget_pending(self, _seller_id: str, order_id: str) -> None:
        if order_id in self.rows and self.rows[order_id].status is ShipmentStatus.PENDING:
            del self.rows[order_id]


@dataclass
class FakeVault:
    kept: dict[str, tuple[LabelDocument, datetime]] = field(default_factory=dict)

    def put(self, _seller_id: str, order_id: str, document: LabelDocument, *, expires_at: datetime) -> None:
        self.kept[order_id] = (document, expires_at)

    def get(self, _seller_id: str, order_id: str, *, now: datetime) -> LabelDocument | None:
        found = self.kept.get(order_id)
        return found[0] if found and found[1] > now else None

    def retain_until(self, _seller_id: str, order_id: str, expires_at: datetime) -> None:
        if order_id in self.kept:
            self.kept[order_id] = (self.kept[order_id][0], expires_at)

    def delete(self, _seller_id: str, order_id: str) -> None:
        self.kept.pop(order_id, None)


SHIP_FROM = ShipFrom(name="Acme", address_line1="1 Dock St", city="Seattle", state_or_region="WA",
                     postal_code="98101", country_code="US")  # fmt: skip
PROFILE = PackageProfile(sku="SKU-RED-MUG", length_cm=Decimal(20), width_cm=Decimal(15), height_cm=Decimal(12),
                         weight_g=600)  # fmt: skip


def label_service(seller_id: str, order_id: str, *, shipping: FakeShippingApi | None = None) -> LabelService:
    """A label service over fakes: one unshipped merchant order (late), its SKU profiled, settings set."""
    order = make_order(seller_id, order_id, NOW - timedelta(days=3), status="UNSHIPPED")
    order = order.model_copy(update={"ship_by": NOW - timedelta(days=1)})
    data = FakeLabelData(
        profile_rows={PROFILE.sku: PROFILE}, label_settings=LabelSettings(ship_from=SHIP_FROM)
    )
    return LabelService(
        shipping=shipping or FakeShippingApi(), recipients=FakeRecipients(), orders=FakeMerchantOrders([order]),
        data=data, vault=FakeVault(), clock=lambda: NOW,
    )  # fmt: skip
