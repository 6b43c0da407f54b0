"""Comparing what Sellerflow stored with what the simulator holds (the demo's and e2e's proof)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sellerflow.analytics.model import DayRollup, RowKind, SkuRollup
from sellerflow.domain import Order, ReportState
from sellerflow.sync.mapping import to_order
from sellerflow.sync.reports import ALL_ORDERS


@dataclass(frozen=True)
class Verification:
    seller_id: str
    stored: int
    source: int
    missing: tuple[str, ...]
    unexpected: tuple[str, ...]
    different: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.stored == self.source and not (self.missing or self.unexpected or self.different)


def verify_orders(
    seller_id: str,
    stored: list[Order],
    ground_truth: list[dict[str, Any]],
    history: Sequence[dict[str, Any]] = (),
    backfilled: Sequence[ReportState] = (),
) -> Verification:
    """Stored orders against the simulator: every searchOrders order equal field by field, plus
    exactly the history orders of the All Orders windows that were ingested (the report backfill)."""
    expected = {o.order_id: o for o in (to_order(seller_id, doc) for doc in ground_truth)}
    expected_history = backfilled_order_ids(history, backfilled)
    actual = {o.order_id: o for o in stored}
    current = {k: v for k, v in actual.items() if k in expected}
    from_history = actual.keys() - expected.keys()
    return Verification(
        seller_id=seller_id,
        stored=len(actual),
        source=len(expected) + len(expected_history),
        missing=tuple(sorted((expected.keys() - current.keys()) | (expected_history - from_history))),
        unexpected=tuple(sorted(from_history - expected_history)),
        different=tuple(sorted(k for k in current if expected[k] != current[k])),
    )


def backfilled_order_ids(history: Sequence[dict[str, Any]], backfilled: Sequence[ReportState]) -> set[str]:
    """History orders purchased inside an ingested All Orders window of their marketplace."""
    windows = [
        (state.marketplace_id, state.window_start, state.window_end)
        for state in backfilled
        if state.report_type == ALL_ORDERS
        and state.status == "INGESTED"
        and state.window_start
        and state.window_end
    ]
    found: set[str] = set()
    for doc in history:
        created = datetime.fromisoformat(str(doc["createdTime"]).replace("Z", "+00:00"))
        marketplace = doc["salesChannel"].get("marketplaceId")
        if any(m == marketplace and start <= created <= end for m, start, end in windows):
            found.add(str(doc["orderId"]))
    return found


# The amounts a day rollup and its SKU-table rows share (`SkuRollup.fees` is the day's `amazon_fees`).
SKU_SUMMED = {
    "units": "units",
    "gross_sales": "gross_sales",
    "shipping": "shipping",
    "promotions": "promotions",
    "refunds": "refunds",
    "fees": "amazon_fees",
    "ad_spend": "ad_spend",
    "cogs": "cogs",
    "net_profit": "net_profit",
}


@dataclass(frozen=True)
class SkuProfitCheck:
    """The stored SKU table of a seller against its stored daily series, summed per currency."""

    seller_id: str
    skus: int  # distinct (SKU, marketplace) rows, the rows of money naming no SKU aside
    currencies: tuple[str, ...]
    mismatches: tuple[str, ...]  # "<currency> <amount> sku=<sum> daily=<sum>"

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def line(self) -> str:
        verdict = "verified" if self.ok else "MISMATCH"
        text = (
            f"{verdict} sku_profit {self.seller_id} skus={self.skus} sum_matches={str(self.ok).lower()} "
            f"currencies={','.join(self.currencies) or '-'}"
        )
        return text if self.ok else f"{text} {'; '.join(self.mismatches[:5])}"


def verify_sku_profit(seller_id: str, days: Sequence[DayRollup], skus: Sequence[SkuRollup]) -> SkuProfitCheck:
    """Σ of the SKU table's rows (account and unattributed-ads rows included) equals Σ of the daily
    series in every amount of `SKU_SUMMED`, per currency, to the cent."""
    sku_sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    day_sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in skus:
        for sku_name, day_name in SKU_SUMMED.items():
            sku_sums[(row.currency, day_name)] += Decimal(getattr(row, sku_name))
    for day in days:
        for day_name in SKU_SUMMED.values():
            day_sums[(day.currency, day_name)] += Decimal(getattr(day, day_name))
    mismatches = tuple(
        f"{currency} {name} sku={sku_sums[(currency, name)]} daily={day_sums[(currency, name)]}"
        for currency, name in sorted(sku_sums.keys() | day_sums.keys())
        if sku_sums[(currency, name)] != day_sums[(currency, name)]
    )
    return SkuProfitCheck(
        seller_id=seller_id,
        skus=len({(r.sku, r.marketplace_id) for r in skus if r.kind is RowKind.SKU}),
        currencies=tuple(sorted({d.currency for d in days} | {r.currency for r in skus})),
        mismatches=mismatches,
    )
