"""The archive job: one seller's orders and finance transactions past the hot window, moved from
DynamoDB to the history objects (`store/history.py`), a few days at a time.

"Loses nothing": for each chunk of local days, every (marketplace, day) object is written as the union
of what it already held and what DynamoDB holds (DynamoDB's version wins), read back and compared,
then the chunk's orders are added to the order-id index (`store/history_index.py`: an archived order
found by its id alone), and only then are the chunk's items deleted from DynamoDB, each with a condition that it is still the
version archived (an order updated meanwhile stays, newer, and is archived by the next run). A run
stopped anywhere leaves each item in DynamoDB, in a complete object, or both; a rerun rewrites the
same objects (same bytes) and finishes the deletes. The deletes are conditional DeleteItems rather
than BatchWriteItem (which takes no condition): 1 WRU per item either way.

The seller's checkpoint (`HISTORYARCHIVE`) records how far the archive has come and what it moved; the
job itself starts from the oldest item DynamoDB still holds (one Query of one key per kind), so a
stopped run resumes where it stopped. Objects past the retention are deleted by the same run (the
bucket's lifecycle rule is the backstop).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist
from pynamodb.expressions.condition import Condition

from sellerflow.calendar import archive_cutoff
from sellerflow.domain import Order
from sellerflow.facts import FinanceTransactionFact
from sellerflow.store.facts import FinanceChunkRecord, by_hour, finance_items, latest
from sellerflow.store.history import HistoryDay, HistoryObjects
from sellerflow.store.history_index import OrderIndex
from sellerflow.store.orders import (
    CHUNK_PREFIX,
    SETTLED_DAYS,
    OrderChunkRecord,
    OrderRecord,
    chunk_day,
    compact_days,
    latest_orders,
    orders_by_key,
    orders_of_days,
    stored_order_items,
)
from sellerflow.store.privacy import restricted_order_ids
from sellerflow.store.tables import SellerItem, condition_failed, table

CHECKPOINT_KEY = "HISTORYARCHIVE"
CHUNK_DAYS = 3  # local days archived together: ~3,000 orders and 6,000 transactions at 1,000 a day
TIME_RESERVE_MS = 60_000
# A day's order chunks are compacted (its winning versions only) once its orders have shipped and
# been delivered: the days from 16 to 14 days back (UTC, `SETTLED_DAYS`), so a run missed now and
# then still gets to each; a later version (a return) appends a chunk as before. The same run adds
# each day's orders to the order-id index once, when it reaches SETTLED_DAYS (`indexed_through`: a
# run missed is caught up on), so that their ORDERID# items can expire before the day is archived.
COMPACTED_DAYS = 3
RETENTION_DAYS = 548  # docs/compliance.md: Amazon data at most 18 months


@table("seller_data")
class HistoryCheckpointRecord(SellerItem):
    """HISTORYARCHIVE: how far the seller's history archive has come (one item per seller)."""

    archived_through = UnicodeAttribute(null=True)  # the newest local day archived (yyyy-mm-dd)
    # the newest settled local day whose orders are in the order-id index (None before the first run)
    indexed_through = UnicodeAttribute(null=True)
    orders_archived = NumberAttribute(default=0)  # totals over every run
    transactions_archived = NumberAttribute(default=0)
    objects_written = NumberAttribute(default=0)
    last_run_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()  # epoch seconds; DynamoDB TTL (rewritten by every run)


class ArchiveResult(BaseModel):
    seller_id: str
    cutoff: date
    orders_archived: int = 0
    transactions_archived: int = 0
    objects_written: int = 0
    items_kept: int = 0  # changed after they were read: left in DynamoDB for the next run
    objects_expired: int = 0
    index_objects_written: int = 0  # the order-id index's shards and manifest (store/history_index.py)
    order_chunks_compacted: int = 0  # order chunks of settled days replaced by their winners' chunk
    done: bool = True  # False: time ran out with days left for the next run


@dataclass
class _Stored:
    """A chunk's items as DynamoDB held them: each version's condition for its delete."""

    orders: dict[str, Order]  # by order id, the winning version
    # order items (chunks, legacy items) of the days: sk → (the attribute its delete is conditioned
    # on: a chunk's `written_at`, a legacy item's `last_updated_time`; the orders it holds the
    # winning version of)
    order_items: dict[str, tuple[datetime, int]]
    transactions: dict[str, FinanceTransactionFact]  # by virtual key (the version written last)
    # finance items (chunks, legacy items) whose every transaction is in `transactions`' days:
    # sk → (written_at, how many transactions it holds)
    finance_items: dict[str, tuple[datetime, int]]


