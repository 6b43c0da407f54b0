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
from typing import Any

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from sellerflow.analytics.calendar import iso_z, local_day
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
from sellerflow.store.orders import OrderStore, _from_record
from sellerflow.store.privacy import drop_restricted
from sellerflow.store.tables import OrderRecord, _BoundMeta, table

LISTING_PREFIX = "LISTING#"
INV_PREFIX = "INV#"
TRAFFIC_DATE_PREFIX = "TRAFFIC#DATE#"
TRAFFIC_ASIN_PREFIX = "TRAFFIC#ASIN#"
FIN_PREFIX = "FIN#"
SETTLEMENT_PREFIX = "SETTLEMENT#"
SETTLEMENT_LINE_PREFIX = "SETTLEMENTLINE#"
MAX_RETENTION = timedelta(days=548)  # Amazon data: at most 18 months


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


# --- item models ------------------------------------------------------------------------------
@table("seller_data")
class ListingRecord(Model):
    class Meta(_BoundMeta):
        pass

    seller_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    marketplace_id = UnicodeAttribute()
    sku = UnicodeAttribute()
    asin = UnicodeAttribute(null=True)
    title = UnicodeAttribute(null=True)
    price = UnicodeAttribute(null=True)
    currency = UnicodeAttribute()
    quantity = NumberAttribute(null=True)
    status = UnicodeAttribute(null=True)
    fulfillment_channel = UnicodeAttribute(null=True)
    open_date = UTCDateTimeAttribute(null=True)
    written_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


@table("seller_data")
class InventoryRecord(Model):
    class Meta(_BoundMeta):
        pass

    seller_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    marketplace_id = UnicodeAttribute()
    sku = UnicodeAttribute()
    asin = UnicodeAttribute(null=True)
    fnsku = UnicodeAttribute(null=True)
    condition = UnicodeAttribute(null=True)
    fulfillable = NumberAttribute()
    inbound_working = NumberAttribute()
    inbound_shipped = NumberAttribute()
    inbound_receiving = NumberAttribute()
    reserved = NumberAttribute()
    unfulfillable = NumberAttribute()
    as_of = UTCDateTimeAttribute()
    written_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


@table("seller_data")
class TrafficDateRecord(Model):
    class Meta(_BoundMeta):
        pass

    seller_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    marketplace_id = UnicodeAttribute()
    day = UnicodeAttribute()
    sessions = NumberAttribute()
    page_views = NumberAttribute()
    buy_box_percentage = UnicodeAttribute()
    units_ordered = NumberAttribute()
    ordered_product_sales = UnicodeAttribute()
    currency = UnicodeAttribute()
    written_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


@table("seller_data")
class TrafficAsinRecord(Model):
    class Meta(_BoundMeta):
        pass

    seller_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    marketplace_id = UnicodeAttribute()
    day = UnicodeAttribute()
    parent_asin = UnicodeAttribute(null=True)
    child_asin = UnicodeAttribute()
    sku = UnicodeAttribute(null=True)
    sessions = NumberAttribute()
    page_views = NumberAttribute()
    buy_box_percentage = UnicodeAttribute()
    units_ordered = NumberAttribute()
    ordered_product_sales = UnicodeAttribute()
    currency = UnicodeAttribute()
    written_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


class AmountRecord(MapAttribute[str, Any]):
    type = UnicodeAttribute()
    amount = UnicodeAttribute()  # signed Decimal string, as Amazon reports it


@table("seller_data")
class FinanceRecord(Model):
    class Meta(_BoundMeta):
        pass

    seller_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    transaction_id = UnicodeAttribute()
    transaction_type = UnicodeAttribute()
    posted_at = UTCDateTimeAttribute()
    marketplace_id = UnicodeAttribute()
    local_date = UnicodeAttribute()
    order_id = UnicodeAttribute(null=True)
    sku = UnicodeAttribute(null=True)
    quantity = NumberAttribute(null=True)
    total = UnicodeAttribute()
    currency = UnicodeAttribute()
    amounts = ListAttribute[AmountRecord](of=AmountRecord, default=list)
    written_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


