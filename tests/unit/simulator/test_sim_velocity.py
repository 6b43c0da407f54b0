"""The demo world's sales shape: best-sellers selling tens of units a day out of a few orders, a long
tail, two genuinely low on stock (issue 14: "realistic velocities")."""

from __future__ import annotations

import random
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from sellerflow_dev.simulator.world import HISTORY_DAYS, SimWorld, line_quantity

NOW = datetime(2026, 11, 23, 13, 25, tzinfo=UTC)
SEEDS = range(3)


def _units_per_day(world: SimWorld, seller_id: str) -> list[float]:
    """Units a day of each catalogue SKU (catalogue order: its popularity rank) over searchOrders' days."""
    units: Counter[str] = Counter()
    for order in world.order_states(seller_id):
        if order.status != "CANCELLED":
            for item in order.items:
                units[item.product.sku] += item.quantity
    return [units[item.sku] / HISTORY_DAYS for item in world.seller(seller_id).catalogue]


@pytest.fixture(scope="module")
def worlds() -> list[SimWorld]:
    return [SimWorld.generate(sellers=3, seed=seed, now=NOW) for seed in SEEDS]


def test_every_sellers_best_seller_sells_tens_of_units_a_day(worlds: list[SimWorld]) -> None:
    tops = [max(_units_per_day(w, s.seller_id)) for w in worlds for s in w.sellers]
    # A seller's order count varies (60-150 a month): the smallest shop's best-seller still sells ~5+
    assert min(tops) >= 5
    assert sum(top < 10 for top in tops) <= 1  # seed 2's third shop: 63 orders, 6.2 units a day
    assert statistics.median(tops) >= 15


def test_a_long_tail_sells_a_unit_a_day_or_less(worlds: list[SimWorld]) -> None:
    for world in worlds:
        for seller in world.sellers:
            per_day = _units_per_day(world, seller.seller_id)
            ranked = sorted(per_day, reverse=True)
            assert ranked[0] >= 2 * ranked[1] > 0  # one clear best-seller, a runner-up ...
            slow = [v for v in per_day if v < 1]
            assert len(slow) >= len(per_day) / 2  # ... and most of the catalogue slow
            # the best-sellers are the catalogue's head (popularity is by position)
            assert per_day.index(ranked[0]) < 3


def test_velocity_comes_from_units_per_line_not_more_orders(worlds: list[SimWorld]) -> None:
    for world in worlds:
        for seller in world.sellers:
            orders = world.order_states(seller.seller_id)
            assert 60 <= len(orders) <= 160  # the 30 days searchOrders serves: a few a day, as before
    rng = random.Random(1)
    means = [statistics.mean(line_quantity(rng, rank) for _ in range(4000)) for rank in (0, 1, 2, 9)]
    assert means[0] > means[1] > means[2] > means[3]
    assert 8 <= means[0] <= 12
    assert means[3] < 1.6
    assert all(1 <= line_quantity(rng, rank) <= 24 for rank in range(20) for _ in range(50))


def test_two_best_selling_fba_skus_are_genuinely_low_on_stock(worlds: list[SimWorld]) -> None:
    for world in worlds:
        for seller in world.sellers:
            home = seller.marketplace_ids[0]
            since = world.now - timedelta(days=HISTORY_DAYS)
            sold: Counter[str] = Counter()
            for order in world.order_states(seller.seller_id):
                if order.marketplace_id == home and order.created >= since and order.status != "CANCELLED":
                    for item in order.items:
                        sold[item.product.sku] += item.quantity
            covers = [
                row.fulfillable / (sold[row.sku] / HISTORY_DAYS)
                for row in world.inventory(seller.seller_id)
                if row.marketplace_id == home and sold[row.sku] and row.fulfillable
            ]
            low = [cover for cover in covers if cover < 10]
            assert 1 <= len(low) <= 3, covers
