"""Rollups in the seller-data table (written by the rollup job, read by the API).

    RDAY#<yyyy-mm-dd>#<marketplaceId>            one marketplace's local day
    RSKU#<yyyy-mm-dd>#<marketplaceId>#<sku>      one SKU on that day

Day first in the key: one Query over `RDAY#<first>`..`RDAY#<last>#~` serves any date range of
every marketplace (a 180-day range of 3 marketplaces is 540 small items, one or two pages).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from sellerflow.analytics.model import DayRollup, SkuRollup
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.tables import SellerItem, table

RDAY_PREFIX = "RDAY#"
RSKU_PREFIX = "RSKU#"


@table("seller_data")
class DayRollupRecord(SellerItem):
    # sk: RDAY#<yyyy-mm-dd>#<marketplaceId>
    marketplace_id = UnicodeAttribute()
    day = UnicodeAttribute()
    currency = UnicodeAttribute()
    orders = NumberAttribute()
    units = NumberAttribute()
    gross_sales = UnicodeAttribute()  # every amount: a Decimal string in `currency`
    shipping = UnicodeAttribute()
    promotions = UnicodeAttribute()
    refunds = UnicodeAttribute()
    amazon_fees = UnicodeAttribute()
    fees_by_type = MapAttribute[str, Any](default=dict)  # breakdown type -> Decimal string
    ad_spend = UnicodeAttribute()
    ad_sales = UnicodeAttribute(default="0")
    cogs = UnicodeAttribute()
    cogs_complete = BooleanAttribute()
    estimated_payout = UnicodeAttribute()  # derived, stored for readers outside Python
    net_profit = UnicodeAttribute()
    margin = UnicodeAttribute(null=True)
    excluded_other_currency = NumberAttribute(default=0)
    computed_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


@table("seller_data")
class SkuRollupRecord(SellerItem):
    # sk: RSKU#<yyyy-mm-dd>#<marketplaceId>#<sku>
    marketplace_id = UnicodeAttribute()
    day = UnicodeAttribute()
    sku = UnicodeAttribute()
    currency = UnicodeAttribute()
    orders = NumberAttribute()
    units = NumberAttribute()
    gross_sales = UnicodeAttribute()
    shipping = UnicodeAttribute()
    promotions = UnicodeAttribute()
    refunds = UnicodeAttribute()
    fees = UnicodeAttribute()
    cogs = UnicodeAttribute()
    cogs_complete = BooleanAttribute()
    net_profit = UnicodeAttribute()
    computed_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


def day_key(day: date, marketplace_id: str) -> str:
    return f"{RDAY_PREFIX}{day.isoformat()}#{marketplace_id}"


def sku_key(day: date, marketplace_id: str, sku: str) -> str:
    return f"{RSKU_PREFIX}{day.isoformat()}#{marketplace_id}#{sku}"


# estimated_payout, net_profit and margin: derived, stored for readers outside Python
DAYS = RecordMapping(DayRollup, DayRollupRecord, sort_key=lambda r: day_key(r.day, r.marketplace_id))
SKUS = RecordMapping(SkuRollup, SkuRollupRecord, sort_key=lambda r: sku_key(r.day, r.marketplace_id, r.sku))


class RollupStore:
    """Data access for RDAY/RSKU items."""

    def __init__(self, *, retention: timedelta = timedelta(days=540)) -> None:
        self._retention = retention

    def replace_day(
        self, rollup: DayRollup, skus: Sequence[SkuRollup], *, now: datetime | None = None
    ) -> None:
        """Write a day's rollups; SKU rollups of that day no longer in `skus` are deleted."""
        at = (now or datetime.now(UTC)).astimezone(UTC)
        expires_at = int((at + self._retention).timestamp())
        prefix = f"{RSKU_PREFIX}{rollup.day.isoformat()}#{rollup.marketplace_id}#"
        stale = {
            r.sk for r in SkuRollupRecord.query(rollup.seller_id, SkuRollupRecord.sk.startswith(prefix))
        } - {sku_key(s.day, s.marketplace_id, s.sku) for s in skus}
        with SkuRollupRecord.batch_write() as batch:
            for sku in skus:
                batch.save(SKUS.to_record(sku, computed_at=at, expires_at=expires_at))
            for sk in sorted(stale):
                batch.delete(SkuRollupRecord(seller_id=rollup.seller_id, sk=sk))
        DAYS.to_record(rollup, computed_at=at, expires_at=expires_at).save()

    def put_days(self, rollups: Sequence[DayRollup], *, now: datetime | None = None) -> None:
        """Write day rollups as they are (BatchWriteItem): backfills, benchmarks and tests."""
        at = (now or datetime.now(UTC)).astimezone(UTC)
        expires_at = int((at + self._retention).timestamp())
        with DayRollupRecord.batch_write() as batch:
            for rollup in rollups:
                batch.save(DAYS.to_record(rollup, computed_at=at, expires_at=expires_at))

    def days(
        self, seller_id: str, first: date, last: date, *, marketplace_id: str | None = None
    ) -> list[DayRollup]:
        """Day rollups of [first, last] (every marketplace, or one): a single Query, paged by DynamoDB."""
        lower = f"{RDAY_PREFIX}{first.isoformat()}"
        upper = f"{RDAY_PREFIX}{last.isoformat()}#~"
        condition = DayRollupRecord.marketplace_id == marketplace_id if marketplace_id else None
        return [
            DAYS.to_domain(r)
            for r in DayRollupRecord.query(
                seller_id, DayRollupRecord.sk.between(lower, upper), filter_condition=condition
            )
        ]

    def skus(
        self, seller_id: str, first: date, last: date, *, marketplace_id: str | None = None
    ) -> list[SkuRollup]:
        lower = f"{RSKU_PREFIX}{first.isoformat()}"
        upper = f"{RSKU_PREFIX}{last.isoformat()}#~"
        condition = SkuRollupRecord.marketplace_id == marketplace_id if marketplace_id else None
        return [
            SKUS.to_domain(r)
            for r in SkuRollupRecord.query(
                seller_id, SkuRollupRecord.sk.between(lower, upper), filter_condition=condition
            )
        ]
