"""A smoke of the fanout bench's model (`make bench` runs 10,000 sellers and more)."""

from __future__ import annotations

from sellerflow_dev.bench.fanout_model import (
    Quotas,
    TickSimulation,
    TokenBucket,
    capacity,
    sellers_done_in_tick,
)


def test_a_token_bucket_gives_its_burst_then_its_rate() -> None:
    bucket = TokenBucket(burst=2, per_s=10)
    assert bucket.take(0.0) == 0.0
    assert bucket.take(0.0) == 0.0
    assert bucket.take(0.0) > 0.0
    assert bucket.take(0.1) == 0.0


def test_a_small_tick_starts_and_finishes_every_seller_within_the_hour() -> None:
    result, all_done = sellers_done_in_tick(300, quotas=Quotas(map_max_concurrency=10))
    assert all_done
    assert result.started == result.completed == 300
    assert result.peak_lambda_concurrency <= 1000


def test_an_unpaced_map_runs_into_the_lambda_account_concurrency() -> None:
    # Given far more sellers starting at once than the account can run (a low limit keeps it fast)
    result = TickSimulation(600, quotas=Quotas(lambda_concurrency=50, map_max_concurrency=200)).run()
    # Then Lambda throttles, and past its retries some sellers' syncs fail
    assert result.lambda_throttles > 0
    assert result.peak_lambda_concurrency == 50


def test_capacity_steps_up_while_it_fits() -> None:
    assert capacity(10, 50, step=10, fits=lambda n: n <= 30) == 30
