"""Rollups in the seller-data table (written by the rollup job, read by the API).

    RDAY#<yyyy-mm-dd>#<marketplaceId>            one marketplace's local day
    RSKU#<yyyy-mm-dd>#<marketplaceId>#<sku>      one SKU on that day (`SkuRollup.row_id`: the rows
                                                 of money naming no SKU are `#<kind>#<label>`)

    RSKW#<marketplaceId>#<days>#<chunk>          a trailing SKU window: the per-SKU totals of the
                                                 `days` complete days ending `as_of` (yesterday when
                                                 written), in chunks of a build (`analytics.sku_windows`)

Day first in the key: one Query over `RDAY#<first>`..`RDAY#<last>#~` serves any date range of
every marketplace (a 180-day range of 3 marketplaces is 540 small items, one or two pages).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from sellerflow.analytics.model import SKU_ADDITIVE, DayRollup, RowKind, SkuRollup
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.tables import SellerItem, table

RDAY_PREFIX = "RDAY#"
RSKU_PREFIX = "RSKU#"
RSKW_PREFIX = "RSKW#"
# A window's rows are split into items of at most this much JSON (DynamoDB's item limit is 400 KB).
WINDOW_CHUNK_BYTES = 300_000
# Rebuilt at least daily while the seller syncs; one of an idle seller ages out (readers use the rows).
WINDOW_RETENTION = timedelta(days=7)


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


@table("seller_data")
class SkuWindowRecord(SellerItem):
    """RSKW#<marketplaceId>#<days:02d>#<chunk:04d>: one chunk of a trailing SKU window's build."""

    marketplace_id = UnicodeAttribute()
    days = NumberAttribute()
    as_of = UnicodeAttribute()  # the window's last day (yyyy-mm-dd)
    build = UnicodeAttribute()  # one id per rebuild: a reader takes chunks of one build only
    chunks = NumberAttribute()  # how many chunks the build has
    built_from = UTCDateTimeAttribute()  # the newest `computed_at` of the day rollups it summed
    rows = UnicodeAttribute()  # JSON list of `_WINDOW_FIELDS` lists
    expires_at = NumberAttribute()


@dataclass(frozen=True)
class SkuWindowHead:
    """What the rollup job needs to know of a stored window: its last day and what it was built from."""

    as_of: date
    built_from: datetime


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
        self.replace_days([(rollup, skus)], now=now)

    def replace_days(
        self, days: Sequence[tuple[DayRollup, Sequence[SkuRollup]]], *, now: datetime | None = None
    ) -> None:
        """`replace_day` of each (one seller and marketplace) in few requests: one Query of the
        stored SKU keys of the days' span (keys only), then BatchWriteItem (25 items a request) of
        the SKU rows, the stale ones' deletes, and the day rows last."""
        if not days:
            return
        at = (now or datetime.now(UTC)).astimezone(UTC)
        expires_at = int((at + self._retention).timestamp())
        seller_id, marketplace_id = days[0][0].seller_id, days[0][0].marketplace_id
        if any((r.seller_id, r.marketplace_id) != (seller_id, marketplace_id) for r, _ in days):
            raise ValueError("replace_days takes the days of one seller and marketplace")
        wanted = {sku_key(s.day, s.marketplace_id, s.row_id) for _, skus in days for s in skus}
        replaced = {f"{RSKU_PREFIX}{r.day.isoformat()}#{marketplace_id}#" for r, _ in days}
        stale = {
            sk for sk in self._stored_sku_keys(seller_id, marketplace_id, [r.day for r, _ in days])
            if sk not in wanted and _day_prefix(sk) in replaced
        }  # fmt: skip
        with SkuRollupRecord.batch_write() as batch:
            for _, skus in days:
                for sku in skus:
                    batch.save(SKUS.to_record(sku, computed_at=at, expires_at=expires_at))
            for sk in sorted(stale):
                batch.delete(SkuRollupRecord(seller_id=seller_id, sk=sk))
        with DayRollupRecord.batch_write() as day_batch:
            for rollup, _ in days:
                day_batch.save(DAYS.to_record(rollup, computed_at=at, expires_at=expires_at))

    @staticmethod
    def _stored_sku_keys(seller_id: str, marketplace_id: str, days: Sequence[date]) -> set[str]:
        if len(days) == 1:
            prefix = f"{RSKU_PREFIX}{days[0].isoformat()}#{marketplace_id}#"
            one_day = SkuRollupRecord.query(
                seller_id, SkuRollupRecord.sk.startswith(prefix), attributes_to_get=["sk"]
            )
            return {r.sk for r in one_day}
        # Every key of the span: `RSKU#<day after the last>` itself is no key (keys go on past the day).
        after = max(days) + timedelta(days=1)
        condition = SkuRollupRecord.sk.between(
            f"{RSKU_PREFIX}{min(days).isoformat()}", f"{RSKU_PREFIX}{after.isoformat()}"
        )
        items = SkuRollupRecord.query(
            seller_id,
            condition,
            filter_condition=SkuRollupRecord.marketplace_id == marketplace_id,
            attributes_to_get=["sk"],
        )
        return {r.sk for r in items}

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

    # --- trailing SKU windows ---------------------------------------------------------------------
    def newest_day_computed_at(
        self, seller_id: str, marketplace_id: str, first: date, last: date
    ) -> datetime | None:
        """When the newest day rollup of [first, last] of one marketplace was written (None: none is)."""
        record = DayRollupRecord
        items = record.query(
            seller_id,
            record.sk.between(f"{RDAY_PREFIX}{first.isoformat()}", f"{RDAY_PREFIX}{last.isoformat()}#~"),
            filter_condition=record.marketplace_id == marketplace_id,
            attributes_to_get=["computed_at", "marketplace_id"],
        )
        return max((item.computed_at for item in items), default=None)

    def sku_window_heads(self, seller_id: str, marketplace_id: str) -> dict[int, SkuWindowHead]:
        """Each stored window's last day and source time (from its first chunk; no rows read)."""
        items = SkuWindowRecord.query(
            seller_id,
            SkuWindowRecord.sk.startswith(f"{RSKW_PREFIX}{marketplace_id}#"),
            attributes_to_get=["sk", "days", "as_of", "built_from"],
        )
        return {
            int(item.days): SkuWindowHead(date.fromisoformat(item.as_of), item.built_from)
            for item in items
            if item.sk.endswith("#0000")
        }

    def replace_sku_windows(
        self,
        seller_id: str,
        marketplace_id: str,
        *,
        as_of: date,
        built_from: datetime,
        windows: Mapping[int, Sequence[SkuRollup]],
        now: datetime | None = None,
    ) -> None:
        """Write each window as a new build; chunks of an older build beyond the new count are deleted."""
        at = (now or datetime.now(UTC)).astimezone(UTC)
        expires_at = int((at + WINDOW_RETENTION).timestamp())
        # The keys already stored (keys only: the chunks themselves are up to 300 KB each).
        stored = {
            i.sk
            for i in SkuWindowRecord.query(
                seller_id,
                SkuWindowRecord.sk.startswith(f"{RSKW_PREFIX}{marketplace_id}#"),
                attributes_to_get=["sk"],
            )
        }
        for days, rows in windows.items():
            prefix = f"{RSKW_PREFIX}{marketplace_id}#{days:02d}#"
            chunks = list(_chunked([_window_row(r) for r in rows]))
            build = uuid.uuid4().hex
            old = {sk for sk in stored if sk.startswith(prefix)}
            with SkuWindowRecord.batch_write() as batch:
                for index, chunk in enumerate(chunks):
                    batch.save(
                        SkuWindowRecord(
                            seller_id=seller_id,
                            sk=f"{prefix}{index:04d}",
                            marketplace_id=marketplace_id,
                            days=days,
                            as_of=as_of.isoformat(),
                            build=build,
                            chunks=len(chunks),
                            built_from=built_from,
                            rows=chunk,
                            expires_at=expires_at,
                        )
                    )
                for sk in sorted(old - {f"{prefix}{i:04d}" for i in range(len(chunks))}):
                    batch.delete(SkuWindowRecord(seller_id=seller_id, sk=sk))

    def sku_window(
        self, seller_id: str, marketplace_id: str, days: int
    ) -> tuple[date, list[SkuRollup]] | None:
        """A stored window (its last day and rows), or None when absent or caught mid-rebuild."""
        items = list(
            SkuWindowRecord.query(
                seller_id, SkuWindowRecord.sk.startswith(f"{RSKW_PREFIX}{marketplace_id}#{days:02d}#")
            )
        )
        if not items or {(i.build, i.as_of, int(i.chunks)) for i in items} != {
            (items[0].build, items[0].as_of, len(items))
        }:
            return None
        as_of = date.fromisoformat(items[0].as_of)
        rows = [
            _from_window_row(seller_id, marketplace_id, as_of, row)
            for item in items
            for row in json.loads(item.rows)
        ]
        return as_of, rows


