"""An order's own figures (pure): units, sales, Amazon fees, refunds, cost of goods and profit.

The same definitions as the daily rollups (`analytics.rollups`), for one order:

- units = Σ quantity ordered; sales = Σ (item price + shipping − promotion discount) of its lines
  (0 for a cancelled order)
- fees = −Σ the fee amounts (types ending in "Fee" or "Commission") of the finance transactions
  naming the order, in its currency (a fee given back lowers it)
- refunds = −Σ ProductCharges of its Refund transactions
- cogs = Σ quantity × the SKU's unit cost on the order's local day (a line without one counts 0
  and makes `cogs_complete` false)
- profit = sales − refunds − fees − cogs (advertising is not attributed to single orders)

`fees_posted` says whether Amazon has posted any transaction for the order yet (a pending order's
fees are not known: its profit is then sales − cogs, marked as such on screen).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sellerflow.analytics.model import ZERO
from sellerflow.analytics.rollups import PRODUCT_CHARGES, REFUND, CogsBook, is_cancelled, is_fee
from sellerflow.domain import Order
from sellerflow.facts import FinanceTransactionFact


@dataclass(frozen=True)
class OrderEconomics:
    order_id: str
    units: int
    sales: Decimal
    fees: Decimal
    refunds: Decimal
    cogs: Decimal
    cogs_complete: bool
    fees_posted: bool

    @property
    def profit(self) -> Decimal:
        return self.sales - self.refunds - self.fees - self.cogs


def order_economics(
    order: Order, transactions: Iterable[FinanceTransactionFact], costs: CogsBook
) -> OrderEconomics:
    """The order's figures from its lines, its transactions (those naming it) and the unit costs."""
    currency = order.currency
    cancelled = is_cancelled(order)
    units = sum(line.quantity_ordered for line in order.lines)
    sales = ZERO
    cogs = ZERO
    complete = True
    for line in order.lines:
        if cancelled:
            break
        sales += (line.item_price or ZERO) + (line.shipping_price or ZERO) - (line.promotion_discount or ZERO)
        cost = (
            costs.unit_cost(line.seller_sku, order.local_date, currency)
            if line.seller_sku and currency
            else None
        )
        if cost is None:
            complete = complete and line.quantity_ordered == 0
        else:
            cogs += cost * line.quantity_ordered
    fees = ZERO
    refunds = ZERO
    posted = False
    for tx in transactions:
        if tx.order_id != order.order_id or (currency is not None and tx.currency != currency):
            continue
        posted = True
        for kind, amount in tx.amounts:
            if is_fee(kind):
                fees -= amount
            elif tx.transaction_type == REFUND and kind == PRODUCT_CHARGES:
                refunds -= amount
    return OrderEconomics(
        order_id=order.order_id, units=units, sales=sales, fees=fees, refunds=refunds, cogs=cogs,
        cogs_complete=complete, fees_posted=posted,
    )  # fmt: skip
