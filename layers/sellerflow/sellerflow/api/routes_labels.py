"""Shipping labels of merchant-fulfilled orders (the PII app: its function alone reads recipient data).

    GET    /sellers/{sellerId}/labels/queue                       ORDERS_READ  unshipped FBM orders, late first
    GET    /sellers/{sellerId}/labels/profiles                    ORDERS_READ  package profiles per SKU
    PUT    /sellers/{sellerId}/labels/profiles/{sku}              LABELS_BUY   a SKU's weight and dimensions
    PUT    /sellers/{sellerId}/labels/settings                    LABELS_BUY   ship-from, format, reprint window
    POST   /sellers/{sellerId}/orders/{orderId}/label/rates       LABELS_BUY   carriers, services, prices
    POST   /sellers/{sellerId}/orders/{orderId}/label             LABELS_BUY   buy (idempotent) → the label
    GET    /sellers/{sellerId}/orders/{orderId}/label             LABELS_BUY   reprint
    DELETE /sellers/{sellerId}/orders/{orderId}/label             LABELS_BUY   void within the carrier's window
    GET    /sellers/{sellerId}/orders/{orderId}/label/tracking    ORDERS_READ  the carrier's latest status

Rates read the recipient from Amazon for the getRates call (audited `pii.read`, purpose
shipping_label); the label document (which prints the recipient) is answered with `no-store` and
never logged. Typed errors answer with a clear message: missing dimensions 409, undeliverable
address 422, expired rates 409, purchase incomplete 502 (retry: the same label), void too late 409;
Amazon refusing a call (the order shipped or was cancelled meanwhile) 422, not answering 502.
"""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from urllib.parse import unquote

from chalice.app import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field

from sellerflow.api.context import ApiContext, json_response, parse_json_body
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.api.models import ResponseModel, decimal_text
from sellerflow.api.routes_protection import NO_STORE_HEADERS, upstream_errors
from sellerflow.billing.limits import Feature
from sellerflow.errors import (
    InvalidInput,
    OrderNotFound,
)
from sellerflow.labels.model import (
    LabelDocument,
    LabelFormat,
    LabelSettings,
    LabelShipment,
    PackageProfile,
    QueueEntry,
    RateQuote,
)
from sellerflow.members.permissions import Permission
from sellerflow.observability import PII_READS, count


