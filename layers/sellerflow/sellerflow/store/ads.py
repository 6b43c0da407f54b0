"""Sponsored Products campaign x day rows in the seller-data table, and the rollups' ad readers.

    ADS#<marketplaceId>#<yyyy-mm-dd>#*<part:02d>     the day's campaign rows (`CAMPAIGN_DAY_PACKS`)
    ADSSKU#<marketplaceId>#<yyyy-mm-dd>#*<part:02d>  the day's advertised-product rows (`PRODUCT_DAY_PACKS`)
    ADS#<marketplaceId>#<yyyy-mm-dd>#<campaignId>    AdCampaignDayRecord (legacy, read only)
    ADSSKU#<marketplaceId>#<yyyy-mm-dd>#<adId>       AdProductDayRecord: one ad's advertised SKU (legacy)

A write replaces each (kind, marketplace, day) it holds rows of with them, one item per day
(`store.report_days`: gzip JSON lines, written only when changed; a report's rows of a day must come
in one write: `sync.ads.ingest_ads_report` writes a report at its end). Each changed (marketplace,
day) is marked dirty so the rollups recompute its ad spend and ad sales. Items expire like the other
Amazon facts (TTL, at most 18 months); legacy one-row items are read for days without a pack.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sellerflow.facts import AdCampaignDayFact, AdProductDayFact
from sellerflow.store.facts import MAX_RETENTION, REWRITE_AFTER
from sellerflow.store.facts_control import DirtyDays
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.report_days import ReportDayKind, plan_days, read_days, write_days
from sellerflow.store.tables import AmazonFactItem, table

ADS_PREFIX = "ADS#"
ADS_SKU_PREFIX = "ADSSKU#"
ZERO = Decimal(0)


@table("seller_data")
class AdCampaignDayRecord(AmazonFactItem):
    """ADS#<marketplaceId>#<yyyy-mm-dd>#<campaignId>; money as Decimal strings (`CAMPAIGN_DAYS`)."""


def ads_day(marketplace_id: str, day: date) -> str:
    return f"{ADS_PREFIX}{marketplace_id}#{day.isoformat()}#"


def ads_key(marketplace_id: str, day: date, campaign_id: str) -> str:
    return f"{ads_day(marketplace_id, day)}{campaign_id}"


@table("seller_data")
class AdProductDayRecord(AmazonFactItem):
    """ADSSKU#<marketplaceId>#<yyyy-mm-dd>#<adId>; money as Decimal strings (`PRODUCT_DAYS`)."""


def ads_sku_day(marketplace_id: str, day: date) -> str:
    return f"{ADS_SKU_PREFIX}{marketplace_id}#{day.isoformat()}#"


def ads_sku_key(marketplace_id: str, day: date, ad_id: str) -> str:
    return f"{ads_sku_day(marketplace_id, day)}{ad_id}"


CAMPAIGN_DAYS = RecordMapping(
    AdCampaignDayFact, AdCampaignDayRecord, sort_key=lambda f: ads_key(f.marketplace_id, f.day, f.campaign_id)
)
PRODUCT_DAYS = RecordMapping(
    AdProductDayFact, AdProductDayRecord, sort_key=lambda f: ads_sku_key(f.marketplace_id, f.day, f.ad_id)
)
CAMPAIGN_DAY_PACKS = ReportDayKind(
    CAMPAIGN_DAYS,
    row_key=lambda f: ads_key(f.marketplace_id, f.day, f.campaign_id),
    day_prefix=ads_day,
    kind_prefix=ADS_PREFIX,
)
PRODUCT_DAY_PACKS = ReportDayKind(
    PRODUCT_DAYS,
    row_key=lambda f: ads_sku_key(f.marketplace_id, f.day, f.ad_id),
    day_prefix=ads_sku_day,
    kind_prefix=ADS_SKU_PREFIX,
)
AdFact = AdCampaignDayFact | AdProductDayFact


