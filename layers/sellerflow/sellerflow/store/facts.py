"""Facts besides orders in the seller-data table: idempotent batch upserts and seller-scoped reads.

Item layout (docs/data-model.md):

    LISTING#<marketplaceId>#<sku>                              ListingFact
    INV#<marketplaceId>#<sku>                                  InventoryFact
    TRAFFIC#DATE#<yyyy-mm-dd>#<marketplaceId>                  TrafficByDateFact
    TRAFFIC#ASIN#<yyyy-mm-dd>#<marketplaceId>#*<part:02d>      TrafficByAsinFact, a day's (store/report_days.py)
    TRAFFIC#ASIN#<yyyy-mm-dd>#<marketplaceId>#<childAsin>      TrafficByAsinFact (legacy, read only)
    FIN#<yyyy-mm-ddThh>#<content hash>                         FinanceTransactionFact, many (a chunk)
    FIN#<postedAt ISO Z>#<transactionId>                       FinanceTransactionFact (legacy, read only)
    SETTLEMENT#<settlementId>                                  SettlementSummary
    SETTLEMENTLINE#<settlementId>#<line:07d>                   SettlementLineFact

Writes are BatchWriteItem (PutRequest replaces the item, so a batch written twice is harmless).
Finance transactions are packed: one chunk item per UTC posting hour and write, holding the hour's
transactions that write found new or changed (gzip JSON lines, the history archive's codec), keyed by
its content hash (a retried page puts the same item again). Each transaction keeps a *virtual* key,
`FIN#<postedAt ISO Z>#<transactionId>` (the API's cursor, the archive's key); a transaction in several
chunks reads as the one written last. Items of the legacy layout (one transaction each, same prefix)
are still read (they sort inside their hour) until the history archive moves them out.
By-ASIN traffic rows are packed likewise, one item per (marketplace, day) that a write replaces
(`store.report_days`): a report's rows of a day reach one write (`reports.ingest` holds them).
Orders go to `OrderStore.upsert` (conditional on lastUpdatedTime); finance transactions mark their
(marketplace, local posted day) dirty, and `OrderStore.upsert` does the same for purchase days.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from pynamodb.attributes import (
    BinaryAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import DeleteError, DoesNotExist
from pynamodb.models import Model
from pynamodb.pagination import ResultIterator

from sellerflow.calendar import iso_z, local_day
from sellerflow.domain import Order
from sellerflow.facts import (
    FinanceTransactionFact,
    InventoryFact,
    ListingFact,
    SettlementLineFact,
    SettlementSummary,
    TrafficByAsinFact,
    TrafficByDateFact,
)
from sellerflow.store.facts_control import DirtyDays
from sellerflow.store.history import HistoryArchive, decode_transactions, encode_transactions
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.orders import OrderStore, orders_of_days
from sellerflow.store.privacy import drop_restricted
from sellerflow.store.report_days import ReportDayKind, plan_days, read_days, write_days
from sellerflow.store.tables import AmazonFactItem, condition_failed, table

LISTING_PREFIX = "LISTING#"
INV_PREFIX = "INV#"
TRAFFIC_DATE_PREFIX = "TRAFFIC#DATE#"
TRAFFIC_ASIN_PREFIX = "TRAFFIC#ASIN#"
FIN_PREFIX = "FIN#"
SETTLEMENT_PREFIX = "SETTLEMENT#"
SETTLEMENT_LINE_PREFIX = "SETTLEMENTLINE#"
MAX_RETENTION = timedelta(days=548)  # Amazon data: at most 18 months
CHUNK_TRANSACTIONS = 400  # at most per finance chunk (~0.1 KB each compressed: far below 400 KB)


# --- items: a fact's fields are its record's attributes (added by its mapping, below) ----------
@table("seller_data")
class ListingRecord(AmazonFactItem):
    """LISTING#<marketplaceId>#<sku>"""


@table("seller_data")
class InventoryRecord(AmazonFactItem):
    """INV#<marketplaceId>#<sku>"""


