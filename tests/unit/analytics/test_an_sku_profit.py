"""Profit per SKU adds up to the day: the rows of a marketplace day (SKUs, account costs, sales
naming no SKU, unattributed ads) sum to its `DayRollup` in every amount, to the cent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sellerflow.analytics.kpis import sku_table, totals_by_currency
from sellerflow.analytics.model import AccountRow, DayRollup, RowKind, SkuRollup
from sellerflow.analytics.rollups import CogsBook, compute_day
from sellerflow.calendar import local_day
from sellerflow.domain import Order, OrderLine
from sellerflow.facts import CogsEntry, FinanceTransactionFact, split_exactly

SELLER = "A1UNITSELLER"
US = "ATVPDKIKX0DER"
DAY = date(2026, 3, 10)
NOON = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)  # noon in Los Angeles
SUMMED = {"units": "units", "gross_sales": "gross_sales", "shipping": "shipping", "promotions": "promotions",
          "refunds": "refunds", "fees": "amazon_fees", "ad_spend": "ad_spend", "cogs": "cogs",
          "net_profit": "net_profit"}  # fmt: skip


def assert_rows_sum_to_the_day(day: DayRollup, rows: Sequence[SkuRollup]) -> None:
    for sku_name, day_name in SUMMED.items():
        total = sum((Decimal(getattr(r, sku_name)) for r in rows), Decimal(0))
        assert total == Decimal(getattr(day, day_name)), (sku_name, total, getattr(day, day_name))


def line(sku: str | None, qty: int, price: str) -> OrderLine:
    return OrderLine(order_item_id=f"{sku}-{qty}-{price}", seller_sku=sku, quantity_ordered=qty,
                     item_price=Decimal(price), shipping_price=Decimal("1.00"), promotion_discount=Decimal("0.50"))  # fmt: skip


def order(order_id: str, *lines: OrderLine) -> Order:
    return Order(seller_id=SELLER, order_id=order_id, marketplace_id=US, created_time=NOON, last_updated_time=NOON,
                 local_date=DAY, status="SHIPPED", currency="USD", lines=lines)  # fmt: skip


def fact(
    tx_id: str,
    kind: str,
    amounts: dict[str, str],
    parts: Sequence[tuple[str, str, str]] = (),
    sku: str | None = None,
) -> FinanceTransactionFact:
    parsed = tuple((k, Decimal(v)) for k, v in amounts.items())
    return FinanceTransactionFact(
        seller_id=SELLER, transaction_id=tx_id, transaction_type=kind, posted_at=NOON, marketplace_id=US,
        local_date=DAY, order_id=None, sku=sku, quantity=None, total=sum((a for _, a in parsed), Decimal(0)),
        currency="USD", amounts=parsed, sku_amounts=tuple((s, k, Decimal(a)) for s, k, a in parts),
    )  # fmt: skip


def rows_by_id(rows: Sequence[SkuRollup]) -> dict[str, SkuRollup]:
    return {r.row_id: r for r in rows}


def test_the_fees_of_a_multi_sku_shipment_the_subscription_and_ad_spend_all_land_in_rows() -> None:
    # Given a two-SKU shipment with per-SKU fees, a subscription fee, a storage fee and ad spend
    orders = [order("O-1", line("MUG", 1, "20.00"), line("PEN", 3, "9.00"))]
    shipment = fact(
        "T-1", "Shipment", {"ProductCharges": "29.00", "ReferralFee": "-4.35", "FBAFulfillmentFee": "-3.22"},
        [("MUG", "ProductCharges", "20.00"), ("MUG", "ReferralFee", "-3.00"), ("MUG", "FBAFulfillmentFee", "-3.22"),
         ("PEN", "ProductCharges", "9.00"), ("PEN", "ReferralFee", "-1.35")],
    )  # fmt: skip
    subscription = fact("T-2", "ServiceFee", {"SubscriptionFee": "-39.99"})
    storage = fact("T-3", "ServiceFee", {"FBAStorageFee": "-2.10"})
    cogs = CogsBook([CogsEntry(SELLER, "MUG", Decimal("4.00"), "USD", date(2026, 1, 1))])
    # When the day is computed with 12.00 of ad spend, 7.50 of it advertising MUG
    day, rows = compute_day(
        SELLER, US, DAY, orders=orders, transactions=[shipment, subscription, storage], cogs=cogs,
        ad_spend=Decimal("12.00"), ad_sales=Decimal("30.00"), sku_ad_spend={"MUG": Decimal("7.50")},
    )  # fmt: skip
    # Then each SKU carries its own fees and ads, and what names no SKU has its own row
    by_id = rows_by_id(rows)
    assert by_id["MUG"].fees == Decimal("6.22")
    assert by_id["MUG"].ad_spend == Decimal("7.50")
    assert by_id["PEN"].fees == Decimal("1.35")
    assert by_id["PEN"].ad_spend == 0
    assert by_id["#account#subscription"].fees == Decimal("39.99")
    assert by_id["#account#storage"].fees == Decimal("2.10")
    assert by_id["#unattributed_ads#unattributed_ads"].ad_spend == Decimal("4.50")
    assert by_id["#account#subscription"].kind is RowKind.ACCOUNT
    # And the rows add up to the day in every amount
    assert_rows_sum_to_the_day(day, rows)


def test_advertised_spend_above_the_days_spend_is_scaled_to_it_to_the_cent() -> None:
    day, rows = compute_day(
        SELLER, US, DAY, orders=[], transactions=[], cogs=CogsBook([]), ad_spend=Decimal("10.00"),
        sku_ad_spend={"A": Decimal("5.00"), "B": Decimal("5.00"), "C": Decimal("5.00")},
    )  # fmt: skip
    assert [r.ad_spend for r in rows] == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]
    assert all(r.kind is RowKind.SKU for r in rows)
    assert_rows_sum_to_the_day(day, rows)


def test_a_fact_stored_before_sku_amounts_gives_everything_to_its_one_sku() -> None:
    legacy = fact("T-1", "Refund", {"ProductCharges": "-10.00", "ReferralFee": "1.50"}, sku="MUG")
    day, rows = compute_day(SELLER, US, DAY, orders=[], transactions=[legacy], cogs=CogsBook([]))
    assert rows_by_id(rows)["MUG"].refunds == Decimal("10.00")
    assert rows_by_id(rows)["MUG"].fees == Decimal("-1.50")
    assert_rows_sum_to_the_day(day, rows)


def test_the_table_lists_skus_by_the_sort_then_the_rows_naming_no_sku() -> None:
    rows = [
        SkuRollup(SELLER, US, DAY, AccountRow.SUBSCRIPTION.value, "USD", fees=Decimal("39.99"), kind=RowKind.ACCOUNT),
        SkuRollup(SELLER, US, DAY, "A", "USD", gross_sales=Decimal("5")),
        SkuRollup(SELLER, US, DAY, "B", "USD", gross_sales=Decimal("9")),
    ]  # fmt: skip
    assert [(t.kind, t.sku) for t in sku_table(rows, "gross_sales")] == [
        (RowKind.SKU, "B"), (RowKind.SKU, "A"), (RowKind.ACCOUNT, "subscription"),
    ]  # fmt: skip


money = st.integers(min_value=-500_00, max_value=500_00).map(lambda c: Decimal(c).scaleb(-2))
skus = st.sampled_from(["A", "B", "C", None])


@st.composite
def transactions(draw: st.DrawFn, index: int) -> FinanceTransactionFact:
    kind = draw(st.sampled_from(["Shipment", "Refund", "ServiceFee", "Adjustment"]))
    types = draw(st.lists(st.sampled_from(["ProductCharges", "ReferralFee", "FBAStorageFee", "SubscriptionFee",
                                           "RefundCommission", "Tax", "ServiceFee"]), min_size=1, max_size=4, unique=True))  # fmt: skip
    amounts = {t: draw(money) for t in types}
    if kind == "Refund" and "ProductCharges" in amounts:
        amounts["ProductCharges"] = -abs(
            amounts["ProductCharges"]
        )  # money back to the buyer, as Amazon signs it
    named = draw(st.lists(st.sampled_from(["A", "B", "C"]), max_size=3, unique=True))
    parts: list[tuple[str, str, str]] = []
    if named:
        weights = [Decimal(draw(st.integers(0, 9))) for _ in named]
        for t, amount in amounts.items():
            parts += [(s, t, str(p)) for s, p in zip(named, split_exactly(amount, weights, 2), strict=True)]
    return fact(f"T-{index}", kind, {t: str(a) for t, a in amounts.items()}, parts)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(skus, st.integers(0, 4), money.map(abs)), min_size=1, max_size=3), max_size=5
    ),
    st.lists(st.integers(0, 10**6), max_size=6).flatmap(
        lambda seeds: st.tuples(*[transactions(i) for i in range(len(seeds))])
    ),
    money.map(abs),
    st.dictionaries(st.sampled_from(["A", "B", "Z"]), money.map(abs), max_size=3),
)
def test_property_a_days_rows_sum_to_the_day_and_their_table_to_the_dashboard(
    order_lines: list[list[tuple[str | None, int, Decimal]]],
    txs: tuple[FinanceTransactionFact, ...],
    ad_spend: Decimal,
    by_sku: dict[str, Decimal],
) -> None:
    orders = [
        order(f"O-{i}", *(line(s, q, str(p)) for s, q, p in lines)) for i, lines in enumerate(order_lines)
    ]
    cogs = CogsBook([CogsEntry(SELLER, "A", Decimal("1.25"), "USD", DAY - timedelta(days=3))])
    day, rows = compute_day(SELLER, US, DAY, orders=orders, transactions=txs, cogs=cogs,
                            ad_spend=ad_spend, sku_ad_spend=by_sku)  # fmt: skip
    assert_rows_sum_to_the_day(day, rows)
    # And the table over the day sums to the dashboard's totals of the same day
    table = sku_table(rows, "net_profit")
    [totals] = totals_by_currency([day]).values()
    for sku_name, day_name in SUMMED.items():
        assert sum((Decimal(getattr(t, sku_name)) for t in table), Decimal(0)) == Decimal(
            getattr(totals, day_name)
        )
    assert local_day(US, NOON) == DAY
