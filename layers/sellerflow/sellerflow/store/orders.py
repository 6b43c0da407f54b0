"""Orders in the seller-data table: idempotent upserts and seller-scoped reads."""

from __future__ import annotations

import base64
import builtins
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection

from sellerflow.calendar import iso_z, local_day, never_archived_from
from sellerflow.domain import Order, OrderLine
from sellerflow.errors import InvalidInput, OrderNotFound
from sellerflow.store.facts_control import DirtyDays
from sellerflow.store.history import HistoryArchive
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.privacy import restricted_order_ids
from sellerflow.store.tables import SellerItem, condition_failed, table

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
    """ORDER#<orderId>: an order, its lines embedded (the other attributes: `ORDERS`)."""

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


def _stored_versions(orders: Sequence[Order]) -> dict[tuple[str, str], Order]:
    """The stored versions of these orders (one consistent BatchGetItem per 100: a read unit is a
    fifth of the price of the write it can save)."""
    keys = {(o.seller_id, order_key(o.order_id)) for o in orders}
    found: dict[tuple[str, str], Order] = {}
    for record in OrderRecord.batch_get(sorted(keys), consistent_read=True):
        order = ORDERS.to_domain(record)
        found[(order.seller_id, order.order_id)] = order
    return found


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


def _advance_version(order: Order) -> None:
    OrderRecord(order.seller_id, order_key(order.order_id)).update(
        actions=[OrderRecord.last_updated_time.set(order.last_updated_time)],
        condition=OrderRecord.sk.exists() & (OrderRecord.last_updated_time < order.last_updated_time),
    )


