"""Inventory health: sales velocity, days of cover and restock status per SKU (pure)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from sellerflow.analytics.model import SkuRollup
from sellerflow.facts import InventoryFact

VELOCITY_WINDOW_DAYS = 30
VELOCITY_PLACES = Decimal("0.0001")
COVER_PLACES = Decimal("0.1")


class RestockStatus(enum.StrEnum):
    OUT_OF_STOCK = "out_of_stock"
    RESTOCK_NOW = "restock_now"
    OK = "ok"
    OVERSTOCK = "overstock"
    NO_SALES = "no_sales"


@dataclass(frozen=True)
class RestockPolicy:
    """How long a restock takes and how much cover is too much (the seam for per-seller settings)."""

    lead_time_days: int = 30
    safety_days: int = 7
    overstock_days: int = 180

    @property
    def restock_below_days(self) -> int:
        return self.lead_time_days + self.safety_days


DEFAULT_POLICY = RestockPolicy()


def restock_status(
    fulfillable: int, cover_days: Decimal | None, policy: RestockPolicy = DEFAULT_POLICY
) -> RestockStatus:
    """out_of_stock (nothing sellable) > no_sales (no velocity) > restock_now (cover < lead + safety)
    > overstock (cover > overstock days) > ok."""
    if fulfillable <= 0:
        return RestockStatus.OUT_OF_STOCK
    if cover_days is None:
        return RestockStatus.NO_SALES
    if cover_days < policy.restock_below_days:
        return RestockStatus.RESTOCK_NOW
    if cover_days > policy.overstock_days:
        return RestockStatus.OVERSTOCK
    return RestockStatus.OK


@dataclass(frozen=True)
class InventoryHealth:
    marketplace_id: str
    sku: str
    asin: str | None
    fulfillable: int
    inbound: int
    reserved: int
    unfulfillable: int
    units_in_window: int
    velocity: Decimal  # units per day over the window
    days_of_cover: Decimal | None
    status: RestockStatus
    as_of: datetime


def inventory_health(
    inventory: Iterable[InventoryFact],
    sales: Iterable[SkuRollup],
    *,
    window_days: int = VELOCITY_WINDOW_DAYS,
    policy: RestockPolicy = DEFAULT_POLICY,
) -> list[InventoryHealth]:
    """One row per inventory item; velocity = units sold in the window (SKU rollups) ÷ window days;
    days of cover = (sellable + inbound) ÷ velocity, 0 when nothing is sellable."""
    units: dict[tuple[str, str], int] = {}
    for r in sales:
        units[(r.marketplace_id, r.sku)] = units.get((r.marketplace_id, r.sku), 0) + r.units
    rows = []
    for item in sorted(inventory, key=lambda i: (i.marketplace_id, i.sku)):
        sold = units.get((item.marketplace_id, item.sku), 0)
        velocity = Decimal(sold) / Decimal(window_days)
        # An out-of-stock SKU has no cover, whatever is inbound: inbound units do not sell until
        # they arrive (they count in what to reorder, `analytics.reorder`, not in the cover).
        held = item.fulfillable + item.inbound if item.fulfillable > 0 else 0
        cover = (
            None
            if velocity == 0
            else (Decimal(held) / velocity).quantize(COVER_PLACES, rounding=ROUND_HALF_EVEN)
        )
        rows.append(
            InventoryHealth(
                marketplace_id=item.marketplace_id,
                sku=item.sku,
                asin=item.asin,
                fulfillable=item.fulfillable,
                inbound=item.inbound,
                reserved=item.reserved,
                unfulfillable=item.unfulfillable,
                units_in_window=sold,
                velocity=velocity.quantize(VELOCITY_PLACES, rounding=ROUND_HALF_EVEN),
                days_of_cover=cover,
                status=restock_status(item.fulfillable, cover, policy),
                as_of=item.as_of,
            )
        )
    return rows
