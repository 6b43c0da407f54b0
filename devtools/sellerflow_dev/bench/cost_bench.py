"""Cost per seller-month at 1,000 orders a day (`sellerflow_dev.bench.cost`; method in docs/cost.md).

Goal: at most $0.10. The figure is printed whether or not it is met (the target line says which);
what dominates is printed to stderr. Then how busy provisioned capacity would be for a modelled fleet
(`table_load_model`, with the same counted inputs) and the total it would give.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sellerflow_dev.bench.cost import Assumptions, Month


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
    provisioned_fleet(a, m)
    return 0


def provisioned_fleet(a: Assumptions, m: Month) -> None:
    """The sync's tables on provisioned capacity for a modelled fleet at 1,000 orders/day a seller (`m`:
    its month on demand): the busy share (one figure pricing writes and reads as their own shares do)
    of a fixed capacity that throttles nothing counting on the burst capacity, without it, for 10,000
    sellers, and two what-ifs: the starts spread over the tick, the template's shortest tick
    (SyncIntervalMinutes 5)."""
    from dataclasses import replace

    from sellerflow_dev.bench.cost import on_demand_requests_cost
    from sellerflow_dev.bench.table_load_model import SHORTEST_TICK_S, SPREAD_S, Fleet, measure

    began = time.monotonic()
    fleet = Fleet(sellers=1_000, orders_per_day=1_000)
    busy = measure(fleet, a)
    large = measure(replace(fleet, sellers=10_000), a)
    spread = measure(replace(fleet, start_spread_s=SPREAD_S), a)
    short = measure(replace(fleet, tick_s=SHORTEST_TICK_S), a)
    total = m.total - on_demand_requests_cost(m) + busy.provisioned_cost(m)
    no_burst = replace(busy, write=busy.write_no_burst, read=busy.read_no_burst)
    print(f"modelled fleet: {time.monotonic() - began:.0f} s", file=sys.stderr)
    print(f"BENCH ddb_provisioned_busy_share_1k {busy.share(m):.3f} ratio", flush=True)
    print(f"BENCH ddb_provisioned_busy_share_1k_write {busy.write:.3f} ratio", flush=True)
    print(f"BENCH ddb_provisioned_busy_share_1k_read {busy.read:.3f} ratio", flush=True)
    print(f"BENCH ddb_provisioned_busy_share_1k_no_burst {no_burst.share(m):.4f} ratio", flush=True)
    print(f"BENCH ddb_provisioned_busy_share_1k_10k_sellers {large.share(m):.3f} ratio", flush=True)
    print(f"BENCH ddb_provisioned_busy_share_1k_spread_starts {spread.share(m):.3f} ratio", flush=True)
    print(f"BENCH ddb_provisioned_busy_share_1k_5min_ticks {short.share(m):.3f} ratio", flush=True)
    print(f"BENCH cost_per_seller_month_usd_1k_provisioned_fleet {total:.4f} USD", flush=True)


if __name__ == "__main__":
    sys.exit(main())
