"""The demo world's shape as the first sync stored it: best-seller velocities and the overview's
comparisons.

`verified demo_world <seller> top_sku_units_per_day=N skus_10_per_day=K skus_sold=S
compared=last7:3/3,last30:3/3,last90:3/3,mtd:3/3`: from the stored SKU rollups of the last 30 days,
the best-selling SKU's units a day (all marketplaces) and how many SKUs sell ten or more a day; from
the overview (`/dashboard`, read through the local API Gateway as the dashboard reads it), for each
named range, how many of the seller's currencies have previous-period data (orders > 0). It is
verified when the best-seller sells ten or more a day and every currency of last7 has a
comparison. The others are shown, not required: last30's and mtd's previous days can fall in the
sparse backfilled history (~0.5 orders a day per seller), where a small marketplace can have none,
and last90's previous 90 days need the paced first-run backfill (`REPORT_COMPARISON_HISTORY_DAYS=180`),
off by default (docs/dashboard.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sellerflow.analytics.model import RowKind, SkuRollup

VELOCITY_DAYS = 30
BEST_SELLER_UNITS_PER_DAY = 10  # "a few SKUs selling tens per day"
COMPARED_RANGES = ("last7", "last30", "last90", "mtd")
REQUIRED_RANGES = ("last7",)


@dataclass(frozen=True)
class WorldCheck:
    seller_id: str
    top_units_per_day: float
    fast_skus: int  # SKUs selling BEST_SELLER_UNITS_PER_DAY or more a day
    skus_sold: int
    compared: dict[str, tuple[int, int]]  # range -> (currencies with previous data, currencies)

    @property
    def ok(self) -> bool:
        return self.top_units_per_day >= BEST_SELLER_UNITS_PER_DAY and all(
            total > 0 and with_previous == total
            for name, (with_previous, total) in self.compared.items()
            if name in REQUIRED_RANGES
        )

    def line(self) -> str:
        compared = ",".join(f"{name}:{n}/{total}" for name, (n, total) in self.compared.items())
        return (
            f"{'verified' if self.ok else 'MISMATCH'} demo_world {self.seller_id} "
            f"top_sku_units_per_day={self.top_units_per_day:.1f} skus_10_per_day={self.fast_skus} "
            f"skus_sold={self.skus_sold} compared={compared}"
        )


def world_check(
    seller_id: str, sku_rows: Iterable[SkuRollup], dashboards: Mapping[str, dict[str, Any]]
) -> WorldCheck:
    """`sku_rows`: the stored SKU rollups of the last `VELOCITY_DAYS` days; `dashboards`: the overview's
    answer (DashboardOut JSON) per range name."""
    units: Counter[str] = Counter()
    for row in sku_rows:
        if row.kind is RowKind.SKU:
            units[row.sku] += row.units
    per_day = [count / VELOCITY_DAYS for count in units.values() if count > 0]
    compared = {
        name: (sum(1 for t in answer["totals"] if t["previous"]["orders"] > 0), len(answer["totals"]))
        for name, answer in dashboards.items()
    }
    return WorldCheck(
        seller_id=seller_id,
        top_units_per_day=max(per_day, default=0.0),
        fast_skus=sum(1 for v in per_day if v >= BEST_SELLER_UNITS_PER_DAY),
        skus_sold=len(per_day),
        compared=compared,
    )


def verify_demo_world(stack: Any, say: Callable[[str], None], today: date) -> bool:
    """One `demo_world` line per seller (see the module's docstring)."""
    import httpx

    from sellerflow.wiring.analytics import rollup_store

    headers = {"authorization": f"Bearer {stack.id_token('demo@sellerflow.local')}"}
    all_ok = True
    for seller in stack.world.sellers:
        first, last = today - timedelta(days=VELOCITY_DAYS), today - timedelta(days=1)
        rows = rollup_store().skus(seller.seller_id, first, last)
        url = f"{stack.gateway.url}/sellers/{seller.seller_id}/dashboard"
        dashboards: dict[str, dict[str, Any]] = {}
        for name in COMPARED_RANGES:
            answer = httpx.get(url, headers=headers, params={"range": name}, timeout=60)
            dashboards[name] = answer.json() if answer.status_code == 200 else {"totals": []}
        check = world_check(seller.seller_id, rows, dashboards)
        all_ok = all_ok and check.ok
        say(check.line())
    return all_ok