def orders_by_key(seller_id: str, sort_keys: Sequence[str]) -> list[Order]:
    """The orders of one seller with these `sk`s, in that order (the index keeps only keys and the
    filtered attributes: BatchGetItem, 100 keys a request). An order deleted meanwhile is left out."""
    if not sort_keys:
        return []
    found = {r.sk: ORDERS.to_domain(r) for r in OrderRecord.batch_get([(seller_id, sk) for sk in sort_keys])}
    return [found[sk] for sk in sort_keys if sk in found]


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
        """Write orders (one item each, lines embedded); returns how many were written.

        Idempotent and never backwards: an order is written only when it is new or at least as
        recent (lastUpdatedTime) as the stored version, so a page written twice is harmless and a
        late page of an older, overlapping run cannot replace a newer version of an order.
        `only_if_newer` (report backfill) also keeps an equally recent stored version: the Orders
        API's version of an order is richer (item ids, proceeds) than the All Orders report's.
        """
        synced_at = now or datetime.now(UTC)
        written = 0
        touched: dict[str, set[tuple[str, date]]] = {}
        # Orders a buyer asked to delete are never stored again (one read per seller per batch).
        restricted = {seller: restricted_order_ids(seller) for seller in {o.seller_id for o in orders}}
        kept = [o for o in orders if o.order_id not in restricted[o.seller_id]]
        stored = _stored_versions(kept)
        for order in kept:
            previous = stored.get((order.seller_id, order.order_id))
            change = version_change(previous, order, only_if_newer=only_if_newer)
            if change is VersionChange.NONE:
                continue  # stored already, or a newer version is: nothing to write
            try:
                if change is VersionChange.TIME_ONLY and previous is not None:
                    # Same content, a later lastUpdatedTime: move the stored version's time on (a small
                    # update, no index write, no stale rollup) so an older overlapping run's page of
                    # this order still cannot replace it.
                    _advance_version(order)
                    continue
                record = ORDERS.to_record(
                    order, synced_at=synced_at, expires_at=int((synced_at + self._retention).timestamp())
                )
                newer = (
                    OrderRecord.last_updated_time < order.last_updated_time
                    if only_if_newer
                    else OrderRecord.last_updated_time <= order.last_updated_time
                )
                record.save(condition=OrderRecord.sk.does_not_exist() | newer)
            except (PutError, UpdateError) as exc:
                if not condition_failed(exc):
                    raise
                continue  # the stored version is newer
            written += 1
            touched.setdefault(order.seller_id, set()).add(
                (order.marketplace_id, local_day(order.marketplace_id, order.created_time))
            )
        for seller_id, days in touched.items():  # the rollups of these (marketplace, local day) are stale
            DirtyDays().mark_each(seller_id, days, reason="orders")
        return written

    def get(self, seller_id: str, order_id: str) -> Order:
        """The order from DynamoDB, else (with the archive) from its day's history object."""
        try:
            return ORDERS.to_domain(OrderRecord.get(seller_id, order_key(order_id)))
        except DoesNotExist:
            archived = self._archived(seller_id, order_id)
            if archived is None:
                raise OrderNotFound(f"order {order_id} not found") from None
            return archived

    def _archived(self, seller_id: str, order_id: str) -> Order | None:
        if self._history is None:
            return None
        # the archive's order-id index, else a locator the job wrote before the index existed
        where = self._history.locate(seller_id, order_id) or legacy_locate(seller_id, order_id)
        day = self._history.day(seller_id, *where) if where is not None else None
        return day.orders.get(order_id) if day is not None else None

    def count(self, seller_id: str) -> int:
        return sum(1 for _ in OrderRecord.query(seller_id, OrderRecord.sk.startswith(ORDER_PREFIX)))

    def all_for_seller(self, seller_id: str) -> Iterable[Order]:
        for record in OrderRecord.query(seller_id, OrderRecord.sk.startswith(ORDER_PREFIX)):
            yield ORDERS.to_domain(record)

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

        Past the hot window the orders are also in the archive: the listing reads DynamoDB alone down
        to `never_archived_from`, then a UTC day at a time both DynamoDB and the archive's objects of
        the local days that day touches (DynamoDB's version of an order wins); its page token is then
        the purchase key to continue below."""
        wanted = set(statuses)
        start_key, cursor = _decode_listing_token(next_token, seller_id) if next_token else (None, None)
        boundary = never_archived_from(self._clock(), self._history.hot_days) if self._history else None
        if boundary is None or created_from >= boundary:
            orders, last_key = self._list_hot(seller_id, created_from, created_to, wanted, limit, start_key)
            return OrderPage(
                orders=orders, next_token=encode_page_token(last_key, seller_id) if last_key else None
            )
        hot: builtins.list[Order] = []
        if cursor is None:
            cursor = iso_z(min(created_to, boundary))
            if created_to > boundary:
                hot, last_key = self._list_hot(seller_id, boundary, created_to, wanted, limit, start_key)
                if last_key:
                    return OrderPage(orders=hot, next_token=encode_page_token(last_key, seller_id))
                if len(hot) >= limit:
                    return OrderPage(orders=hot, next_token=_encode_cursor(cursor, seller_id))
        older, cursor_left = self._list_cold(seller_id, created_from, cursor, wanted, limit - len(hot))
        token = _encode_cursor(cursor_left, seller_id) if cursor_left else None
        return OrderPage(orders=hot + older, next_token=token)

    def _list_hot(
        self,
        seller_id: str,
        created_from: datetime,
        created_to: datetime,
        wanted: set[str],
        limit: int,
        start_key: dict[str, Any] | None,
    ) -> tuple[builtins.list[Order], dict[str, Any] | None]:
        """A page of the `by_purchase_date` index's orders (DynamoDB only), newest first."""
        lower = iso_z(created_from)
        upper = iso_z(created_to)
        orders: list[Order] = []
        last_key: dict[str, Any] | None = start_key
        # The status filter applies to the orders read by key (the index does not keep the status: an
        # order's shipping would rewrite its entry); it can empty a page, so keep reading until the
        # caller's page is full or data ends.
        while True:
            result = OrderRecord.by_purchase_date.query(
                seller_id,
                OrderRecord.purchase_sk.between(lower, upper + "~"),
                scan_index_forward=False,
                limit=limit - len(orders),
                last_evaluated_key=last_key,
            )
            keys = [record.sk for record in result if record.purchase_sk < upper]
            orders.extend(o for o in orders_by_key(seller_id, keys) if not wanted or o.status in wanted)
            last_key = result.last_evaluated_key
            if not last_key or len(orders) >= limit:
                break
        return orders, last_key

    def _list_cold(
        self, seller_id: str, created_from: datetime, cursor: str, wanted: set[str], limit: int
    ) -> tuple[builtins.list[Order], str | None]:
        """Orders with a purchase key in [created_from, cursor), newest first, from DynamoDB and the
        archive a UTC day at a time; the purchase key to continue below when the page is full."""
        assert self._history is not None
        history = self._history
        now = self._clock()
        marketplaces = history.marketplaces(seller_id)
        lower = iso_z(created_from)
        day = datetime.fromisoformat(cursor.split("#", 1)[0].replace("Z", "+00:00")).astimezone(UTC)
        day_start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        if iso_z(day_start) == cursor:
            day_start -= timedelta(days=1)  # the cursor is a day's first instant: that day is excluded
        page: list[Order] = []
        while day_start + timedelta(days=1) > created_from and limit > 0:
            day_end = day_start + timedelta(days=1)
            low = max(lower, iso_z(day_start))
            keys = [
                r.sk
                for r in OrderRecord.by_purchase_date.query(
                    seller_id, OrderRecord.purchase_sk.between(low, min(cursor, iso_z(day_end)))
                )
                if r.purchase_sk < cursor
            ]
            found = {o.order_id: o for o in _archived_in(history, seller_id, marketplaces, day_start, now)}
            found.update((o.order_id, o) for o in orders_by_key(seller_id, keys))  # DynamoDB wins
            kept = sorted(
                (
                    o
                    for o in found.values()
                    if low <= purchase_key(o.created_time, o.order_id) < cursor
                    and (not wanted or o.status in wanted)
                ),
                key=lambda o: purchase_key(o.created_time, o.order_id),
                reverse=True,
            )
            if len(kept) >= limit:
                page += kept[:limit]
                last = page[-1]
                return page, purchase_key(last.created_time, last.order_id)
            page += kept
            limit -= len(kept)
            cursor = iso_z(day_start)
            day_start -= timedelta(days=1)
        return page, None


def _archived_in(
    history: HistoryArchive, seller_id: str, marketplaces: Sequence[str], day_start: datetime, now: datetime
) -> Iterable[Order]:
    """The archived orders purchased in the UTC day starting at `day_start`, any marketplace."""
    day_end = day_start + timedelta(days=1)
    for marketplace_id in marketplaces:
        days = history.days_reached(marketplace_id, day_start, day_end - timedelta(seconds=1), now)
        yield from (
            o
            for o in history.orders(seller_id, marketplace_id, days)
            if day_start <= o.created_time < day_end
        )


def _encode_cursor(cursor: str, seller_id: str) -> str:
    payload = json.dumps({"s": seller_id, "a": cursor}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode_listing_token(token: str, seller_id: str) -> tuple[dict[str, Any] | None, str | None]:
    """(DynamoDB start key, None) or (None, archive cursor) of a listing's page token."""
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        cursor = payload.get("a") if isinstance(payload, dict) else None
    except (ValueError, TypeError):
        raise InvalidInput("next_token is not a token this API issued") from None
    if cursor is None:
        return decode_page_token(token, seller_id), None
    if payload.get("s") != seller_id:
        raise InvalidInput("next_token was issued for a different listing")
    if not isinstance(cursor, str) or len(cursor) > 200:
        raise InvalidInput("next_token is not a token this API issued")
    try:
        datetime.fromisoformat(cursor.split("#", 1)[0].replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("next_token is not a token this API issued") from None
    return None, cursor


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
