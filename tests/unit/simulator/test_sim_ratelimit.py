"""Usage plans as token buckets, driven by a hand-moved clock."""

from __future__ import annotations

import pytest

from sellerflow.spapi.usage_plans import USAGE_PLANS
from sellerflow_dev.simulator.ratelimit import RateLimiter, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_a_bucket_allows_its_burst_then_throttles() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate_per_s=0.5, burst=3, clock=clock)
    assert [bucket.try_take() for _ in range(4)] == [True, True, True, False]


def test_a_bucket_refills_at_its_rate_and_never_beyond_its_burst() -> None:
    # Given an emptied bucket of 0.5 tokens per second
    clock = FakeClock()
    bucket = TokenBucket(rate_per_s=0.5, burst=2, clock=clock)
    assert bucket.try_take()
    assert bucket.try_take()
    # When 1.9 seconds pass, not yet a whole token is back
    clock.advance(1.9)
    assert not bucket.try_take()
    assert bucket.seconds_until_token() == pytest.approx(0.1, abs=1e-6)
    # When 0.1 more seconds pass, exactly one is
    clock.advance(0.1)
    assert bucket.try_take()
    assert not bucket.try_take()
    # And an hour of idling only refills up to the burst
    clock.advance(3600)
    assert bucket.tokens == pytest.approx(2.0)


def test_buckets_are_per_seller_and_per_operation() -> None:
    clock = FakeClock()
    limiter = RateLimiter(burst_override=1, clock=clock)
    assert limiter.try_acquire("A1SELLER", "searchOrders")
    assert not limiter.try_acquire("A1SELLER", "searchOrders")
    # Another operation and another seller have their own buckets
    assert limiter.try_acquire("A1SELLER", "getOrder")
    assert limiter.try_acquire("A2SELLER", "searchOrders")


def test_the_limiter_uses_the_usage_plan_scaled_by_rate_scale() -> None:
    clock = FakeClock()
    plan = USAGE_PLANS["getOrder"]
    limiter = RateLimiter(rate_scale=4.0, clock=clock)
    # The plan's burst passes, the next call does not
    assert all(limiter.try_acquire("A1", "getOrder") for _ in range(plan.burst))
    assert not limiter.try_acquire("A1", "getOrder")
    # getOrder refills at 0.5/s; scaled by 4 a token is back after half a second
    clock.advance(0.5)
    assert limiter.try_acquire("A1", "getOrder")


def test_reconfiguring_rebuilds_full_buckets() -> None:
    clock = FakeClock()
    limiter = RateLimiter(burst_override=1, clock=clock)
    assert limiter.try_acquire("A1", "searchOrders")
    assert not limiter.try_acquire("A1", "searchOrders")
    limiter.reconfigure(rate_scale=1.0, burst_override=2)
    assert limiter.try_acquire("A1", "searchOrders")
    assert limiter.try_acquire("A1", "searchOrders")
    assert not limiter.try_acquire("A1", "searchOrders")


def test_an_operation_without_a_plan_is_an_error() -> None:
    with pytest.raises(KeyError, match="noSuchOperation"):
        RateLimiter().try_acquire("A1", "noSuchOperation")