@table("seller_data")
class TrafficDateRecord(AmazonFactItem):
    """TRAFFIC#DATE#<yyyy-mm-dd>#<marketplaceId>"""


@table("seller_data")
class TrafficAsinRecord(AmazonFactItem):
    """TRAFFIC#ASIN#<yyyy-mm-dd>#<marketplaceId>#<childAsin>: the legacy layout, one row an item (read,
    never written now: a day's rows are one `ReportDayRecord`, `TRAFFIC_ASIN_DAYS`)."""


class AmountRecord(MapAttribute[str, Any]):
    type = UnicodeAttribute()
    amount = UnicodeAttribute()  # signed Decimal string, as Amazon reports it


class SkuAmountRecord(MapAttribute[str, Any]):
    sku = UnicodeAttribute()
    type = UnicodeAttribute()
    amount = UnicodeAttribute()  # signed Decimal string: this SKU's part of the type's amount


@table("seller_data")
class FinanceRecord(AmazonFactItem):
    """FIN#<postedAt ISO Z>#<transactionId>: the legacy layout, one transaction an item (read, never
    written now: `FinanceChunkRecord`; the history archive moves the last of them out)."""

    marketplace_id = UnicodeAttribute()
    transaction_type = UnicodeAttribute()
    amounts = ListAttribute[AmountRecord](of=AmountRecord, default=list)
    sku_amounts = ListAttribute[SkuAmountRecord](of=SkuAmountRecord, default=list)


@table("seller_data")
class FinanceChunkRecord(AmazonFactItem):
    """FIN#<yyyy-mm-ddThh>#<content hash>: the transactions posted in one UTC hour that one write
    found new or changed, as gzip JSON lines (`store.history.encode_transactions`)."""

    payload = BinaryAttribute(legacy_encoding=False)
    transactions = NumberAttribute()
    marketplaces = UnicodeSetAttribute(null=True)  # the marketplaces of its transactions


@table("seller_data")
class SettlementRecord(AmazonFactItem):
    """SETTLEMENT#<settlementId>"""


@table("seller_data")
class SettlementLineRecord(AmazonFactItem):
    """SETTLEMENTLINE#<settlementId>#<line:07d>"""


# --- keys ---------------------------------------------------------------------------------------
def listing_key(marketplace_id: str, sku: str) -> str:
    return f"{LISTING_PREFIX}{marketplace_id}#{sku}"


def inventory_key(marketplace_id: str, sku: str) -> str:
    return f"{INV_PREFIX}{marketplace_id}#{sku}"


def traffic_date_key(day: date, marketplace_id: str) -> str:
    return f"{TRAFFIC_DATE_PREFIX}{day.isoformat()}#{marketplace_id}"


def traffic_asin_day(marketplace_id: str, day: date) -> str:
    """The key prefix of a (marketplace, day)'s by-ASIN rows, packed or legacy."""
    return f"{TRAFFIC_ASIN_PREFIX}{day.isoformat()}#{marketplace_id}#"


def traffic_asin_key(day: date, marketplace_id: str, child_asin: str) -> str:
    return f"{traffic_asin_day(marketplace_id, day)}{child_asin}"


def finance_key(posted_at: datetime, transaction_id: str) -> str:
    return f"{FIN_PREFIX}{iso_z(posted_at)}#{transaction_id}"


def finance_hour(posted_at: datetime) -> str:
    """The UTC hour a transaction's chunk is keyed by: yyyy-mm-ddThh."""
    return posted_at.astimezone(UTC).strftime("%Y-%m-%dT%H")


def finance_chunk_key(hour: str, payload: bytes) -> str:
    return f"{FIN_PREFIX}{hour}#{hashlib.sha256(payload).hexdigest()[:24]}"


def settlement_key(settlement_id: str) -> str:
    return f"{SETTLEMENT_PREFIX}{settlement_id}"


def settlement_line_key(settlement_id: str, line: int) -> str:
    return f"{SETTLEMENT_LINE_PREFIX}{settlement_id}#{line:07d}"


