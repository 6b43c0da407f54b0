"""Orders in the seller-data table: packed per marketplace and local day of purchase, idempotent
appends, seller-scoped reads.

An order is stored as versions in chunks (`ORDERS#<local day>#<marketplace>#<content hash>`): each
write appends, per (marketplace, local day of purchase), one chunk of the orders it found new or
changed, as gzip JSON lines (the history archive's codec). A reader merges a day's chunks: per
order, the version with the latest `last_updated_time` wins (then the Orders API's version over the
report's, then the later write), so a late page of an older, overlapping run never replaces a newer
version, and a page written twice writes the same chunk (same key) again. One small item per order,
`ORDERID#<orderId>`, says where its chunks are (for a read by id) and which content it last stored
(the write's compare: an unchanged order is not appended, a version that only moves its time is,
without marking its day's rollups stale). The history archive moves a day's chunks out whole.

Items of the earlier layout, one `ORDER#<orderId>` item per order found through the
`by_purchase_date` index, are still read (merged as versions) until the archive has moved the last
of them; nothing writes them any more.
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any

from pynamodb.attributes import (
    BinaryAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection

from sellerflow.calendar import iso_z, never_archived_from
from sellerflow.domain import Order, OrderLine
from sellerflow.errors import InvalidInput, OrderNotFound
from sellerflow.store.facts_control import DirtyDays
from sellerflow.store.history import HistoryArchive, decode_orders, encode_orders
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.privacy import restricted_order_ids
from sellerflow.store.tables import AmazonFactItem, SellerItem, condition_failed, table

ORDER_PREFIX = "ORDER#"
# What the `by_purchase_date` index keeps besides the keys: the marketplace the rollups filter on
# (it never changes). The index is a list of keys (~0.1 KB an order instead of a second copy of the
# whole item, and no index write when a new version of an order arrives: not even its shipping); the readers fetch the orders they keep
# by key (`orders_by_key`). template.yaml projects the same attributes (a unit test compares them).
PURCHASE_INDEX_ATTRIBUTES = ("marketplace_id",)


class OrdersByPurchaseDate(GlobalSecondaryIndex["OrderRecord"]):
    class Meta:
        index_name = "by_purchase_date"
        projection = IncludeProjection(list(PURCHASE_INDEX_ATTRIBUTES))

    seller_id = UnicodeAttribute(hash_key=True)
    purchase_sk = UnicodeAttribute(range_key=True)


class OrderItemRecord(MapAttribute[str, Any]):
    """An order line, embedded in its order's item (the other attributes: `ORDER_LINES`)."""

    quantity_shipped = NumberAttribute(default=0)
    promotion_ids = ListAttribute[str](default=list)


@table("seller_data")
class OrderRecord(SellerItem):
    """ORDER#<orderId>: an order, its lines embedded (the other attributes: `ORDERS`): the earlier
    layout, read until the archive has moved the last of them, never written now."""

    purchase_sk = UnicodeAttribute()  # <createdTime ISO>#<orderId>: date-range listing
    marketplace_id = UnicodeAttribute()
    last_updated_time = UTCDateTimeAttribute()  # upserts never go backwards
    status = UnicodeAttribute()
    programs = UnicodeSetAttribute(null=True)
    items = ListAttribute[OrderItemRecord](of=OrderItemRecord, default=list)
    synced_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()  # epoch seconds; DynamoDB TTL

    by_purchase_date = OrdersByPurchaseDate()


def order_key(order_id: str) -> str:
    return f"{ORDER_PREFIX}{order_id}"


def purchase_key(created_time: datetime, order_id: str) -> str:
    """The `by_purchase_date` index's sort key: purchase time (UTC, to the second), then the order."""
    return f"{iso_z(created_time)}#{order_id}"


ORDER_LINES = RecordMapping(OrderLine, OrderItemRecord)
ORDERS = RecordMapping(
    Order,
    OrderRecord,
    sort_key=lambda o: order_key(o.order_id),
    write={
        "purchase_sk": lambda o: purchase_key(o.created_time, o.order_id),
        "items": lambda o: [ORDER_LINES.to_record(line) for line in o.lines],
    },
    read={"lines": lambda r: tuple(ORDER_LINES.to_domain(item) for item in r.items or ())},
)