@table("seller_data")
class SettlementRecord(Model):
    class Meta(_BoundMeta):
        pass

    seller_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    settlement_id = UnicodeAttribute()
    marketplace_id = UnicodeAttribute(null=True)
    start = UTCDateTimeAttribute()
    end = UTCDateTimeAttribute()
    deposit_date = UTCDateTimeAttribute(null=True)
    total = UnicodeAttribute()
    currency = UnicodeAttribute()
    written_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


@table("seller_data")
class SettlementLineRecord(Model):
    class Meta(_BoundMeta):
        pass

    seller_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    settlement_id = UnicodeAttribute()
    line = NumberAttribute()
    transaction_type = UnicodeAttribute(null=True)
    order_id = UnicodeAttribute(null=True)
    sku = UnicodeAttribute(null=True)
    amount_type = UnicodeAttribute(null=True)
    amount_description = UnicodeAttribute(null=True)
    amount = UnicodeAttribute()
    currency = UnicodeAttribute()
    posted_at = UTCDateTimeAttribute(null=True)
    marketplace_name = UnicodeAttribute(null=True)
    quantity = NumberAttribute(null=True)
    written_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


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


# --- fact -> item ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Stamp:
    at: datetime
    expires_at: int


def _listing(f: ListingFact, s: _Stamp) -> ListingRecord:
    return ListingRecord(
        seller_id=f.seller_id,
        sk=listing_key(f.marketplace_id, f.sku),
        marketplace_id=f.marketplace_id,
        sku=f.sku,
        asin=f.asin,
        title=f.title,
        price=_text(f.price),
        currency=f.currency,
        quantity=f.quantity,
        status=f.status,
        fulfillment_channel=f.fulfillment_channel,
        open_date=f.open_date,
        written_at=s.at,
        expires_at=s.expires_at,
    )


def _inventory(f: InventoryFact, s: _Stamp) -> InventoryRecord:
    return InventoryRecord(
        seller_id=f.seller_id,
        sk=inventory_key(f.marketplace_id, f.sku),
        marketplace_id=f.marketplace_id,
        sku=f.sku,
        asin=f.asin,
        fnsku=f.fnsku,
        condition=f.condition,
        fulfillable=f.fulfillable,
        inbound_working=f.inbound_working,
        inbound_shipped=f.inbound_shipped,
        inbound_receiving=f.inbound_receiving,
        reserved=f.reserved,
        unfulfillable=f.unfulfillable,
        as_of=f.as_of,
        written_at=s.at,
        expires_at=s.expires_at,
    )


def _traffic_date(f: TrafficByDateFact, s: _Stamp) -> TrafficDateRecord:
    return TrafficDateRecord(
        seller_id=f.seller_id,
        sk=traffic_date_key(f.day, f.marketplace_id),
        marketplace_id=f.marketplace_id,
        day=f.day.isoformat(),
        sessions=f.sessions,
        page_views=f.page_views,
        buy_box_percentage=str(f.buy_box_percentage),
        units_ordered=f.units_ordered,
        ordered_product_sales=str(f.ordered_product_sales),
        currency=f.currency,
        written_at=s.at,
        expires_at=s.expires_at,
    )


def _traffic_asin(f: TrafficByAsinFact, s: _Stamp) -> TrafficAsinRecord:
    return TrafficAsinRecord(
        seller_id=f.seller_id,
        sk=traffic_asin_key(f.day, f.marketplace_id, f.child_asin),
        marketplace_id=f.marketplace_id,
        day=f.day.isoformat(),
        parent_asin=f.parent_asin,
        child_asin=f.child_asin,
        sku=f.sku,
        sessions=f.sessions,
        page_views=f.page_views,
        buy_box_percentage=str(f.buy_box_percentage),
        units_ordered=f.units_ordered,
        ordered_product_sales=str(f.ordered_product_sales),
        currency=f.currency,
        written_at=s.at,
        expires_at=s.expires_at,
    )


