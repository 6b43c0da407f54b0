"""Ground truth of Data Kiosk's `analytics_economics_2024_03_15` per (marketplace, MSKU, local day).

Our reading, consistent with what the simulator's Orders, Finances and Ads APIs say, so that a
correct Sellerflow reconciles to zero:

- sales: the SKU's ITEM proceeds of the orders (not cancelled) purchased that local day; shipping
  and promotions of those lines are counted into the net proceeds;
- fees: per fee type (RefundCommission or a type ending in "Fee"), −Σ the fee amounts of the SKU's
  items of the Finances transactions posted that local day (a fee given back lowers it); fees of
  a transaction naming no SKU are the account's and appear on no MSKU;
- ads: Σ cost of the Sponsored Products advertised-product rows naming the SKU that day (an ad
  naming only an ASIN is attributable to no MSKU and appears on none);
- netProceeds.total: sales + shipping − promotions − refunds (|ProductCharges| of the SKU's refund
  items posted that day) − fees − ads; no cost is entered in Seller Central, so none is deducted.

A SKU-day appears when any of these is non-zero, so a day with only an ad (no sale) is a line, as
is a day with only a refund.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sellerflow_dev.simulator.ledger import SimTransaction, SimTransactionItem, is_fee
from sellerflow_dev.simulator.order_model import SimOrder

ZERO = Decimal(0)


@dataclass
class SimEconomics:
    marketplace_id: str
    day: date
    sku: str
    asin: str | None = None
    sales: Decimal = ZERO
    shipping: Decimal = ZERO
    promotions: Decimal = ZERO
    refunds: Decimal = ZERO
    units: int = 0
    fees_by_type: dict[str, Decimal] = field(default_factory=dict)
    ads: Decimal = ZERO

    @property
    def fees(self) -> Decimal:
        return sum(self.fees_by_type.values(), ZERO)

    @property
    def net_proceeds(self) -> Decimal:
        return self.sales + self.shipping - self.promotions - self.refunds - self.fees - self.ads


Key = tuple[str, str, date]


def economics_rows(
    orders: Iterable[SimOrder], transactions: Iterable[SimTransaction], ads: Iterable[tuple[Key, Decimal]]
) -> dict[Key, SimEconomics]:
    """`ads` are the advertised-product costs per (marketplace, advertised SKU, day)."""
    rows: dict[Key, SimEconomics] = {}

    def row(marketplace_id: str, sku: str, day: date) -> SimEconomics:
        key = (marketplace_id, sku, day)
        if key not in rows:
            rows[key] = SimEconomics(marketplace_id, day, sku)
        return rows[key]

    for order in orders:
        if order.status == "CANCELLED":
            continue
        day = order.created.astimezone(order.market.tz).date()
        for item in order.items:
            target = row(order.marketplace_id, item.product.sku, day)
            target.asin = item.product.asin
            target.units += item.quantity
            for kind, amount in item.breakdowns(cancelled=False):
                _add_proceeds(target, kind, amount)
    refunds: dict[Key, Decimal] = defaultdict(Decimal)
    for tx in transactions:
        for line in tx.items:
            _add_transaction_item(row(tx.marketplace_id, line.sku, tx.local_date), tx, line, refunds)
    for key, refunded in refunds.items():
        rows[key].refunds = abs(refunded)
    for (marketplace_id, sku, day), cost in ads:
        row(marketplace_id, sku, day).ads += cost
    return {
        key: value
        for key, value in rows.items()
        if value.sales or value.fees_by_type or value.ads or value.refunds or value.units
    }


def _add_transaction_item(
    target: SimEconomics, tx: SimTransaction, line: SimTransactionItem, refunds: dict[Key, Decimal]
) -> None:
    for leaf in line.amounts:
        if is_fee(leaf.breakdown_type):
            kind = leaf.breakdown_type
            target.fees_by_type[kind] = target.fees_by_type.get(kind, ZERO) - leaf.amount
        elif tx.transaction_type == "Refund" and leaf.breakdown_type == "ProductCharges":
            refunds[(target.marketplace_id, target.sku, target.day)] += leaf.amount


def _add_proceeds(target: SimEconomics, kind: str, amount: Decimal) -> None:
    if kind == "ITEM":
        target.sales += amount
    elif kind == "SHIPPING":
        target.shipping += amount
    elif kind == "DISCOUNT":
        target.promotions += abs(amount)
