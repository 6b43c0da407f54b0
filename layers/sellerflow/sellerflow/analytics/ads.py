"""Advertising metrics (pure) and the ads read model of the API.

    ACOS  = cost ÷ attributed sales        TACOS = cost ÷ total (ordered) sales
    ROAS  = attributed sales ÷ cost        CPC   = cost ÷ clicks          CTR = clicks ÷ impressions

Decimal throughout; ratios to 4 places (banker's rounding, like the margin), CPC to the currency's
minor unit plus two places; None when the denominator is 0 (never a division by zero, never 0 that
would read as "free"). Attributed sales are the 14-day window (`sales14d`, see analytics.rollups).
Total sales are the day's ordered product sales (`DayRollup.gross_sales`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Protocol

from sellerflow.analytics.model import ZERO, DayRollup
from sellerflow.facts import AdCampaignDayFact
from sellerflow.marketplaces import MARKETPLACES

RATIO_PLACES = Decimal("0.0001")
CPC_PLACES = Decimal("0.0001")


def _ratio(
    numerator: Decimal | int, denominator: Decimal | int, places: Decimal = RATIO_PLACES
) -> Decimal | None:
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(places, rounding=ROUND_HALF_EVEN)


def acos(cost: Decimal, attributed_sales: Decimal) -> Decimal | None:
    return _ratio(cost, attributed_sales)


def tacos(cost: Decimal, total_sales: Decimal) -> Decimal | None:
    return _ratio(cost, total_sales)


def roas(attributed_sales: Decimal, cost: Decimal) -> Decimal | None:
    return _ratio(attributed_sales, cost)


def cpc(cost: Decimal, clicks: int) -> Decimal | None:
    return _ratio(cost, clicks, CPC_PLACES)


def ctr(clicks: int, impressions: int) -> Decimal | None:
    return _ratio(clicks, impressions)


@dataclass
class AdTotals:
    """Sums of campaign-days (one currency), with the metrics over the sums."""

    impressions: int = 0
    clicks: int = 0
    cost: Decimal = ZERO
    sales_7d: Decimal = ZERO
    sales_14d: Decimal = ZERO
    purchases_7d: int = 0
    purchases_14d: int = 0

    def add(self, f: AdCampaignDayFact) -> None:
        self.impressions += f.impressions
        self.clicks += f.clicks
        self.cost += f.cost
        self.sales_7d += f.sales_7d
        self.sales_14d += f.sales_14d
        self.purchases_7d += f.purchases_7d
        self.purchases_14d += f.purchases_14d

    @property
    def acos(self) -> Decimal | None:
        return acos(self.cost, self.sales_14d)

    @property
    def roas(self) -> Decimal | None:
        return roas(self.sales_14d, self.cost)

    @property
    def cpc(self) -> Decimal | None:
        return cpc(self.cost, self.clicks)

    @property
    def ctr(self) -> Decimal | None:
        return ctr(self.clicks, self.impressions)


@dataclass
class CampaignSummary:
    campaign_id: str
    name: str
    marketplace_id: str
    currency: str
    totals: AdTotals = field(default_factory=AdTotals)


@dataclass
class AdsDay:
    day: date
    totals: AdTotals = field(default_factory=AdTotals)
    total_sales: Decimal = ZERO

    @property
    def tacos(self) -> Decimal | None:
        return tacos(self.totals.cost, self.total_sales)


@dataclass(frozen=True)
class AdsSeries:
    currency: str
    days: list[AdsDay]


def campaign_summaries(facts: Iterable[AdCampaignDayFact]) -> list[CampaignSummary]:
    """Per (marketplace, campaign) sums over the facts, highest cost first."""
    by_key: dict[tuple[str, str], CampaignSummary] = {}
    for f in facts:
        summary = by_key.get((f.marketplace_id, f.campaign_id))
        if summary is None:
            summary = by_key[(f.marketplace_id, f.campaign_id)] = CampaignSummary(
                f.campaign_id, f.campaign_name, f.marketplace_id, f.currency
            )
        summary.totals.add(f)
    return sorted(by_key.values(), key=lambda s: (-s.totals.cost, s.marketplace_id, s.campaign_id))


def daily_series(
    currency: str, first: date, last: date, facts: Iterable[AdCampaignDayFact], rollups: Iterable[DayRollup]
) -> AdsSeries:
    """One entry per day of [first, last] (in `currency` only): ad sums and the day's total sales."""
    days: dict[date, AdsDay] = {}
    day = first
    while day <= last:
        days[day] = AdsDay(day)
        day = date.fromordinal(day.toordinal() + 1)
    for f in facts:
        if f.currency == currency and f.day in days:
            days[f.day].totals.add(f)
    for r in rollups:
        if r.currency == currency and r.day in days:
            days[r.day].total_sales += r.gross_sales
    return AdsSeries(currency=currency, days=list(days.values()))


# --- the API's read model ------------------------------------------------------------------------
class AdFactsReader(Protocol):
    def for_marketplaces(
        self, seller_id: str, marketplace_ids: Iterable[str], first: date, last: date
    ) -> list[AdCampaignDayFact]: ...


class RollupsReader(Protocol):
    def days(
        self, seller_id: str, first: date, last: date, *, marketplace_id: str | None = None
    ) -> list[DayRollup]: ...


class AdsService:
    def __init__(self, *, ads: AdFactsReader, rollups: RollupsReader) -> None:
        self._ads = ads
        self._rollups = rollups

    def campaigns(
        self, seller_id: str, marketplace_ids: Sequence[str], first: date, last: date
    ) -> list[CampaignSummary]:
        return campaign_summaries(self._ads.for_marketplaces(seller_id, marketplace_ids, first, last))

    def daily(self, seller_id: str, marketplace_ids: Sequence[str], first: date, last: date) -> AdsSeries:
        """The series of the first marketplace's currency, over the marketplaces that share it."""
        currency = MARKETPLACES[marketplace_ids[0]].currency if marketplace_ids else "USD"
        same = [m for m in marketplace_ids if MARKETPLACES[m].currency == currency]
        facts = self._ads.for_marketplaces(seller_id, same, first, last)
        rollups = [r for r in self._rollups.days(seller_id, first, last) if r.marketplace_id in same]
        return daily_series(currency, first, last, facts, rollups)
