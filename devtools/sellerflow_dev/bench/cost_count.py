"""Count what the cost model would otherwise assume: DynamoDB request units and stored bytes per order.

Runs the real `OrderStore.upsert` against the template's tables in moto on a seller purchasing at a
given rate (the simulator seller's orders, mapped by the sync's own `to_order`, over again), each
order through three versions (created, shipped, delivered), in pages of 100 as the hourly sync
writes them (`count_order_writes`), and the finance transactions likewise; and sizes every request as DynamoDB bills it: ceil(item
bytes / 1 KB) per written item, again per global secondary index whose entry the write creates,
changes or removes (the projection from the template decides what an entry holds), ceil(bytes /
4 KB) per item read (a Query's items together; half unless strongly consistent). A conditional write that fails still costs
its units. Item bytes follow DynamoDB's rule: attribute name lengths plus value sizes (strings
UTF-8, numbers ~1 byte per 2 digits + 1, maps and lists 3 bytes + their elements).
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pynamodb.connection.base import Connection

if TYPE_CHECKING:
    from sellerflow.domain import Order
    from sellerflow_dev.local.stack import LocalStack

REGION = "us-east-1"
ROOT = Path(__file__).resolve().parents[3]


def attribute_bytes(value: Mapping[str, Any]) -> int:
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        digits = str(inner).lstrip("-").replace(".", "").lstrip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_bytes({kind[0]: v}) for v in inner)
    if kind == "M":
        return 3 + item_bytes(inner)
    if kind == "L":
        return 3 + sum(1 + attribute_bytes(v) for v in inner)
    raise ValueError(kind)


def item_bytes(item: Mapping[str, Mapping[str, Any]]) -> int:
    return sum(len(name.encode()) + attribute_bytes(value) for name, value in item.items())


@dataclass(frozen=True)
class IndexShape:
    """One global secondary index as the template declares it: its key and what it projects."""

    keys: tuple[str, ...]
    projected: frozenset[str] | None  # None: ALL

    def copy_of(self, item: Mapping[str, Any], table_keys: Sequence[str]) -> dict[str, Any] | None:
        if not all(key in item for key in self.keys):
            return None  # a sparse index: the item is not in it
        if self.projected is None:
            return dict(item)
        names = {*self.keys, *table_keys, *self.projected}
        return {name: value for name, value in item.items() if name in names}


@dataclass(frozen=True)
class TableShape:
    keys: tuple[str, ...]
    indexes: tuple[IndexShape, ...] = ()


@dataclass
class WriteCount:
    wru: float = 0
    rru: float = 0
    marker_wru: float = 0  # of `wru`: the dirty-day markers (DIRTY#...), one per (marketplace, day) and write
    # of `wru` (puts and batch puts): per kind of item, the sort key's first segment (ORDERID, ORDERS, ...)
    wru_by_kind: dict[str, float] = field(default_factory=dict)
    requests: int = 0
    stored_bytes: list[int] = field(default_factory=list)
    # (table, key) -> the item as stored, to size index writes (DynamoDB writes an index entry only
    # when the item enters or leaves it or a projected attribute changes) and stored bytes
    items: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = field(default_factory=dict)


def table_shapes(template: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, TableShape]:
    """`names`: logical id -> table name. Each table's key and indexes from the template."""
    shapes: dict[str, TableShape] = {}
    for logical, name in names.items():
        properties = template["Resources"][logical]["Properties"]
        indexes = []
        for index in properties.get("GlobalSecondaryIndexes", []):
            projection = index["Projection"]
            kind = projection["ProjectionType"]
            indexes.append(
                IndexShape(
                    keys=tuple(k["AttributeName"] for k in index["KeySchema"]),
                    projected=None
                    if kind == "ALL"
                    else frozenset(projection.get("NonKeyAttributes", []) if kind == "INCLUDE" else []),
                )
            )
        shapes[name] = TableShape(tuple(k["AttributeName"] for k in properties["KeySchema"]), tuple(indexes))
    return shapes


