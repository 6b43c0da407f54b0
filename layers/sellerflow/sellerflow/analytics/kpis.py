"""Dashboard figures: rollups summed per currency, and the change against the previous period (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from sellerflow.analytics.model import SKU_ADDITIVE, ZERO, DayRollup, RowKind, SkuRollup, margin_of

PERCENT_PLACES = Decimal("0.01")
MONEY_KPIS = (
    "gross_sales",
    "refunds",
    "amazon_fees",
    "promotions",
    "shipping",
    "ad_spend",
    "cogs",
    "estimated_payout",
    "net_profit",
)
COUNT_KPIS = ("orders", "units")


@dataclass
class Totals:
    """The sum of day rollups of one currency."""

    currency: str
    days: int = 0
    orders: int = 0
    units: int = 0
    gross_sales: Decimal = ZERO
    refunds: Decimal = ZERO
    amazon_fees: Decimal = ZERO
    promotions: Decimal = ZERO
    shipping: Decimal = ZERO
    ad_spend: Decimal = ZERO
    ad_sales: Decimal = ZERO  # Amazon Ads attributed sales (14 days)
    cogs: Decimal = ZERO
    cogs_complete: bool = True
    fees_by_type: dict[str, Decimal] = field(default_factory=dict)

    def add(self, r: DayRollup) -> None:
        if r.currency != self.currency:
            raise ValueError(f"a {r.currency} rollup cannot be added to {self.currency} totals")
        self.days += 1
        self.orders += r.orders
        self.units += r.units
        self.gross_sales += r.gross_sales
        self.refunds += r.refunds
        self.amazon_fees += r.amazon_fees
        self.promotions += r.promotions
        self.shipping += r.shipping
        self.ad_spend += r.ad_spend
        self.ad_sales += r.ad_sales
        self.cogs += r.cogs
        self.cogs_complete = self.cogs_complete and r.cogs_complete
        for kind, amount in r.fees_by_type.items():
            self.fees_by_type[kind] = self.fees_by_type.get(kind, ZERO) + amount

    @property
    def estimated_payout(self) -> Decimal:
        return self.gross_sales + self.shipping - self.promotions - self.refunds - self.amazon_fees

    @property
    def net_profit(self) -> Decimal:
        return self.estimated_payout - self.cogs - self.ad_spend

    @property
    def margin(self) -> Decimal | None:
        return margin_of(self.net_profit, self.gross_sales + self.shipping - self.promotions)

    @property
    def acos(self) -> Decimal | None:
        """Ad spend ÷ ad-attributed sales (see `analytics.ads`)."""
        from sellerflow.analytics.ads import acos

        return acos(self.ad_spend, self.ad_sales)

    @property
    def tacos(self) -> Decimal | None:
        """Ad spend ÷ total ordered sales."""
        from sellerflow.analytics.ads import tacos

        return tacos(self.ad_spend, self.gross_sales)

    def value(self, kpi: str) -> Decimal:
        return Decimal(getattr(self, kpi))


def change_percent(current: Decimal, previous: Decimal) -> Decimal | None:
    """(current − previous) ÷ |previous| × 100, 2 places; None when previous is 0."""
    if previous == 0:
        return None
    return ((current - previous) / abs(previous) * 100).quantize(PERCENT_PLACES, rounding=ROUND_HALF_EVEN)


def margin_change_points(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """A margin's change in percentage points (0.2500 → 0.3000 is +5.00)."""
    if current is None or previous is None:
        return None
    return ((current - previous) * 100).quantize(PERCENT_PLACES, rounding=ROUND_HALF_EVEN)


def changes(current: Totals, previous: Totals) -> dict[str, Decimal | None]:
    out: dict[str, Decimal | None] = {
        kpi: change_percent(current.value(kpi), previous.value(kpi)) for kpi in (*COUNT_KPIS, *MONEY_KPIS)
    }
    out["margin"] = margin_change_points(current.margin, previous.margin)
    return out


def totals_by_currency(rollups: Iterable[DayRollup]) -> dict[str, Totals]:
    """One Totals per currency, never mixed."""
    out: dict[str, Totals] = {}
    for r in rollups:
        out.setdefault(r.currency, Totals(currency=r.currency)).add(r)
    return out


@dataclass
class SkuTotals:
    """One row of the SKU table over a range: a SKU, or a row of money naming no SKU (`kind`; its
    `sku` is then the row's `AccountRow` label)."""

    sku: str
    marketplace_id: str
    currency: str
    kind: RowKind = RowKind.SKU
    orders: int = 0
    units: int = 0
    gross_sales: Decimal = ZERO
    shipping: Decimal = ZERO
    promotions: Decimal = ZERO
    refunds: Decimal = ZERO
    fees: Decimal = ZERO
    cogs: Decimal = ZERO
    cogs_complete: bool = True
    ad_spend: Decimal = ZERO

    def add(self, r: SkuRollup) -> None:
        for name in SKU_ADDITIVE:
            setattr(self, name, getattr(self, name) + getattr(r, name))
        self.cogs_complete = self.cogs_complete and r.cogs_complete

    @property
    def net_profit(self) -> Decimal:
        return (
            self.gross_sales
            + self.shipping
            - self.promotions
            - self.refunds
            - self.fees
            - self.cogs
            - self.ad_spend
        )

    @property
    def margin(self) -> Decimal | None:
        return margin_of(self.net_profit, self.gross_sales + self.shipping - self.promotions)


SKU_SORTS = (
    "gross_sales",
    "net_profit",
    "units",
    "orders",
    "refunds",
    "fees",
    "ad_spend",
    "cogs",
    "margin",
    "sku",
)


def sku_table(rollups: Iterable[SkuRollup], sort: str = "gross_sales") -> list[SkuTotals]:
    """Per (row, marketplace) totals: the SKUs sorted by `sort` descending (by `sku` ascending), then
    the rows of money naming no SKU (account costs, unattributed ads) in a fixed order."""
    return ordered_sku_rows(sku_totals(rollups), sort)


def sku_totals(rollups: Iterable[SkuRollup]) -> list[SkuTotals]:
    """Per (row, marketplace) totals, unordered (the rows of one currency)."""
    by_key: dict[tuple[RowKind, str, str], SkuTotals] = {}
    for r in rollups:
        key = (r.kind, r.sku, r.marketplace_id)
        by_key.setdefault(
            key, SkuTotals(sku=r.sku, marketplace_id=r.marketplace_id, currency=r.currency, kind=r.kind)
        ).add(r)
    return list(by_key.values())


def ordered_sku_rows(totals: Iterable[SkuTotals], sort: str = "gross_sales") -> list[SkuTotals]:
    """The SKUs sorted by `sort` descending (by `sku` ascending), then the other rows in a fixed order."""
    totals = list(totals)
    rows = sorted((t for t in totals if t.kind is RowKind.SKU), key=lambda t: (t.sku, t.marketplace_id))
    others = sorted(
        (t for t in totals if t.kind is not RowKind.SKU),
        key=lambda t: (t.marketplace_id, t.kind.value, t.sku),
    )
    if sort == "sku":
        return rows + others
    if sort == "margin":
        rows.sort(key=lambda t: (t.margin is not None, t.margin or ZERO), reverse=True)
    else:
        rows.sort(key=lambda t: Decimal(getattr(t, sort)), reverse=True)
    return rows + others