class VersionChange(Enum):
    NONE = "none"  # nothing to write: the stored version is as new or newer, or the same
    TIME_ONLY = "time_only"  # the same order, a later lastUpdatedTime
    CONTENT = "content"  # new, or something the product stores changed


def version_change(previous: Order | None, order: Order, *, only_if_newer: bool = False) -> VersionChange:
    """What writing `order` over the stored `previous` would change (see `OrderStore.upsert`)."""
    if previous is None:
        return VersionChange.CONTENT
    if previous.last_updated_time > order.last_updated_time:
        return VersionChange.NONE
    if only_if_newer and previous.last_updated_time == order.last_updated_time:
        return VersionChange.NONE
    if previous.model_copy(update={"last_updated_time": order.last_updated_time}) != order:
        return VersionChange.CONTENT
    return (
        VersionChange.TIME_ONLY
        if previous.last_updated_time < order.last_updated_time
        else VersionChange.NONE
    )


LOCATOR_PREFIX = "ORDERDAY#"


@table("seller_data")
class OrderLocatorRecord(SellerItem):
    """ORDERDAY#<orderId>: where an archived order is, its marketplace and local day of purchase.
    Written by the archive job until the order-id index in S3 replaced it (store/history_index.py);
    no longer written, still read (`legacy_locate`) until the last ones expire: 548 days after their
    day, mid-2028 at the latest. Then this record, its reader and the buyer deletion's delete go."""

    marketplace_id = UnicodeAttribute()
    day = UnicodeAttribute()  # yyyy-mm-dd
    expires_at = NumberAttribute()  # epoch seconds; DynamoDB TTL (the object's retention)


def legacy_locate(seller_id: str, order_id: str) -> tuple[str, date] | None:
    """(marketplace, local day) of an order archived before the index, None without a locator."""
    try:
        found = OrderLocatorRecord.get(seller_id, f"{LOCATOR_PREFIX}{order_id}")
    except DoesNotExist:
        return None
    return found.marketplace_id, date.fromisoformat(found.day)


def orders_by_key(seller_id: str, sort_keys: Sequence[str]) -> list[Order]:
    """The orders of one seller with these `sk`s, in that order (the index keeps only keys and the
    filtered attributes: BatchGetItem, 100 keys a request). An order deleted meanwhile is left out."""
    if not sort_keys:
        return []
    found = {r.sk: ORDERS.to_domain(r) for r in OrderRecord.batch_get([(seller_id, sk) for sk in sort_keys])}
    return [found[sk] for sk in sort_keys if sk in found]


# --- the packed layout ----------------------------------------------------------------------------
CHUNK_PREFIX = "ORDERS#"
ORDER_ID_PREFIX = "ORDERID#"
CHUNK_ORDERS = 250  # at most per chunk (~0.1-0.3 KB each compressed: far below 400 KB)
# A day's orders are settled (shipped, delivered) this many days after it (UTC): the archive run then
# compacts its chunks and adds its orders to the archive's order-id index (store/history_archiver.py).
SETTLED_DAYS = 14
# An order's ORDERID# item is kept while the write's compare needs it (the versions of its first weeks)
# and until the archive run has put the order in the order-id index (its day SETTLED_DAYS old; a run
# catches up on the days a missed one left), with a month of missed runs on top; a read by id past it
# goes to the index, then its day's chunks (still hot) or the archive's day. A later version finds no
# item and is appended as new (readers merge by latest). TTL, not a delete: the archive pays no write.
ORDER_ID_DAYS = 45
# An item written once its day may already be indexed (a late first version: a backfill, a newly
# connected seller) lives until the archive moves the day (hot window ~100 days + a month of missed
# runs), as every item did before the index was written at the day's settlement.
ORDER_ID_LATE_DAYS = 130
API, REPORT = "api", "report"  # where a version came from: at the same time, the API's is richer
_RANK = {REPORT: 0, API: 1}


@table("seller_data")
class OrderChunkRecord(AmazonFactItem):
    """ORDERS#<local day of purchase>#<marketplaceId>#<content hash>: the orders of one marketplace and
    local day that one write found new or changed, as gzip JSON lines (`store.history.encode_orders`)."""

    payload = BinaryAttribute(legacy_encoding=False)
    orders = NumberAttribute()
    source = UnicodeAttribute()  # API or REPORT


