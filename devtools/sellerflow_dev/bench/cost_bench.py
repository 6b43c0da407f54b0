"""Cost per seller-month at 1,000 orders a day (`sellerflow_dev.bench.cost`; method in docs/cost.md).

Goal: at most $0.10. The figure is printed whether or not it is met (the target line says which);
what dominates is printed to stderr.
"""

from __future__ import annotations

import sys


def main() -> int:
    from sellerflow_dev.bench.cost import GOAL_USD_1K, counted_assumptions, floor, month

    a = counted_assumptions(1_000)  # the finances counted at each scale (chunks fill with the rate)
    m = month(1_000, a)
    for name, value in sorted(m.cost.items(), key=lambda kv: -kv[1]):
        print(f"cost at 1,000 orders/day: {name} $ {value:.4f}", file=sys.stderr)
    print(f"BENCH cost_per_seller_month_usd_1k {m.total:.4f} USD", flush=True)
    print(f"BENCH cost_per_seller_month_usd_1k_target_met {int(m.total <= GOAL_USD_1K)} bool", flush=True)
    # the least this design costs at 1,000 orders/day, and a seller with no orders (`cost.Floor`)
    least = floor(1_000, a)
    print(f"BENCH cost_floor_per_seller_month_usd_1k {least.total:.4f} USD", flush=True)
    print(f"BENCH cost_per_seller_month_usd_idle {least.idle:.4f} USD", flush=True)
    print(
        f"BENCH cost_per_seller_month_usd_100 {month(100, counted_assumptions(100)).total:.4f} USD",
        flush=True,
    )
    print(
        f"BENCH cost_per_seller_month_usd_10k {month(10_000, counted_assumptions(10_000)).total:.4f} USD",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
