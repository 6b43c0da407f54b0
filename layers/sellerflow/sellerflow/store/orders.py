"""Orders in the seller-data table: idempotent upserts and seller-scoped reads."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
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

from sellerflow.calendar import local_day
from sellerflow.domain import Order, OrderLine
from sellerflow.errors import InvalidInput, OrderNotFound
from sellerflow.store.facts_control import DirtyDays
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
    return f"{created_time.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}#{order_id}"


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

    def __init__(self, *, retention: timedelta = timedelta(days=540)) -> None:
        self._retention = retention

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
        try:
            return ORDERS.to_domain(OrderRecord.get(seller_id, order_key(order_id)))
        except DoesNotExist:
            raise OrderNotFound(f"order {order_id} not found") from None

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
        """Orders created in [created_from, created_to), newest first, one page at a time."""
        lower = created_from.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        upper = created_to.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        start_key = decode_page_token(next_token, seller_id) if next_token else None
        wanted = set(statuses)
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
        token = encode_page_token(last_key, seller_id) if last_key else None
        return OrderPage(orders=orders, next_token=token)


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