def _day_prefix(sk: str) -> str:
    """`RSKU#<day>#<marketplaceId>#` of a SKU rollup's key."""
    return "#".join(sk.split("#", 3)[:3]) + "#"


# The columns of a stored window row (a list per row keeps a chunk small).
_WINDOW_FIELDS = ("kind", "sku", "currency", "cogs_complete", *SKU_ADDITIVE)
_MONEY = frozenset({"gross_sales", "shipping", "promotions", "refunds", "fees", "cogs", "ad_spend"})


def _window_row(row: SkuRollup) -> list[Any]:
    values = {name: getattr(row, name) for name in _WINDOW_FIELDS}
    values["kind"] = row.kind.value
    return [str(v) if k in _MONEY else v for k, v in values.items()]


def _from_window_row(seller_id: str, marketplace_id: str, as_of: date, row: list[Any]) -> SkuRollup:
    v = dict(zip(_WINDOW_FIELDS, row, strict=True))
    return SkuRollup(
        seller_id=seller_id,
        marketplace_id=marketplace_id,
        day=as_of,
        sku=str(v["sku"]),
        currency=str(v["currency"]),
        orders=int(v["orders"]),
        units=int(v["units"]),
        gross_sales=Decimal(v["gross_sales"]),
        shipping=Decimal(v["shipping"]),
        promotions=Decimal(v["promotions"]),
        refunds=Decimal(v["refunds"]),
        fees=Decimal(v["fees"]),
        cogs=Decimal(v["cogs"]),
        cogs_complete=bool(v["cogs_complete"]),
        ad_spend=Decimal(v["ad_spend"]),
        kind=RowKind(v["kind"]),
    )


def _chunked(rows: Sequence[list[Any]]) -> Iterator[str]:
    """The rows as JSON arrays of at most WINDOW_CHUNK_BYTES each (always one, even when empty)."""
    chunk: list[str] = []
    size = 2
    for row in rows:
        text = json.dumps(row, separators=(",", ":"))
        if chunk and size + len(text) + 1 > WINDOW_CHUNK_BYTES:
            yield f"[{','.join(chunk)}]"
            chunk, size = [], 2
        chunk.append(text)
        size += len(text) + 1
    yield f"[{','.join(chunk)}]"


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
