"""Rollups in the seller-data table (written by the rollup job, read by the API).

    RDAY#<yyyy-mm-dd>#<marketplaceId>            one marketplace's local day
    RSKU#<yyyy-mm-dd>#<marketplaceId>#<sku>      one SKU on that day (`SkuRollup.row_id`: the rows
                                                 of money naming no SKU are `#<kind>#<label>`)

Day first in the key: one Query over `RDAY#<first>`..`RDAY#<last>#~` serves any date range of
every marketplace (a 180-day range of 3 marketplaces is 540 small items, one or two pages).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from pynamodb.attributes import (
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


class RollupItem(SellerItem):
    """What day and SKU rollups share; each amount a Decimal string in `currency`."""

    marketplace_id = UnicodeAttribute()  # read by marketplace
    net_profit = UnicodeAttribute()  # derived, stored for readers outside Python
    computed_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


D = TypeVar("D")
Rollup = TypeVar("Rollup", bound=RollupItem)


@table("seller_data")
class DayRollupRecord(RollupItem):
    """RDAY#<yyyy-mm-dd>#<marketplaceId> (the other attributes: `DAYS`)."""

    fees_by_type = MapAttribute[str, Any](default=dict)  # type: ignore[no-untyped-call]  # kind -> Decimal str
    ad_sales = UnicodeAttribute(default="0")
    excluded_other_currency = NumberAttribute(default=0)
    estimated_payout = UnicodeAttribute()  # derived, like net profit and margin
    margin = UnicodeAttribute(null=True)


@table("seller_data")
class SkuRollupRecord(RollupItem):
    """RSKU#<yyyy-mm-dd>#<marketplaceId>#<sku> (the other attributes: `SKUS`)."""


def day_key(day: date, marketplace_id: str) -> str:
    return f"{RDAY_PREFIX}{day.isoformat()}#{marketplace_id}"


def sku_key(day: date, marketplace_id: str, sku: str) -> str:
    return f"{RSKU_PREFIX}{day.isoformat()}#{marketplace_id}#{sku}"


DAYS = RecordMapping(DayRollup, DayRollupRecord, sort_key=lambda r: day_key(r.day, r.marketplace_id))
SKUS = RecordMapping(
    SkuRollup, SkuRollupRecord, sort_key=lambda r: sku_key(r.day, r.marketplace_id, r.row_id)
)


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
        } - {sku_key(s.day, s.marketplace_id, s.row_id) for s in skus}
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
        return _between(DAYS, RDAY_PREFIX, seller_id, first, last, marketplace_id)

    def skus(
        self, seller_id: str, first: date, last: date, *, marketplace_id: str | None = None
    ) -> list[SkuRollup]:
        return _between(SKUS, RSKU_PREFIX, seller_id, first, last, marketplace_id)


def _between(
    mapping: RecordMapping[D, Rollup],
    prefix: str,
    seller_id: str,
    first: date,
    last: date,
    marketplace_id: str | None,
) -> list[D]:
    """The rollups of the days [first, last], of one marketplace or all: day first in the key."""
    record = mapping.record
    lower = f"{prefix}{first.isoformat()}"
    upper = f"{prefix}{last.isoformat()}#~"
    condition = record.marketplace_id == marketplace_id if marketplace_id else None
    return mapping.all(record.query(seller_id, record.sk.between(lower, upper), filter_condition=condition))
