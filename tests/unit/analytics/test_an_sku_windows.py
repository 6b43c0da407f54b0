"""Trailing SKU windows: which windows a summary answers, and that its totals are the rows' sums."""

from __future__ import annotations

import random
from dataclasses import fields, replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from sellerflow.analytics.kpis import sku_table
from sellerflow.analytics.model import SKU_ADDITIVE, RowKind, SkuRollup
from sellerflow.analytics.ranges import DayRange
from sellerflow.analytics.sku_windows import SUMMARY_DAYS, WindowPlan, plan_window, summarize

TODAY = date(2026, 12, 3)
YESTERDAY = TODAY - timedelta(days=1)


def days_back(n: int) -> date:
    return TODAY - timedelta(days=n)


@pytest.mark.parametrize(
    ("window", "plan"),
    [
        (DayRange(days_back(29), TODAY), WindowPlan(29, YESTERDAY, (TODAY,))),  # LAST30
        (DayRange(days_back(6), TODAY), WindowPlan(6, YESTERDAY, (TODAY,))),  # LAST7
        (DayRange(days_back(89), TODAY), WindowPlan(89, YESTERDAY, (TODAY,))),  # LAST90
        (DayRange(days_back(30), YESTERDAY), WindowPlan(29, YESTERDAY, (days_back(30),))),  # velocity
        (DayRange(days_back(29), YESTERDAY), WindowPlan(29, YESTERDAY, ())),
    ],
)
def test_the_trailing_windows_are_a_summary_and_at_most_one_day(window: DayRange, plan: WindowPlan) -> None:
    assert plan_window(window, TODAY) == plan


@pytest.mark.parametrize(
    "window",
    [
        DayRange(days_back(30), TODAY),  # 31 days
        DayRange(days_back(29), days_back(1) - timedelta(days=1)),  # ends before yesterday
        DayRange(TODAY, TODAY),
        DayRange(date(2026, 11, 1), date(2026, 11, 30)),
    ],
)
def test_other_windows_are_read_from_the_rows(window: DayRange) -> None:
    assert plan_window(window, TODAY) is None


def _rows(seed: int, days: int = 95) -> list[SkuRollup]:
    rng = random.Random(seed)
    rows = []
    for back in range(days):
        day = days_back(back)
        for sku in rng.sample([f"SKU-{i}" for i in range(12)], k=rng.randint(0, 8)):
            units = rng.randint(1, 9)
            rows.append(
                SkuRollup(
                    seller_id="S",
                    marketplace_id="M",
                    day=day,
                    sku=sku,
                    currency="EUR",
                    orders=rng.randint(1, units),
                    units=units,
                    gross_sales=Decimal(rng.randint(100, 99999)) / 100,
                    shipping=Decimal(rng.randint(0, 999)) / 100,
                    promotions=Decimal(rng.randint(0, 500)) / 100,
                    refunds=Decimal(rng.randint(0, 2000)) / 100,
                    fees=Decimal(rng.randint(0, 3000)) / 100,
                    cogs=Decimal(rng.randint(0, 3000)) / 100,
                    cogs_complete=rng.random() > 0.1,
                    ad_spend=Decimal(rng.randint(0, 900)) / 100,
                )
            )
        rows.append(
            SkuRollup(
                seller_id="S",
                marketplace_id="M",
                day=day,
                sku="storage",
                currency="EUR",
                fees=Decimal("1.10"),
                kind=RowKind.ACCOUNT,
            )
        )
    return rows


@pytest.mark.parametrize("seed", range(5))
def test_a_summary_plus_its_day_makes_the_same_sku_table_as_every_row(seed: int) -> None:
    rows = _rows(seed)
    summaries = summarize([r for r in rows if r.day <= YESTERDAY], YESTERDAY)
    assert set(summaries) == set(SUMMARY_DAYS)
    for window in (DayRange(days_back(29), TODAY), DayRange(days_back(30), YESTERDAY)):
        plan = plan_window(window, TODAY)
        assert plan is not None
        composed = summaries[plan.summary_days] + [r for r in rows if r.day in plan.extra_days]
        expected = sku_table([r for r in rows if r.day in window])
        assert sku_table(composed) == expected
        assert all(r.day == YESTERDAY for r in summaries[plan.summary_days])


def test_a_row_with_a_missing_cost_on_any_day_keeps_the_window_incomplete() -> None:
    row = _rows(0, days=1)[0]
    days = [replace(row, day=days_back(b), cogs_complete=b != 3) for b in range(1, 8)]
    (total,) = [t for t in summarize(days, YESTERDAY)[6] if t.sku == row.sku]
    assert total.cogs_complete is False
    assert total.units == row.units * 6  # days_back(7) lies outside the 6-day summary


def test_every_count_and_amount_of_a_sku_row_is_summed() -> None:
    numeric = {f.name for f in fields(SkuRollup) if f.type in ("int", "Decimal")}
    assert numeric == set(SKU_ADDITIVE)