def _oldest_day(seller_id: str) -> date | None:
    """The local day of the oldest order (by purchase) or transaction (by posting) in DynamoDB."""
    days: list[date] = []
    for chunk in OrderChunkRecord.query(
        seller_id, OrderChunkRecord.sk.startswith(CHUNK_PREFIX), limit=1, attributes_to_get=["sk"]
    ):
        days.append(chunk_day(chunk.sk))
        break
    for entry in OrderRecord.by_purchase_date.query(seller_id, scan_index_forward=True, limit=1):
        orders = orders_by_key(seller_id, [entry.sk])  # a legacy item
        if orders:
            days.append(orders[0].local_date)
        break
    for item in finance_items(seller_id, consistent=True, limit=1):  # of the oldest posting hour
        # an item without its day is left where it is
        days += [f.local_date for f in item.transactions if f.local_date is not None]
    return min(days) if days else None


def _stored(seller_id: str, first: date, last: date) -> _Stored:
    """The orders and transactions whose local day is in [first, last] (read over the days' UTC span
    widened by the time zones' reach: a local day starts at most 14 hours before its UTC date, ends at
    most 12 hours after)."""
    found = stored_order_items(seller_id, first, last, consistent=True)
    winners = latest_orders(found)
    orders = {order_id: order for order_id, (_, order) in winners.items()}
    won: dict[str, int] = {}  # per item, the orders whose winning version it holds
    for item, _ in winners.values():
        won[item.sk] = won.get(item.sk, 0) + 1
    # every item of the days goes (the versions that lost too), each on what it was when read
    items = {
        item.sk: (item.written_at if item.chunk else item.orders[0].last_updated_time, won.get(item.sk, 0))
        for item in found
    }
    transactions, finance = _stored_transactions(seller_id, first, last)
    return _Stored(orders=orders, order_items=items, transactions=transactions, finance_items=finance)


def _complete(fact: FinanceTransactionFact) -> bool:
    return None not in (
        fact.local_date,
        fact.marketplace_id,
        fact.posted_at,
        fact.transaction_id,
        fact.transaction_type,
    )


def _stored_transactions(
    seller_id: str, first: date, last: date
) -> tuple[dict[str, FinanceTransactionFact], dict[str, tuple[datetime, int]]]:
    """The transactions to archive for the local days up to `last` and the finance items that may go
    once they are: a chunk holds an hour's transactions, whose local days may straddle `last` (then
    it stays, for the run that archives the later day) or fall before `first` (a straddling chunk
    of an earlier chunk of days, or a newer version of an archived transaction: archived again, its
    day's object merged). Reads the UTC hours of [first, last] widened by the time zones' reach (a
    local day starts at most 14 hours before its UTC date, ends at most 12 hours after)."""
    lower = datetime.combine(first, datetime.min.time(), tzinfo=UTC) - timedelta(hours=15)
    upper = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=UTC) + timedelta(hours=13)
    transactions: dict[str, FinanceTransactionFact] = {}
    items: dict[str, tuple[datetime, int]] = {}
    for hour in by_hour(finance_items(seller_id, lower, upper, consistent=True)):
        for key, (_, fact) in latest(hour).items():
            if _complete(fact) and fact.local_date <= last:
                transactions[key] = fact
        for item in hour:
            # an incomplete legacy item is left in DynamoDB (its TTL ends it): no day object to go to
            if all(_complete(f) and f.local_date <= last for f in item.transactions):
                items[item.sk] = (item.written_at, len(item.transactions))
    return transactions, items


def _group(stored: _Stored) -> dict[tuple[str, date], tuple[list[Order], dict[str, FinanceTransactionFact]]]:
    groups: dict[tuple[str, date], tuple[list[Order], dict[str, FinanceTransactionFact]]] = {}
    for order in stored.orders.values():
        groups.setdefault((order.marketplace_id, order.local_date), ([], {}))[0].append(order)
    for sk, fact in stored.transactions.items():
        groups.setdefault((fact.marketplace_id, fact.local_date), ([], {}))[1][sk] = fact
    return groups


def _delete(stored: _Stored, seller_id: str, out_of_time: Callable[[], bool]) -> tuple[int, int, int, bool]:
    """Delete the archived versions (each only if unchanged since it was read): (orders, transactions,
    kept, stopped). Stopped when time runs out: the rest stays in DynamoDB, already in its objects."""
    orders, kept, stopped = _delete_unchanged(
        (
            (OrderChunkRecord(seller_id, sk), OrderChunkRecord.written_at == condition)
            if sk.startswith(CHUNK_PREFIX)
            else (OrderRecord(seller_id, sk), OrderRecord.last_updated_time == condition)
            for sk, (condition, _) in stored.order_items.items()
        ),
        out_of_time,
        sizes=[n for _, n in stored.order_items.values()],
    )
    if stopped:
        return orders, 0, kept, True
    # each finance item (a chunk, a legacy item) on its write time: a chunk is never changed in place
    transactions, kept_finance, stopped = _delete_unchanged(
        ((FinanceChunkRecord(seller_id, sk), FinanceChunkRecord.written_at == written)
         for sk, (written, _) in stored.finance_items.items()),
        out_of_time,
        sizes=[n for _, n in stored.finance_items.values()],
    )  # fmt: skip
    return orders, transactions, kept + kept_finance, stopped


