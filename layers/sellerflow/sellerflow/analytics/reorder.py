"""What to reorder, how much and by when (pure): the inventory screen's urgency, reorder quantity
and order-by date from a SKU's sales velocity, its lead time and its safety stock.

Definitions (velocity v = units sold per day over the last 30 complete days; position = sellable +
inbound units; lead = days from placing an order to the units being sellable; safety = days of
sales kept in reserve; cycle = days of sales one order should cover once it arrives):

- days of cover = sellable ÷ v when the SKU is out of stock (0: inbound units do not sell until
  they arrive), position ÷ v otherwise; none without sales.
- reorder point = v × (lead + safety) units; order-up-to level = ⌈v × (lead + safety + cycle)⌉.
- order-by date = today when out of stock or when the position is at or below the reorder point,
  otherwise today + ⌊position ÷ v − (lead + safety)⌋ days (the day the position reaches it; at most
  ten years out).
- reorder quantity = order-up-to level − position when the order is due today (at least 0), else
  ⌈v × cycle⌉ (what an order placed on the order-by date needs); 0 without sales.
- urgency: out of stock first (fastest sellers first), then by days of cover (least first), then
  SKUs without sales.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from sellerflow.analytics.model import DEFAULT_CYCLE_DAYS, LeadTimes, RestockSettings

__all__ = [
    "DEFAULT_CYCLE_DAYS",
    "LeadTimes",
    "ReorderPlan",
    "RestockSettings",
    "Urgency",
    "reorder_plan",
    "urgency_key",
]


HORIZON_DAYS = 3650  # an order-by date further out is shown as this far (ten years)


class Urgency(enum.IntEnum):
    OUT_OF_STOCK = 0
    IN_STOCK = 1
    NO_SALES = 2


@dataclass(frozen=True)
class ReorderPlan:
    urgency: Urgency
    days_of_cover: Decimal | None
    reorder_quantity: int
    order_by: date | None
    lead_time_days: int
    safety_days: int
    own_lead_time: bool  # the SKU's own setting (else the seller's default)


COVER_PLACES = Decimal("0.1")


def reorder_plan(
    *,
    sellable: int,
    inbound: int,
    velocity: Decimal,
    times: LeadTimes,
    cycle_days: int,
    today: date,
    own: bool = False,
) -> ReorderPlan:
    """The plan of one SKU (see the module's definitions)."""
    sellable, inbound = max(0, sellable), max(0, inbound)
    lead, safety = times.lead_time_days, times.safety_days
    if velocity <= 0:
        urgency = Urgency.OUT_OF_STOCK if sellable == 0 else Urgency.NO_SALES
        return ReorderPlan(urgency, None, 0, None, lead, safety, own)
    position = sellable + inbound
    out = sellable == 0
    cover_units = sellable if out else position
    cover = (Decimal(cover_units) / velocity).quantize(COVER_PLACES)
    target = _ceil(velocity * (lead + safety + cycle_days))
    days_left = Decimal(position) / velocity - (lead + safety)
    if out or days_left <= 0:
        quantity = max(0, target - position)
        order_by = today if quantity > 0 else None
    else:
        quantity = max(1, _ceil(velocity * cycle_days))
        wait = min(HORIZON_DAYS, int(days_left.to_integral_value(rounding=ROUND_FLOOR)))
        order_by = today + timedelta(days=wait)
    urgency = Urgency.OUT_OF_STOCK if out else Urgency.IN_STOCK
    return ReorderPlan(urgency, cover, quantity, order_by, lead, safety, own)


def urgency_key(plan: ReorderPlan, velocity: Decimal, sku: str) -> tuple[int, Decimal, Decimal, str]:
    """Sort key: out of stock (fastest sellers first), then least cover, then no sales; then SKU."""
    if plan.urgency == Urgency.OUT_OF_STOCK:
        return (0, -velocity, Decimal(0), sku)
    cover = plan.days_of_cover if plan.days_of_cover is not None else Decimal(math.inf)
    return (int(plan.urgency), cover, -velocity, sku)


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))