def _amount(kind: str, amount: Decimal) -> AmountRecord:
    return AmountRecord(type=kind, amount=str(amount))  # type: ignore[no-untyped-call]  # MapAttribute's


def _sku_amount(sku: str, kind: str, amount: Decimal) -> SkuAmountRecord:
    return SkuAmountRecord(sku=sku, type=kind, amount=str(amount))  # type: ignore[no-untyped-call]


# --- fact <-> item ---------------------------------------------------------------------------------
LISTINGS = RecordMapping(ListingFact, ListingRecord, sort_key=lambda f: listing_key(f.marketplace_id, f.sku))
INVENTORY = RecordMapping(
    InventoryFact, InventoryRecord, sort_key=lambda f: inventory_key(f.marketplace_id, f.sku)
)
TRAFFIC_BY_DATE = RecordMapping(
    TrafficByDateFact, TrafficDateRecord, sort_key=lambda f: traffic_date_key(f.day, f.marketplace_id)
)
TRAFFIC_BY_ASIN = RecordMapping(
    TrafficByAsinFact,
    TrafficAsinRecord,
    sort_key=lambda f: traffic_asin_key(f.day, f.marketplace_id, f.child_asin),
)
TRAFFIC_ASIN_DAYS = ReportDayKind(
    TRAFFIC_BY_ASIN,
    row_key=lambda f: traffic_asin_key(f.day, f.marketplace_id, f.child_asin),
    day_prefix=traffic_asin_day,
    kind_prefix=TRAFFIC_ASIN_PREFIX,
)


def _asin_rows_apart(batch: Sequence[object]) -> tuple[list[TrafficByAsinFact], list[object]]:
    return [f for f in batch if isinstance(f, TrafficByAsinFact)], [
        f for f in batch if not isinstance(f, TrafficByAsinFact)
    ]


FINANCES = RecordMapping(
    FinanceTransactionFact,
    FinanceRecord,
    sort_key=lambda f: finance_key(f.posted_at, f.transaction_id),
    write={
        "amounts": lambda f: [_amount(kind, amount) for kind, amount in f.amounts],
        "sku_amounts": lambda f: [_sku_amount(*part) for part in f.sku_amounts],
    },
    read={
        "amounts": lambda r: tuple((a.type, Decimal(a.amount)) for a in r.amounts or ()),
        "sku_amounts": lambda r: tuple((a.sku, a.type, Decimal(a.amount)) for a in r.sku_amounts or ()),
    },
)
SETTLEMENTS = RecordMapping(
    SettlementSummary, SettlementRecord, sort_key=lambda f: settlement_key(f.settlement_id)
)
SETTLEMENT_LINES = RecordMapping(
    SettlementLineFact, SettlementLineRecord, sort_key=lambda f: settlement_line_key(f.settlement_id, f.line)
)
# What the batch writer stores each fact type as (by-ASIN traffic and finances: packed, apart).
_MAPPINGS: dict[type, RecordMapping[Any, Any]] = {
    m.domain: m for m in (LISTINGS, INVENTORY, TRAFFIC_BY_DATE, FINANCES, SETTLEMENTS, SETTLEMENT_LINES)
}


# Facts every sync fetches again (finance transactions over a 48-hour lookback, each hour; listings
# and inventory on every sync): each is written only when new, changed, or written more than
# `REWRITE_AFTER` ago (its TTL counts from the write: an unchanged fact Amazon still returns is kept).
# Finance transactions go to chunks by the same rule (`FactStore._finance_chunks`).
_REFETCHED: dict[type[Model], type] = {
    ListingRecord: ListingFact,
    InventoryRecord: InventoryFact,
}
REWRITE_AFTER = timedelta(days=30)


