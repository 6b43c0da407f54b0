"""Client-side pacing: a token bucket per seller × operation, on an injected clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellerflow.spapi.pacing import Pacer, TokenBucket
from sellerflow.spapi.usage_plans import USAGE_PLANS, UsagePlan, plan_for


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_fresh_bucket_allows_its_burst_then_asks_to_wait() -> None:
    # Given getOrder's plan: burst 30 at 0.5 requests per second
    clock = Clock()
    pacer = Pacer(clock=clock)
    # When 30 calls are reserved at once
    waits = [pacer.reserve("S1", "getOrder") for _ in range(30)]
    # Then all go through and the 31st must wait one refill period
    assert waits == [0.0] * 30
    assert pacer.reserve("S1", "getOrder") == pytest.approx(2.0)


def test_the_bucket_refills_at_the_plan_rate() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock)
    for _ in range(30):
        pacer.reserve("S1", "getOrder")
    clock.now += 1.0  # half a token
    assert pacer.reserve("S1", "getOrder") == pytest.approx(1.0)
    clock.now += 1.0  # a whole token
    assert pacer.reserve("S1", "getOrder") == 0.0
    assert pacer.reserve("S1", "getOrder") == pytest.approx(2.0)


def test_refill_never_exceeds_the_burst() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock)
    pacer.reserve("S1", "getInventorySummaries")  # burst 2 at 2/s
    clock.now += 3600
    assert [pacer.reserve("S1", "getInventorySummaries") for _ in range(3)] == [0.0, 0.0, pytest.approx(0.5)]


def test_a_429_drains_the_bucket() -> None:
    # Given a bucket with most of its burst left
    clock = Clock()
    pacer = Pacer(clock=clock)
    pacer.reserve("S1", "searchOrders")
    # When Amazon says 429
    pacer.throttled("S1", "searchOrders")
    # Then the next call waits a full token at 0.0056/s
    assert pacer.reserve("S1", "searchOrders") == pytest.approx(1 / 0.0056)


def test_sellers_and_operations_have_independent_buckets() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock)
    for _ in range(20):
        pacer.reserve("S1", "searchOrders")
    pacer.throttled("S1", "getOrder")
    assert pacer.reserve("S1", "searchOrders") > 0
    assert pacer.reserve("S2", "searchOrders") == 0.0
    assert pacer.reserve("S1", "getReport") == 0.0
    assert pacer.reserve("S1", "getOrder") > 0  # drained, but only for S1 × getOrder
    assert pacer.reserve("S2", "getOrder") == 0.0


def test_an_operation_without_a_plan_is_refused_by_name() -> None:
    with pytest.raises(KeyError, match="noSuchOperation"):
        Pacer(clock=Clock()).reserve("S1", "noSuchOperation")
    assert plan_for("searchOrders") == UsagePlan(0.0056, 20)


def test_the_rate_limit_header_value_is_the_rate() -> None:
    assert plan_for("searchOrders").header_value == "0.0056"
    assert plan_for("getReport").header_value == "2"


def test_every_known_plan_is_positive() -> None:
    for name, plan in USAGE_PLANS.items():
        assert plan.rate_per_s > 0, name
        assert plan.burst >= 1, name


def test_a_clock_going_backwards_does_not_remove_tokens() -> None:
    bucket = TokenBucket(plan=UsagePlan(1.0, 5), tokens=2.0, updated_at=100.0)
    assert bucket.take(50.0) == 0.0
    assert bucket.tokens == pytest.approx(1.0)


@given(
    rate=st.sampled_from(sorted({p.rate_per_s for p in USAGE_PLANS.values()})),
    calls=st.integers(min_value=1, max_value=60),
)
def test_never_more_calls_than_burst_plus_refill(rate: float, calls: int) -> None:
    # However the calls are spread over time, admitted calls <= burst + rate * elapsed
    bucket = TokenBucket(plan=UsagePlan(rate, 3), tokens=3.0, updated_at=0.0)
    now = 0.0
    admitted = 0
    for _ in range(calls):
        wait = bucket.take(now)
        if wait == 0.0:
            admitted += 1
        else:
            assert wait <= 1 / rate + 1e-9
        now += 0.37
    assert admitted <= 3 + rate * now + 1e-9
