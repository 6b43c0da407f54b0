"""10,000 sellers per hourly tick: the fanout's Distributed Map and every seller-sync it starts, on a
simulated clock with AWS's and Amazon's quotas (`fanout_model`; assumptions in docs/performance.md).

moto cannot show quotas, so this is a model, not a run: the e2e tests run the same definition locally.
The Map's MaxConcurrency and its children's batch size are the template's FanoutMaxConcurrency and
FanoutBatchSize defaults.
"""

from __future__ import annotations

import sys

TICK_S = 3600.0
GOAL = 10_000
CAPACITY_STEP = 10_000
CAPACITY_LIMIT = 40_000


def main() -> int:
    from sellerflow_dev.bench.cost import template_parameter_default
    from sellerflow_dev.bench.fanout_model import Quotas, capacity, sellers_done_in_tick

    quotas = Quotas(map_max_concurrency=template_parameter_default("FanoutMaxConcurrency"))
    batch = template_parameter_default("FanoutBatchSize")
    result, all_done = sellers_done_in_tick(GOAL, tick_s=TICK_S, quotas=quotas, batch_size=batch)
    print(
        f"fanout: {GOAL} sellers, MaxConcurrency {quotas.map_max_concurrency}, {batch} sellers a child: "
        f"started {result.started} "
        f"(last at {result.last_start_s:.0f} s), completed {result.completed}, failed {result.failed}, "
        f"not started {result.not_started}; done p50 {result.percentile_done_s(0.5):.0f} s, "
        f"p99 {result.percentile_done_s(0.99):.0f} s, last {result.last_done_s:.0f} s; "
        f"{result.transitions} transitions, {result.app_report_slots} app report slots, "
        f"{result.data_kiosk_days} Data Kiosk days",
        file=sys.stderr,
    )
    reached = GOAL if all_done else result.done_within(TICK_S) - result.failed
    if all_done:
        reached = capacity(
            GOAL,
            CAPACITY_LIMIT,
            step=CAPACITY_STEP,
            fits=lambda n: sellers_done_in_tick(n, tick_s=TICK_S, quotas=quotas, batch_size=batch)[1],
        )
    print(f"BENCH sellers_per_tick {reached} sellers", flush=True)
    print(f"BENCH fanout_start_span_s {result.last_start_s:.0f} s", flush=True)
    print(f"BENCH fanout_last_sync_done_s {result.last_done_s:.0f} s", flush=True)
    print(f"BENCH fanout_peak_lambda_concurrency {result.peak_lambda_concurrency} functions", flush=True)
    print(f"BENCH fanout_lambda_throttles {result.lambda_throttles} invokes", flush=True)
    print(f"BENCH fanout_failed_sellers {result.failed + result.not_started} sellers", flush=True)
    return 0 if reached >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