def _changed(
    model: type[Model], records: dict[tuple[str, str], Model], at: datetime
) -> dict[tuple[str, str], Model]:
    """The records whose stored version is missing, different or old (one BatchGetItem per 100 keys,
    eventually consistent: half a read unit each, a tenth of the write it saves)."""
    mapping = _MAPPINGS[_REFETCHED[model]]
    found: Iterable[AmazonFactItem] = model.batch_get(list(records))  # type: ignore[assignment]
    stored = {(r.seller_id, r.sk): r for r in found}
    changed: dict[tuple[str, str], Model] = {}
    for key, record in records.items():
        previous = stored.get(key)
        if (
            previous is None
            or previous.written_at < at - REWRITE_AFTER
            or mapping.to_domain(previous) != mapping.to_domain(record)
        ):
            changed[key] = record
    return changed


# --- finance chunks ------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoredFinance:
    """One stored finance item: a chunk (its transactions) or a legacy item (one transaction)."""

    sk: str
    written_at: datetime
    expires_at: int
    chunk: bool
    transactions: tuple[FinanceTransactionFact, ...]

    @property
    def hour(self) -> str:
        return self.sk[len(FIN_PREFIX) : len(FIN_PREFIX) + 13]


def _finance_item(data: dict[str, Any]) -> StoredFinance:
    if "payload" in data:
        chunk = FinanceChunkRecord.from_raw_data(data)
        facts = tuple(decode_transactions(chunk.payload))
        return StoredFinance(chunk.sk, chunk.written_at, int(chunk.expires_at), True, facts)
    legacy = FinanceRecord.from_raw_data(data)  # an item missing attributes reads as far as it goes
    written_at = legacy.written_at or datetime.min.replace(tzinfo=UTC)
    return StoredFinance(
        legacy.sk, written_at, int(legacy.expires_at or 0), False, (FINANCES.to_domain(legacy),)
    )


def finance_items(
    seller_id: str,
    first: datetime | None = None,
    last: datetime | None = None,
    *,
    consistent: bool = False,
    limit: int | None = None,
    page_size: int | None = None,
) -> Iterator[StoredFinance]:
    """The seller's finance items, chunks and legacy items, of the UTC posting hours from `first`'s
    to `last`'s (None: from the oldest, to the newest), in key order: an hour's items together.
    `page_size`: items per request (default: as many as 1 MB holds), for a reader that may stop early."""
    lower = f"{FIN_PREFIX}{finance_hour(first)}" if first is not None else FIN_PREFIX
    upper = f"{FIN_PREFIX}{finance_hour(last)}~" if last is not None else f"{FIN_PREFIX}~"
    kwargs: dict[str, Any] = {
        "range_key_condition": FinanceChunkRecord.sk.between(lower, upper),
        "consistent_read": consistent,
    }
    if limit is not None or page_size is not None:
        kwargs["limit"] = page_size or limit  # the request's Limit; `limit` below: the total
    # one Query for both layouts (each item read as the record of its own kind)
    connection = FinanceChunkRecord._get_connection()  # noqa: SLF001 - Model.query maps to one class
    yield from ResultIterator(connection.query, (seller_id,), kwargs, map_fn=_finance_item, limit=limit)


def by_hour(items: Iterable[StoredFinance]) -> Iterator[list[StoredFinance]]:
    """Items in key order, an hour's together."""
    group: list[StoredFinance] = []
    for item in items:
        if group and item.hour != group[0].hour:
            yield group
            group = []
        group.append(item)
    if group:
        yield group


def latest(
    items: Iterable[StoredFinance],
) -> dict[str, tuple[StoredFinance, FinanceTransactionFact]]:
    """Each transaction, by virtual key, as the item written last holds it (a chunk's version before
    a legacy item's): the items must include every item of the transactions' hours."""
    best: dict[str, tuple[StoredFinance, FinanceTransactionFact]] = {}
    for item in items:
        for fact in item.transactions:
            if fact.posted_at is None:  # a legacy item without its posting time: nowhere to read it
                continue
            key = finance_key(fact.posted_at, fact.transaction_id) if item.chunk else item.sk
            held = best.get(key)
            if held is None or (item.chunk, item.written_at) >= (held[0].chunk, held[0].written_at):
                best[key] = (item, fact)
    return best