@table("seller_data")
class OrderIdRecord(SellerItem):
    """ORDERID#<orderId>: the order's marketplace and local day (where its chunks are), and the
    content the store last appended for it (`content_hash` of the version of `content_time`)."""

    marketplace_id = UnicodeAttribute()
    day = UnicodeAttribute()  # yyyy-mm-dd
    content_hash = UnicodeAttribute()
    content_time = UTCDateTimeAttribute()
    # epoch seconds; DynamoDB TTL (ORDER_ID_DAYS after the purchase, ORDER_ID_LATE_DAYS when written
    # late; items written before the index was written at settlement: 130 days)
    expires_at = NumberAttribute()


def chunk_key(day: date, marketplace_id: str, payload: bytes) -> str:
    return f"{CHUNK_PREFIX}{day.isoformat()}#{marketplace_id}#{hashlib.sha256(payload).hexdigest()[:32]}"


def chunk_day(sk: str) -> date:
    return date.fromisoformat(sk[len(CHUNK_PREFIX) : len(CHUNK_PREFIX) + 10])


def content_hash(order: Order) -> str:
    """What the product stores of the order, its time left out: equal for a version that only moves it."""
    body = order.model_dump(mode="json", exclude={"last_updated_time"})
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class StoredOrders:
    """One stored item of orders: a chunk (its versions) or a legacy `ORDER#` item (one order)."""

    sk: str
    written_at: datetime
    source: str
    orders: tuple[Order, ...]
    expires_at: int = 0  # a chunk's (a legacy item's is not read)

    @property
    def chunk(self) -> bool:
        return self.sk.startswith(CHUNK_PREFIX)


def _version_rank(item: StoredOrders, order: Order) -> tuple[datetime, int, datetime, str]:
    return (order.last_updated_time, _RANK.get(item.source, 1), item.written_at, item.sk)


def latest_orders(items: Iterable[StoredOrders]) -> dict[str, tuple[StoredOrders, Order]]:
    """Each order, by id, in its winning version (latest time, then the API's, then the later write)
    and the item holding it: the items must include every item of the orders' days."""
    best: dict[str, tuple[StoredOrders, Order]] = {}
    for item in items:
        for order in item.orders:
            held = best.get(order.order_id)
            if held is None or _version_rank(item, order) > _version_rank(*held):
                best[order.order_id] = (item, order)
    return best


def _stored_chunk(record: OrderChunkRecord) -> StoredOrders:
    return StoredOrders(
        record.sk,
        record.written_at,
        record.source,
        tuple(decode_orders(record.payload)),
        int(record.expires_at or 0),
    )


def _stored_legacy(record: OrderRecord) -> StoredOrders:
    return StoredOrders(record.sk, record.synced_at, API, (ORDERS.to_domain(record),))


def order_chunks(
    seller_id: str,
    first: date,
    last: date,
    *,
    marketplace_id: str | None = None,
    consistent: bool = False,
    newest_first: bool = False,
) -> Iterator[StoredOrders]:
    """The seller's order chunks of the local days [first, last] (one marketplace's, or all), in key
    order (a day's together)."""
    lower, upper = f"{CHUNK_PREFIX}{first.isoformat()}", f"{CHUNK_PREFIX}{last.isoformat()}#~"
    for record in OrderChunkRecord.query(
        seller_id,
        OrderChunkRecord.sk.between(lower, upper),
        consistent_read=consistent,
        scan_index_forward=not newest_first,
    ):
        if marketplace_id is None or record.sk.split("#", 3)[2] == marketplace_id:
            yield _stored_chunk(record)


def legacy_orders(seller_id: str, start: datetime, end: datetime) -> Iterator[StoredOrders]:
    """Legacy `ORDER#` items purchased in [start, end) (the `by_purchase_date` index, then by key)."""
    lower, upper = iso_z(start), iso_z(end)  # "<end>#<orderId>" sorts after "<end>": end is excluded
    keys = [
        r.sk
        for r in OrderRecord.by_purchase_date.query(seller_id, OrderRecord.purchase_sk.between(lower, upper))
    ]
    for first in range(0, len(keys), 100):
        for record in OrderRecord.batch_get([(seller_id, sk) for sk in keys[first : first + 100]]):
            yield _stored_legacy(record)


