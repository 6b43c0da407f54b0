"""The sync-efficiency bench's arithmetic on a tiny seller (the 50,000-order pull runs in make bench)."""

from __future__ import annotations

import math

from sellerflow.spapi.usage_plans import plan_for
from sellerflow_dev.bench.sync_efficiency_bench import Seller, lower_bound, measure


def test_the_bound_is_the_slowest_usage_plan_chain() -> None:
    seller = Seller(orders=30_000, finance_pages=40, report_processing_s=100.0)
    bound = lower_bound(seller, reports=29)

    orders_plan = plan_for("searchOrders")
    assert bound["searchOrders"] == (300 - orders_plan.burst) / orders_plan.rate_per_s
    assert bound["listTransactions"] == (40 - plan_for("listTransactions").burst) / 0.5
    assert bound["reports"] == bound["createReport"] + 100.0
    assert bound["bound"] == max(bound["searchOrders"], bound["reports"], bound["listTransactions"])


def test_a_tiny_pull_stores_everything_and_is_never_faster_than_the_bound() -> None:
    seller = Seller(orders=2_500, finance_pages=12, report_processing_s=30.0)

    efficiency, outcome, bound = measure(seller)

    assert outcome.orders == seller.orders
    # every All Orders window of two years, from where the orders sync's 30 days end (a day of overlap)
    assert outcome.reports == math.ceil((730 - 29) / 30)
    assert outcome.calls["searchOrders"] >= math.ceil(seller.orders / 100)
    assert outcome.throttled == {}  # the pacer keeps the sync inside the plans: no 429 from Amazon
    assert 0 < efficiency <= 1
    assert outcome.seconds >= bound["bound"]
