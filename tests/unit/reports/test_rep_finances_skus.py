"""Which SKU each amount of a Finances transaction belongs to (`FinanceTransactionFact.sku_amounts`):
Amazon's per-item breakdowns first, the rest split by item principal to the cent."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sellerflow.facts import FinanceTransactionFact, split_exactly
from sellerflow.reports import finance_fact_from_transaction

US = "ATVPDKIKX0DER"


def money(amount: Decimal | str) -> dict[str, Any]:
    return {"currencyAmount": Decimal(amount), "currencyCode": "USD"}


def leaf(kind: str, amount: Decimal | str) -> dict[str, Any]:
    return {"breakdownType": kind, "breakdownAmount": money(amount)}


def item(sku: str, quantity: int, *leaves: dict[str, Any]) -> dict[str, Any]:
    return {
        "contexts": [
            {"contextType": "ProductContext", "sku": sku, "asin": "B0", "quantityShipped": quantity}
        ],
        "breakdowns": [{"breakdownType": "Sales", "breakdowns": list(leaves)}] if leaves else [],
    }


def transaction(
    items: list[dict[str, Any]], *leaves: dict[str, Any], kind: str = "Shipment"
) -> dict[str, Any]:
    return {
        "transactionId": "TX-1",
        "transactionType": kind,
        "postedDate": "2026-11-01T16:30:00Z",
        "marketplaceDetails": {"marketplaceId": US},
        "totalAmount": money("0"),
        "items": items,
        "breakdowns": [{"breakdownType": "All", "breakdowns": list(leaves)}] if leaves else [],
    }


def by_sku(fact: FinanceTransactionFact) -> dict[str, dict[str, Decimal]]:
    out: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for sku, kind, amount in fact.sku_amounts:
        out[sku][kind] = amount
    return dict(out)


def assert_parts_sum_to_the_amounts(fact: FinanceTransactionFact) -> None:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for _, kind, amount in fact.sku_amounts:
        totals[kind] += amount
    assert {k: v for k, v in totals.items() if v} == {k: v for k, v in fact.amounts if v}


def test_a_shipment_of_two_skus_gives_each_its_own_fees_from_the_item_breakdowns() -> None:
    # Given a shipment of two SKUs whose items carry their own breakdowns (the simulator's shape)
    mug = item(
        "MUG",
        1,
        leaf("ProductCharges", "20.00"),
        leaf("ReferralFee", "-3.00"),
        leaf("FBAFulfillmentFee", "-3.22"),
    )
    pen = item("PEN", 3, leaf("ProductCharges", "9.00"), leaf("ReferralFee", "-1.35"))
    tx = transaction(
        [mug, pen],
        leaf("ProductCharges", "29.00"), leaf("ReferralFee", "-4.35"), leaf("FBAFulfillmentFee", "-3.22"),
    )  # fmt: skip
    # When it is parsed
    fact = finance_fact_from_transaction("S1", tx)
    # Then no single SKU is named, yet every fee is the SKU's own
    assert fact.sku is None
    assert by_sku(fact) == {
        "MUG": {"ProductCharges": Decimal("20.00"), "ReferralFee": Decimal("-3.00"), "FBAFulfillmentFee": Decimal("-3.22")},
        "PEN": {"ProductCharges": Decimal("9.00"), "ReferralFee": Decimal("-1.35")},
    }  # fmt: skip
    assert_parts_sum_to_the_amounts(fact)


def test_a_fee_given_only_for_the_whole_transaction_is_split_by_principal_to_the_cent() -> None:
    # Given items with their principal only, and a fee of 1.00 at transaction level (three ways)
    items = [item(sku, 1, leaf("ProductCharges", "10.00")) for sku in ("A", "B", "C")]
    tx = transaction(
        items, leaf("ProductCharges", "30.00"), leaf("ShippingHB", "0"), leaf("PerOrderFee", "-1.00")
    )
    fact = finance_fact_from_transaction("S1", tx)
    # Then 1.00 splits 0.34 / 0.33 / 0.33 (the left-over cent to the first of equal fractions)
    assert [by_sku(fact)[s]["PerOrderFee"] for s in ("A", "B", "C")] == [
        Decimal("-0.34"), Decimal("-0.33"), Decimal("-0.33"),
    ]  # fmt: skip
    assert_parts_sum_to_the_amounts(fact)


def test_items_without_breakdowns_share_the_transaction_by_principal_or_else_by_quantity() -> None:
    # Given a refund whose items name SKUs but carry no breakdowns and no principal
    tx = transaction(
        [item("A", 1), item("B", 3)],
        leaf("ProductCharges", "-40.00"),
        leaf("RefundCommission", "-1.00"),
        kind="Refund",
    )
    fact = finance_fact_from_transaction("S1", tx)
    # Then the split follows the quantities, 1 : 3
    assert by_sku(fact) == {
        "A": {"ProductCharges": Decimal("-10.00"), "RefundCommission": Decimal("-0.25")},
        "B": {"ProductCharges": Decimal("-30.00"), "RefundCommission": Decimal("-0.75")},
    }


def test_a_transaction_naming_no_sku_belongs_to_the_account() -> None:
    tx = transaction([], leaf("SubscriptionFee", "-39.99"), kind="ServiceFee")
    fact = finance_fact_from_transaction("S1", tx)
    assert fact.sku is None
    assert fact.sku_amounts == ()


def test_one_sku_named_once_at_transaction_level_takes_everything() -> None:
    tx = transaction([], leaf("ProductCharges", "5.00"), leaf("ReferralFee", "-0.75"))
    tx["contexts"] = [{"contextType": "ProductContext", "sku": "SOLO", "quantityShipped": 1}]
    fact = finance_fact_from_transaction("S1", tx)
    assert fact.sku == "SOLO"
    assert by_sku(fact) == {"SOLO": {"ProductCharges": Decimal("5.00"), "ReferralFee": Decimal("-0.75")}}


cents = st.integers(min_value=-(10**7), max_value=10**7).map(lambda c: Decimal(c).scaleb(-2))


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("ABCD"), st.integers(0, 5), cents, cents, st.booleans()),
        min_size=1,
        max_size=6,
    ),
    cents,
    cents,
)
def test_property_every_types_sku_parts_sum_to_its_amount(
    lines: list[tuple[str, int, Decimal, Decimal, bool]], extra_fee: Decimal, extra_principal: Decimal
) -> None:
    # Given items (some with breakdowns, some without) and transaction-level amounts beyond them
    items = [
        item(sku, qty, leaf("ProductCharges", principal), leaf("ReferralFee", fee))
        if broken_down
        else item(sku, qty)
        for sku, qty, principal, fee, broken_down in lines
    ]
    described = [line for line in lines if line[4]]
    principal = sum((p for _, _, p, _, _ in described), Decimal(0)) + extra_principal
    fee = sum((f for _, _, _, f, _ in described), Decimal(0)) + extra_fee
    fact = finance_fact_from_transaction(
        "S1", transaction(items, leaf("ProductCharges", principal), leaf("ReferralFee", fee))
    )
    # Then every type's SKU parts sum to the type's amount, to the cent, each part in whole cents
    assert_parts_sum_to_the_amounts(fact)
    assert all(amount == amount.quantize(Decimal("0.01")) for _, _, amount in fact.sku_amounts)


@settings(deadline=None)
@given(
    st.integers(-(10**9), 10**9),
    st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=12),
    st.sampled_from([0, 2]),
)
def test_property_split_exactly_sums_to_the_total_in_whole_units_close_to_the_proportions(
    units: int, weights: list[int], places: int
) -> None:
    total = Decimal(units).scaleb(-places)
    parts = split_exactly(total, [Decimal(w) for w in weights], places)
    assert sum(parts, Decimal(0)) == total
    unit = Decimal(1).scaleb(-places)
    magnitudes = [abs(w) for w in weights] if any(weights) else [1] * len(weights)
    for part, weight in zip(parts, magnitudes, strict=True):
        assert part == part.quantize(unit)
        exact = abs(total) * weight / sum(magnitudes)
        assert abs(abs(part) - exact) < unit  # never a whole unit from its proportional share