def _finance(f: FinanceTransactionFact, s: _Stamp) -> FinanceRecord:
    return FinanceRecord(
        seller_id=f.seller_id,
        sk=finance_key(f.posted_at, f.transaction_id),
        transaction_id=f.transaction_id,
        transaction_type=f.transaction_type,
        posted_at=f.posted_at,
        marketplace_id=f.marketplace_id,
        local_date=f.local_date.isoformat(),
        order_id=f.order_id,
        sku=f.sku,
        quantity=f.quantity,
        total=str(f.total),
        currency=f.currency,
        amounts=[AmountRecord(type=kind, amount=str(amount)) for kind, amount in f.amounts],
        written_at=s.at,
        expires_at=s.expires_at,
    )


def _settlement(f: SettlementSummary, s: _Stamp) -> SettlementRecord:
    return SettlementRecord(
        seller_id=f.seller_id,
        sk=settlement_key(f.settlement_id),
        settlement_id=f.settlement_id,
        marketplace_id=f.marketplace_id,
        start=f.start,
        end=f.end,
        deposit_date=f.deposit_date,
        total=str(f.total),
        currency=f.currency,
        written_at=s.at,
        expires_at=s.expires_at,
    )


def _settlement_line(f: SettlementLineFact, s: _Stamp) -> SettlementLineRecord:
    return SettlementLineRecord(
        seller_id=f.seller_id,
        sk=settlement_line_key(f.settlement_id, f.line),
        settlement_id=f.settlement_id,
        line=f.line,
        transaction_type=f.transaction_type,
        order_id=f.order_id,
        sku=f.sku,
        amount_type=f.amount_type,
        amount_description=f.amount_description,
        amount=str(f.amount),
        currency=f.currency,
        posted_at=f.posted_at,
        marketplace_name=f.marketplace_name,
        quantity=f.quantity,
        written_at=s.at,
        expires_at=s.expires_at,
    )


_WRITERS: dict[type, tuple[type[Model], Callable[[Any, _Stamp], Model]]] = {
    ListingFact: (ListingRecord, _listing),
    InventoryFact: (InventoryRecord, _inventory),
    TrafficByDateFact: (TrafficDateRecord, _traffic_date),
    TrafficByAsinFact: (TrafficAsinRecord, _traffic_asin),
    FinanceTransactionFact: (FinanceRecord, _finance),
    SettlementSummary: (SettlementRecord, _settlement),
    SettlementLineFact: (SettlementLineRecord, _settlement_line),
}


# --- item -> fact ---------------------------------------------------------------------------------
def _listing_fact(r: ListingRecord) -> ListingFact:
    return ListingFact(
        seller_id=r.seller_id,
        marketplace_id=r.marketplace_id,
        sku=r.sku,
        asin=r.asin,
        title=r.title,
        price=_money(r.price),
        currency=r.currency,
        quantity=_int(r.quantity),
        status=r.status,
        fulfillment_channel=r.fulfillment_channel,
        open_date=r.open_date,
    )


def _inventory_fact(r: InventoryRecord) -> InventoryFact:
    return InventoryFact(
        seller_id=r.seller_id,
        marketplace_id=r.marketplace_id,
        sku=r.sku,
        asin=r.asin,
        fnsku=r.fnsku,
        condition=r.condition,
        fulfillable=int(r.fulfillable),
        inbound_working=int(r.inbound_working),
        inbound_shipped=int(r.inbound_shipped),
        inbound_receiving=int(r.inbound_receiving),
        reserved=int(r.reserved),
        unfulfillable=int(r.unfulfillable),
        as_of=r.as_of,
    )


def _traffic_date_fact(r: TrafficDateRecord) -> TrafficByDateFact:
    return TrafficByDateFact(
        seller_id=r.seller_id,
        marketplace_id=r.marketplace_id,
        day=date.fromisoformat(r.day),
        sessions=int(r.sessions),
        page_views=int(r.page_views),
        buy_box_percentage=Decimal(r.buy_box_percentage),
        units_ordered=int(r.units_ordered),
        ordered_product_sales=Decimal(r.ordered_product_sales),
        currency=r.currency,
    )


