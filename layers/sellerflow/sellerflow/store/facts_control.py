"""Seller control data of the analytics, in the SELLERS table: dirty-day markers and COGS entries.

Both live in the sellers table on purpose: the API may write them (a COGS change marks days dirty)
without any write access to the seller-data table, which holds only Amazon data and rollups.

    DIRTY#<marketplaceId>#<yyyy-mm-dd>   a (marketplace, local day) whose rollups must be recomputed;
                                         `mark` is a fresh token on every write, so clearing a marker
                                         only succeeds if nobody re-marked the day meanwhile
    COGS#<sku>#<yyyy-mm-dd>              seller-entered unit cost from that day on (Decimal string)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError
from pynamodb.transactions import TransactWrite

from sellerflow.facts import MAX_COGS_BATCH, CogsEntry
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.tables import SellerItem, condition_failed, table, transaction_connection

DIRTY_PREFIX = "DIRTY#"
COGS_PREFIX = "COGS#"
CONTROL_RETENTION = timedelta(days=540)  # a marker of a day older than the data itself is moot


@table("sellers")
class DirtyDayRecord(SellerItem):
    """DIRTY#<marketplaceId>#<yyyy-mm-dd> (`DIRTY_DAYS`)."""

    mark = UnicodeAttribute()  # a new token per write: the version that clearing is conditioned on
    marked_at = UTCDateTimeAttribute()
    reason = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()


@table("sellers")
class CogsRecord(SellerItem):
    """COGS#<sku>#<yyyy-mm-dd>; the unit cost a Decimal string (`COGS`)."""

    updated_at = UTCDateTimeAttribute()


def dirty_key(marketplace_id: str, day: date) -> str:
    return f"{DIRTY_PREFIX}{marketplace_id}#{day.isoformat()}"


def cogs_key(sku: str, effective_from: date) -> str:
    return f"{COGS_PREFIX}{sku}#{effective_from.isoformat()}"


@dataclass(frozen=True)
class DirtyDay:
    seller_id: str
    marketplace_id: str
    day: date
    mark: str


DIRTY_DAYS = RecordMapping(DirtyDay, DirtyDayRecord, sort_key=lambda d: dirty_key(d.marketplace_id, d.day))
COGS = RecordMapping(CogsEntry, CogsRecord, sort_key=lambda e: cogs_key(e.sku, e.effective_from))


class DirtyDays:
    """Marking (marketplace, local day) pairs dirty, listing them, and clearing them safely."""

    def mark(
        self,
        seller_id: str,
        days: Iterable[tuple[str, date]],
        *,
        reason: str = "facts",
        now: datetime | None = None,
    ) -> int:
        """Mark each distinct (marketplace, day) dirty (BatchWriteItem); returns how many."""
        at = now or datetime.now(UTC)
        unique = sorted(set(days))
        with DirtyDayRecord.batch_write() as batch:
            for marketplace_id, day in unique:
                batch.save(self._record(seller_id, marketplace_id, day, reason=reason, at=at))
        return len(unique)

    def mark_each(self, seller_id: str, days: Iterable[tuple[str, date]], *, reason: str = "orders") -> int:
        """The same with one PutItem per day: for writers that mark a handful of days per call."""
        at = datetime.now(UTC)
        unique = sorted(set(days))
        for marketplace_id, day in unique:
            self._record(seller_id, marketplace_id, day, reason=reason, at=at).save()
        return len(unique)

    @staticmethod
    def _record(
        seller_id: str, marketplace_id: str, day: date, *, reason: str, at: datetime
    ) -> DirtyDayRecord:
        marker = DirtyDay(seller_id=seller_id, marketplace_id=marketplace_id, day=day, mark=uuid.uuid4().hex)
        return DIRTY_DAYS.to_record(
            marker, marked_at=at, reason=reason, expires_at=int((at + CONTROL_RETENTION).timestamp())
        )

    def pending(self, seller_id: str) -> list[DirtyDay]:
        return DIRTY_DAYS.all(
            DirtyDayRecord.query(seller_id, DirtyDayRecord.sk.startswith(DIRTY_PREFIX), consistent_read=True)
        )

    def clear(self, marker: DirtyDay) -> bool:
        """Delete the marker if it still carries the mark that was read; False if re-marked meanwhile."""
        record = DirtyDayRecord(seller_id=marker.seller_id, sk=dirty_key(marker.marketplace_id, marker.day))
        try:
            record.delete(condition=DirtyDayRecord.mark == marker.mark)
        except DeleteError as exc:
            if condition_failed(exc):
                return False
            raise
        return True


class CogsStore:
    """Seller-entered unit costs per SKU, effective from a day on."""

    def put(self, entry: CogsEntry, *, now: datetime | None = None) -> None:
        COGS.to_record(entry, updated_at=now or datetime.now(UTC)).save()

    def put_all(self, entries: Sequence[CogsEntry], *, now: datetime | None = None) -> None:
        """Every entry or none (one TransactWriteItems: at most `MAX_COGS_BATCH` entries)."""
        if len(entries) > MAX_COGS_BATCH:
            raise ValueError(f"{len(entries)} unit costs in one transaction; at most {MAX_COGS_BATCH}")
        at = now or datetime.now(UTC)
        with TransactWrite(connection=transaction_connection(CogsRecord)) as tx:
            for entry in entries:
                tx.save(COGS.to_record(entry, updated_at=at))

    def all_for_seller(self, seller_id: str) -> list[CogsEntry]:
        return COGS.all(CogsRecord.query(seller_id, CogsRecord.sk.startswith(COGS_PREFIX)))

    def for_sku(self, seller_id: str, sku: str) -> list[CogsEntry]:
        return COGS.all(CogsRecord.query(seller_id, CogsRecord.sk.startswith(f"{COGS_PREFIX}{sku}#")))
