"""The reorder rule (analytics.reorder): urgency, reorder quantity and order-by date."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from sellerflow.analytics.reorder import LeadTimes, RestockSettings, Urgency, reorder_plan, urgency_key

TODAY = date(2026, 12, 4)
TIMES = LeadTimes(lead_time_days=30, safety_days=7)


def plan(sellable: int, inbound: int, velocity: str, times: LeadTimes = TIMES, cycle: int = 30):  # type: ignore[no-untyped-def]
    return reorder_plan(
        sellable=sellable,
        inbound=inbound,
        velocity=Decimal(velocity),
        times=times,
        cycle_days=cycle,
        today=TODAY,
    )


def test_an_out_of_stock_sku_is_not_covered_by_its_inbound_units() -> None:
    # Given a SKU selling 10 a day, nothing sellable and 19,000 units inbound
    p = plan(0, 19_000, "10")
    # Then it is out of stock with no cover (not 1,900 days), first in urgency
    assert (p.urgency, p.days_of_cover) == (Urgency.OUT_OF_STOCK, Decimal(0))
    # And the inbound units count in what to order: enough is on its way, nothing more to order
    assert (p.reorder_quantity, p.order_by) == (0, None)


def test_an_out_of_stock_sku_is_ordered_today_up_to_lead_safety_and_cycle() -> None:
    p = plan(0, 50, "10")
    # order-up-to = 10 × (30 + 7 + 30) = 670; 50 already inbound
    assert (p.reorder_quantity, p.order_by) == (620, TODAY)


def test_a_sku_below_its_reorder_point_is_ordered_today() -> None:
    # 200 sellable + 100 inbound at 10/day = 30 days < 37 (lead + safety)
    p = plan(200, 100, "10")
    assert (p.urgency, p.days_of_cover, p.order_by, p.reorder_quantity) == (
        Urgency.IN_STOCK, Decimal("30.0"), TODAY, 670 - 300,
    )  # fmt: skip


def test_a_sku_above_its_reorder_point_is_ordered_when_it_reaches_it() -> None:
    # 500 units at 10/day: 50 days of cover, reorder point at 37 days → order in 13 days, a cycle's worth
    p = plan(500, 0, "10")
    assert (p.order_by, p.reorder_quantity) == (TODAY + timedelta(days=13), 300)


def test_a_sku_without_sales_has_no_plan() -> None:
    assert (plan(40, 0, "0").urgency, plan(40, 0, "0").order_by, plan(40, 0, "0").reorder_quantity) == (
        Urgency.NO_SALES, None, 0,
    )  # fmt: skip
    assert plan(0, 0, "0").urgency == Urgency.OUT_OF_STOCK


def test_the_sort_puts_out_of_stock_first_then_least_cover_then_no_sales() -> None:
    rows = {
        "slow-out": (plan(0, 0, "1"), Decimal(1)),
        "fast-out": (plan(0, 0, "9"), Decimal(9)),
        "covered": (plan(900, 0, "3"), Decimal(3)),
        "short": (plan(20, 0, "3"), Decimal(3)),
        "idle": (plan(50, 0, "0"), Decimal(0)),
    }
    ordered = sorted(rows, key=lambda sku: urgency_key(rows[sku][0], rows[sku][1], sku))
    assert ordered == ["fast-out", "slow-out", "short", "covered", "idle"]


def test_a_skus_own_lead_times_win_over_the_default() -> None:
    settings = RestockSettings(
        default=TIMES, skus={"SLOW-BOAT": LeadTimes(lead_time_days=90, safety_days=14)}
    )
    assert settings.for_sku("SLOW-BOAT").lead_time_days == 90
    assert settings.for_sku("OTHER") == TIMES
    with pytest.raises(ValidationError):
        RestockSettings(default=LeadTimes(lead_time_days=-1, safety_days=0))
    with pytest.raises(ValidationError):
        RestockSettings(skus={" PADDED ": TIMES})


velocities = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(500), places=4)
units = st.integers(min_value=0, max_value=100_000)
lead_times = st.builds(LeadTimes, lead_time_days=st.integers(0, 120), safety_days=st.integers(0, 60))


@given(units, units, velocities, lead_times, st.integers(1, 90))
def test_a_plan_never_orders_in_the_past_nor_a_negative_quantity(
    sellable: int, inbound: int, velocity: Decimal, times: LeadTimes, cycle: int
) -> None:
    p = reorder_plan(
        sellable=sellable, inbound=inbound, velocity=velocity, times=times, cycle_days=cycle, today=TODAY
    )
    assert p.reorder_quantity >= 0
    assert p.order_by is None or p.order_by >= TODAY
    if sellable == 0:
        assert p.urgency == Urgency.OUT_OF_STOCK
        assert p.days_of_cover == 0
    # An order due today lifts the position to at least the order-up-to level
    if p.order_by == TODAY:
        assert sellable + inbound + p.reorder_quantity >= velocity * (
            times.lead_time_days + times.safety_days + cycle
        )


@given(units, units, units, velocities, lead_times)
def test_more_stock_never_brings_the_order_by_date_forward(
    sellable: int, inbound: int, more: int, velocity: Decimal, times: LeadTimes
) -> None:
    sellable += 1  # in stock: out of stock is always today
    before = reorder_plan(
        sellable=sellable, inbound=inbound, velocity=velocity, times=times, cycle_days=30, today=TODAY
    )
    after = reorder_plan(
        sellable=sellable + more, inbound=inbound, velocity=velocity, times=times, cycle_days=30, today=TODAY
    )
    assert before.order_by is not None
    assert after.order_by is not None
    assert after.order_by >= before.order_by
    assert after.days_of_cover is not None
    assert before.days_of_cover is not None
    assert after.days_of_cover >= before.days_of_cover