def _traffic_asin_fact(r: TrafficAsinRecord) -> TrafficByAsinFact:
    return TrafficByAsinFact(
        seller_id=r.seller_id,
        marketplace_id=r.marketplace_id,
        day=date.fromisoformat(r.day),
        parent_asin=r.parent_asin,
        child_asin=r.child_asin,
        sku=r.sku,
        sessions=int(r.sessions),
        page_views=int(r.page_views),
        buy_box_percentage=Decimal(r.buy_box_percentage),
        units_ordered=int(r.units_ordered),
        ordered_product_sales=Decimal(r.ordered_product_sales),
        currency=r.currency,
    )


def _finance_fact(r: FinanceRecord) -> FinanceTransactionFact:
    return FinanceTransactionFact(
        seller_id=r.seller_id,
        transaction_id=r.transaction_id,
        transaction_type=r.transaction_type,
        posted_at=r.posted_at,
        marketplace_id=r.marketplace_id,
        local_date=date.fromisoformat(r.local_date),
        order_id=r.order_id,
        sku=r.sku,
        quantity=_int(r.quantity),
        total=Decimal(r.total),
        currency=r.currency,
        amounts=tuple((a.type, Decimal(a.amount)) for a in r.amounts or ()),
    )


def _settlement_fact(r: SettlementRecord) -> SettlementSummary:
    return SettlementSummary(
        seller_id=r.seller_id,
        settlement_id=r.settlement_id,
        marketplace_id=r.marketplace_id,
        start=r.start,
        end=r.end,
        deposit_date=r.deposit_date,
        total=Decimal(r.total),
        currency=r.currency,
    )


