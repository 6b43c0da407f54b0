"""Rollup arithmetic of one marketplace day: pure, no AWS."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sellerflow.analytics.rollups import CogsBook, compute_day
from sellerflow.calendar import local_day, utc_span
from sellerflow.domain import Order, OrderLine
from sellerflow.facts import CogsEntry, FinanceTransactionFact

SELLER = "A1UNITSELLER"
US, DE, JP = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528"
CURRENCY = {US: "USD", DE: "EUR", JP: "JPY"}
NO_COGS = CogsBook([])


def order(
    order_id: str,
    at: datetime,
    *,
    marketplace: str = US,
    lines: tuple[tuple[str | None, int, str, str, str], ...] = (("SKU-1", 1, "10.00", "0.00", "0.00"),),
    status: str = "SHIPPED",
    currency: str | None = None,
) -> Order:
    return Order(
        seller_id=SELLER,
        order_id=order_id,
        marketplace_id=marketplace,
        created_time=at,
        last_updated_time=at,
        local_date=local_day(marketplace, at),
        status=status,
        currency=currency or CURRENCY[marketplace],
        lines=tuple(
            OrderLine(
                order_item_id=f"{order_id}-{i}",
                seller_sku=sku,
                quantity_ordered=qty,
                item_price=Decimal(item),
                shipping_price=Decimal(ship),
                promotion_discount=Decimal(promo),
            )
            for i, (sku, qty, item, ship, promo) in enumerate(lines)
        ),
    )


def tx(
    tx_id: str,
    at: datetime,
    kind: str,
    amounts: dict[str, str],
    *,
    marketplace: str = US,
    sku: str | None = "SKU-1",
    currency: str | None = None,
) -> FinanceTransactionFact:
    parsed = tuple((k, Decimal(v)) for k, v in amounts.items())
    return FinanceTransactionFact(
        seller_id=SELLER,
        transaction_id=tx_id,
        transaction_type=kind,
        posted_at=at,
        marketplace_id=marketplace,
        local_date=local_day(marketplace, at),
        order_id=None,
        sku=sku,
        quantity=1,
        total=sum((a for _, a in parsed), Decimal(0)),
        currency=currency or CURRENCY[marketplace],
        amounts=parsed,
    )


def test_an_order_at_1630z_is_the_next_day_in_japan_and_the_same_day_in_germany_and_the_us() -> None:
    at = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    assert local_day(JP, at) == date(2026, 3, 2)
    assert local_day(DE, at) == date(2026, 3, 1)
    assert local_day(US, at) == date(2026, 3, 1)
    jp = order("JP-1", at, marketplace=JP, lines=(("SKU-1", 1, "1500", "0", "0"),))
    on_2nd, _ = compute_day(SELLER, JP, date(2026, 3, 2), orders=[jp], transactions=[], cogs=NO_COGS)
    on_1st, _ = compute_day(SELLER, JP, date(2026, 3, 1), orders=[jp], transactions=[], cogs=NO_COGS)
    assert (on_2nd.orders, on_2nd.gross_sales, on_2nd.currency) == (1, Decimal(1500), "JPY")
    assert on_1st.orders == 0


def test_the_utc_span_of_a_local_day_follows_the_zone_and_dst() -> None:
    assert utc_span(JP, date(2026, 3, 2)) == (
        datetime(2026, 3, 1, 15, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
    )
    start, end = utc_span(US, date(2026, 3, 8))  # US spring forward: a 23-hour day
    assert end - start == timedelta(hours=23)
    start, end = utc_span(DE, date(2026, 10, 25))  # EU fall back: 25 hours
    assert end - start == timedelta(hours=25)


def test_a_day_rollup_follows_the_contract_definitions() -> None:
    # Given two orders (one cancelled), a shipment's fees and a refund posted the same US day
    day = date(2026, 5, 10)
    noon = datetime(2026, 5, 10, 19, 0, tzinfo=UTC)  # 12:00 in Los Angeles
    orders = [
        order(
            "O-1", noon, lines=(("SKU-1", 2, "40.00", "5.00", "3.00"), ("SKU-2", 1, "15.50", "0.00", "0.00"))
        ),
        order("O-2", noon, status="CANCELLED", lines=(("SKU-1", 9, "999.00", "0", "0"),)),
    ]
    txs = [
        tx(
            "T-1",
            noon,
            "Shipment",
            {"ProductCharges": "40.00", "ReferralFee": "-6.00", "FBAFulfillmentFee": "-7.25"},
        ),
        tx(
            "T-2",
            noon,
            "Refund",
            {"ProductCharges": "-12.00", "ReferralFee": "1.50", "RefundCommission": "-0.30"},
        ),
    ]
    cogs = CogsBook([CogsEntry(SELLER, "SKU-1", date(2026, 1, 1), Decimal("4.20"), "USD")])
    # When the day is rolled up
    r, skus = compute_day(SELLER, US, day, orders=orders, transactions=txs, cogs=cogs)
    # Then every figure is as defined
    assert (r.orders, r.units) == (1, 3)
    assert (r.gross_sales, r.shipping, r.promotions) == (Decimal("55.50"), Decimal("5.00"), Decimal("3.00"))
    assert r.refunds == Decimal("12.00")
    assert r.fees_by_type == {
        "FBAFulfillmentFee": Decimal("7.25"),
        "ReferralFee": Decimal("4.50"),
        "RefundCommission": Decimal("0.30"),
    }
    assert r.amazon_fees == Decimal("12.05")
    assert r.estimated_payout == Decimal("55.50") + Decimal("5.00") - Decimal("3.00") - Decimal(
        "12.00"
    ) - Decimal("12.05")
    assert r.cogs == Decimal("8.40")
    assert r.cogs_complete is False  # SKU-2 has no cost
    assert r.net_profit == r.estimated_payout - Decimal("8.40")
    assert r.margin == (r.net_profit / Decimal("57.50")).quantize(Decimal("0.0001"))
    by_sku = {s.sku: s for s in skus}
    assert by_sku["SKU-1"].orders == 1
    assert by_sku["SKU-1"].units == 2
    assert by_sku["SKU-1"].refunds == Decimal("12.00")
    assert by_sku["SKU-1"].fees == Decimal("12.05")
    assert by_sku["SKU-1"].cogs_complete is True
    assert by_sku["SKU-2"].cogs_complete is False
    assert by_sku["SKU-1"].net_profit == Decimal("40.00") + Decimal("5.00") - Decimal("3.00") - Decimal(
        "12.00"
    ) - Decimal("12.05") - Decimal("8.40")


def test_a_refund_posted_days_after_the_sale_lands_on_the_refund_day() -> None:
    sale = datetime(2026, 5, 10, 19, 0, tzinfo=UTC)
    refund = tx("T-R", sale + timedelta(days=3), "Refund", {"ProductCharges": "-10.00"})
    o = order("O-1", sale)
    sale_day, _ = compute_day(SELLER, US, date(2026, 5, 10), orders=[o], transactions=[refund], cogs=NO_COGS)
    refund_day, skus = compute_day(
        SELLER, US, date(2026, 5, 13), orders=[o], transactions=[refund], cogs=NO_COGS
    )
    assert (sale_day.orders, sale_day.refunds) == (1, Decimal(0))
    assert (refund_day.orders, refund_day.refunds) == (0, Decimal("10.00"))
    assert refund_day.estimated_payout == Decimal("-10.00")
    assert refund_day.margin is None  # no revenue that day
    assert [s.refunds for s in skus] == [Decimal("10.00")]


def test_facts_in_another_currency_are_never_mixed_in() -> None:
    at = datetime(2026, 5, 10, 19, 0, tzinfo=UTC)
    r, _ = compute_day(
        SELLER,
        US,
        date(2026, 5, 10),
        orders=[order("O-USD", at), order("O-EUR", at, currency="EUR")],
        transactions=[tx("T-EUR", at, "Shipment", {"ReferralFee": "-3.00"}, currency="EUR")],
        cogs=NO_COGS,
    )
    assert (r.currency, r.orders, r.gross_sales, r.amazon_fees) == ("USD", 1, Decimal("10.00"), Decimal(0))
    assert r.excluded_other_currency == 2


def test_cogs_follow_their_effective_dates_and_currency() -> None:
    book = CogsBook(
        [
            CogsEntry(SELLER, "SKU-1", date(2026, 1, 1), Decimal("4.00"), "USD"),
            CogsEntry(SELLER, "SKU-1", date(2026, 3, 1), Decimal("5.00"), "USD"),
            CogsEntry(SELLER, "SKU-1", date(2026, 2, 1), Decimal("3.00"), "EUR"),
        ]
    )
    assert book.unit_cost("SKU-1", date(2025, 12, 31), "USD") is None
    assert book.unit_cost("SKU-1", date(2026, 2, 28), "USD") == Decimal("4.00")
    assert book.unit_cost("SKU-1", date(2026, 3, 1), "USD") == Decimal("5.00")
    assert book.unit_cost("SKU-1", date(2026, 3, 1), "EUR") == Decimal("3.00")
    assert book.unit_cost("SKU-1", date(2026, 1, 15), "EUR") is None
    at = datetime(2026, 3, 1, 19, 0, tzinfo=UTC)
    r, _ = compute_day(
        SELLER, US, date(2026, 3, 1), orders=[order("O", at, lines=(("SKU-1", 3, "30", "0", "0"),))],
        transactions=[], cogs=book,
    )  # fmt: skip
    assert (r.cogs, r.cogs_complete) == (Decimal("15.00"), True)


def test_margin_is_null_when_there_is_no_revenue() -> None:
    r, skus = compute_day(SELLER, DE, date(2026, 5, 10), orders=[], transactions=[], cogs=NO_COGS)
    assert (r.orders, r.gross_sales, r.margin, r.currency, skus) == (0, Decimal(0), None, "EUR", [])


cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: Decimal(c) / 100)
lines = st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(1, 5), cents, cents, cents)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(lines, min_size=1, max_size=4), min_size=0, max_size=8), st.lists(cents, max_size=5))
def test_totals_are_exact_to_the_cent(
    orders_lines: list[list[tuple[str, int, Decimal, Decimal, Decimal]]], refunds: list[Decimal]
) -> None:
    at = datetime(2026, 5, 10, 19, 0, tzinfo=UTC)
    orders = [
        order(f"O-{i}", at, lines=tuple((s, q, str(a), str(b), str(c)) for s, q, a, b, c in ls))
        for i, ls in enumerate(orders_lines)
    ]
    txs = [
        tx(f"R-{i}", at, "Refund", {"ProductCharges": str(-r), "ReferralFee": str(r / 10)})
        for i, r in enumerate(refunds)
    ]
    r, skus = compute_day(SELLER, US, date(2026, 5, 10), orders=orders, transactions=txs, cogs=NO_COGS)
    all_lines = [ln for ls in orders_lines for ln in ls]
    assert r.gross_sales == sum((a for _, _, a, _, _ in all_lines), Decimal(0))
    assert r.shipping == sum((b for _, _, _, b, _ in all_lines), Decimal(0))
    assert r.promotions == sum((c for _, _, _, _, c in all_lines), Decimal(0))
    assert r.refunds == sum(refunds, Decimal(0))
    assert r.amazon_fees == -sum((x / 10 for x in refunds), Decimal(0))
    assert r.units == sum(q for _, q, _, _, _ in all_lines)
    assert sum((s.gross_sales for s in skus), Decimal(0)) == r.gross_sales
    assert sum((s.units for s in skus), 0) == r.units
    assert r.gross_sales == r.gross_sales.quantize(Decimal("0.01"))
    assert r.estimated_payout == r.gross_sales + r.shipping - r.promotions - r.refunds - r.amazon_fees