class AdsStore:
    """Campaign x day facts of one seller at a time; nothing here reads across sellers."""

    def __init__(self, *, retention: timedelta = timedelta(days=540), dirty: DirtyDays | None = None) -> None:
        if retention > MAX_RETENTION:
            raise ValueError(f"retention {retention.days} days exceeds the 18-month limit")
        self._retention = retention
        self._dirty = dirty or DirtyDays()

    def write(self, facts: Sequence[AdFact], *, now: datetime | None = None) -> int:
        """Replace each (kind, marketplace, day) the batch has rows of (campaign days, advertised-product
        days) with them; mark the changed days dirty. Returns the rows stored (one per key)."""
        at = (now or datetime.now(UTC)).astimezone(UTC)
        expires_at = int((at + self._retention).timestamp())
        campaigns = [f for f in facts if isinstance(f, AdCampaignDayFact)]
        products = [f for f in facts if isinstance(f, AdProductDayFact)]
        changed = [
            *write_days(
                plan_days(
                    CAMPAIGN_DAY_PACKS, campaigns, at=at, expires_at=expires_at, rewrite_after=REWRITE_AFTER
                )
            ),
            *write_days(
                plan_days(
                    PRODUCT_DAY_PACKS, products, at=at, expires_at=expires_at, rewrite_after=REWRITE_AFTER
                )
            ),
        ]
        dirty: dict[str, set[tuple[str, date]]] = {}
        for seller_id, marketplace_id, day in changed:
            dirty.setdefault(seller_id, set()).add((marketplace_id, day))
        for seller_id, days in dirty.items():
            self._dirty.mark(seller_id, days, reason="ads", now=at)
        return len({(f.seller_id, CAMPAIGN_DAY_PACKS.row_key(f)) for f in campaigns}) + len(
            {(f.seller_id, PRODUCT_DAY_PACKS.row_key(f)) for f in products}
        )

    def campaign_days(
        self, seller_id: str, marketplace_id: str, first: date, last: date
    ) -> list[AdCampaignDayFact]:
        lower, upper = ads_day(marketplace_id, first), f"{ads_day(marketplace_id, last)}~"
        return read_days(CAMPAIGN_DAY_PACKS, seller_id, lower, upper)

    def product_days(
        self, seller_id: str, marketplace_id: str, first: date, last: date
    ) -> list[AdProductDayFact]:
        lower, upper = ads_sku_day(marketplace_id, first), f"{ads_sku_day(marketplace_id, last)}~"
        return read_days(PRODUCT_DAY_PACKS, seller_id, lower, upper)

    def for_marketplaces(
        self, seller_id: str, marketplace_ids: Iterable[str], first: date, last: date
    ) -> list[AdCampaignDayFact]:
        return [f for m in marketplace_ids for f in self.campaign_days(seller_id, m, first, last)]


class StoredAdTotals:
    """The rollups' ad reader: a marketplace-day's Σ cost and Σ sales14d, read a month at a time
    (a backfill dirties dozens of days; one query per 31-day chunk instead of one per day)."""

    CHUNK_DAYS = 31

    def __init__(self, store: AdsStore) -> None:
        self._store = store
        self._chunks: dict[tuple[str, str, int], dict[date, tuple[Decimal, Decimal]]] = {}

    def ad_totals(self, seller_id: str, marketplace_id: str, day: date) -> tuple[Decimal, Decimal]:
        chunk = day.toordinal() // self.CHUNK_DAYS
        key = (seller_id, marketplace_id, chunk)
        if key not in self._chunks:
            first = date.fromordinal(chunk * self.CHUNK_DAYS)
            last = date.fromordinal(chunk * self.CHUNK_DAYS + self.CHUNK_DAYS - 1)
            totals: dict[date, tuple[Decimal, Decimal]] = {}
            for fact in self._store.campaign_days(seller_id, marketplace_id, first, last):
                cost, sales = totals.get(fact.day, (ZERO, ZERO))
                totals[fact.day] = (cost + fact.cost, sales + fact.sales_14d)
            self._chunks[key] = totals
        return self._chunks[key].get(day, (ZERO, ZERO))

    def ad_spend(self, seller_id: str, marketplace_id: str, day: date) -> Decimal:
        return self.ad_totals(seller_id, marketplace_id, day)[0]


class StoredSkuAdSpend:
    """The rollups' advertised-SKU reader: a marketplace-day's Σ cost per advertised SKU (ads naming
    only an ASIN are left out: their spend stays unattributed), read a month at a time."""

    CHUNK_DAYS = 31

    def __init__(self, store: AdsStore) -> None:
        self._store = store
        self._chunks: dict[tuple[str, str, int], dict[date, dict[str, Decimal]]] = {}

    def sku_ad_spend(self, seller_id: str, marketplace_id: str, day: date) -> dict[str, Decimal]:
        chunk = day.toordinal() // self.CHUNK_DAYS
        key = (seller_id, marketplace_id, chunk)
        if key not in self._chunks:
            first = date.fromordinal(chunk * self.CHUNK_DAYS)
            last = date.fromordinal(chunk * self.CHUNK_DAYS + self.CHUNK_DAYS - 1)
            by_day: dict[date, dict[str, Decimal]] = {}
            for fact in self._store.product_days(seller_id, marketplace_id, first, last):
                if fact.sku:
                    costs = by_day.setdefault(fact.day, {})
                    costs[fact.sku] = costs.get(fact.sku, ZERO) + fact.cost
            self._chunks[key] = by_day
        return dict(self._chunks[key].get(day, {}))
