"""One order's figures (analytics.order_profit): what counts, what does not."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sellerflow.analytics.order_profit import order_economics
from sellerflow.analytics.rollups import CogsBook
from sellerflow.domain import Order, OrderLine
from sellerflow.facts import CogsEntry, FinanceTransactionFact

AT = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def an_order(status: str = "SHIPPED", *skus: str) -> Order:
    return Order(
        seller_id="S", order_id="O-1", marketplace_id="ATVPDKIKX0DER", created_time=AT, last_updated_time=AT,
        local_date=date(2026, 11, 2), status=status, currency="USD",
        lines=tuple(
            OrderLine(order_item_id=f"I-{i}", seller_sku=sku, quantity_ordered=2, item_price=Decimal("20.00"))
            for i, sku in enumerate(skus or ("A",))
        ),
    )  # fmt: skip


def a_transaction(order_id: str, currency: str, **amounts: str) -> FinanceTransactionFact:
    parsed = tuple((k, Decimal(v)) for k, v in amounts.items())
    return FinanceTransactionFact(
        seller_id="S", transaction_id=f"T-{order_id}-{currency}", transaction_type="Shipment", posted_at=AT,
        marketplace_id="ATVPDKIKX0DER", local_date=date(2026, 11, 2), order_id=order_id, sku="A", quantity=2,
        total=sum((a for _, a in parsed), Decimal(0)), currency=currency, amounts=parsed,
    )  # fmt: skip


BOOK = CogsBook([CogsEntry("S", "A", date(2026, 1, 1), Decimal("3.00"), "USD")])


def test_fees_of_other_orders_and_currencies_are_left_out() -> None:
    txs = [
        a_transaction("O-1", "USD", ReferralFee="-3.00", Tax="1.60"),
        a_transaction("O-2", "USD", ReferralFee="-99.00"),
        a_transaction("O-1", "EUR", ReferralFee="-99.00"),
    ]
    e = order_economics(an_order(), txs, BOOK)
    assert (e.units, e.sales, e.fees, e.cogs, e.profit) == (
        2, Decimal("20.00"), Decimal("3.00"), Decimal("6.00"), Decimal("11.00"),
    )  # fmt: skip
    assert e.fees_posted
    assert e.cogs_complete


def test_a_cancelled_order_has_no_sales_and_a_sku_without_cost_is_flagged() -> None:
    cancelled = order_economics(an_order("CANCELLED"), [], BOOK)
    assert (cancelled.sales, cancelled.cogs, cancelled.profit, cancelled.fees_posted) == (0, 0, 0, False)
    missing = order_economics(an_order("SHIPPED", "A", "NO-COST"), [], BOOK)
    assert (missing.cogs, missing.cogs_complete, missing.sales) == (Decimal("6.00"), False, Decimal("40.00"))
