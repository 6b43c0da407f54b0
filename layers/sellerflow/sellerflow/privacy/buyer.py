"""A buyer's deletion request for one order: delete everything that carries the order id, and make
sure no pipeline stores it again.

What carries an order id: the order's versions (in the chunks `ORDERS#<day>#<marketplace>#<hash>`,
rewritten without them, and its `ORDERID#<orderId>` item; a legacy `ORDER#<orderId>` item), finance transactions (in the chunks
`FIN#<hour>#<hash>`, rewritten without the order's, and legacy `FIN#<iso>#<id>` items whose `order_id`
matches), settlement lines (`SETTLEMENTLINE#...` whose `order_id` matches) and any
buyer-PII item of the order (`ORDER#<orderId>#<purpose>` in the PII table). Rollups are aggregates
without order ids: the days the order touched are marked dirty, so they are recomputed without it.

The restriction (`RESTRICT#ORDER#<orderId>`, sellers table) is written first: a sync running at the
same time reads it before its next write and skips the order (`OrderStore.upsert`, the fact store).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sellerflow.errors import InvalidInput
from sellerflow.privacy.models import is_seller_id

ORDER_PREFIX = "ORDER#"
FIN_PREFIX = "FIN#"
SETTLEMENT_LINE_PREFIX = "SETTLEMENTLINE#"
# an order archived before the order-id index: its marketplace and day (store.orders, read until it
# expires); the index's entry goes with the archive's `erase_order`
ORDER_LOCATOR_PREFIX = "ORDERDAY#"


class OrderDataStore(Protocol):
    def get(self, kind: str, seller_id: str, sk: str) -> dict[str, Any] | None: ...

    def with_attribute(
        self, kind: str, seller_id: str, prefix: str, name: str, value: str
    ) -> list[dict[str, Any]]: ...

    def under_prefix(self, kind: str, seller_id: str, prefix: str) -> list[dict[str, Any]]: ...

    def delete(self, kind: str, seller_id: str, sort_keys: Sequence[str]) -> int: ...


class Restrictions(Protocol):
    def __call__(self, seller_id: str, order_id: str, *, requested_by: str, reason: str) -> None: ...


class DirtyDayMarker(Protocol):
    def mark_each(self, seller_id: str, days: Iterable[tuple[str, date]], *, reason: str = ...) -> int: ...


class ArchivedOrders(Protocol):
    """The history archive (orders and transactions past the hot window, in S3)."""

    def erase_order(self, seller_id: str, order_id: str) -> list[tuple[str, date]]:
        """The order out of the archive's order-id index, and the archived days holding the order or
        its transactions rewritten without them; those days."""
        ...


class ChunkedTransactions(Protocol):
    """The fact store's finance chunks (many transactions per item, `store/facts.py`)."""

    def erase_order_transactions(self, seller_id: str, order_id: str) -> list[tuple[str, date]]:
        """Rewrite the chunks holding the order's transactions without them; each one's day."""
        ...


class ChunkedOrders(Protocol):
    """The order store's chunks (many orders per item, `store/orders.py`)."""

    def erase_order(self, seller_id: str, order_id: str) -> list[tuple[str, date]]:
        """Rewrite the chunks holding the order's versions without them; the order's day, if stored."""
        ...


class AuditSink(Protocol):
    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> object: ...


@dataclass(frozen=True)
class BuyerDeletionResult:
    seller_id: str
    order_id: str
    orders: int
    finance_transactions: int
    settlement_lines: int
    pii_items: int
    archived_days: int = 0  # archived (marketplace, day) objects rewritten without the order

    @property
    def total(self) -> int:
        return self.orders + self.finance_transactions + self.settlement_lines + self.pii_items


def _day(item: Mapping[str, Any]) -> tuple[str, date] | None:
    marketplace, local = item.get("marketplace_id"), item.get("local_date")
    if not marketplace or not local:
        return None
    try:
        return str(marketplace), date.fromisoformat(str(local))
    except ValueError:
        return None


def delete_buyer_order_data(
    seller_id: str,
    order_id: str,
    *,
    requested_by: str,
    store: OrderDataStore,
    restrict: Restrictions,
    dirty: DirtyDayMarker,
    audit: AuditSink,
    reason: str = "buyer deletion request",
    archive: ArchivedOrders | None = None,
    transactions: ChunkedTransactions | None = None,
    orders: ChunkedOrders | None = None,
) -> BuyerDeletionResult:
    if not is_seller_id(seller_id) or not is_seller_id(order_id):
        raise InvalidInput("seller and order ids must be 1-64 characters of [A-Za-z0-9_-]")
    restrict(seller_id, order_id, requested_by=requested_by, reason=reason)
    order = store.get("seller_data", seller_id, f"{ORDER_PREFIX}{order_id}")
    finance = store.with_attribute("seller_data", seller_id, FIN_PREFIX, "order_id", order_id)
    lines = store.with_attribute("seller_data", seller_id, SETTLEMENT_LINE_PREFIX, "order_id", order_id)
    pii = store.under_prefix("pii", seller_id, f"{ORDER_PREFIX}{order_id}#")
    days = {d for d in (_day(i) for i in [*([order] if order else []), *finance]) if d is not None}
    deleted_orders = store.delete("seller_data", seller_id, [f"{ORDER_PREFIX}{order_id}"]) if order else 0
    store.delete(
        "seller_data",
        seller_id,
        [str(i["sk"]) for i in [*finance, *lines]] + [f"{ORDER_LOCATOR_PREFIX}{order_id}"],
    )
    store.delete("pii", seller_id, [str(i["sk"]) for i in pii])
    chunked = transactions.erase_order_transactions(seller_id, order_id) if transactions is not None else []
    days |= set(chunked)
    packed = orders.erase_order(seller_id, order_id) if orders is not None else []
    days |= set(packed)
    # An order past the hot window is in the archive (its day unknown here: the archive finds it).
    archived = archive.erase_order(seller_id, order_id) if archive is not None else []
    days |= set(archived)
    if days:
        dirty.mark_each(seller_id, days, reason="buyer-request")
    result = BuyerDeletionResult(
        seller_id=seller_id,
        order_id=order_id,
        orders=deleted_orders or len(packed),
        finance_transactions=len(finance) + len(chunked),
        settlement_lines=len(lines),
        pii_items=len(pii),
        archived_days=len(archived),
    )
    audit.record(
        seller_id,
        requested_by,
        "buyer_request.deleted",
        f"order/{order_id} orders={result.orders} finance_transactions={result.finance_transactions} "
        f"settlement_lines={result.settlement_lines} pii_items={result.pii_items} restricted=yes"
        + (f" archived_days={result.archived_days}" if archive is not None else ""),
    )
    return result