def _delete_unchanged(
    deletes: Iterable[tuple[SellerItem, Condition]],
    out_of_time: Callable[[], bool],
    *,
    sizes: Sequence[int] | None = None,
) -> tuple[int, int, bool]:
    """Each item deleted on its condition: (deleted, kept, stopped); time checked every 100 items.
    `sizes`: the records each item holds (deleted counts those; default one each)."""
    deleted = kept = 0
    for index, (record, unchanged) in enumerate(deletes):
        if index % 100 == 99 and out_of_time():
            return deleted, kept, True
        try:
            record.delete(condition=unchanged)
            deleted += sizes[index] if sizes is not None else 1
        except DeleteError as exc:
            if not condition_failed(exc):
                raise
            kept += 1  # a newer version arrived: it stays in DynamoDB until the next run archives it
    return deleted, kept, False


class HistoryArchiver:
    """Archives one seller's history past the hot window (see the module's docstring)."""

    def __init__(
        self,
        objects: HistoryObjects,
        *,
        hot_days: int,
        retention_days: int = RETENTION_DAYS,
        after_write: Callable[[str], None] | None = None,
    ) -> None:
        self._objects = objects
        self._index = OrderIndex(objects)
        self._hot_days = hot_days
        self._retention_days = retention_days
        self._after_write = after_write  # tests: a crash between the objects (days, index) and the deletes

    def run(
        self, seller_id: str, *, now: datetime | None = None, time_left_ms: Callable[[], int] | None = None
    ) -> ArchiveResult:
        at = (now or datetime.now(UTC)).astimezone(UTC)
        cutoff = archive_cutoff(at, self._hot_days)
        result = ArchiveResult(seller_id=seller_id, cutoff=cutoff)
        result.objects_expired = self._expire(seller_id, at)
        self._index = OrderIndex(self._objects)  # this run's writes (`expire` skips the shards they wrote)
        restricted = restricted_order_ids(seller_id)
        oldest_kept = at.date() - timedelta(days=self._retention_days)
        floor: date | None = None  # within a run, never back to a chunk done (a kept item stays there)
        archived_through: date | None = None

        def out_of_time() -> bool:
            return time_left_ms is not None and time_left_ms() < TIME_RESERVE_MS

        while True:
            oldest = _oldest_day(seller_id)
            if oldest is None or oldest >= cutoff:
                break
            # a day before the oldest item's: the oldest by purchase time is not always the oldest by
            # local day (a US order purchased after a Japanese one can fall on the day before)
            first = oldest - timedelta(days=1) if floor is None else max(oldest - timedelta(days=1), floor)
            if first >= cutoff:
                break
            if out_of_time():
                result.done = False
                break
            last = min(cutoff - timedelta(days=1), first + timedelta(days=CHUNK_DAYS - 1))
            stored = _stored(seller_id, first, last)
            for (marketplace_id, day), (orders, transactions) in sorted(_group(stored).items()):
                self._write_day(seller_id, marketplace_id, day, orders, transactions, restricted)
                result.objects_written += 1
            # where each order went, for a read by its id alone (before its item goes)
            result.index_objects_written += self._index.add(
                seller_id,
                {o.order_id: (o.marketplace_id, o.local_date) for o in stored.orders.values()},
                oldest_kept=oldest_kept,
                leave_out=restricted,
            )
            if self._after_write is not None:
                self._after_write(seller_id)
            archived_through = last
            self._save(seller_id, at, archived_through, result)
            orders_done, transactions_done, kept, stopped = _delete(stored, seller_id, out_of_time)
            result.orders_archived += orders_done
            result.transactions_archived += transactions_done
            result.items_kept += kept
            if stopped:
                result.done = False
                break
            floor = last + timedelta(days=1)
        if result.done and not out_of_time():
            last = at.date() - timedelta(days=SETTLED_DAYS)
            first = max(cutoff, last - timedelta(days=COMPACTED_DAYS - 1))
            if first <= last:
                result.order_chunks_compacted, _ = compact_days(seller_id, first, last)
                result.index_objects_written += self._index_settled(
                    seller_id, at, (cutoff, first, last), restricted, out_of_time
                )
        # entries past the retention out of the shards this run did not rewrite
        result.index_objects_written += self._index.expire(seller_id, oldest_kept=oldest_kept)
        self._save(seller_id, at, archived_through, result, final=True)
        return result

    def _index_settled(
        self,
        seller_id: str,
        at: datetime,
        days: tuple[date, date, date],
        restricted: set[str],
        out_of_time: Callable[[], bool],
    ) -> int:
        """The orders of the settled local days after `indexed_through` through `last`, added to the
        order-id index a few days at a time, the checkpoint moved after each; the index objects
        written. `days`: the hot window's first day (the days before it are indexed as they are
        archived), the days compacted (a seller's first run starts at them: the ORDERID# items
        written before this index kept their 130 days), the last settled day."""
        cutoff, first, last = days
        record = self._checkpoint(seller_id, at)
        done = date.fromisoformat(record.indexed_through) if record.indexed_through else None
        start = first if done is None else max(done + timedelta(days=1), cutoff)
        oldest_kept = at.date() - timedelta(days=self._retention_days)
        written = 0
        while start <= last and not out_of_time():
            end = min(last, start + timedelta(days=CHUNK_DAYS - 1))
            orders = orders_of_days(seller_id, start, end)
            written += self._index.add(
                seller_id,
                {o.order_id: (o.marketplace_id, o.local_date) for o in orders.values()},
                oldest_kept=oldest_kept,
                leave_out=restricted,
            )
            record.indexed_through = end.isoformat()
            record.save()
            start = end + timedelta(days=1)
        return written

    def _write_day(
        self,
        seller_id: str,
        marketplace_id: str,
        day: date,
        orders: list[Order],
        transactions: dict[str, FinanceTransactionFact],
        restricted: set[str],
    ) -> None:
        """The day's object as the union of the stored object and DynamoDB's items (DynamoDB wins),
        written and read back; raises unless the object read holds every record written."""
        merged = self._objects.get(seller_id, marketplace_id, day) or HistoryDay(
            seller_id, marketplace_id, day
        )
        merged.orders.update((o.order_id, o) for o in orders)
        merged.transactions.update(transactions)
        merged.orders = {k: o for k, o in merged.orders.items() if k not in restricted}
        merged.transactions = {k: t for k, t in merged.transactions.items() if t.order_id not in restricted}
        self._objects.put(merged)
        back = self._objects.get(seller_id, marketplace_id, day)
        if back is None or back.orders != merged.orders or back.transactions != merged.transactions:
            raise RuntimeError(f"history object of {marketplace_id} {day} did not read back as written")

    def _expire(self, seller_id: str, at: datetime) -> int:
        oldest_kept = at.date() - timedelta(days=self._retention_days)
        expired = [(m, d) for m, d in self._objects.days(seller_id) if d < oldest_kept]
        return self._objects.delete(seller_id, expired) if expired else 0

    def _checkpoint(self, seller_id: str, at: datetime) -> HistoryCheckpointRecord:
        try:
            return HistoryCheckpointRecord.get(seller_id, CHECKPOINT_KEY, consistent_read=True)
        except DoesNotExist:
            return HistoryCheckpointRecord(
                seller_id,
                CHECKPOINT_KEY,
                last_run_at=at,
                expires_at=int((at + timedelta(days=self._retention_days)).timestamp()),
            )

    def _save(
        self,
        seller_id: str,
        at: datetime,
        through: date | None,
        result: ArchiveResult,
        *,
        final: bool = False,
    ) -> None:
        """The checkpoint, before a chunk's deletes (the days its objects now hold) and after the run."""
        record = self._checkpoint(seller_id, at)
        if through is not None and (
            record.archived_through is None or through.isoformat() > record.archived_through
        ):
            record.archived_through = through.isoformat()
        if final:
            record.orders_archived = int(record.orders_archived or 0) + result.orders_archived
            record.transactions_archived = (
                int(record.transactions_archived or 0) + result.transactions_archived
            )
            record.objects_written = int(record.objects_written or 0) + result.objects_written
        record.last_run_at = at
        record.expires_at = int((at + timedelta(days=self._retention_days)).timestamp())
        record.save()


def checkpoint(seller_id: str) -> dict[str, Any] | None:
    """The seller's checkpoint as plain values (None before the first run)."""
    try:
        record = HistoryCheckpointRecord.get(seller_id, CHECKPOINT_KEY, consistent_read=True)
    except DoesNotExist:
        return None
    return {
        "archived_through": record.archived_through,
        "orders_archived": int(record.orders_archived or 0),
        "transactions_archived": int(record.transactions_archived or 0),
        "objects_written": int(record.objects_written or 0),
        "last_run_at": record.last_run_at,
    }
