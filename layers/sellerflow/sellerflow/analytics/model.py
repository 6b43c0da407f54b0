"""The analytics' own records: a day's rollup per marketplace and per SKU (money: Decimal + currency)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

ZERO = Decimal(0)
# The counts and amounts of a SKU row that add up across its days (`cogs_complete` is and-ed instead):
# the SKU table's totals (`analytics.kpis.SkuTotals`) and the trailing windows (`analytics.sku_windows`).
SKU_ADDITIVE = (
    "orders",
    "units",
    "gross_sales",
    "shipping",
    "promotions",
    "refunds",
    "fees",
    "cogs",
    "ad_spend",
)
MARGIN_PLACES = Decimal("0.0001")


def margin_of(net_profit: Decimal, revenue: Decimal) -> Decimal | None:
    """net_profit ÷ revenue to 4 decimal places (banker's rounding); None when revenue is 0."""
    if revenue == 0:
        return None
    return (net_profit / revenue).quantize(MARGIN_PLACES, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class DayRollup:
    """One marketplace's calendar day (its own zone), in that marketplace's currency only."""

    seller_id: str
    marketplace_id: str
    day: date
    currency: str
    orders: int = 0
    units: int = 0
    gross_sales: Decimal = ZERO
    shipping: Decimal = ZERO
    promotions: Decimal = ZERO
    refunds: Decimal = ZERO
    amazon_fees: Decimal = ZERO
    fees_by_type: dict[str, Decimal] = field(default_factory=dict)
    ad_spend: Decimal = ZERO
    ad_sales: Decimal = ZERO  # sales Amazon Ads attributes to ads (14-day window)
    cogs: Decimal = ZERO
    cogs_complete: bool = True
    excluded_other_currency: int = 0  # facts of this day in another currency (never mixed in)

    @property
    def revenue(self) -> Decimal:
        """gross_sales + shipping − promotions: the margin's denominator."""
        return self.gross_sales + self.shipping - self.promotions

    @property
    def estimated_payout(self) -> Decimal:
        return self.gross_sales + self.shipping - self.promotions - self.refunds - self.amazon_fees

    @property
    def net_profit(self) -> Decimal:
        return self.estimated_payout - self.cogs - self.ad_spend

    @property
    def margin(self) -> Decimal | None:
        return margin_of(self.net_profit, self.revenue)


class RowKind(StrEnum):
    """What a row of the SKU table is: a SKU, or money of the day that belongs to no SKU."""

    SKU = "sku"
    ACCOUNT = "account"  # account-level costs and sales/refunds that name no SKU (`AccountRow`)
    UNATTRIBUTED_ADS = "unattributed_ads"  # ad spend whose advertised SKU is not known


class AccountRow(StrEnum):
    """The account-level rows (`RowKind.ACCOUNT`): their `sku` field holds one of these."""

    SUBSCRIPTION = "subscription"  # SubscriptionFee
    STORAGE = "storage"  # any fee type naming Storage (monthly, long-term, overage)
    OTHER_FEES = "other_fees"  # every other fee of a transaction naming no SKU
    NO_SKU_SALES = "no_sku_sales"  # order lines and refunds naming no SKU
    UNATTRIBUTED_ADS = "unattributed_ads"  # the label of the `RowKind.UNATTRIBUTED_ADS` row


@dataclass(frozen=True)
class SkuRollup:
    """One row of a marketplace's day in the SKU table: a SKU (`kind` SKU) or one of the rows that
    hold what names no SKU (`kind` ACCOUNT or UNATTRIBUTED_ADS, `sku` an `AccountRow` value). The
    rows of a day sum to its `DayRollup` in every amount."""

    seller_id: str
    marketplace_id: str
    day: date
    sku: str
    currency: str
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
    kind: RowKind = RowKind.SKU

    @property
    def row_id(self) -> str:
        """Unique among the day's rows: a SKU as is, another row `#<kind>#<label>` (the COGS API
        refuses `#` in a SKU, and Amazon's SKUs do not take this shape in practice)."""
        return self.sku if self.kind is RowKind.SKU else f"#{self.kind.value}#{self.sku}"

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


class RollupResult(BaseModel):
    """What one recompute wrote: day rollups (per marketplace) and SKU rollups."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    days: int
    skus: int
    markers_kept: int = 0  # markers re-written during the recompute: left for the next run
    markers_left: int = 0  # days not reached before the run's time was nearly out: the next run's
    windows_rebuilt: int = 0  # marketplaces whose trailing SKU windows were rebuilt


# --- restock settings (the inventory's lead times; `analytics.reorder` uses them) ---------------
DEFAULT_LEAD_TIME_DAYS = 30
DEFAULT_SAFETY_DAYS = 7
DEFAULT_CYCLE_DAYS = 30
MAX_DAYS = 365
MAX_SKU_SETTINGS = 2000

RestockSku = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[^\x00-\x1f]+$")]


class LeadTimes(BaseModel):
    """A SKU's (or the seller's default) lead time and safety stock, in days."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    lead_time_days: int = Field(default=DEFAULT_LEAD_TIME_DAYS, ge=0, le=MAX_DAYS)
    safety_days: int = Field(default=DEFAULT_SAFETY_DAYS, ge=0, le=MAX_DAYS)


class RestockSettings(BaseModel):
    """The seller's default lead times and the SKUs that have their own."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    default: LeadTimes = LeadTimes()
    cycle_days: int = Field(default=DEFAULT_CYCLE_DAYS, ge=1, le=MAX_DAYS)
    skus: dict[RestockSku, LeadTimes] = Field(default_factory=dict, max_length=MAX_SKU_SETTINGS)

    @field_validator("skus")
    @classmethod
    def _trimmed(cls, value: dict[str, LeadTimes]) -> dict[str, LeadTimes]:
        if any(sku != sku.strip() for sku in value):
            raise ValueError("a SKU must not start or end with spaces")
        return value

    def for_sku(self, sku: str) -> LeadTimes:
        return self.skus.get(sku, self.default)


@dataclass(frozen=True)
class DayRates:
    """One day's euro reference rates (`analytics.fx`): units of each currency per euro."""

    day: date
    per_euro: dict[str, Decimal]

    def rate(self, currency: str) -> Decimal | None:
        return Decimal(1) if currency == "EUR" else self.per_euro.get(currency)