def _settlement_line_fact(r: SettlementLineRecord) -> SettlementLineFact:
    return SettlementLineFact(
        seller_id=r.seller_id,
        settlement_id=r.settlement_id,
        line=int(r.line),
        transaction_type=r.transaction_type,
        order_id=r.order_id,
        sku=r.sku,
        amount_type=r.amount_type,
        amount_description=r.amount_description,
        amount=Decimal(r.amount),
        currency=r.currency,
        posted_at=r.posted_at,
        marketplace_name=r.marketplace_name,
        quantity=_int(r.quantity),
    )


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
    ) -> None:
        if retention > MAX_RETENTION:
            raise ValueError(f"retention {retention.days} days exceeds the 18-month limit")
        self._retention = retention
        self._orders = orders or OrderStore(retention=retention)
        self._dirty = dirty or DirtyDays()

    # --- writes ---------------------------------------------------------------------------------
    def write(self, batch: Sequence[object], *, now: datetime | None = None) -> None:
        """Upsert a mixed batch of facts (and orders); mark the days they touch dirty.

        Unknown record types are refused before anything is written.
        """
        batch = drop_restricted(batch)  # a buyer's deletion request is honoured by every pipeline
        at = (now or datetime.now(UTC)).astimezone(UTC)
        stamp = _Stamp(at=at, expires_at=int((at + self._retention).timestamp()))
        orders: list[Order] = []
        # Per model, the last version of each key wins: BatchWriteItem refuses a key twice per request.
        items: dict[type[Model], dict[tuple[str, str], Model]] = {}
        dirty: dict[str, set[tuple[str, date]]] = {}
        for fact in batch:
            if isinstance(fact, Order):
                orders.append(fact)
                continue
            writer = _WRITERS.get(type(fact))
            if writer is None:
                raise TypeError(f"FactStore cannot store a {type(fact).__name__}")
            model, convert = writer
            record = convert(fact, stamp)
            items.setdefault(model, {})[(record.seller_id, record.sk)] = record  # type: ignore[attr-defined]
            if isinstance(fact, FinanceTransactionFact):
                day = local_day(fact.marketplace_id, fact.posted_at)
                dirty.setdefault(fact.seller_id, set()).add((fact.marketplace_id, day))
        for model, records in items.items():
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
            _listing_fact(r)
            for r in ListingRecord.query(seller_id, ListingRecord.sk.startswith(LISTING_PREFIX))
        ]

    def inventory(self, seller_id: str, marketplace_id: str | None = None) -> list[InventoryFact]:
        prefix = inventory_key(marketplace_id, "") if marketplace_id else INV_PREFIX
        return [
            _inventory_fact(r)
            for r in InventoryRecord.query(seller_id, InventoryRecord.sk.startswith(prefix))
        ]

    def traffic_by_date(self, seller_id: str, first: date, last: date) -> list[TrafficByDateFact]:
        lower = f"{TRAFFIC_DATE_PREFIX}{first.isoformat()}"
        upper = f"{TRAFFIC_DATE_PREFIX}{last.isoformat()}#~"
        return [
            _traffic_date_fact(r)
            for r in TrafficDateRecord.query(seller_id, TrafficDateRecord.sk.between(lower, upper))
        ]

    def traffic_by_asin(self, seller_id: str, day: date, marketplace_id: str) -> list[TrafficByAsinFact]:
        prefix = f"{TRAFFIC_ASIN_PREFIX}{day.isoformat()}#{marketplace_id}#"
        return [
            _traffic_asin_fact(r)
            for r in TrafficAsinRecord.query(seller_id, TrafficAsinRecord.sk.startswith(prefix))
        ]

    def finance_transactions(
        self,
        seller_id: str,
        posted_from: datetime,
        posted_to: datetime,
        *,
        marketplace_id: str | None = None,
        transaction_type: str | None = None,
    ) -> list[FinanceTransactionFact]:
        """Every transaction posted in [posted_from, posted_to), oldest first."""
        page = self.finance_page(
            seller_id,
            posted_from,
            posted_to,
            marketplace_id=marketplace_id,
            transaction_type=transaction_type,
            limit=None,
        )
        return page.transactions

    def finance_page(
        self,
        seller_id: str,
        posted_from: datetime,
        posted_to: datetime,
        *,
        marketplace_id: str | None = None,
        transaction_type: str | None = None,
        limit: int | None = None,
        after_key: str | None = None,
    ) -> FinancePage:
        """Transactions posted in [posted_from, posted_to), oldest first, at most `limit` of them."""
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
        found: list[FinanceTransactionFact] = []
        last: str | None = None
        if lower > upper:
            return FinancePage(transactions=[], last_key=None)
        for record in FinanceRecord.query(
            seller_id, FinanceRecord.sk.between(lower, upper), filter_condition=filter_condition
        ):
            found.append(_finance_fact(record))
            last = record.sk
            if limit is not None and len(found) >= limit:
                return FinancePage(transactions=found, last_key=last)
        return FinancePage(transactions=found, last_key=None)

    def settlements(self, seller_id: str) -> list[SettlementSummary]:
        return [
            _settlement_fact(r)
            for r in SettlementRecord.query(seller_id, SettlementRecord.sk.startswith(SETTLEMENT_PREFIX))
        ]

    def settlement(self, seller_id: str, settlement_id: str) -> SettlementSummary | None:
        try:
            return _settlement_fact(SettlementRecord.get(seller_id, settlement_key(settlement_id)))
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
            lines.append(_settlement_line_fact(record))
            if limit is not None and len(lines) >= limit:
                break
        return lines

    def orders_purchased(
        self, seller_id: str, marketplace_id: str, start: datetime, end: datetime
    ) -> list[Order]:
        """Orders of one marketplace purchased in [start, end) (the `by_purchase_date` index)."""
        return list(_orders_between(seller_id, marketplace_id, start, end))


def _orders_between(seller_id: str, marketplace_id: str, start: datetime, end: datetime) -> Iterable[Order]:
    lower, upper = iso_z(start), iso_z(end)  # "<end>#<orderId>" sorts after "<end>": end is excluded
    for record in OrderRecord.by_purchase_date.query(
        seller_id,
        OrderRecord.purchase_sk.between(lower, upper),
        filter_condition=OrderRecord.marketplace_id == marketplace_id,
    ):
        yield _from_record(record)