# --- bodies and answers ------------------------------------------------------------------------------
class ProfileIn(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    length_cm: Decimal = Field(gt=0, le=300)
    width_cm: Decimal = Field(gt=0, le=300)
    height_cm: Decimal = Field(gt=0, le=300)
    weight_g: int = Field(gt=0, le=70_000)


class PurchaseIn(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    request_token: str = Field(min_length=1, max_length=400)
    rate_id: str = Field(min_length=1, max_length=200)
    format: LabelFormat | None = None


class ShipmentOut(ResponseModel):
    status: str
    carrier: str | None
    service: str | None
    price: str | None
    currency: str | None
    tracking_id: str | None
    tracking_status: str | None
    purchased_at: datetime | None
    void_until: datetime | None
    delivery_by: datetime | None
    confirmed_by: str | None
    label_kept_until: datetime | None

    @classmethod
    def of(cls, s: LabelShipment) -> ShipmentOut:
        return cls(
            status=s.status.value, carrier=s.carrier_name, service=s.service_name, price=decimal_text(s.price),
            currency=s.currency, tracking_id=s.tracking_id, tracking_status=s.tracking_status,
            purchased_at=s.purchased_at, void_until=s.void_until, delivery_by=s.delivery_by,
            confirmed_by=s.confirmed_by, label_kept_until=s.label_kept_until,
        )  # fmt: skip


class QueueLineOut(ResponseModel):
    sku: str | None
    title: str | None
    quantity: int
    has_profile: bool


class PackageOut(ResponseModel):
    length_cm: str
    width_cm: str
    height_cm: str
    weight_g: int


class QueueEntryOut(ResponseModel):
    order_id: str
    marketplace_id: str
    purchased_at: datetime
    ship_by: datetime | None
    late: bool
    lines: list[QueueLineOut]
    package: PackageOut | None
    shipment: ShipmentOut | None

    @classmethod
    def of(cls, e: QueueEntry) -> QueueEntryOut:
        package = e.package
        return cls(
            order_id=e.order_id, marketplace_id=e.marketplace_id, purchased_at=e.purchased_at, ship_by=e.ship_by,
            late=e.late,
            lines=[QueueLineOut(sku=x.sku, title=x.title, quantity=x.quantity, has_profile=x.has_profile) for x in e.lines],
            package=PackageOut(length_cm=str(package.length_cm), width_cm=str(package.width_cm),
                               height_cm=str(package.height_cm), weight_g=package.weight_g) if package else None,
            shipment=ShipmentOut.of(e.shipment) if e.shipment else None,
        )  # fmt: skip


class QueueOut(ResponseModel):
    orders: list[QueueEntryOut]


class ProfileOut(ResponseModel):
    sku: str
    length_cm: str
    width_cm: str
    height_cm: str
    weight_g: int

    @classmethod
    def of(cls, p: PackageProfile) -> ProfileOut:
        return cls(sku=p.sku, length_cm=str(p.length_cm), width_cm=str(p.width_cm), height_cm=str(p.height_cm),
                   weight_g=p.weight_g)  # fmt: skip


class ProfilesOut(ResponseModel):
    profiles: list[ProfileOut]


class SettingsOut(ResponseModel):
    ship_from_country: str
    label_format: str
    reprint_days: int


class RateOut(ResponseModel):
    rate_id: str
    carrier: str
    service: str
    price: str
    currency: str
    delivery_by: datetime | None


class RatesOut(ResponseModel):
    order_id: str
    request_token: str
    expires_at: datetime
    rates: list[RateOut]
    ineligible: list[str]

    @classmethod
    def of(cls, q: RateQuote) -> RatesOut:
        return cls(
            order_id=q.order_id, request_token=q.request_token, expires_at=q.expires_at,
            rates=[RateOut(rate_id=o.rate_id, carrier=o.carrier_name, service=o.service_name, price=str(o.price),
                           currency=o.currency, delivery_by=o.delivery_by) for o in q.options],
            ineligible=[f"{name}: {reason}" for name, reason in q.ineligible],
        )  # fmt: skip


class LabelOut(ResponseModel):
    """The label to print: base64 of the document (it prints the recipient; never stored by the browser)."""

    order_id: str
    format: str
    content_type: str
    content_base64: str
    shipment: ShipmentOut | None

    @classmethod
    def of(cls, order_id: str, document: LabelDocument, shipment: LabelShipment | None) -> LabelOut:
        return cls(
            order_id=order_id, format=document.format.value, content_type=document.content_type,
            content_base64=base64.b64encode(document.content).decode("ascii"),
            shipment=ShipmentOut.of(shipment) if shipment else None,
        )  # fmt: skip


def _order_id(order_id: str) -> str:
    if not order_id or len(order_id) > 64 or not order_id.replace("-", "").replace("_", "").isalnum():
        raise OrderNotFound(f"order {order_id[:64]!r} not found")
    return order_id


# --- the routes --------------------------------------------------------------------------------------
def label_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__, errors=upstream_errors)  # the label errors are in the shared map
    errors = (404, 409, 422, 429, 502)

    def allowed(seller_id: str, permission: Permission) -> str:
        who = ctx.caller()
        ctx.access.require(who, seller_id, permission)
        return who.sub

    @bp.get("/sellers/{sellerId}/labels/queue", RouteDoc(QueueOut))
    def get_label_queue(sellerId: str) -> Response:
        """Unshipped merchant-fulfilled orders, late first, with items, package and label (ORDERS_READ)."""
        allowed(sellerId, Permission.ORDERS_READ)
        entries = ctx.ports.labels().queue(sellerId)
        return json_response(QueueOut(orders=[QueueEntryOut.of(e) for e in entries]))

    @bp.get("/sellers/{sellerId}/labels/profiles", RouteDoc(ProfilesOut))
    def list_package_profiles(sellerId: str) -> Response:
        """Package profiles (weight, dimensions) per SKU (ORDERS_READ)."""
        allowed(sellerId, Permission.ORDERS_READ)
        profiles = ctx.ports.labels().profiles(sellerId)
        return json_response(
            ProfilesOut(profiles=[ProfileOut.of(p) for p in sorted(profiles, key=lambda p: p.sku)])
        )

    @bp.put("/sellers/{sellerId}/labels/profiles/{sku}", RouteDoc(ProfileOut, body=ProfileIn))
    def put_package_profile(sellerId: str, sku: str) -> Response:
        """Set a SKU's package weight and dimensions (LABELS_BUY)."""
        sub = allowed(sellerId, Permission.LABELS_BUY)
        body = parse_json_body(ctx.body(), ProfileIn, "expected length_cm, width_cm, height_cm, weight_g")
        profile = PackageProfile.model_validate({"sku": unquote(sku), **body.model_dump()})
        ctx.ports.labels().put_profile(sellerId, profile)
        ctx.ports.audit.record(sellerId, sub, "labels.profile", f"labels/profiles/{profile.sku}")
        return json_response(ProfileOut.of(profile))

    @bp.put("/sellers/{sellerId}/labels/settings", RouteDoc(SettingsOut, body=LabelSettings))
    def put_label_settings(sellerId: str) -> Response:
        """Ship-from address, label format and reprint window (LABELS_BUY)."""
        sub = allowed(sellerId, Permission.LABELS_BUY)
        settings = parse_json_body(
            ctx.body(), LabelSettings, "expected ship_from, label_format, reprint_days"
        )
        ctx.ports.labels().put_settings(sellerId, settings)
        ctx.ports.audit.record(sellerId, sub, "labels.settings", f"reprint_days={settings.reprint_days}")
        return json_response(
            SettingsOut(ship_from_country=settings.ship_from.country_code, label_format=settings.label_format.value,
                        reprint_days=settings.reprint_days)
        )  # fmt: skip

    @bp.post("/sellers/{sellerId}/orders/{orderId}/label/rates", RouteDoc(RatesOut, errors=(402, *errors)))
    def get_label_rates(sellerId: str, orderId: str) -> Response:
        """Carriers, services and prices for the order's parcel; reads the recipient for Amazon (LABELS_BUY)."""
        sub = allowed(sellerId, Permission.LABELS_BUY)
        ctx.ports.plans.require_feature(sellerId, Feature.LABELS)  # 402 on plans without labels
        quote = ctx.ports.labels().rates(sellerId, _order_id(orderId))
        ctx.ports.audit.record(
            sellerId, sub, "pii.read", f"order/{orderId}/label/rates purpose=shipping_label"
        )
        count(PII_READS)
        return json_response(RatesOut.of(quote), headers=NO_STORE_HEADERS)

    @bp.post(
        "/sellers/{sellerId}/orders/{orderId}/label",
        RouteDoc(LabelOut, body=PurchaseIn, errors=(402, *errors)),
    )
    def buy_label(sellerId: str, orderId: str) -> Response:
        """Buy the chosen rate's label (idempotent), confirm the shipment, answer the label (LABELS_BUY)."""
        sub = allowed(sellerId, Permission.LABELS_BUY)
        ctx.ports.plans.require_feature(sellerId, Feature.LABELS)  # kept labels stay reprintable
        body = parse_json_body(
            ctx.body(), PurchaseIn, "expected request_token, rate_id and optionally format"
        )
        shipment, document = ctx.ports.labels().purchase(
            sellerId, _order_id(orderId), request_token=body.request_token, rate_id=body.rate_id,
            label_format=body.format,
        )  # fmt: skip
        ctx.ports.audit.record(
            sellerId, sub, "label.purchase",
            f"order/{orderId} carrier={shipment.carrier_id} tracking={shipment.tracking_id} "
            f"confirmed_by={shipment.confirmed_by} kept={'yes' if shipment.label_kept_until else 'no'}",
        )  # fmt: skip
        return json_response(LabelOut.of(orderId, document, shipment), headers=NO_STORE_HEADERS)

    @bp.get(
        "/sellers/{sellerId}/orders/{orderId}/label", RouteDoc(LabelOut, query=("format",), errors=errors)
    )
    def reprint_label(sellerId: str, orderId: str) -> Response:
        """The bought label again, from the kept copy or Amazon (LABELS_BUY)."""
        sub = allowed(sellerId, Permission.LABELS_BUY)
        wanted = next(iter(ctx.query_params().get("format") or []), None)
        try:
            label_format = LabelFormat(wanted) if wanted else None
        except ValueError:
            raise InvalidInput("format must be PDF, PNG or ZPL") from None
        document = ctx.ports.labels().reprint(sellerId, _order_id(orderId), label_format=label_format)
        ctx.ports.audit.record(
            sellerId, sub, "pii.read", f"order/{orderId}/label purpose=shipping_label reprint"
        )
        count(PII_READS)
        return json_response(LabelOut.of(orderId, document, None), headers=NO_STORE_HEADERS)

    @bp.delete("/sellers/{sellerId}/orders/{orderId}/label", RouteDoc(ShipmentOut, errors=errors))
    def void_label(sellerId: str, orderId: str) -> Response:
        """Cancel the label within the carrier's window; the kept copy is deleted (LABELS_BUY)."""
        sub = allowed(sellerId, Permission.LABELS_BUY)
        shipment = ctx.ports.labels().void(sellerId, _order_id(orderId))
        ctx.ports.audit.record(
            sellerId, sub, "label.void", f"order/{orderId} tracking={shipment.tracking_id}"
        )
        return json_response(ShipmentOut.of(shipment))

    @bp.get("/sellers/{sellerId}/orders/{orderId}/label/tracking", RouteDoc(ShipmentOut, errors=errors))
    def get_label_tracking(sellerId: str, orderId: str) -> Response:
        """The carrier's latest tracking status of the order's label (ORDERS_READ)."""
        allowed(sellerId, Permission.ORDERS_READ)
        shipment = ctx.ports.labels().refresh_tracking(sellerId, _order_id(orderId))
        return json_response(ShipmentOut.of(shipment))

    return bp