class _Meter:
    """Sizes each request as DynamoDB bills it (see `counting_writes`) and keeps the items written."""

    def __init__(self, shapes: Mapping[str, TableShape], count: WriteCount) -> None:
        self.shapes = shapes
        self.count = count

    def key_of(self, table: str, item: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(json.dumps(item.get(k), sort_keys=True) for k in self.shapes[table].keys)

    def stored(self, table: str, item: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.count.items.get((table, self.key_of(table, item)))

    def write_units(self, table: str, new: Mapping[str, Any] | None, old: Mapping[str, Any] | None) -> float:
        shape = self.shapes.get(table, TableShape(()))
        units = float(math.ceil(max(item_bytes(new or {}), item_bytes(old or {})) / 1024) or 1)
        for index in shape.indexes:
            before = index.copy_of(old, shape.keys) if old else None
            after = index.copy_of(new, shape.keys) if new else None
            if before != after:
                units += math.ceil(max(item_bytes(before or {}), item_bytes(after or {})) / 1024) or 1
        return units

    def puts(self, operation: str, kwargs: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
        """The items a PutItem or BatchWriteItem writes (charged before it is sent: a failed
        conditional put pays too); a batch's deletes cost 1 unit each."""
        if operation == "PutItem":
            writes = {kwargs["TableName"]: [{"PutRequest": {"Item": kwargs["Item"]}}]}
        elif operation == "BatchWriteItem":
            writes = kwargs["RequestItems"]
        else:
            return []
        items = []
        for table, requests in writes.items():
            for request in requests:
                if "PutRequest" not in request:
                    self.count.wru += 1
                    continue
                item = request["PutRequest"]["Item"]
                units = self.write_units(table, item, self.stored(table, item))
                self.count.wru += units
                kind = str(item.get("sk", {}).get("S", "")).split("#", 1)[0]
                self.count.wru_by_kind[kind] = self.count.wru_by_kind.get(kind, 0.0) + units
                if kind == "DIRTY":
                    self.count.marker_wru += units
                items.append((table, item))
        return items

    def keep(self, table: str, item: Mapping[str, Any]) -> None:
        self.count.items[(table, self.key_of(table, item))] = dict(item)
        self.count.stored_bytes.append(item_bytes(item))

    def update(self, kwargs: Mapping[str, Any], *, failed: bool) -> None:
        """An UpdateItem, sized by the item it updates (the attributes it sets are small)."""
        table, key = kwargs["TableName"], kwargs["Key"]
        old = self.stored(table, key)
        if old is None:
            self.count.wru += 1
            return
        self.count.wru += self.write_units(table, old, old)  # no index key or projected attribute is set
        if not failed:
            self.count.items[(table, self.key_of(table, key))] = dict(old)

    def reads(self, operation: str, kwargs: Mapping[str, Any], response: Mapping[str, Any]) -> None:
        def units(items: Iterable[Mapping[str, Any]], consistent: bool) -> float:
            return sum(math.ceil(item_bytes(i) / 4096) or 1 for i in items) * (1 if consistent else 0.5)

        if operation == "BatchGetItem":
            for table, items in response.get("Responses", {}).items():
                self.count.rru += units(items, bool(kwargs["RequestItems"][table].get("ConsistentRead")))
        elif operation == "GetItem" and "Item" in response:
            self.count.rru += units([response["Item"]], bool(kwargs.get("ConsistentRead")))
        elif operation == "Query":  # the items' bytes together, rounded up to 4 KB once
            size = sum(item_bytes(i) for i in response.get("Items", []))
            self.count.rru += (math.ceil(size / 4096) or 1) * (1 if kwargs.get("ConsistentRead") else 0.5)


@contextmanager
def counting_writes(shapes: Mapping[str, TableShape]) -> Iterator[WriteCount]:
    """Request units of every write and read PynamoDB sends inside the block, as DynamoDB bills them.

    Writes: ceil(item KB) for the table, and per index whose entry is created, changed or removed
    ceil(index entry KB) (an update is sized by the larger of the old and new item; a failed
    conditional write pays like a successful one). Reads: ceil(item / 4 KB) (a Query: of its items'
    bytes together), half that unless strongly consistent. `shapes`: table name -> its keys and indexes (`table_shapes`)."""
    count = WriteCount()
    meter = _Meter(shapes, count)
    original = Connection._make_api_call  # noqa: SLF001 - PynamoDB's one request path

    def counting(self: Connection, operation_name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        written = meter.puts(operation_name, kwargs)
        if operation_name in ("PutItem", "UpdateItem", "BatchWriteItem", "DeleteItem"):
            count.requests += 1
        try:
            response = original(self, operation_name, kwargs)
        except Exception:
            if operation_name == "UpdateItem":
                meter.update(kwargs, failed=True)
            raise
        for table, item in written:
            meter.keep(table, item)
        if operation_name == "UpdateItem":
            meter.update(kwargs, failed=False)
        meter.reads(operation_name, kwargs, response)
        return response

    Connection._make_api_call = counting  # type: ignore[method-assign,assignment]  # noqa: SLF001
    try:
        yield count
    finally:
        Connection._make_api_call = original  # type: ignore[method-assign]  # noqa: SLF001


@dataclass(frozen=True)
class OrderWrites:
    orders_per_day: int
    versions: int  # order versions written in the counted hours
    wru_per_order_version: float  # chunks and ORDERID items, without the dirty-day markers
    rru_per_order_version: float  # the write's compare (ORDERID items, earlier-layout items)
    markers_per_page: float  # dirty-day markers per page written
    kb_per_order: (
        float  # stored: its versions' share of the chunks (with their 100-byte overhead), its ORDERID item
    )
    items_per_order: float  # chunk items per order over its versions: what the archive deletes
    rollup_rru_per_order: float  # a dirty day's read (eventually consistent Query of its chunks), per order
    archive_rru_per_order: float  # the archive's read of a day's chunks (strongly consistent), per order
    order_id_kb: float  # an ORDERID# item with its 100-byte overhead (kept ORDER_ID_DAYS)
    order_id_wru_per_order: float  # of `wru_per_order_version` x its versions: its ORDERID# item's writes
    # a settled day compacted (store.orders.compact_days): its winning versions' chunks, per order
    compacted_kb_per_order: float
    compacted_items_per_order: float


# The versions an order goes through (docs/cost.md): created, shipped (status and the lines' shipped
# quantities change), delivered (only lastUpdatedTime moves: nothing the product stores changes).
def _versions(order: Order, version: int, at: datetime | None = None) -> Order:
    if version == 0:
        return order
    later = at or order.last_updated_time + timedelta(hours=24 * version)
    if version == 1:
        lines = tuple(
            line.model_copy(update={"quantity_shipped": line.quantity_ordered}) for line in order.lines
        )
        return order.model_copy(update={"status": "SHIPPED", "lines": lines, "last_updated_time": later})
    return _versions(order, 1).model_copy(update={"last_updated_time": later})


VERSIONS = 3


@contextmanager
def _moto_tables() -> Iterator[dict[str, TableShape]]:
    """moto with the template's tables, the stores bound to them; yields each table's shape."""
    import boto3
    from moto import mock_aws

    from sellerflow.settings import Settings
    from sellerflow.store.tables import bind_tables
    from sellerflow_dev.local.provision import create_dynamodb_tables
    from sellerflow_dev.local.template import load_template

    template = load_template(ROOT / "template.yaml")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        os.environ.setdefault(name, "testing")  # moto's; never real credentials
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        tables = create_dynamodb_tables(template, boto3.client("dynamodb", region_name=REGION))
        # the stores read their table names from the environment, as a function's settings do
        names = {
            "SELLER_DATA_TABLE": "SellerDataTable",
            "SELLERS_TABLE": "SellersTable",
            "AUDIT_TABLE": "AuditTable",
        }
        os.environ.update({variable: tables[logical] for variable, logical in names.items()})
        bind_tables(Settings())
        shapes = table_shapes(template, tables)
        shapes["SellerDataTable"] = shapes[tables["SellerDataTable"]]
        yield shapes


SHIP_HOURS = (12, 48)  # from purchase to shipment (the shipped version), uniform
DELIVER_HOURS = (60, 120)  # from shipment to delivery (the delivered version), uniform


def _dense_orders(
    orders_per_day: int, start: datetime, hours: int, seed: int
) -> list[tuple[datetime, Order]]:
    """Every version, with the time the sync fetches it, of the orders of a seller purchasing
    `orders_per_day` evenly that has a version in the `hours` from `start`: the simulator seller's
    orders over again, each with an id of its own, shipped and delivered after random delays."""
    import random

    from sellerflow.calendar import local_day
    from sellerflow.sync.mapping import to_order
    from sellerflow_dev.simulator import SimWorld

    world = SimWorld.generate(sellers=1, seed=seed, now=datetime.now(UTC))
    seller = world.sellers[0].seller_id
    templates = [to_order(seller, document) for document in world.orders(seller)]
    rng = random.Random(seed)
    end = start + timedelta(hours=hours)
    gap = timedelta(days=1) / orders_per_day
    versions: list[tuple[datetime, Order]] = []
    created, k = end, 0
    while created > start - timedelta(hours=SHIP_HOURS[1] + DELIVER_HOURS[1] + 1):
        created -= gap
        k += 1
        shipped = created + timedelta(hours=rng.uniform(*SHIP_HOURS))
        delivered = shipped + timedelta(hours=rng.uniform(*DELIVER_HOURS))
        if not any(start <= t < end for t in (created, shipped, delivered)):
            continue
        template = templates[k % len(templates)]
        order_id = f"{rng.randrange(100, 999)}-{rng.randrange(10**6, 10**7)}-{rng.randrange(10**6, 10**7)}"
        order = template.model_copy(
            update={
                "order_id": order_id,
                "created_time": created,
                "last_updated_time": created,
                "local_date": local_day(template.marketplace_id, created),
                "status": "UNSHIPPED",
            }
        )
        versions += [
            (created, order),
            (shipped, _versions(order, 1, shipped)),
            (delivered, _versions(order, 2, delivered)),
        ]
    return sorted(versions, key=lambda tv: (tv[0], tv[1].order_id))


def count_order_writes(orders_per_day: int = 1_000, seed: int = 5, hours: int = 4) -> OrderWrites:
    """Write `hours` of a seller's orders at `orders_per_day` as the orders sync does, after the days
    before them: an hourly sync fetches the versions since the last (new orders, shipments of the
    last two days, deliveries of the last week, and again those of the 15 minutes before its
    watermark), in pages of 100 by `lastUpdatedTime`, one `OrderStore.upsert` each. Counts the units of the `hours` (the earlier versions are written first,
    uncounted) and sizes the chunks they wrote."""
    from sellerflow.store.history import encode_orders
    from sellerflow.store.orders import CHUNK_ORDERS, OrderStore
    from sellerflow.sync.orders import OrdersSyncPolicy

    lookback = OrdersSyncPolicy().lookback
    with _moto_tables() as shapes:
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours + 1)
        versions = _dense_orders(orders_per_day, start, hours, seed)
        store = OrderStore()

        def sync(until: datetime, since: datetime) -> int:
            # the orders sync asks from 15 minutes before its watermark (`OrdersSyncPolicy.lookback`)
            fetched = [o for t, o in versions if since - lookback <= t < until]
            for page in range(0, len(fetched), 100):
                store.upsert(fetched[page : page + 100], now=until + timedelta(minutes=5))
            return math.ceil(len(fetched) / 100)

        earliest = versions[0][0].replace(minute=0, second=0, microsecond=0)
        hour = earliest
        while hour < start:  # the days before, hour by hour, uncounted
            sync(hour + timedelta(hours=1), hour)
            hour += timedelta(hours=1)
        pages = 0
        with counting_writes(shapes) as count:
            for h in range(hours):
                pages += sync(start + timedelta(hours=h + 1), start + timedelta(hours=h))
        written = [o for t, o in versions if start <= t < start + timedelta(hours=hours)]
        chunks = [item for (_, key), item in count.items.items() if '"ORDERS#' in key[1]]
        ids = [item for (_, key), item in count.items.items() if '"ORDERID#' in key[1]]
        n = len(written)
        chunk_kb_per_version = sum(item_bytes(i) + 100 for i in chunks) / 1024 / max(1, n)
        per_order = VERSIONS * chunk_kb_per_version
        order_id_kb = (_median([item_bytes(i) for i in ids]) + 100) / 1024
        # a settled day: the delivered versions, in chunks of CHUNK_ORDERS per marketplace and day
        settled = list({o.order_id: o for o in written if o.status == "SHIPPED"}.values())
        marketplaces = len({o.marketplace_id for o in settled}) or 1
        per_chunk = max(1, min(CHUNK_ORDERS, orders_per_day // marketplaces))
        encoded = [
            len(encode_orders(settled[first : first + per_chunk])) + 300  # the keys and attributes
            for first in range(0, len(settled), per_chunk)
        ]
        return OrderWrites(
            orders_per_day=orders_per_day,
            versions=n,
            wru_per_order_version=(count.wru - count.marker_wru) / max(1, n),
            rru_per_order_version=count.rru / max(1, n),
            markers_per_page=count.marker_wru / max(1, pages),
            kb_per_order=per_order,
            items_per_order=VERSIONS * len(chunks) / max(1, n),
            rollup_rru_per_order=per_order / 4 * 0.5,
            archive_rru_per_order=per_order / 4,
            order_id_kb=order_id_kb,
            order_id_wru_per_order=VERSIONS * count.wru_by_kind.get("ORDERID", 0.0) / max(1, n),
            compacted_kb_per_order=sum(encoded) / 1024 / max(1, len(settled)),
            compacted_items_per_order=marketplaces
            * math.ceil(orders_per_day / marketplaces / per_chunk)
            / orders_per_day,
        )


@dataclass(frozen=True)
class FinanceWrites:
    orders_per_day: int
    transactions: int
    wru_first: float  # per transaction, its first write (without the dirty-day markers: `markers`)
    markers_per_page: float  # dirty-day markers per page written
    rru_first: float  # per transaction: the reads of its posting hour's items before the write
    wru_again: float  # per transaction, each later sync whose lookback returns it unchanged
    rru_again: float
    kb_per_transaction: float  # stored, with each item's 100-byte overhead shared by its transactions
    items_per_transaction: float  # finance items (chunks) per transaction: what the archive deletes


TRANSACTIONS_PER_ORDER = 2  # the cost model's (docs/cost.md); the simulator's seller posts ~5


def _dense_transactions(orders_per_day: int, hours: int, seed: int, start: datetime) -> list[Any]:
    """`hours` of a seller posting `orders_per_day` orders' transactions, evenly, from `start`: the
    simulator seller's transactions (their types, amounts and SKUs) over again, each with an id and
    an order id of its own (random, as Amazon's: they do not compress)."""
    import hashlib
    from dataclasses import replace

    from sellerflow.calendar import local_day
    from sellerflow.reports.finances import finance_fact_from_transaction
    from sellerflow_dev.simulator import SimWorld
    from sellerflow_dev.simulator.finances_api import render_transaction

    world = SimWorld.generate(sellers=1, seed=seed, now=datetime.now(UTC))
    seller = world.sellers[0].seller_id
    templates = [
        finance_fact_from_transaction(seller, render_transaction(t, None)) for t in world.transactions(seller)
    ]
    count = max(1, round(orders_per_day * TRANSACTIONS_PER_ORDER * hours / 24))
    facts = []
    for index in range(count):
        template = templates[index % len(templates)]
        digest = hashlib.sha256(f"{seed}/{index}".encode()).hexdigest()
        order_digits = str(int(digest[:15], 16))[-14:].zfill(14)
        posted = start + timedelta(seconds=hours * 3600 * (index + 0.5) / count)
        facts.append(
            replace(
                template,
                transaction_id=digest[:32].upper(),
                order_id=f"{order_digits[:3]}-{order_digits[3:10]}-{order_digits[7:14]}"
                if template.order_id
                else None,
                posted_at=posted,
                local_date=local_day(template.marketplace_id, posted),
            )
        )
    return facts


def count_finance_writes(orders_per_day: int = 1_000, seed: int = 5, hours: int = 6) -> FinanceWrites:
    """Write `hours` of a seller's Finances transactions at `orders_per_day` as the finances sync does:
    an hourly sync (5 minutes past the hour) fetches what was posted since the last one, in pages of
    100, one `FactStore.write` each; then the day's deep run fetches them all again, unchanged."""
    from sellerflow.store.facts import FactStore

    with _moto_tables() as shapes:
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours + 2)
        facts = _dense_transactions(orders_per_day, hours, seed, start)
        store = FactStore()
        pages = 0
        with counting_writes(shapes) as first:
            since = start
            for hour in range(1, hours + 1):
                at = start + timedelta(hours=hour, minutes=5)
                fetched = [f for f in facts if since <= f.posted_at < at]
                for page in range(0, len(fetched), 100):  # one write per page, as `sync_transactions_page`
                    store.write(fetched[page : page + 100], now=at)
                    pages += 1
                since = at
            rest = [f for f in facts if f.posted_at >= since]
            for page in range(0, len(rest), 100):
                store.write(rest[page : page + 100], now=since + timedelta(hours=1))
                pages += 1
        with counting_writes(shapes) as again:
            for page in range(0, len(facts), 100):  # the deep run: the whole lookback again
                store.write(facts[page : page + 100], now=start + timedelta(hours=hours + 2))
        stored = [item for (_, key), item in first.items.items() if '"FIN#' in key[1]]
        n = len(facts)
        return FinanceWrites(
            orders_per_day=orders_per_day,
            transactions=n,
            wru_first=(first.wru - first.marker_wru) / n,
            markers_per_page=first.marker_wru / max(1, pages),
            rru_first=first.rru / n,
            wru_again=again.wru / n,
            rru_again=again.rru / n,
            # DynamoDB bills 100 bytes per item beside its attributes
            kb_per_transaction=sum(item_bytes(i) + 100 for i in stored) / 1024 / n,
            items_per_transaction=len(stored) / n,
        )


def _median(values: list[int]) -> float:
    return float(sorted(values)[len(values) // 2]) if values else 0.0


@dataclass(frozen=True)
class ArchiveBytes:
    """The history archive's compressed size (store/history.py's objects of the simulator seller)."""

    orders: int
    transactions: int
    objects: int
    kb_per_order: float  # gzip JSON lines, the order alone, in a day object of all the seller's orders
    kb_per_transaction: float  # likewise
    kb_per_order_small_days: float  # the simulator's own days (~1 order each): the upper bound
    kb_per_transaction_small_days: float


def count_archive_bytes(seed: int = 5) -> ArchiveBytes:
    """Encode one simulator seller's orders and transactions as the archive job does (one object per
    marketplace and local day; orders and transactions apart, to price each), and measure them. The
    simulator seller's days are small (~10 orders): a busier seller's day compresses better, so the
    figure is an upper bound."""
    from sellerflow.reports.finances import finance_fact_from_transaction
    from sellerflow.store.facts import finance_key
    from sellerflow.store.history import HistoryDay
    from sellerflow.sync.mapping import to_order
    from sellerflow_dev.simulator import SimWorld
    from sellerflow_dev.simulator.finances_api import render_transaction

    world = SimWorld.generate(sellers=1, seed=seed, now=datetime.now(UTC))
    seller = world.sellers[0].seller_id
    orders = [to_order(seller, document) for document in world.orders(seller)]
    facts = [
        finance_fact_from_transaction(seller, render_transaction(t, None)) for t in world.transactions(seller)
    ]
    order_days: dict[tuple[str, Any], HistoryDay] = {}
    for order in orders:
        key = (order.marketplace_id, order.local_date)
        order_days.setdefault(key, HistoryDay(seller, *key)).orders[order.order_id] = order
    fact_days: dict[tuple[str, Any], HistoryDay] = {}
    for fact in facts:
        key = (fact.marketplace_id, fact.local_date)
        fact_days.setdefault(key, HistoryDay(seller, *key)).transactions[
            finance_key(fact.posted_at, fact.transaction_id)
        ] = fact
    order_bytes = sum(len(d.encode()) for d in order_days.values())
    fact_bytes = sum(len(d.encode()) for d in fact_days.values())
    # a busy seller's day: all the simulator's orders (and transactions) in one object
    busy_orders = HistoryDay(seller, "ALL", orders[0].local_date, orders={o.order_id: o for o in orders})
    busy_facts = HistoryDay(
        seller,
        "ALL",
        orders[0].local_date,
        transactions={finance_key(f.posted_at, f.transaction_id): f for f in facts},
    )
    return ArchiveBytes(
        orders=len(orders),
        transactions=len(facts),
        objects=len(set(order_days) | set(fact_days)),
        kb_per_order=len(busy_orders.encode()) / max(1, len(orders)) / 1024,
        kb_per_transaction=len(busy_facts.encode()) / max(1, len(facts)) / 1024,
        kb_per_order_small_days=order_bytes / max(1, len(orders)) / 1024,
        kb_per_transaction_small_days=fact_bytes / max(1, len(facts)) / 1024,
    )


@dataclass(frozen=True)
class ReportRowWrites:
    """A day's report rows of each packed kind (by-ASIN traffic, Ads campaigns, Ads advertised
    products) at a scale, written as one packed day each (`store.report_days`), against one item a row."""

    orders_per_day: int
    rows_per_kind: int  # a day's rows of each kind
    traffic_wru: float  # the by-ASIN day written (new or changed)
    traffic_rru: float  # the read before it (the day's stored first part)
    ads_wru: float  # the Ads report's day of both kinds written (new or changed)
    ads_rru: float  # the reads before it
    wru_unchanged: float  # the three kinds' day reported again unchanged: not written (0)...
    traffic_rru_unchanged: float  # ...but read: the by-ASIN day's first part
    ads_rru_unchanged: float  # the Ads report's day: its two kinds' first parts
    kb_per_day: float  # stored, the three kinds' items with DynamoDB's 100-byte overhead each
    parts_per_day: float  # items per kind and day
    legacy_wru_per_day: float  # the same rows as one item each (the legacy layout), each put once
    legacy_kb_per_row: float  # stored per row, with the overhead


def _report_rows(orders_per_day: int, asins_per_100_orders: float, day: Any, seed: int) -> list[Any]:
    """A day's rows of each packed kind, `asins_per_100_orders` per 100 orders each: ids, ASINs and SKUs
    random (as Amazon's: they do not compress), numbers spread like a catalogue's (a few sell most)."""
    import hashlib
    import random
    from decimal import Decimal

    from sellerflow.facts import AdCampaignDayFact, AdProductDayFact, TrafficByAsinFact

    rng = random.Random(seed)
    rows = max(1, round(orders_per_day * asins_per_100_orders / 100))
    seller, marketplace = "A1COSTCOUNTSELLER", "ATVPDKIKX0DER"
    facts: list[Any] = []
    for index in range(rows):
        digest = hashlib.sha256(f"{seed}/{index}".encode()).hexdigest().upper()
        asin, sku = f"B0{digest[:8]}", f"{digest[8:12]}-{digest[12:20]}"
        sessions = int(rng.paretovariate(1.2) * 3)
        units = sessions // rng.randrange(5, 20)
        price = Decimal(rng.randrange(999, 4999)) / 100
        facts.append(
            TrafficByAsinFact(
                seller,
                marketplace,
                day,
                f"B0{digest[20:28]}",
                asin,
                sku,
                sessions,
                sessions + sessions // 3,
                Decimal(rng.choice(("100", "97.5", "88.24", "0"))),
                units,
                price * units,
                "USD",
            )
        )
        clicks = int(rng.paretovariate(1.5)) - 1
        cost = Decimal(clicks * rng.randrange(30, 180)) / 100
        sales = price * (clicks // 8)
        campaign_id = str(int(digest[28:42], 16))
        facts.append(
            AdCampaignDayFact(
                seller,
                marketplace,
                "3141592653",
                campaign_id,
                f"SP - {sku} - auto",
                day,
                "USD",
                clicks * rng.randrange(40, 400),
                clicks,
                cost,
                clicks // 10,
                clicks // 8,
                price * (clicks // 10),
                sales,
            )
        )
        facts.append(
            AdProductDayFact(
                seller,
                marketplace,
                "3141592653",
                campaign_id,
                str(int(digest[42:56], 16)),
                str(int(digest[50:64], 16)),
                day,
                "USD",
                sku,
                asin,
                clicks * rng.randrange(40, 400),
                clicks,
                cost,
                sales,
            )
        )
    return facts


def count_report_rows(
    orders_per_day: int = 1_000, asins_per_100_orders: float = 30.0, seed: int = 5
) -> ReportRowWrites:
    """Write a day of each packed kind's rows as the stores do (one `FactStore.write` of the by-ASIN
    rows, one `AdsStore.write` of the Ads report's), then the same day again unchanged, and count the
    units; then the same rows as legacy one-row items (`RecordMapping.to_record(...).save()`, what the
    deployed versions put), for the before. A BatchGetItem key not found costs half a unit (the
    meter counts the items found): the first write's reads are its days' keys."""
    from sellerflow.facts import AdCampaignDayFact, TrafficByAsinFact
    from sellerflow.store.ads import CAMPAIGN_DAYS, PRODUCT_DAYS, AdsStore
    from sellerflow.store.facts import TRAFFIC_BY_ASIN, FactStore

    day = datetime(2026, 3, 1, tzinfo=UTC).date()
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    facts = _report_rows(orders_per_day, asins_per_100_orders, day, seed)
    traffic = [f for f in facts if isinstance(f, TrafficByAsinFact)]
    ads = [f for f in facts if not isinstance(f, TrafficByAsinFact)]
    with _moto_tables() as shapes:
        facts_store, ads_store = FactStore(), AdsStore()
        with counting_writes(shapes) as traffic_first:
            facts_store.write(traffic, now=at)
        with counting_writes(shapes) as ads_first:
            ads_store.write(ads, now=at)
        with counting_writes(shapes) as again:
            facts_store.write(traffic, now=at + timedelta(days=1))
        with counting_writes(shapes) as ads_again:
            ads_store.write(ads, now=at + timedelta(days=1))
        packed = [i for c in (traffic_first, ads_first) for i in c.items.values() if "payload" in i]
        with counting_writes(shapes) as legacy, CAMPAIGN_DAYS.record.batch_write() as batch:
            for fact in facts:
                mapping: Any = TRAFFIC_BY_ASIN if isinstance(fact, TrafficByAsinFact) else PRODUCT_DAYS
                mapping = CAMPAIGN_DAYS if isinstance(fact, AdCampaignDayFact) else mapping
                batch.save(mapping.to_record(fact, written_at=at, expires_at=2_000_000_000))
        legacy_items = [item for item in legacy.items.values() if "payload" not in item]
    return ReportRowWrites(
        orders_per_day=orders_per_day,
        rows_per_kind=len(traffic),
        traffic_wru=traffic_first.wru,
        traffic_rru=traffic_first.rru + 0.5,
        ads_wru=ads_first.wru - ads_first.marker_wru,
        ads_rru=ads_first.rru + 2 * 0.5,
        wru_unchanged=again.wru + ads_again.wru,
        traffic_rru_unchanged=again.rru,
        ads_rru_unchanged=ads_again.rru,
        kb_per_day=sum(item_bytes(i) + 100 for i in packed) / 1024,
        parts_per_day=len(packed) / 3,
        legacy_wru_per_day=legacy.wru,
        legacy_kb_per_row=sum(item_bytes(i) + 100 for i in legacy_items) / 1024 / len(legacy_items),
    )


# --- KMS requests, counted on the local stack (count_kms_requests) -------------------------------------
# The Encryption SDK's KMS requests carry their ciphertext's encryption context, whose `purpose` says
# what it protects; the refresh tokens' are the ones the vault's decrypt cache serves
# (`sellerflow.store.credentials.REFRESH_TOKEN_KEY_CACHE`).
REFRESH_TOKEN_PURPOSES = ("spapi-refresh-token", "ads-refresh-token")


def is_refresh_token(purpose: str) -> bool:
    return purpose.startswith(REFRESH_TOKEN_PURPOSES)


@dataclass
class KmsUse:
    """What one counted stretch (an hourly run, a label purchase) made KMS do, and at whose request."""

    # (function, KMS operation, purpose): the code's own requests (the Encryption SDK's)
    code: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    # (caller, table) of the DynamoDB calls to a table under a customer managed key: DynamoDB decrypts
    # the table key once per caller after 5 minutes without use. Caller "seller-<id>": the tenant data
    # role's session for that seller (the same principal whichever function assumed it); "role:<function>":
    # the function's own role, which every seller's run shares
    table_callers: set[tuple[str, str]] = field(default_factory=set)
    # (function, caller, table): the same per function, were the table key kept per connection (container)
    connections: set[tuple[str, str, str]] = field(default_factory=set)
    # (function, secret): reads of a secret under a customer managed key (one KMS Decrypt each, by
    # Secrets Manager)
    secret_reads: Counter[tuple[str, str]] = field(default_factory=Counter)

    def code_requests(self, *, refresh_tokens: bool | None = None) -> int:
        """The code's own requests; `refresh_tokens`: only those of refresh tokens (True), the others (False)."""
        return sum(
            n
            for (_, _, purpose), n in self.code.items()
            if refresh_tokens is None or is_refresh_token(purpose) == refresh_tokens
        )

    def by_function(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for (function, _, _), n in self.code.items():
            counts[function] += n
        return dict(counts)

    @property
    def seller_tables(self) -> set[tuple[str, str]]:
        return {(caller, t) for caller, t in self.table_callers if caller.startswith("seller-")}

    @property
    def role_tables(self) -> set[tuple[str, str]]:
        return self.table_callers - self.seller_tables


def _key_reference(value: Any) -> str | None:
    """The logical id of a `!GetAtt Key.Arn` (or `!Ref Key`) in the template, else None."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    return None


def _tables_of(operation: str, params: Mapping[str, Any]) -> set[str]:
    if "TableName" in params:
        return {str(params["TableName"])}
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return set(params.get("RequestItems", {}))
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return {
            str(inner["TableName"]) for item in params.get("TransactItems", []) for inner in item.values()
        }
    return set()


class KmsMeter:
    """Counts the KMS requests each Lambda function of the local stack causes, while `installed`: the
    code's own (KMS requests sent from inside a function's invocation), DynamoDB's table-key decrypts
    (the distinct callers of each table under a customer managed key, from the DynamoDB calls seen) and
    Secrets Manager's (reads of a secret under a customer managed key). Every AWS call goes through
    botocore's one request path, observed there; an invocation's calls are its thread's while
    `acting_as` its function (the local runtime runs each invocation in one thread). A tenant client's
    caller is the session it was assumed as (its access key, from the AssumeRole answer seen).

    `on_new_container(function)`: called before an invocation of one of `container_functions` whose
    function differs from the previous such invocation's (each function its own container in AWS)."""

    def __init__(self, template: Mapping[str, Any], physical: Mapping[str, str]) -> None:
        resources = template["Resources"]
        self._tables = {
            physical[name]: name
            for name, r in resources.items()
            if r["Type"] == "AWS::DynamoDB::Table"
            and name in physical
            and _key_reference(r["Properties"].get("SSESpecification", {}).get("KMSMasterKeyId"))
        }
        self._secrets = {
            physical[name]: name
            for name, r in resources.items()
            if r["Type"] == "AWS::SecretsManager::Secret"
            and name in physical
            and _key_reference(r["Properties"].get("KmsKeyId"))
        }
        self._current = threading.local()
        self._sessions: dict[str, str] = {}  # an assumed role's access key id -> its session name
        self._lock = threading.Lock()
        self._last: str | None = None
        self.use = KmsUse()
        self.on_new_container: Callable[[str], None] | None = None
        self.container_functions: frozenset[str] = frozenset()

    def take(self) -> KmsUse:
        """What was counted since the last `take`."""
        with self._lock:
            taken, self.use = self.use, KmsUse()
            self._last = None
        return taken

    @contextmanager
    def acting_as(self, function: str) -> Iterator[None]:
        """This thread's AWS calls are `function`'s for the block (one invocation)."""
        with self._lock:
            new = function in self.container_functions and function != self._last
            if function in self.container_functions:
                self._last = function
        if new and self.on_new_container is not None:
            self.on_new_container(function)
        previous = getattr(self._current, "function", None)
        self._current.function = function
        try:
            yield
        finally:
            self._current.function = previous

    @contextmanager
    def installed(self) -> Iterator[KmsMeter]:
        import botocore.client

        base: Any = botocore.client.BaseClient
        original = base._make_api_call  # noqa: SLF001 - botocore's one request path
        meter = self

        def observed(client: Any, operation: str, params: dict[str, Any]) -> Any:
            response = original(client, operation, params)
            meter._observe(client, operation, params, response)
            return response

        base._make_api_call = observed  # noqa: SLF001
        try:
            yield self
        finally:
            base._make_api_call = original  # noqa: SLF001

    @contextmanager
    def watching(self, dispatcher: Any, resources: Any) -> Iterator[KmsMeter]:
        """Every handler the local runtime calls (Step Functions' tasks, invokes, the API gateway's
        requests) runs `acting_as` its function's logical id."""
        handler = dispatcher.handler
        meter = self

        def attributed(function_name: str) -> Callable[[Any, Any], Any]:
            run, logical = handler(function_name), resources.function_by_name(function_name).logical_id

            def invocation(event: Any, context: Any) -> Any:
                with meter.acting_as(logical):
                    return run(event, context)

            return invocation

        dispatcher.handler = attributed
        try:
            with self.installed():
                yield self
        finally:
            del dispatcher.handler  # the class's own again

    def _observe(self, client: Any, operation: str, params: Mapping[str, Any], response: Any) -> None:
        service = client.meta.service_model.service_name
        if service == "sts" and operation == "AssumeRole":
            with self._lock:
                self._sessions[response["Credentials"]["AccessKeyId"]] = str(params["RoleSessionName"])
            return
        function = getattr(self._current, "function", None)
        if function is None:  # the harness's own calls
            return
        with self._lock:
            if service == "kms":
                purpose = str(params.get("EncryptionContext", {}).get("purpose", "-"))
                self.use.code[(function, operation, purpose)] += 1
            elif service == "secretsmanager" and operation == "GetSecretValue":
                secret = next((n for p, n in self._secrets.items() if p in str(params["SecretId"])), None)
                if secret is not None:
                    self.use.secret_reads[(function, secret)] += 1
            elif service == "dynamodb":
                access_key = client._get_credentials().access_key  # noqa: SLF001 - who signs the call
                caller = self._sessions.get(access_key, f"role:{function}")
                for table in _tables_of(operation, params):
                    if table in self._tables:
                        self.use.table_callers.add((caller, self._tables[table]))
                        self.use.connections.add((function, caller, self._tables[table]))


def fresh_container() -> None:
    """What the next invocation meets in a container that never served the seller (the local runtime
    runs every function in one process): collaborators built anew, so no access token, no cached data
    key, no tenant session (assumed again by the next binding)."""
    from sellerflow import wiring
    from sellerflow.settings import reset_settings
    from sellerflow.store.tenancy import use_tenant_sessions

    reset_settings()
    wiring.reset()
    use_tenant_sessions(None)


def an_hour_later(seller_id: str) -> None:
    """What the next invocation meets in a warm container that served `seller_id` an hour ago: its
    access tokens and its tenant session expired (an hour each), the rest kept (the vault's cached data
    keys among it)."""
    from sellerflow import wiring
    from sellerflow.store.tenancy import use_tenant_sessions

    warm = wiring._warm()  # noqa: SLF001 - the container's own token caches
    for tokens in (warm.token_cache, *warm.ads_token_caches.values()):
        tokens.forget(seller_id)
    use_tenant_sessions(None)
    wiring.bound_settings(wiring.settings())


@dataclass(frozen=True)
class KmsCount:
    """One seller's KMS requests counted on the local stack (moto and the SP-API simulator over HTTP):
    each kind of hourly run as its functions' containers meet it an hour after the seller's previous
    run (`runs`: no data key cached in the container; `warm_quiet`: a quiet hour in containers whose
    decrypt cache holds the seller's keys), and labels bought through the API in one sitting (the first
    with its session: the refresh token's decrypt, the API's table keys, a new data key for its
    document; the later ones with the first's data key cached)."""

    runs: dict[str, KmsUse]  # "quiet", "planning" (the carry plans and asks), "ingesting" (checks, ingests)
    runs_per_day: dict[str, float]
    warm_quiet: KmsUse
    labels: tuple[KmsUse, ...]

    def per_run(self, measure: Callable[[KmsUse], float]) -> float:
        """`measure` of a run, averaged over the day's runs of each kind."""
        day = sum(self.runs_per_day[kind] * measure(use) for kind, use in self.runs.items())
        return day / sum(self.runs_per_day.values())

    @property
    def role_tables(self) -> set[tuple[str, str]]:
        """(function role, table) pairs the day's kinds of run touch: each decrypted once a fan-out tick."""
        return set().union(*(use.role_tables for use in self.runs.values()))

    @property
    def secrets(self) -> set[tuple[str, str]]:
        return set().union(*(set(use.secret_reads) for use in self.runs.values()))

    @property
    def per_first_label(self) -> float:
        """The code's requests of a sitting's first label (its container holds no data key of the
        seller's labels: a new one), the session's refresh tokens aside."""
        return float(self._sitting()[0].code_requests(refresh_tokens=False))

    @property
    def per_later_label(self) -> float:
        """The code's requests per later label of the sitting (the first's data key cached), the session's
        refresh tokens aside."""
        later = self._sitting()[1:]
        return sum(use.code_requests(refresh_tokens=False) for use in later) / len(later)

    def _sitting(self) -> tuple[KmsUse, ...]:
        if len(self.labels) < 2:
            raise RuntimeError(
                f"{len(self.labels)} label(s) bought: a sitting's first and later labels need two at least"
            )
        return self.labels

    @property
    def per_label_session(self) -> float:
        """A label session's own: the refresh-token decrypts and the table keys of its callers."""
        first = self.labels[0] if self.labels else KmsUse()
        return first.code_requests(refresh_tokens=True) + len(first.table_callers)


def count_kms_requests(seed: int = 7, labels: int = 2) -> KmsCount:
    """Bring one simulator seller to its steady state on the local stack (the first sync on Standard, its
    backfill stood in for), then count, with a `KmsMeter`, a quiet hourly run, a run that plans and asks
    for the day's reports and the next, which ingests them, each with every function in a container that
    has not served the seller within the hour (its access token and tenant session expired, no data key
    cached), a quiet run again in containers holding the seller's data key, and `labels` labels bought
    through the API, for merchant orders placed and synced for them (raises when one is not bought: a
    count of 0 would price the labels at nothing). Push notifications are dropped: the hourly runs alone
    are counted."""
    from sellerflow_dev.local.stack import LocalStack, LocalStackConfig
    from sellerflow_dev.simulator import SimConfig

    config = LocalStackConfig(
        sellers=1,
        seed=seed,
        time_scale=30.0,
        sim_config=SimConfig(rate_scale=100.0, report_processing_s=0.5),
        log_level="ERROR",
    )
    # the functions' logger was made before the stack set its level: quiet it here (`make cost` prints)
    functions_log = logging.getLogger("sellerflow")
    level = functions_log.level
    functions_log.setLevel(logging.ERROR)
    try:
        return _count_kms_requests(LocalStack(config), labels)
    finally:
        functions_log.setLevel(level)


def _count_kms_requests(local: LocalStack, labels: int) -> KmsCount:
    from sellerflow import wiring
    from sellerflow_dev.bench.cost import HourlyShape, reports_every_hours
    from sellerflow_dev.local.demo_labels import buy_one_label
    from sellerflow_dev.local.steady import make_daily_reports_due, stand_in_for_the_backfill
    from sellerflow_dev.local.template import load_template

    with local as stack:
        assert stack.resources is not None
        assert stack.dispatcher is not None
        stack.connect_demo_sellers()
        seller = stack.world.sellers[0].seller_id
        [first] = stack.run_sync()
        if first.status != "SUCCEEDED":
            raise RuntimeError(f"the first sync ended {first.status}: {first.error}")
        stand_in_for_the_backfill(seller)
        wiring.seller_store().record_reports_run(seller, at=datetime.now(UTC), pending=False)
        stack.simulator.notifications.drop_next(seller, 1_000_000)
        meter = KmsMeter(load_template(stack.config.root / "template.yaml"), stack.resources.physical)
        meter.container_functions = frozenset(HourlyShape(1, 1).invocations())

        windows = iter(range(40, 80))
        now = datetime.now(UTC)

        def hourly_run() -> KmsUse:
            stack.world.advance(60)
            report = stack.start_window(seller, f"{now + timedelta(hours=next(windows)):%Y%m%dT%H00}")
            if (report.status, report.machine) != ("SUCCEEDED", "express"):
                raise RuntimeError(f"an hourly run ended {report.status} on {report.machine}: {report.error}")
            return meter.take()

        with meter.watching(stack.dispatcher, stack.resources):
            meter.on_new_container = lambda _: fresh_container()
            runs = {"quiet": hourly_run()}
            make_daily_reports_due(seller)
            runs["planning"] = hourly_run()
            runs["ingesting"] = hourly_run()
            meter.on_new_container = lambda _: an_hour_later(seller)
            wiring.credential_vault().refresh_token(seller)  # served by these containers within max_age
            warm_quiet = hourly_run()
            meter.on_new_container = None
            # the labels: merchant orders placed for them (the simulator's own are often Amazon's, or
            # shipped minutes ago while the store still holds them unshipped), synced without moving
            # the clock (an advance ships half the open orders)
            placed_at = min(stack.world.now, datetime.now(UTC)) - timedelta(minutes=5)
            placed = {stack.world.place_merchant_order(seller, placed_at) for _ in range(labels)}
            synced = stack.start_window(seller, f"{now + timedelta(hours=next(windows)):%Y%m%dT%H00}")
            if synced.status != "SUCCEEDED":
                raise RuntimeError(f"the sync of the label orders ended {synced.status}: {synced.error}")
            meter.take()
            fresh_container()
            bought = []
            for _ in range(labels):
                run = buy_one_label(stack, 1, among=placed)
                if not run.bought:
                    answers = ", ".join(
                        f"{name} {answer.status_code}" for name, answer in run.responses.items()
                    )
                    raise RuntimeError(f"no label bought, so the count would price labels at 0: {answers}")
                bought.append(meter.take())
    planning = 24 / reports_every_hours()
    return KmsCount(
        runs=runs,
        runs_per_day={"quiet": 24 - 2 * planning, "planning": planning, "ingesting": planning},
        warm_quiet=warm_quiet,
        labels=tuple(bought),
    )
