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


def test_batches_at_the_template_concurrency_start_sellers_about_as_fast_as_a_child_each_did() -> None:
    # Given 2,000 sellers: 10 children of one seller each (before the batches), or 7 of 50
    single, _ = sellers_done_in_tick(2_000, quotas=Quotas(map_max_concurrency=10))
    batched, all_done = sellers_done_in_tick(2_000, quotas=Quotas(map_max_concurrency=7), batch_size=50)
    # Then every seller starts and finishes, at about the same start rate and Lambda peak
    assert all_done
    assert abs(batched.last_start_s - single.last_start_s) < 0.25 * single.last_start_s
    assert batched.peak_lambda_concurrency < 1.25 * single.peak_lambda_concurrency


def test_a_throttled_batch_is_retried_until_each_seller_is_started_once() -> None:
    # Given a StartExecution quota far below the batches' pace (20 burst, 5 a second)
    quotas = Quotas(map_max_concurrency=7, start_execution_burst=20, start_execution_per_s=5)
    result = TickSimulation(600, quotas=quotas, batch_size=50).run()
    # Then starts are throttled and the batches retried, and every seller is started exactly once
    assert result.start_throttles > 0
    assert result.started == result.completed == 600
    assert result.not_started == result.failed == 0
    assert result.last_start_s >= (600 - 20) / 5
