"""Facts besides orders in the seller-data table: idempotent batch upserts and seller-scoped reads.

Item layout (docs/data-model.md):

    LISTING#<marketplaceId>#<sku>                              ListingFact
    INV#<marketplaceId>#<sku>                                  InventoryFact
    TRAFFIC#DATE#<yyyy-mm-dd>#<marketplaceId>                  TrafficByDateFact
    TRAFFIC#ASIN#<yyyy-mm-dd>#<marketplaceId>#<childAsin>      TrafficByAsinFact
    FIN#<postedAt ISO Z>#<transactionId>                       FinanceTransactionFact
    SETTLEMENT#<settlementId>                                  SettlementSummary
    SETTLEMENTLINE#<settlementId>#<line:07d>                   SettlementLineFact

Writes are BatchWriteItem (PutRequest replaces the item, so a batch written twice is harmless).
Orders go to `OrderStore.upsert` (conditional on lastUpdatedTime); finance transactions mark their
(marketplace, local posted day) dirty, and `OrderStore.upsert` does the same for purchase days.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

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
from sellerflow.store.history import HistoryArchive
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.orders import OrderRecord, OrderStore, orders_by_key
from sellerflow.store.privacy import drop_restricted
from sellerflow.store.tables import AmazonFactItem, table

LISTING_PREFIX = "LISTING#"
INV_PREFIX = "INV#"
TRAFFIC_DATE_PREFIX = "TRAFFIC#DATE#"
TRAFFIC_ASIN_PREFIX = "TRAFFIC#ASIN#"
FIN_PREFIX = "FIN#"
SETTLEMENT_PREFIX = "SETTLEMENT#"
SETTLEMENT_LINE_PREFIX = "SETTLEMENTLINE#"
MAX_RETENTION = timedelta(days=548)  # Amazon data: at most 18 months


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
    """TRAFFIC#ASIN#<yyyy-mm-dd>#<marketplaceId>#<childAsin>"""


class AmountRecord(MapAttribute[str, Any]):
    type = UnicodeAttribute()
    amount = UnicodeAttribute()  # signed Decimal string, as Amazon reports it


class SkuAmountRecord(MapAttribute[str, Any]):
    sku = UnicodeAttribute()
    type = UnicodeAttribute()
    amount = UnicodeAttribute()  # signed Decimal string: this SKU's part of the type's amount


@table("seller_data")
class FinanceRecord(AmazonFactItem):
    """FIN#<postedAt ISO Z>#<transactionId>; the finance page filters on marketplace and type."""

    marketplace_id = UnicodeAttribute()
    transaction_type = UnicodeAttribute()
    amounts = ListAttribute[AmountRecord](of=AmountRecord, default=list)
    sku_amounts = ListAttribute[SkuAmountRecord](of=SkuAmountRecord, default=list)


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


def traffic_asin_key(day: date, marketplace_id: str, child_asin: str) -> str:
    return f"{TRAFFIC_ASIN_PREFIX}{day.isoformat()}#{marketplace_id}#{child_asin}"


def finance_key(posted_at: datetime, transaction_id: str) -> str:
    return f"{FIN_PREFIX}{iso_z(posted_at)}#{transaction_id}"


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
# What the batch writer stores each fact type as.
_MAPPINGS: dict[type, RecordMapping[Any, Any]] = {
    m.domain: m
    for m in (LISTINGS, INVENTORY, TRAFFIC_BY_DATE, TRAFFIC_BY_ASIN, FINANCES, SETTLEMENTS, SETTLEMENT_LINES)
}