def _chunk(
    seller_id: str,
    hour: str,
    facts: Sequence[FinanceTransactionFact],
    *,
    written_at: datetime,
    expires_at: int,
) -> FinanceChunkRecord:
    payload = encode_transactions(facts)
    return FinanceChunkRecord(
        seller_id,
        finance_chunk_key(hour, payload),
        payload=payload,
        transactions=len(facts),
        marketplaces={f.marketplace_id for f in facts if f.marketplace_id} or None,
        written_at=written_at,
        expires_at=expires_at,
    )


def finance_export_rows(items: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """A seller-data partition's items (plain values) for the export: each finance chunk as one row
    per transaction, with a legacy item's columns (its virtual key as `sk`); other items as they are."""
    for item in items:
        payload = item.get("payload")
        if payload is None or not str(item.get("sk", "")).startswith(FIN_PREFIX):
            yield item
            continue
        body = payload.value if hasattr(payload, "value") else payload  # boto3's Binary
        for fact in decode_transactions(bytes(body)):
            yield {
                "seller_id": item.get("seller_id"),
                "sk": finance_key(fact.posted_at, fact.transaction_id),
                "transaction_id": fact.transaction_id,
                "transaction_type": fact.transaction_type,
                "posted_at": iso_z(fact.posted_at),
                "marketplace_id": fact.marketplace_id,
                "local_date": fact.local_date.isoformat(),
                "order_id": fact.order_id,
                "sku": fact.sku,
                "quantity": fact.quantity,
                "total": str(fact.total),
                "currency": fact.currency,
                "amounts": [{"type": kind, "amount": str(amount)} for kind, amount in fact.amounts],
                "sku_amounts": [
                    {"sku": sku, "type": kind, "amount": str(amount)}
                    for sku, kind, amount in fact.sku_amounts
                ],
                "written_at": item.get("written_at"),
                "expires_at": item.get("expires_at"),
            }


def _cursor_instant(key: str) -> datetime | None:
    try:
        return datetime.strptime(key[len(FIN_PREFIX) : len(FIN_PREFIX) + 20], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=UTC
        )
    except ValueError:
        return None


class FinanceFilters(TypedDict, total=False):
    """Which transactions a finance read keeps (each absent or None: all)."""

    marketplace_id: str | None
    transaction_type: str | None


@dataclass(frozen=True)
class FinancePage:
    transactions: list[FinanceTransactionFact]
    last_key: str | None  # the sk to continue after, or None at the end


class FactStore:
    """Data access for the facts. Every call names the seller; nothing here reads across sellers."""

    def __init__(
        self,
        *,
        retention: timedelta = timedelta(days=540),
        orders: OrderStore | None = None,
        dirty: DirtyDays | None = None,
        history: HistoryArchive | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if retention > MAX_RETENTION:
            raise ValueError(f"retention {retention.days} days exceeds the 18-month limit")
        self._retention = retention
        self._orders = orders or OrderStore(retention=retention)
        self._dirty = dirty or DirtyDays()
        # Reads reaching past the hot window also read the archive (store/history.py); None: none is.
        self._history = history
        self._clock = clock

    # --- writes ---------------------------------------------------------------------------------
    def write(self, batch: Sequence[object], *, now: datetime | None = None) -> None:
        """Upsert a mixed batch of facts (and orders); mark the days they touch dirty.

        Unknown record types are refused before anything is written.
        """
        batch = drop_restricted(batch)  # a buyer's deletion request is honoured by every pipeline
        asin_rows, batch = _asin_rows_apart(batch)  # packed by day, apart
        at = (now or datetime.now(UTC)).astimezone(UTC)
        expires_at = int((at + self._retention).timestamp())
        orders: list[Order] = []
        finances: list[FinanceTransactionFact] = []
        # Per model, the last version of each key wins: BatchWriteItem refuses a key twice per request.
        items: dict[type[Model], dict[tuple[str, str], Model]] = {}
        dirty: dict[str, set[tuple[str, date]]] = {}
        for fact in batch:
            if isinstance(fact, Order):
                orders.append(fact)
                continue
            if isinstance(fact, FinanceTransactionFact):
                finances.append(fact)
                continue
            mapping = _MAPPINGS.get(type(fact))
            if mapping is None:
                raise TypeError(f"FactStore cannot store a {type(fact).__name__}")
            record = mapping.to_record(fact, written_at=at, expires_at=expires_at)
            items.setdefault(mapping.record, {})[(record.seller_id, record.sk)] = record
        for model, records in items.items():
            if model in _REFETCHED:
                records = _changed(model, records, at)
            with model.batch_write() as writer_batch:
                for record in records.values():
                    writer_batch.save(record)
        # each (marketplace, day) of the batch's by-ASIN rows is replaced by them
        write_days(
            plan_days(TRAFFIC_ASIN_DAYS, asin_rows, at=at, expires_at=expires_at, rewrite_after=REWRITE_AFTER)
        )
        chunks, written = self._finance_chunks(finances, at, expires_at)
        with FinanceChunkRecord.batch_write() as chunk_batch:
            for chunk in chunks:
                chunk_batch.save(chunk)
        for fact in written:
            day = local_day(fact.marketplace_id, fact.posted_at)
            dirty.setdefault(fact.seller_id, set()).add((fact.marketplace_id, day))
        for seller_id, days in dirty.items():
            self._dirty.mark(seller_id, days, reason="finances", now=at)
        if orders:
            # Report backfill never replaces the (richer) Orders API version of an order.
            self._orders.upsert(orders, now=at, only_if_newer=True)

    @staticmethod
    def _finance_chunks(
        facts: Sequence[FinanceTransactionFact], at: datetime, expires_at: int
    ) -> tuple[list[FinanceChunkRecord], list[FinanceTransactionFact]]:
        """Per (seller, UTC posting hour), a chunk of the transactions the hour's stored items do not
        hold as they are (missing, different, or written more than `REWRITE_AFTER` ago): one Query
        of the hour each. The chunks, and the transactions they hold."""
        hours: dict[tuple[str, str], dict[str, FinanceTransactionFact]] = {}
        for fact in facts:  # within the batch, the last version of a transaction wins
            key = finance_key(fact.posted_at, fact.transaction_id)
            hours.setdefault((fact.seller_id, finance_hour(fact.posted_at)), {})[key] = fact
        chunks: list[FinanceChunkRecord] = []
        written: list[FinanceTransactionFact] = []
        for (seller_id, hour), found in sorted(hours.items()):
            start = datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC)
            stored = latest(finance_items(seller_id, start, start))
            new = [
                fact
                for key, fact in sorted(found.items())
                if (held := stored.get(key)) is None
                or held[0].written_at < at - REWRITE_AFTER
                or held[1] != fact
            ]
            for first in range(0, len(new), CHUNK_TRANSACTIONS):
                part = new[first : first + CHUNK_TRANSACTIONS]
                chunks.append(_chunk(seller_id, hour, part, written_at=at, expires_at=expires_at))
            written += new
        return chunks, written

    def erase_order_transactions(self, seller_id: str, order_id: str) -> list[tuple[str, date]]:
        """A buyer's deletion request: each finance chunk holding a transaction of the order is
        rewritten without them (deleted when nothing is left), with its write time and expiry (a newer
        version in another chunk still wins); the (marketplace, local day) of each transaction removed.
        Reads every finance item of the seller (a refund may post months after the order): rare.
        Legacy items carry `order_id`: the caller deletes those by it."""
        removed: list[tuple[str, date]] = []
        for item in finance_items(seller_id, consistent=True):
            gone = [f for f in item.transactions if f.order_id == order_id]
            if not item.chunk or not gone:
                continue
            kept = [f for f in item.transactions if f.order_id != order_id]
            if kept:
                _chunk(
                    seller_id, item.hour, kept, written_at=item.written_at, expires_at=item.expires_at
                ).save()
            try:
                FinanceChunkRecord(seller_id, item.sk).delete(
                    condition=FinanceChunkRecord.written_at == item.written_at
                )
            except DeleteError as exc:
                if not condition_failed(exc):
                    raise
                raise RuntimeError(
                    f"finance chunk {item.sk} was rewritten meanwhile: run the deletion request again"
                ) from exc
            removed += [(f.marketplace_id, f.local_date) for f in gone]
        return removed

    # --- reads ----------------------------------------------------------------------------------
    def listings(self, seller_id: str) -> list[ListingFact]:
        return [
            LISTINGS.to_domain(r)
            for r in ListingRecord.query(seller_id, ListingRecord.sk.startswith(LISTING_PREFIX))
        ]

    def inventory(self, seller_id: str, marketplace_id: str | None = None) -> list[InventoryFact]:
        prefix = inventory_key(marketplace_id, "") if marketplace_id else INV_PREFIX
        return [
            INVENTORY.to_domain(r)
            for r in InventoryRecord.query(seller_id, InventoryRecord.sk.startswith(prefix))
        ]

    def traffic_by_date(self, seller_id: str, first: date, last: date) -> list[TrafficByDateFact]:
        lower = f"{TRAFFIC_DATE_PREFIX}{first.isoformat()}"
        upper = f"{TRAFFIC_DATE_PREFIX}{last.isoformat()}#~"
        return [
            TRAFFIC_BY_DATE.to_domain(r)
            for r in TrafficDateRecord.query(seller_id, TrafficDateRecord.sk.between(lower, upper))
        ]

    def traffic_by_asin(self, seller_id: str, day: date, marketplace_id: str) -> list[TrafficByAsinFact]:
        """The day's by-ASIN rows: its packed rows, or its legacy items when it has none."""
        prefix = traffic_asin_day(marketplace_id, day)
        return read_days(TRAFFIC_ASIN_DAYS, seller_id, prefix, f"{prefix}~")

    def finance_transactions(
        self, seller_id: str, posted_from: datetime, posted_to: datetime, **filters: Unpack[FinanceFilters]
    ) -> list[FinanceTransactionFact]:
        """Every transaction posted in [posted_from, posted_to), oldest first."""
        return self.finance_page(seller_id, posted_from, posted_to, limit=None, **filters).transactions

    def finance_page(
        self,
        seller_id: str,
        posted_from: datetime,
        posted_to: datetime,
        *,
        limit: int | None = None,
        after_key: str | None = None,
        **filters: Unpack[FinanceFilters],
    ) -> FinancePage:
        """Transactions posted in [posted_from, posted_to), oldest first, at most `limit` of them, after
        the virtual key `after_key`. Reads the finance items hour by hour (a page stops at the hour it
        fills up in) and the archive for the days past the hot window (DynamoDB's version wins)."""
        marketplace_id = filters.get("marketplace_id")
        transaction_type = filters.get("transaction_type")
        start, stop = posted_from, posted_to - timedelta(microseconds=1)
        if after_key is not None:
            cursor = _cursor_instant(after_key)
            start = max(start, cursor) if cursor is not None else start
        if start > stop or (after_key is not None and after_key >= finance_key(posted_to, "")):
            return FinancePage(transactions=[], last_key=None)
        archived = self._archived_transactions(
            seller_id, posted_from, posted_to, after_key=after_key, **filters
        )
        by_key: dict[str, FinanceTransactionFact] = {}
        more = False
        last: str | None = None
        # a limited page reads a few items a request: it stops at the hour that fills it
        page_size = None if limit is None else max(10, min(100, limit // 10))
        for hour in by_hour(finance_items(seller_id, start, stop, page_size=page_size)):
            for key, (_, fact) in sorted(latest(hour).items()):
                if (
                    posted_from <= fact.posted_at < posted_to
                    and (after_key is None or key > after_key)
                    and (not marketplace_id or fact.marketplace_id == marketplace_id)
                    and (not transaction_type or fact.transaction_type == transaction_type)
                ):
                    by_key[key] = fact
            if limit is not None and len(by_key) >= limit:
                more = True
                by_key = {k: by_key[k] for k in sorted(by_key)[:limit]}
                last = max(by_key)
                if not archived:
                    return FinancePage(transactions=list(by_key.values()), last_key=last)
                break  # DynamoDB has more: the archived ones after `last` wait for the next page
        if not archived:
            return FinancePage(transactions=list(by_key.values()), last_key=None)
        # DynamoDB wins over the archive (a transaction rewritten after it was archived).
        merged = {k: t for k, t in archived.items() if not (more and last is not None and k > last)}
        merged.update(by_key)
        keys = sorted(merged)
        if limit is not None and len(keys) > limit:
            keys, more = keys[:limit], True
        return FinancePage(
            transactions=[merged[k] for k in keys], last_key=keys[-1] if more and keys else None
        )

    def _archived_transactions(
        self,
        seller_id: str,
        posted_from: datetime,
        posted_to: datetime,
        *,
        after_key: str | None,
        **filters: Unpack[FinanceFilters],
    ) -> dict[str, FinanceTransactionFact]:
        """The archived transactions of [posted_from, posted_to) after `after_key`, by sort key."""
        history = self._history
        now = self._clock()
        if history is None or not history.reaches(
            posted_from.astimezone(UTC).date() - timedelta(days=1), now
        ):
            return {}
        wanted = filters.get("marketplace_id")
        kind = filters.get("transaction_type")
        found: dict[str, FinanceTransactionFact] = {}
        for marketplace_id in [wanted] if wanted else history.marketplaces(seller_id):
            days = history.days_reached(marketplace_id, posted_from, posted_to, now)
            for sk, fact in history.transactions(seller_id, marketplace_id, days):
                if (
                    posted_from <= fact.posted_at < posted_to
                    and (kind is None or fact.transaction_type == kind)
                    and (after_key is None or sk > after_key)
                ):
                    found[sk] = fact
        return found

    def settlements(self, seller_id: str) -> list[SettlementSummary]:
        return [
            SETTLEMENTS.to_domain(r)
            for r in SettlementRecord.query(seller_id, SettlementRecord.sk.startswith(SETTLEMENT_PREFIX))
        ]

    def settlement(self, seller_id: str, settlement_id: str) -> SettlementSummary | None:
        try:
            return SETTLEMENTS.to_domain(SettlementRecord.get(seller_id, settlement_key(settlement_id)))
        except DoesNotExist:
            return None

    def settlement_lines(
        self, seller_id: str, settlement_id: str, *, after_line: int = 0, limit: int | None = None
    ) -> list[SettlementLineFact]:
        lower = settlement_line_key(settlement_id, after_line + 1)
        upper = f"{SETTLEMENT_LINE_PREFIX}{settlement_id}#~"
        lines: list[SettlementLineFact] = []
        for record in SettlementLineRecord.query(
            seller_id, SettlementLineRecord.sk.between(lower, upper), limit=limit
        ):
            lines.append(SETTLEMENT_LINES.to_domain(record))
            if limit is not None and len(lines) >= limit:
                break
        return lines

    def orders_purchased(
        self, seller_id: str, marketplace_id: str, start: datetime, end: datetime
    ) -> list[Order]:
        """Orders of one marketplace purchased in [start, end) (the chunks of the local days the span
        touches, and the archive for the days past the hot window: DynamoDB's version of an order wins)."""
        first = local_day(marketplace_id, start)
        last = local_day(marketplace_id, end - timedelta(microseconds=1))
        orders = [
            o
            for o in orders_of_days(seller_id, first, last, marketplace_id=marketplace_id).values()
            if start <= o.created_time < end
        ]
        history = self._history
        days = history.days_reached(marketplace_id, start, end, self._clock()) if history else []
        if history is None or not days:
            return sorted(orders, key=lambda o: (o.created_time, o.order_id))
        stored = {o.order_id for o in orders}
        orders += [
            o
            for o in history.orders(seller_id, marketplace_id, days)
            if start <= o.created_time < end and o.order_id not in stored
        ]
        return sorted(orders, key=lambda o: (o.created_time, o.order_id))
