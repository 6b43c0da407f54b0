"""The shipping label: exactly what a carrier label needs, nothing more of the buyer."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from sellerflow.errors import ShippingAddressUnavailable

REDACTED = "***"
# DPP: buyer PII is kept at most 30 days after delivery (`pii.retention` picks the anchor).
PII_RETENTION = timedelta(days=30)


class Purpose(enum.StrEnum):
    """Why PII is read; the only reason Sellerflow accepts today is printing a shipping label."""

    SHIPPING_LABEL = "shipping_label"


class ShippingLabel(BaseModel):
    """Name, address lines, city, state, postal code, country and phone. Its repr never shows them."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    name: str
    address_line1: str
    address_line2: str | None = None
    address_line3: str | None = None
    city: str | None = None
    state_or_region: str | None = None
    postal_code: str | None = None
    country_code: str
    phone: str | None = None

    def __repr_args__(self) -> Any:
        # Accidental logging (repr/str, f"{label}") shows the shape, never the values.
        return [(name, REDACTED if getattr(self, name) else None) for name in type(self).model_fields]


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def label_from_order(order: dict[str, Any]) -> ShippingLabel:
    """The label of a getOrder `Order` fetched with includedData RECIPIENT (BUYER only names the
    buyer when the address has no name)."""
    address = (order.get("recipient") or {}).get("deliveryAddress") or {}
    name = _text(address.get("name")) or _text((order.get("buyer") or {}).get("buyerName"))
    line1 = _text(address.get("addressLine1"))
    country = _text(address.get("countryCode"))
    if not (name and line1 and country):
        raise ShippingAddressUnavailable(
            f"Amazon returned no shipping address for order {order.get('orderId')}"
        )
    return ShippingLabel(
        name=name,
        address_line1=line1,
        address_line2=_text(address.get("addressLine2")),
        address_line3=_text(address.get("addressLine3")),
        city=_text(address.get("city")),
        state_or_region=_text(address.get("stateOrRegion")),
        postal_code=_text(address.get("postalCode")),
        country_code=country,
        phone=_text(address.get("phone")),
    )


def latest_delivery(order: dict[str, Any]) -> datetime | None:
    """`fulfillment.deliverByWindow.latestDateTime` of a getOrder `Order`, when Amazon gave one."""
    raw = ((order.get("fulfillment") or {}).get("deliverByWindow") or {}).get("latestDateTime")
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None


def fulfilled_by(order: dict[str, Any]) -> str | None:
    value = (order.get("fulfillment") or {}).get("fulfilledBy")
    return str(value) if value else None


@dataclass(frozen=True)
class StoredLabel:
    """A label read back from the buyer-PII table, with when it expires."""

    label: ShippingLabel
    expires_at: datetime