# Facts every sync fetches again (finance transactions over a 48-hour lookback, each hour; listings
# and inventory on every sync): each is written only when new, changed, or written more than
# `REWRITE_AFTER` ago (its TTL counts from the write: an unchanged fact Amazon still returns is kept).
_REFETCHED: dict[type[Model], type] = {
    FinanceRecord: FinanceTransactionFact,
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
        at = (now or datetime.now(UTC)).astimezone(UTC)
        expires_at = int((at + self._retention).timestamp())
        orders: list[Order] = []
        # Per model, the last version of each key wins: BatchWriteItem refuses a key twice per request.
        items: dict[type[Model], dict[tuple[str, str], Model]] = {}
        dirty: dict[str, set[tuple[str, date]]] = {}
        for fact in batch:
            if isinstance(fact, Order):
                orders.append(fact)
                continue
            mapping = _MAPPINGS.get(type(fact))
            if mapping is None:
                raise TypeError(f"FactStore cannot store a {type(fact).__name__}")
            record = mapping.to_record(fact, written_at=at, expires_at=expires_at)
            items.setdefault(mapping.record, {})[(record.seller_id, record.sk)] = record
        for model, records in items.items():
            if model in _REFETCHED:
                records = _changed(model, records, at)
                for fact in map(_MAPPINGS[_REFETCHED[model]].to_domain, records.values()):
                    if isinstance(fact, FinanceTransactionFact):
                        day = local_day(fact.marketplace_id, fact.posted_at)
                        dirty.setdefault(fact.seller_id, set()).add((fact.marketplace_id, day))
            with model.batch_write() as writer_batch:
                for record in records.values():
                    writer_batch.save(record)
        for seller_id, days in dirty.items():
            self._dirty.mark(seller_id, days, reason="finances", now=at)
        if orders:
            # Report backfill never replaces the (richer) Orders API version of an order.
            self._orders.upsert(orders, now=at, only_if_newer=True)

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
        prefix = f"{TRAFFIC_ASIN_PREFIX}{day.isoformat()}#{marketplace_id}#"
        return [
            TRAFFIC_BY_ASIN.to_domain(r)
            for r in TrafficAsinRecord.query(seller_id, TrafficAsinRecord.sk.startswith(prefix))
        ]

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
        """Transactions posted in [posted_from, posted_to), oldest first, at most `limit` of them."""
        marketplace_id = filters.get("marketplace_id")
        transaction_type = filters.get("transaction_type")
        lower = f"{FIN_PREFIX}{iso_z(posted_from)}"
        upper = f"{FIN_PREFIX}{iso_z(posted_to)}"  # "FIN#<to>#<id>" sorts after it: `to` is excluded
        if after_key is not None:
            lower = after_key + "\x00"
        conditions = []
        if marketplace_id:
            conditions.append(FinanceRecord.marketplace_id == marketplace_id)
        if transaction_type:
            conditions.append(FinanceRecord.transaction_type == transaction_type)
        filter_condition = None
        for condition in conditions:
            filter_condition = condition if filter_condition is None else filter_condition & condition
        last: str | None = None
        if lower > upper:
            return FinancePage(transactions=[], last_key=None)
        archived = self._archived_transactions(
            seller_id, posted_from, posted_to, after_key=after_key, **filters
        )
        by_key: dict[str, FinanceTransactionFact] = {}
        more = False
        for record in FinanceRecord.query(
            seller_id, FinanceRecord.sk.between(lower, upper), filter_condition=filter_condition
        ):
            by_key[record.sk] = FINANCES.to_domain(record)
            last = record.sk
            if limit is not None and len(by_key) >= limit:
                more = True
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
        """Orders of one marketplace purchased in [start, end) (the `by_purchase_date` index, and
        the archive for the days past the hot window: DynamoDB's version of an order wins)."""
        orders = list(_orders_between(seller_id, marketplace_id, start, end))
        history = self._history
        if history is None:
            return orders
        days = history.days_reached(marketplace_id, start, end, self._clock())
        if not days:
            return orders
        stored = {o.order_id for o in orders}
        orders += [
            o
            for o in history.orders(seller_id, marketplace_id, days)
            if start <= o.created_time < end and o.order_id not in stored
        ]
        return sorted(orders, key=lambda o: (o.created_time, o.order_id))


def _orders_between(seller_id: str, marketplace_id: str, start: datetime, end: datetime) -> Iterable[Order]:
    lower, upper = iso_z(start), iso_z(end)  # "<end>#<orderId>" sorts after "<end>": end is excluded
    keys = [
        record.sk
        for record in OrderRecord.by_purchase_date.query(
            seller_id,
            OrderRecord.purchase_sk.between(lower, upper),
            filter_condition=OrderRecord.marketplace_id == marketplace_id,
        )
    ]
    for first in range(0, len(keys), 100):
        yield from orders_by_key(seller_id, keys[first : first + 100])