def _utc_span(first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC instants the local days [first, last] can hold, any time zone (a local day starts at most
    14 hours before its UTC date and ends at most 12 hours after it)."""
    start = datetime.combine(first, datetime.min.time(), tzinfo=UTC) - timedelta(hours=15)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=UTC) + timedelta(hours=13)
    return start, end


def stored_order_items(
    seller_id: str, first: date, last: date, *, marketplace_id: str | None = None, consistent: bool = False
) -> list[StoredOrders]:
    """Every item (chunks, legacy items) holding an order of the local days [first, last]: a legacy
    item is kept whole when its order's local day is in them."""
    items = list(order_chunks(seller_id, first, last, marketplace_id=marketplace_id, consistent=consistent))
    for item in legacy_orders(seller_id, *_utc_span(first, last)):
        order = item.orders[0]
        if first <= order.local_date <= last and marketplace_id in (None, order.marketplace_id):
            items.append(item)
    return items


def orders_of_days(
    seller_id: str, first: date, last: date, *, marketplace_id: str | None = None
) -> dict[str, Order]:
    """The orders of the local days [first, last] (one marketplace's, or all), by id."""
    found = latest_orders(stored_order_items(seller_id, first, last, marketplace_id=marketplace_id))
    return {order_id: order for order_id, (_, order) in found.items()}


def _chunk_records(
    seller_id: str,
    marketplace_id: str,
    day: date,
    versions: Sequence[Order],
    *,
    source: str,
    written_at: datetime,
    expires_at: int,
) -> list[OrderChunkRecord]:
    records = []
    for first in range(0, len(versions), CHUNK_ORDERS):
        part = versions[first : first + CHUNK_ORDERS]
        payload = encode_orders(part)
        records.append(
            OrderChunkRecord(
                seller_id,
                chunk_key(day, marketplace_id, payload),
                payload=payload,
                orders=len(part),
                source=source,
                written_at=written_at,
                expires_at=expires_at,
            )
        )
    return records


def compact_days(seller_id: str, first: date, last: date) -> tuple[int, int]:
    """Each (marketplace, local day) of [first, last] with more than one chunk rewritten as the chunks
    of its winning versions only (a settled day: its orders shipped and delivered, the versions before
    are dead weight until the archive moves the day), then the chunks read deleted, each on its
    `written_at` (a chunk appended meanwhile stays; readers merge it as before). The new chunks carry
    the newest `written_at` and expiry of those they replace, so that a chunk written after the read
    still wins a tie. Returns (chunks removed, chunks written)."""
    days: dict[tuple[str, date], list[StoredOrders]] = {}
    for item in order_chunks(seller_id, first, last, consistent=True):
        days.setdefault((item.sk.split("#", 3)[2], chunk_day(item.sk)), []).append(item)
    removed = written = 0
    for (marketplace_id, day), items in sorted(days.items()):
        if len(items) < 2:
            continue
        winners = sorted((o for _, o in latest_orders(items).values()), key=lambda o: o.order_id)
        records = _chunk_records(
            seller_id,
            marketplace_id,
            day,
            winners,
            source=REPORT if all(i.source == REPORT for i in items) else API,
            written_at=max(i.written_at for i in items),
            expires_at=max(i.expires_at for i in items),
        )
        with OrderChunkRecord.batch_write() as batch:
            for record in records:
                batch.save(record)
        kept = {r.sk for r in records}
        written += len(records)
        for item in items:
            if item.sk in kept:
                continue  # the same payload as before: the item is its own compaction
            try:
                OrderChunkRecord(seller_id, item.sk).delete(
                    condition=OrderChunkRecord.written_at == item.written_at
                )
                removed += 1
            except DeleteError as exc:
                if not condition_failed(exc):
                    raise
    return removed, written


def _classify(
    order: Order, stored: OrderIdRecord | None, legacy: Order | None, *, only_if_newer: bool
) -> VersionChange:
    """`version_change` against what the order's ORDERID# item recorded (else its legacy item)."""
    if stored is None:
        return version_change(legacy, order, only_if_newer=only_if_newer)
    if order.last_updated_time < stored.content_time or (
        only_if_newer and order.last_updated_time <= stored.content_time
    ):
        return VersionChange.NONE
    if content_hash(order) == stored.content_hash:
        return (
            VersionChange.TIME_ONLY if order.last_updated_time > stored.content_time else VersionChange.NONE
        )
    return VersionChange.CONTENT


def _id_records(seller_orders: Iterable[Order]) -> dict[tuple[str, str], OrderIdRecord]:
    keys = sorted({(o.seller_id, f"{ORDER_ID_PREFIX}{o.order_id}") for o in seller_orders})
    return {(r.seller_id, r.sk[len(ORDER_ID_PREFIX) :]): r for r in OrderIdRecord.batch_get(keys)}


def _legacy_versions(orders: Iterable[Order]) -> dict[tuple[str, str], Order]:
    keys = sorted({(o.seller_id, order_key(o.order_id)) for o in orders})
    found = (ORDERS.to_domain(r) for r in OrderRecord.batch_get(keys)) if keys else iter(())
    return {(o.seller_id, o.order_id): o for o in found}


def _latest_unrestricted(orders: Sequence[Order]) -> dict[tuple[str, str], Order]:
    """Per (seller, order), the batch's latest version; none of an order a buyer asked to delete (it
    is never stored again: one read per seller per batch)."""
    restricted = {seller: restricted_order_ids(seller) for seller in {o.seller_id for o in orders}}
    newest: dict[tuple[str, str], Order] = {}
    for order in orders:
        if order.order_id in restricted[order.seller_id]:
            continue
        held = newest.get((order.seller_id, order.order_id))
        if held is None or order.last_updated_time >= held.last_updated_time:
            newest[(order.seller_id, order.order_id)] = order
    return newest


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]
    next_token: str | None


