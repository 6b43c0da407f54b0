"""Rollups in the seller-data table (written by the rollup job, read by the API).

    RDAY#<yyyy-mm-dd>#<marketplaceId>            one marketplace's local day
    RSKU#<yyyy-mm-dd>#<marketplaceId>#<sku>      one SKU on that day

Day first in the key: one Query over `RDAY#<first>`..`RDAY#<last>#~` serves any date range of
every marketplace (a 180-day range of 3 marketplaces is 540 small items, one or two pages).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model

from sellerflow.analytics.model import DayRollup, SkuRollup
from sellerflow.store.tables import _BoundMeta, table

RDAY_PREFIX = "RDAY#"
RSKU_PREFIX = "RSKU#"


@table("seller_data")
class DayRollupRecord(Model):
    class Meta(_BoundMeta):
        pass

    seller_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # RDAY#<yyyy-mm-dd>#<marketplaceId>
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
class SkuRollupRecord(Model):
    class Meta(_BoundMeta):
        pass

    seller_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # RSKU#<yyyy-mm-dd>#<marketplaceId>#<sku>
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


def _day_record(r: DayRollup, at: datetime, expires_at: int) -> DayRollupRecord:
    margin = r.margin
    return DayRollupRecord(
        seller_id=r.seller_id,
        sk=day_key(r.day, r.marketplace_id),
        marketplace_id=r.marketplace_id,
        day=r.day.isoformat(),
        currency=r.currency,
        orders=r.orders,
        units=r.units,
        gross_sales=str(r.gross_sales),
        shipping=str(r.shipping),
        promotions=str(r.promotions),
        refunds=str(r.refunds),
        amazon_fees=str(r.amazon_fees),
        fees_by_type={kind: str(amount) for kind, amount in r.fees_by_type.items()},
        ad_spend=str(r.ad_spend),
        ad_sales=str(r.ad_sales),
        cogs=str(r.cogs),
        cogs_complete=r.cogs_complete,
        estimated_payout=str(r.estimated_payout),
        net_profit=str(r.net_profit),
        margin=None if margin is None else str(margin),
        excluded_other_currency=r.excluded_other_currency,
        computed_at=at,
        expires_at=expires_at,
    )


def _sku_record(r: SkuRollup, at: datetime, expires_at: int) -> SkuRollupRecord:
    return SkuRollupRecord(
        seller_id=r.seller_id,
        sk=sku_key(r.day, r.marketplace_id, r.sku),
        marketplace_id=r.marketplace_id,
        day=r.day.isoformat(),
        sku=r.sku,
        currency=r.currency,
        orders=r.orders,
        units=r.units,
        gross_sales=str(r.gross_sales),
        shipping=str(r.shipping),
        promotions=str(r.promotions),
        refunds=str(r.refunds),
        fees=str(r.fees),
        cogs=str(r.cogs),
        cogs_complete=r.cogs_complete,
        net_profit=str(r.net_profit),
        computed_at=at,
        expires_at=expires_at,
    )


def _fees(raw: Any) -> dict[str, Decimal]:
    values = raw.as_dict() if isinstance(raw, MapAttribute) else dict(raw or {})
    return {str(kind): Decimal(str(amount)) for kind, amount in sorted(values.items())}


def _day_rollup(r: DayRollupRecord) -> DayRollup:
    return DayRollup(
        seller_id=r.seller_id,
        marketplace_id=r.marketplace_id,
        day=date.fromisoformat(r.day),
        currency=r.currency,
        orders=int(r.orders),
        units=int(r.units),
        gross_sales=Decimal(r.gross_sales),
        shipping=Decimal(r.shipping),
        promotions=Decimal(r.promotions),
        refunds=Decimal(r.refunds),
        amazon_fees=Decimal(r.amazon_fees),
        fees_by_type=_fees(r.fees_by_type),
        ad_spend=Decimal(r.ad_spend),
        ad_sales=Decimal(r.ad_sales or "0"),
        cogs=Decimal(r.cogs),
        cogs_complete=bool(r.cogs_complete),
        excluded_other_currency=int(r.excluded_other_currency or 0),
    )


def _sku_rollup(r: SkuRollupRecord) -> SkuRollup:
    return SkuRollup(
        seller_id=r.seller_id,
        marketplace_id=r.marketplace_id,
        day=date.fromisoformat(r.day),
        sku=r.sku,
        currency=r.currency,
        orders=int(r.orders),
        units=int(r.units),
        gross_sales=Decimal(r.gross_sales),
        shipping=Decimal(r.shipping),
        promotions=Decimal(r.promotions),
        refunds=Decimal(r.refunds),
        fees=Decimal(r.fees),
        cogs=Decimal(r.cogs),
        cogs_complete=bool(r.cogs_complete),
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
        } - {sku_key(s.day, s.marketplace_id, s.sku) for s in skus}
        with SkuRollupRecord.batch_write() as batch:
            for sku in skus:
                batch.save(_sku_record(sku, at, expires_at))
            for sk in sorted(stale):
                batch.delete(SkuRollupRecord(seller_id=rollup.seller_id, sk=sk))
        _day_record(rollup, at, expires_at).save()

    def put_days(self, rollups: Sequence[DayRollup], *, now: datetime | None = None) -> None:
        """Write day rollups as they are (BatchWriteItem): backfills, benchmarks and tests."""
        at = (now or datetime.now(UTC)).astimezone(UTC)
        expires_at = int((at + self._retention).timestamp())
        with DayRollupRecord.batch_write() as batch:
            for rollup in rollups:
                batch.save(_day_record(rollup, at, expires_at))

    def days(
        self, seller_id: str, first: date, last: date, *, marketplace_id: str | None = None
    ) -> list[DayRollup]:
        """Day rollups of [first, last] (every marketplace, or one): a single Query, paged by DynamoDB."""
        lower = f"{RDAY_PREFIX}{first.isoformat()}"
        upper = f"{RDAY_PREFIX}{last.isoformat()}#~"
        condition = DayRollupRecord.marketplace_id == marketplace_id if marketplace_id else None
        return [
            _day_rollup(r)
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
            _sku_rollup(r)
            for r in SkuRollupRecord.query(
                seller_id, SkuRollupRecord.sk.between(lower, upper), filter_condition=condition
            )
        ]
