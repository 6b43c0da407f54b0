"""The label types: what the seller enters (package profiles, ship-from, reprint window), what the
queue shows, and what is kept of a bought label. None of them holds anything of the buyer."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from sellerflow.domain import Order

# The longest a kept label may be reprinted (the seller picks up to this); and, whatever the seller
# picks, a kept label goes at the latest 30 days after delivery (DPP retention of buyer PII).
MAX_REPRINT_WINDOW = timedelta(days=30)
AFTER_DELIVERY = timedelta(days=30)
# How long Amazon honours a getRates answer (the simulator: `label_rate_ttl_s`, 10 minutes).
RATE_VALIDITY = timedelta(minutes=10)
# The carriers' usual void window; Amazon has the last word (cancelShipment refuses later).
VOID_WINDOW = timedelta(hours=24)


class LabelFormat(enum.StrEnum):
    PDF = "PDF"
    PNG = "PNG"
    ZPL = "ZPL"


CONTENT_TYPES = {
    LabelFormat.PDF: "application/pdf",
    LabelFormat.PNG: "image/png",
    LabelFormat.ZPL: "text/plain",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class PackageProfile(_Frozen):
    """How one unit of a SKU ships, as the seller measured it (centimetres, grams)."""

    sku: str = Field(min_length=1, max_length=40)
    length_cm: Decimal = Field(gt=0, le=300)
    width_cm: Decimal = Field(gt=0, le=300)
    height_cm: Decimal = Field(gt=0, le=300)
    weight_g: int = Field(gt=0, le=70_000)


class ShipFrom(_Frozen):
    """The seller's own dispatch address (a business address, not buyer data)."""

    name: str = Field(min_length=1, max_length=100)
    address_line1: str = Field(min_length=1, max_length=120)
    address_line2: str | None = Field(default=None, max_length=120)
    city: str = Field(min_length=1, max_length=60)
    state_or_region: str = Field(min_length=1, max_length=60)
    postal_code: str = Field(min_length=1, max_length=20)
    country_code: str = Field(pattern=r"^[A-Z]{2}$")
    phone: str | None = Field(default=None, max_length=30)


class LabelSettings(_Frozen):
    """Per seller: where parcels leave from, the label format, and how long a label stays reprintable
    (0 days: a label is handed to the browser and not kept at all)."""

    ship_from: ShipFrom
    label_format: LabelFormat = LabelFormat.PDF
    reprint_days: int = Field(default=7, ge=0, le=MAX_REPRINT_WINDOW.days)


@dataclass(frozen=True)
class Package:
    """The parcel of an order: its lines' profiles, stacked (longest and widest side, summed height)."""

    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    weight_g: int

    @classmethod
    def of(cls, order: Order, profiles: dict[str, PackageProfile]) -> Package:
        units = [(profiles[line.seller_sku or ""], line.quantity_ordered) for line in order.lines]
        return cls(
            length_cm=max(p.length_cm for p, _ in units),
            width_cm=max(p.width_cm for p, _ in units),
            height_cm=sum((p.height_cm * q for p, q in units), Decimal(0)),
            weight_g=sum(p.weight_g * q for p, q in units),
        )

    def signature(self) -> str:
        """A short digest of the parcel: part of the purchase's client reference."""
        text = json.dumps([str(self.length_cm), str(self.width_cm), str(self.height_cm), self.weight_g])
        return hashlib.sha256(text.encode()).hexdigest()[:10]


def client_reference(order_id: str, package: Package, generation: int) -> str:
    """The purchase's idempotency key: the order, the parcel, and how many labels were voided before
    (a voided label's order may be bought again, and that purchase is a new one)."""
    return f"{order_id}-{generation}-{package.signature()}"


class ShipmentStatus(enum.StrEnum):
    PENDING = "PENDING"  # purchase sent, answer not seen (a retry re-sends the same client reference)
    PURCHASED = "PURCHASED"
    VOIDED = "VOIDED"


class LabelShipment(_Frozen):
    """A bought (or being bought) label of an order: carrier, service, price, tracking. No PII."""

    seller_id: str
    order_id: str
    client_reference: str
    generation: int = 0
    status: ShipmentStatus
    created_at: datetime
    shipment_id: str | None = None
    package_reference: str | None = None
    carrier_id: str | None = None
    carrier_name: str | None = None
    service_name: str | None = None
    tracking_id: str | None = None
    price: Decimal | None = None
    currency: str | None = None
    purchased_at: datetime | None = None
    delivery_by: datetime | None = None
    confirmed_by: str | None = None  # "amazon" (Amazon marked it shipped) or "sellerflow" (confirmShipment)
    label_format: LabelFormat | None = None
    label_kept_until: datetime | None = None
    tracking_status: str | None = None
    delivered_at: datetime | None = None

    @property
    def void_until(self) -> datetime | None:
        return self.purchased_at + VOID_WINDOW if self.purchased_at else None


@dataclass(frozen=True)
class RateOption:
    rate_id: str
    carrier_id: str
    carrier_name: str
    service_id: str
    service_name: str
    price: Decimal
    currency: str
    delivery_by: datetime | None


@dataclass(frozen=True)
class RateQuote:
    order_id: str
    request_token: str
    expires_at: datetime
    package: Package
    options: tuple[RateOption, ...]
    ineligible: tuple[tuple[str, str], ...]  # (service name, reason)


@dataclass(frozen=True)
class LabelDocument:
    format: LabelFormat
    content: bytes  # holds the recipient's name and address: handed to the browser, or kept encrypted

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    def __repr__(self) -> str:
        return f"LabelDocument(format={self.format.value}, bytes={len(self.content)})"


@dataclass(frozen=True)
class QueueLine:
    sku: str | None
    title: str | None
    quantity: int
    has_profile: bool


@dataclass(frozen=True)
class QueueEntry:
    order_id: str
    marketplace_id: str
    purchased_at: datetime
    ship_by: datetime | None
    late: bool
    lines: tuple[QueueLine, ...]
    package: Package | None  # None while a SKU has no profile
    shipment: LabelShipment | None


def label_expiry(
    *, now: datetime, reprint_days: int, delivery_by: datetime | None, delivered_at: datetime | None
) -> datetime | None:
    """When a kept label goes: the earlier of the reprint window and 30 days after delivery (the
    delivery when known, else the carrier's promised date). None: not kept at all."""
    if reprint_days <= 0:
        return None
    candidates = [now + min(timedelta(days=reprint_days), MAX_REPRINT_WINDOW)]
    anchor = delivered_at or delivery_by
    if anchor is not None:
        candidates.append(anchor + AFTER_DELIVERY)
    expires = min(candidates)
    return expires if expires > now else None
