"""The demo world's shape as the first sync stored it: best-seller velocities and the overview's
comparisons.

`verified demo_world <seller> top_sku_units_per_day=N skus_10_per_day=K skus_sold=S
compared=last7:3/3,last30:3/3,last90:3/3,mtd:3/3 fees_previous90=3/3`: from the stored SKU rollups of
the last 30 days, the best-selling SKU's units a day (all marketplaces) and how many SKUs sell ten or
more a day; from the overview (`/dashboard`, read through the local API Gateway as the dashboard
reads it, i.e. from the stored rollups), for each range, how many of the seller's currencies have
previous-period orders, and for last90 how many have previous-period Amazon fees. It is verified
when the best-seller sells ten or more a day and, in every range, each currency whose marketplaces
have orders (fees) in the simulated world over that range's previous period (the ground truth,
`SimWorld.expected_daily_rollups`) shows them: the first sync brings the 180 compared days
(`REPORT_COMPARISON_HISTORY_DAYS=180` in the local stack, docs/dashboard.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sellerflow.analytics.model import RowKind, SkuRollup

VELOCITY_DAYS = 30
BEST_SELLER_UNITS_PER_DAY = 10  # "a few SKUs selling tens per day"
COMPARED_RANGES = ("last7", "last30", "last90", "mtd")
FEES_RANGE = "last90"  # the finances' first run covers the compared days: fees and refunds too


@dataclass(frozen=True)
class WorldCheck:
    seller_id: str
    top_units_per_day: float
    fast_skus: int  # SKUs selling BEST_SELLER_UNITS_PER_DAY or more a day
    skus_sold: int
    compared: dict[str, tuple[int, int]]  # range -> (currencies with previous orders, currencies)
    missing: tuple[str, ...] = ()  # "<range>:<currency>" the world has previous data for, the overview not
    fees_previous: tuple[int, int] = (0, 0)  # FEES_RANGE: (currencies with previous fees, currencies)

    @property
    def ok(self) -> bool:
        return (
            self.top_units_per_day >= BEST_SELLER_UNITS_PER_DAY
            and not self.missing
            and all(total > 0 for _, total in self.compared.values())
        )

    def line(self) -> str:
        compared = ",".join(f"{name}:{n}/{total}" for name, (n, total) in self.compared.items())
        missing = f" missing={','.join(self.missing)}" if self.missing else ""
        return (
            f"{'verified' if self.ok else 'MISMATCH'} demo_world {self.seller_id} "
            f"top_sku_units_per_day={self.top_units_per_day:.1f} skus_10_per_day={self.fast_skus} "
            f"skus_sold={self.skus_sold} compared={compared} "
            f"fees_previous90={self.fees_previous[0]}/{self.fees_previous[1]}{missing}"
        )


WorldDays = Mapping[tuple[str, str], Mapping[str, Any]]  # (marketplace, local day ISO) -> orders, fees


def world_check(
    seller_id: str,
    sku_rows: Iterable[SkuRollup],
    dashboards: Mapping[str, dict[str, Any]],
    world: WorldDays | None = None,
) -> WorldCheck:
    """`sku_rows`: the stored SKU rollups of the last `VELOCITY_DAYS` days; `dashboards`: the overview's
    answer (DashboardOut JSON) per range name; `world`: the simulated world's true day totals
    (`expected_daily_rollups`), which say where previous-period data must show."""
    units: Counter[str] = Counter()
    for row in sku_rows:
        if row.kind is RowKind.SKU:
            units[row.sku] += row.units
    per_day = [count / VELOCITY_DAYS for count in units.values() if count > 0]
    compared = {
        name: (sum(1 for t in answer["totals"] if t["previous"]["orders"] > 0), len(answer["totals"]))
        for name, answer in dashboards.items()
    }
    missing: list[str] = []
    fees = (0, 0)
    for name, answer in dashboards.items():
        owed_orders = _world_previous(answer, world or {}, "orders")
        for total in answer["totals"]:
            if owed_orders.get(total["currency"], 0) > 0 and total["previous"]["orders"] <= 0:
                missing.append(f"{name}:{total['currency']}")
        if name == FEES_RANGE:
            owed_fees = _world_previous(answer, world or {}, "amazon_fees")
            shown = [t for t in answer["totals"] if _fees(t["previous"]) > 0]
            fees = (len(shown), len(answer["totals"]))
            for total in answer["totals"]:
                if owed_fees.get(total["currency"], 0) > 0 and total not in shown:
                    missing.append(f"{name}-fees:{total['currency']}")
    return WorldCheck(
        seller_id=seller_id,
        top_units_per_day=max(per_day, default=0.0),
        fast_skus=sum(1 for v in per_day if v >= BEST_SELLER_UNITS_PER_DAY),
        skus_sold=len(per_day),
        compared=compared,
        missing=tuple(missing),
        fees_previous=fees,
    )


def _fees(kpis: Mapping[str, Any]) -> Decimal:
    fees = kpis.get("amazon_fees") or {}
    return Decimal(str(fees.get("amount", 0) if isinstance(fees, Mapping) else fees))


def _world_previous(answer: Mapping[str, Any], world: WorldDays, field: str) -> dict[str, Decimal]:
    """Per currency, the world's `field` summed over each marketplace's previous period of the answer."""
    owed: dict[str, Decimal] = {}
    for window in answer.get("marketplaces", []):
        first = date.fromisoformat(str(window["previous"]["start"]))
        last = date.fromisoformat(str(window["previous"]["end"]))
        for back in range((last - first).days + 1):
            day = (first + timedelta(days=back)).isoformat()
            value = Decimal(str(world.get((window["marketplace_id"], day), {}).get(field, 0)))
            owed[window["currency"]] = owed.get(window["currency"], Decimal(0)) + value
    return owed


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
        truth = stack.world.expected_daily_rollups(seller.seller_id)
        check = world_check(seller.seller_id, rows, dashboards, truth)
        all_ok = all_ok and check.ok
        say(check.line())
    return all_ok
