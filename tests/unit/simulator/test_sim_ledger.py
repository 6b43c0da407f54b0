"""Ground truth beyond orders: listings, inventory, money events, settlements, traffic, rollups."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sellerflow_dev.simulator import SimWorld
from sellerflow_dev.simulator.ledger import is_fee

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
US, DE, JP = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528"


@pytest.fixture(scope="module")
def world() -> SimWorld:
    return SimWorld.generate(sellers=2, seed=11, now=NOW)


@pytest.fixture(scope="module")
def seller_id(world: SimWorld) -> str:
    return world.sellers[0].seller_id


def test_derived_ground_truth_is_deterministic(world: SimWorld, seller_id: str) -> None:
    again = SimWorld.generate(sellers=2, seed=11, now=NOW)
    assert again.history_orders(seller_id) == world.history_orders(seller_id)
    assert again.listings(seller_id) == world.listings(seller_id)
    assert again.inventory(seller_id) == world.inventory(seller_id)
    assert again.transactions(seller_id) == world.transactions(seller_id)
    assert again.settlements(seller_id) == world.settlements(seller_id)
    assert again.expected_daily_rollups(seller_id) == world.expected_daily_rollups(seller_id)


def test_history_is_older_than_search_orders_window_and_only_in_all_orders(
    world: SimWorld, seller_id: str
) -> None:
    current = world.orders(seller_id)
    history = world.history_orders(seller_id)
    window_start = NOW - timedelta(days=30)
    assert 150 <= len(history) <= 600  # a few a week over ~2 years
    created = [datetime.fromisoformat(o["createdTime"].replace("Z", "+00:00")) for o in history]
    assert all(NOW - timedelta(days=731) <= c < window_start for c in created)
    assert min(created) < NOW - timedelta(days=600)
    assert {o["orderId"] for o in history}.isdisjoint({o["orderId"] for o in current})
    assert {o["fulfillment"]["fulfillmentStatus"] for o in history} <= {"SHIPPED", "CANCELLED"}
    everything = world.all_orders(seller_id)
    assert len(everything) == len(current) + len(history)
    assert [o["createdTime"] for o in everything] == sorted(o["createdTime"] for o in everything)


def test_one_listing_per_sku_per_marketplace_priced_like_the_orders(world: SimWorld, seller_id: str) -> None:
    seller = world.seller(seller_id)
    listings = world.listings(seller_id)
    assert len(listings) == len(seller.catalogue) * len(seller.marketplace_ids)
    assert len({(x.marketplace_id, x.sku) for x in listings}) == len(listings)
    prices = {(x.marketplace_id, x.sku): x.price for x in listings}
    for order in world.all_order_states(seller_id):
        for item in order.items:
            assert prices[(order.marketplace_id, item.product.sku)] == item.unit_price
    assert {x.status for x in listings} == {"Active", "Inactive"}
    assert all((x.quantity is None) == x.afn for x in listings)
    assert all(x.open_date < NOW for x in listings)


def test_inventory_covers_exactly_the_fba_listings(world: SimWorld, seller_id: str) -> None:
    afn = {(x.marketplace_id, x.sku) for x in world.listings(seller_id) if x.afn}
    inventory = world.inventory(seller_id)
    assert {(row.marketplace_id, row.sku) for row in inventory} == afn
    assert all(
        row.total == row.fulfillable + row.unfulfillable + row.reserved + row.inbound for row in inventory
    )
    assert any(row.inbound for row in inventory)
    assert any(row.unfulfillable for row in inventory)


def test_every_shipped_order_is_paid_once_with_amazon_signs(world: SimWorld, seller_id: str) -> None:
    transactions = world.transactions(seller_id)
    shipments = [t for t in transactions if t.transaction_type == "Shipment"]
    orders = {o.order_id: o for o in world.all_order_states(seller_id)}
    assert Counter(t.order_id for t in shipments).most_common(1)[0][1] == 1
    assert all(orders[t.order_id].status == "SHIPPED" for t in shipments)
    for shipment in shipments:
        order = orders[str(shipment.order_id)]
        assert timedelta(0) <= shipment.posted - order.created <= timedelta(days=2, hours=1)
        totals = shipment.totals_by_type()
        principal = sum((i.unit_price * i.quantity for i in order.items), Decimal(0))
        assert totals["ProductCharges"] == principal
        assert totals["ReferralFee"] < 0
        assert abs(totals["ReferralFee"] + principal * Decimal("0.15")) <= Decimal("0.05") * len(order.items)
        assert ("FBAFulfillmentFee" in totals) == (order.fulfilled_by == "AMAZON")
        assert totals.get("PromotionDiscount", Decimal(0)) <= 0
    shipped_old = [
        o for o in orders.values() if o.status == "SHIPPED" and o.created < NOW - timedelta(days=3)
    ]
    assert len(shipments) >= len(shipped_old)
    kinds = Counter(t.transaction_type for t in transactions)
    assert kinds["Refund"] >= 5
    assert kinds["Adjustment"] >= 1
    assert kinds["ServiceFee"] >= 12


def test_refunds_come_days_after_the_sale_with_amazon_signs(world: SimWorld, seller_id: str) -> None:
    orders = {o.order_id: o for o in world.all_order_states(seller_id)}
    refunds = [t for t in world.transactions(seller_id) if t.transaction_type == "Refund"]
    shipped = sum(1 for o in orders.values() if o.status == "SHIPPED")
    assert 0.02 * shipped <= len(refunds) <= 0.09 * shipped
    for refund in refunds:
        order = orders[str(refund.order_id)]
        assert timedelta(days=2) <= refund.posted - order.created <= timedelta(days=10, hours=7)
        assert refund.local_date > order.created.astimezone(order.market.tz).date()
        totals = refund.totals_by_type()
        assert totals["ProductCharges"] < 0 < totals["ReferralFee"]
        assert totals["RefundCommission"] < 0


def test_settlements_are_fourteen_day_groups_whose_total_is_the_sum_of_their_lines(
    world: SimWorld, seller_id: str
) -> None:
    settlements = world.settlements(seller_id)
    transactions = {t.transaction_id: t for t in world.transactions(seller_id)}
    assert {s.marketplace_id for s in settlements} == set(world.seller(seller_id).marketplace_ids)
    settled: Counter[str] = Counter()
    for settlement in settlements:
        assert settlement.end - settlement.start == timedelta(days=14)
        assert settlement.end <= NOW
        assert settlement.deposit_date > settlement.end
        assert settlement.total == sum((line.amount for line in settlement.lines), Decimal(0))
        for line in settlement.lines:
            assert settlement.start <= line.posted < settlement.end
            settled[line.transaction_id] += 1
    for transaction_id in settled:
        assert transactions[transaction_id].total == sum(
            (line.amount for s in settlements for line in s.lines if line.transaction_id == transaction_id),
            Decimal(0),
        )
    # every transaction of a closed period is settled
    last_end = max(s.end for s in settlements if s.marketplace_id == US)
    assert all(
        t.transaction_id in settled
        for t in transactions.values()
        if t.marketplace_id == US and t.posted < last_end
    )


def test_traffic_units_and_sales_equal_the_days_orders(world: SimWorld, seller_id: str) -> None:
    rollups = world.expected_daily_rollups(seller_id)
    checked = 0
    for (marketplace_id, day), values in rollups.items():
        traffic = world.traffic(seller_id, marketplace_id, datetime.fromisoformat(day).date())
        assert traffic is not None
        assert traffic.units_ordered == values["units"]
        assert traffic.ordered_product_sales == values["gross_sales"]
        assert traffic.sessions >= traffic.units_ordered
        assert 0 <= traffic.buy_box_percentage <= 100
        checked += 1
    assert checked > 200
    assert world.traffic(seller_id, US, (NOW + timedelta(days=2)).date()) is None
    assert world.traffic(seller_id, US, (NOW - timedelta(days=800)).date()) is None


def test_expected_rollups_follow_their_definitions(world: SimWorld, seller_id: str) -> None:
    rollups = world.expected_daily_rollups(seller_id)
    orders = world.all_order_states(seller_id)
    # orders and units of one busy day, recounted by hand
    key, values = max(rollups.items(), key=lambda kv: kv[1]["orders"])
    marketplace_id, day = key
    mine = [
        o
        for o in orders
        if o.marketplace_id == marketplace_id
        and o.status != "CANCELLED"
        and o.created.astimezone(o.market.tz).date().isoformat() == day
    ]
    assert values["orders"] == len(mine)
    assert values["units"] == sum(i.quantity for o in mine for i in o.items)
    assert values["promotions"] == sum((i.discount for o in mine for i in o.items), Decimal(0))
    for values in rollups.values():
        assert set(values) == {
            "orders", "units", "gross_sales", "shipping", "promotions", "refunds", "amazon_fees", "estimated_payout"
        }  # fmt: skip
        assert values["estimated_payout"] == (
            Decimal(values["gross_sales"])
            + Decimal(values["shipping"])
            - Decimal(values["promotions"])
            - Decimal(values["refunds"])
            - Decimal(values["amazon_fees"])
        )
    refunds = [t for t in world.transactions(seller_id) if t.transaction_type == "Refund"]
    refund = refunds[0]
    row = rollups[(refund.marketplace_id, refund.local_date.isoformat())]
    same_day = [
        r for r in refunds if (r.marketplace_id, r.local_date) == (refund.marketplace_id, refund.local_date)
    ]
    assert row["refunds"] == abs(sum((r.totals_by_type()["ProductCharges"] for r in same_day), Decimal(0)))
    fees = sum(
        (
            amount
            for t in world.transactions(seller_id)
            if (t.marketplace_id, t.local_date) == (refund.marketplace_id, refund.local_date)
            for kind, amount in t.totals_by_type().items()
            if is_fee(kind)
        ),
        Decimal(0),
    )
    assert row["amazon_fees"] == -fees
    assert is_fee("ReferralFee")
    assert is_fee("RefundCommission")
    assert not is_fee("ProductCharges")


def test_advancing_the_clock_posts_new_money_events() -> None:
    world = SimWorld.generate(sellers=1, seed=11, now=NOW)
    seller_id = world.sellers[0].seller_id
    before = {t.transaction_id for t in world.transactions(seller_id)}
    world.advance(3 * 24 * 60)
    after = {t.transaction_id for t in world.transactions(seller_id)}
    assert before < after