class OrderStore:
    """Data access for orders. Every call names the seller; nothing here reads across sellers."""

    def __init__(
        self,
        *,
        retention: timedelta = timedelta(days=540),
        history: HistoryArchive | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._retention = retention
        # Listings reaching past the hot window also read the archive (store/history.py).
        self._history = history
        self._clock = clock

    def upsert(
        self, orders: Sequence[Order], *, now: datetime | None = None, only_if_newer: bool = False
    ) -> int:
        """Append the orders new or changed to their days' chunks; returns how many changed content.

        Idempotent and never backwards: a page written twice writes the same chunks, and a late page
        of an older, overlapping run adds versions that lose to the newer ones (readers take the
        latest). A version that only moves `last_updated_time` is appended too (so that an older
        version with other content cannot win over it) but does not mark its day's rollups stale.
        `only_if_newer` (report backfill) also keeps an equally recent stored version: the Orders API's
        version of an order is richer (item ids, proceeds) than the All Orders report's.
        """
        synced_at = (now or datetime.now(UTC)).astimezone(UTC)
        source = REPORT if only_if_newer else API
        newest = _latest_unrestricted(orders)
        # what each order last stored (eventually consistent, half a read unit each: a compare that is
        # a write behind only appends a version that readers would have dropped anyway)
        stored = _id_records(newest.values())
        legacy = _legacy_versions(o for key, o in newest.items() if key not in stored)
        appended: dict[tuple[str, str, date], list[Order]] = {}
        changed: list[Order] = []
        recorded: list[Order] = []
        for key, order in sorted(newest.items()):
            kind = _classify(order, stored.get(key), legacy.get(key), only_if_newer=only_if_newer)
            if kind is VersionChange.NONE:
                continue
            appended.setdefault((order.seller_id, order.marketplace_id, order.local_date), []).append(order)
            if kind is VersionChange.CONTENT:
                changed.append(order)
            if (
                kind is VersionChange.CONTENT or key not in stored
            ):  # an order of the earlier layout: found by id
                recorded.append(order)
        expires_at = int((synced_at + self._retention).timestamp())
        with OrderChunkRecord.batch_write() as batch:
            for (seller_id, marketplace_id, day), versions in sorted(appended.items()):
                for record in _chunk_records(
                    seller_id,
                    marketplace_id,
                    day,
                    versions,
                    source=source,
                    written_at=synced_at,
                    expires_at=expires_at,
                ):
                    batch.save(record)
        # after the chunks: an ORDERID# item never names content its chunks do not hold
        for order in recorded:
            self._record_content(order, synced_at)
        touched: dict[str, set[tuple[str, date]]] = {}
        for order in changed:  # the rollups of these (marketplace, local day) are stale
            touched.setdefault(order.seller_id, set()).add((order.marketplace_id, order.local_date))
        for seller_id, days in touched.items():
            DirtyDays().mark_each(seller_id, days, reason="orders")
        return len(changed)

    def _record_content(self, order: Order, synced_at: datetime) -> None:
        created = order.created_time.astimezone(UTC)
        # written before its day settles, the archive run indexes the order after this write: the
        # item can go before the day leaves DynamoDB (ORDER_ID_DAYS); never past the order's own
        # retention from this write
        indexed_later = synced_at.date() < order.local_date + timedelta(days=SETTLED_DAYS)
        days = ORDER_ID_DAYS if indexed_later else ORDER_ID_LATE_DAYS
        expires = min(created + timedelta(days=days), synced_at + self._retention)
        record = OrderIdRecord(
            order.seller_id,
            f"{ORDER_ID_PREFIX}{order.order_id}",
            marketplace_id=order.marketplace_id,
            day=order.local_date.isoformat(),
            content_hash=content_hash(order),
            content_time=order.last_updated_time,
            expires_at=int(expires.timestamp()),
        )
        try:  # an overlapping run may have recorded a later version meanwhile: that one stays
            record.save(
                condition=OrderIdRecord.sk.does_not_exist()
                | (OrderIdRecord.content_time <= order.last_updated_time)
            )
        except PutError as exc:
            if not condition_failed(exc):
                raise

    def get(self, seller_id: str, order_id: str) -> Order:
        """The order from DynamoDB, else (with the archive) from its day's history object."""
        recorded = self._where(seller_id, order_id)
        indexed = None if recorded is not None else self._indexed(seller_id, order_id)
        found = self._stored(seller_id, order_id, recorded or indexed)
        if found is not None:
            return found
        if recorded is not None:  # archived (or erased) meanwhile: the index says which
            indexed = self._indexed(seller_id, order_id)
        archived = self._history.day(seller_id, *indexed) if self._history and indexed else None
        if archived is None or order_id not in archived.orders:
            raise OrderNotFound(f"order {order_id} not found")
        return archived.orders[order_id]

    @staticmethod
    def _where(seller_id: str, order_id: str) -> tuple[str, date] | None:
        try:
            record = OrderIdRecord.get(seller_id, f"{ORDER_ID_PREFIX}{order_id}", consistent_read=True)
        except DoesNotExist:
            return None
        return record.marketplace_id, date.fromisoformat(record.day)

    def _indexed(self, seller_id: str, order_id: str) -> tuple[str, date] | None:
        """(marketplace, local day) of an order without an ORDERID# item (expired, or erased) from the
        archive's order-id index, which has it from its day's settlement on, else a locator the job
        wrote before the index existed; None without the archive. The order's versions are in that
        day's chunks while it is hot, in its history object after."""
        if self._history is None:
            return None
        return self._history.locate(seller_id, order_id) or legacy_locate(seller_id, order_id)

    @staticmethod
    def _chunks_holding(
        seller_id: str, order_id: str, where: tuple[str, date]
    ) -> builtins.list[StoredOrders]:
        marketplace_id, day = where
        chunks = order_chunks(seller_id, day, day, marketplace_id=marketplace_id, consistent=True)
        return [c for c in chunks if any(o.order_id == order_id for o in c.orders)]

    def _stored(self, seller_id: str, order_id: str, where: tuple[str, date] | None) -> Order | None:
        items = self._chunks_holding(seller_id, order_id, where) if where is not None else []
        with contextlib.suppress(DoesNotExist):
            items.append(
                _stored_legacy(OrderRecord.get(seller_id, order_key(order_id), consistent_read=True))
            )
        best = latest_orders(items).get(order_id)
        return best[1] if best is not None else None

    def erase_order(self, seller_id: str, order_id: str) -> builtins.list[tuple[str, date]]:
        """A buyer's deletion request: each chunk holding a version of the order rewritten without it
        (deleted when nothing is left; same write time and expiry), its ORDERID# item deleted; the
        (marketplace, local day) it was in, if DynamoDB held it. Found by its ORDERID# item, else (the
        item expired, the chunks still hot) by the archive's order-id index: a store without the
        archive cannot find the latter. The caller deletes a legacy `ORDER#` item, then the archive's
        copy and index entry."""
        recorded = self._where(seller_id, order_id)
        where = recorded or self._indexed(seller_id, order_id)
        if where is None:
            return []
        marketplace_id, day = where
        holding = self._chunks_holding(seller_id, order_id, where)
        for item in holding:
            kept = [o for o in item.orders if o.order_id != order_id]
            record = OrderChunkRecord.get(seller_id, item.sk, consistent_read=True)
            if kept:
                payload = encode_orders(kept)
                OrderChunkRecord(
                    seller_id,
                    chunk_key(day, marketplace_id, payload),
                    payload=payload,
                    orders=len(kept),
                    source=record.source,
                    written_at=record.written_at,
                    expires_at=record.expires_at,
                ).save()
            try:
                record.delete(condition=OrderChunkRecord.written_at == item.written_at)
            except DeleteError as exc:
                if not condition_failed(exc):
                    raise
                raise RuntimeError(
                    f"order chunk {item.sk} was rewritten meanwhile: run the deletion request again"
                ) from exc
        if recorded is not None:
            OrderIdRecord(seller_id, f"{ORDER_ID_PREFIX}{order_id}").delete()
        return [(marketplace_id, day)] if recorded is not None or holding else []

    def count(self, seller_id: str) -> int:
        return sum(1 for _ in self.all_for_seller(seller_id))

    def all_for_seller(self, seller_id: str) -> Iterable[Order]:
        """Every order DynamoDB holds for the seller (not the archive's), in its winning version."""
        items = [
            _stored_chunk(r)
            for r in OrderChunkRecord.query(seller_id, OrderChunkRecord.sk.startswith(CHUNK_PREFIX))
        ]
        items += [
            _stored_legacy(r) for r in OrderRecord.query(seller_id, OrderRecord.sk.startswith(ORDER_PREFIX))
        ]
        for _, order in sorted(latest_orders(items).values(), key=lambda held: held[1].order_id):
            yield order

    def list(
        self,
        seller_id: str,
        *,
        created_from: datetime,
        created_to: datetime,
        statuses: Sequence[str] = (),
        limit: int = 50,
        next_token: str | None = None,
    ) -> OrderPage:
        """Orders created in [created_from, created_to), newest first, one page at a time.

        Reads a span of UTC days at a time, newest first (one day, doubling while the days read hold
        fewer orders than the page wants): the chunks of the local days the span touches, the legacy
        items, and past the hot window the archive's objects (DynamoDB's version of an order wins).
        The page token is the purchase key to continue below."""
        wanted = set(statuses)
        # nothing is stored from the future or past the retention: the days walked stay few
        now = self._clock()
        created_to = min(created_to, now + timedelta(days=2))
        created_from = max(created_from, now - self._retention - timedelta(days=30))
        if created_from >= created_to:
            return OrderPage(orders=[], next_token=None)
        cursor = iso_z(created_to)
        if next_token:
            cursor = min(cursor, _decode_listing_token(next_token, seller_id))
        lower = iso_z(created_from)
        boundary = never_archived_from(self._clock(), self._history.hot_days) if self._history else None
        floor = _day_floor(created_from)
        span = 1
        page: builtins.list[Order] = []
        day_end = _day_after(cursor)
        while day_end > created_from:
            day_start = max(day_end - timedelta(days=span), floor)
            kept = sorted(
                (
                    o
                    for o in self._orders_between(seller_id, day_start, day_end, boundary)
                    if lower <= purchase_key(o.created_time, o.order_id) < cursor
                    and (not wanted or o.status in wanted)
                ),
                key=lambda o: purchase_key(o.created_time, o.order_id),
                reverse=True,
            )
            room = limit - len(page)
            page += kept[:room]
            if len(kept) >= room:
                more = len(kept) > room or day_start > created_from
                last = page[-1] if page else None
                token = (
                    _encode_cursor(purchase_key(last.created_time, last.order_id), seller_id)
                    if more and last is not None
                    else None
                )
                return OrderPage(orders=page, next_token=token)
            cursor = iso_z(day_start)
            day_end = day_start
            span = min(span * 2, 64)  # sparse days: read more of them at once
        return OrderPage(orders=page, next_token=None)

    def _orders_between(
        self, seller_id: str, start: datetime, end: datetime, boundary: datetime | None
    ) -> builtins.list[Order]:
        """Orders purchased in [start, end) (UTC day bounds), any marketplace: DynamoDB's chunks and
        legacy items, and the archive's days when the span reaches past `boundary`."""
        first, last = (
            start.date() - timedelta(days=1),
            (end - timedelta(microseconds=1)).date() + timedelta(days=1),
        )
        items = list(order_chunks(seller_id, first, last))
        items += legacy_orders(seller_id, start, end)
        found = {
            order_id: order
            for order_id, (_, order) in latest_orders(items).items()
            if start <= order.created_time < end
        }
        if self._history is not None and boundary is not None and start < boundary:
            history = self._history
            now = self._clock()
            for marketplace_id in history.marketplaces(seller_id):
                days = history.days_reached(marketplace_id, start, end - timedelta(seconds=1), now)
                for o in history.orders(seller_id, marketplace_id, days):
                    if start <= o.created_time < end:
                        found.setdefault(o.order_id, o)  # DynamoDB wins
        return builtins.list(found.values())


def _day_floor(instant: datetime) -> datetime:
    at = instant.astimezone(UTC)
    return datetime(at.year, at.month, at.day, tzinfo=UTC)


def _day_after(cursor: str) -> datetime:
    """The end of the UTC day holding the purchase key `cursor` (exclusive bound of a listing)."""
    at = datetime.fromisoformat(cursor.split("#", 1)[0].replace("Z", "+00:00")).astimezone(UTC)
    floor = _day_floor(at)
    return floor if floor == at and "#" not in cursor else floor + timedelta(days=1)


def _encode_cursor(cursor: str, seller_id: str) -> str:
    payload = json.dumps({"s": seller_id, "a": cursor}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode_listing_token(token: str, seller_id: str) -> str:
    """The purchase key a listing's page token continues below (a token of the earlier layout, a
    `by_purchase_date` start key, continues below its purchase key)."""
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        cursor = payload.get("a") if isinstance(payload, dict) else None
    except (ValueError, TypeError):
        raise InvalidInput("next_token is not a token this API issued") from None
    if cursor is None:
        return str(decode_page_token(token, seller_id)["purchase_sk"]["S"])
    if payload.get("s") != seller_id:
        raise InvalidInput("next_token was issued for a different listing")
    if not isinstance(cursor, str) or len(cursor) > 200:
        raise InvalidInput("next_token is not a token this API issued")
    try:
        datetime.fromisoformat(cursor.split("#", 1)[0].replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("next_token is not a token this API issued") from None
    return cursor


def encode_page_token(last_key: dict[str, Any], seller_id: str) -> str:
    """An opaque cursor that only works for the seller it was issued for."""
    payload = json.dumps({"s": seller_id, "k": last_key}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_page_token(token: str, seller_id: str) -> dict[str, Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        key = payload["k"]
        owner = payload["s"]
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("next_token is not a token this API issued") from None
    if owner != seller_id or not isinstance(key, dict):
        raise InvalidInput("next_token was issued for a different listing")
    # Exactly the keys of the by_purchase_date index, each a string attribute: anything else was
    # not issued here, and must not reach DynamoDB as a start key.
    if set(key) != {"seller_id", "sk", "purchase_sk"} or not all(
        isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values()
    ):
        raise InvalidInput("next_token is not a token this API issued")
    if key["seller_id"]["S"] != seller_id:
        raise InvalidInput("next_token was issued for a different listing")
    return key


def order_export_rows(items: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """A seller-data partition's items (plain values, in key order) for the export: a day's order
    chunks as one row per order in its winning version, with a legacy item's key (`ORDER#<orderId>`);
    other items as they are."""
    day: list[StoredOrders] = []
    meta: dict[str, dict[str, Any]] = {}

    def flush() -> Iterator[dict[str, Any]]:
        for _, (item, order) in sorted(latest_orders(day).items()):
            yield {
                "seller_id": order.seller_id,
                "sk": order_key(order.order_id),
                **order.model_dump(mode="json", exclude={"seller_id"}),
                "written_at": meta[item.sk].get("written_at"),
                "expires_at": meta[item.sk].get("expires_at"),
            }
        day.clear()

    for item in items:
        sk = str(item.get("sk", ""))
        payload = item.get("payload")
        if not sk.startswith(CHUNK_PREFIX) or payload is None:
            yield from flush()
            yield item
            continue
        if day and chunk_day(day[0].sk) != chunk_day(sk):
            yield from flush()
        body = payload.value if hasattr(payload, "value") else payload  # boto3's Binary
        try:  # PynamoDB's format, `2026-12-05T08:00:00.000000+0000`: only a tie-break here
            written_at = datetime.strptime(str(item.get("written_at")), "%Y-%m-%dT%H:%M:%S.%f%z")
        except ValueError:
            written_at = datetime.min.replace(tzinfo=UTC)
        day.append(
            StoredOrders(sk, written_at, str(item.get("source", API)), tuple(decode_orders(bytes(body))))
        )
        meta[sk] = item
    yield from flush()
