"""Incremental orders sync, one page per call (Step Functions loops over pages).

Each call commits its page before it returns, and only then moves the watermark: a page that fails
is asked for again (by Step Functions' Retry, with the same pagination token) and nothing is lost;
writing a page twice is harmless because upserts are keyed by order id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sellerflow.amazon.spapi import SearchOrdersPage
from sellerflow.domain import Order, SyncRun, SyncState
from sellerflow.errors import InvalidInput
from sellerflow.observability import logger, metrics
from sellerflow.sync.mapping import to_order
from sellerflow.sync.models import OrdersPageInput, OrdersPageOutput

# searchOrders refuses a lastUpdatedBefore less than two minutes before the request.
AMAZON_SETTLE_DELAY = timedelta(minutes=2)
INCLUDED_DATA = ("PROCEEDS", "FULFILLMENT", "PROMOTION")  # never BUYER or RECIPIENT


class OrdersSource(Protocol):
    def search_orders(
        self,
        seller_id: str,
        *,
        last_updated_after: datetime,
        last_updated_before: datetime | None = None,
        marketplace_ids: Sequence[str] = (),
        fulfillment_statuses: Sequence[str] = (),
        included_data: Sequence[str] = (),
        max_results_per_page: int = 100,
        pagination_token: str | None = None,
    ) -> SearchOrdersPage: ...


class OrdersSink(Protocol):
    def upsert(self, orders: Sequence[Order], *, now: datetime | None = None) -> int: ...


class SyncStateStore(Protocol):
    def sync_state(self, seller_id: str, source: str = "orders") -> SyncState: ...
    def begin_run(self, seller_id: str, run: SyncRun, source: str = "orders") -> None: ...
    def commit_page(
        self, seller_id: str, *, run_id: str, watermark: datetime, orders: int, source: str = "orders"
    ) -> None: ...


class MarketplaceLookup(Protocol):
    def marketplaces_of(self, seller_id: str) -> Sequence[str]: ...


@dataclass(frozen=True)
class OrdersSyncPolicy:
    lookback: timedelta = timedelta(minutes=15)
    initial_history: timedelta = timedelta(days=30)
    page_size: int = 100


def plan_run(state: SyncState, run_id: str, now: datetime, policy: OrdersSyncPolicy) -> SyncRun:
    """The query window of a new run: from the watermark (less a look-back for late updates) to now."""
    start = (state.watermark - policy.lookback) if state.watermark else now - policy.initial_history
    end = now - AMAZON_SETTLE_DELAY
    if start >= end:
        start = end - policy.lookback
    return SyncRun(run_id=run_id, updated_after=start, updated_before=end)


def sync_orders_page(
    request: OrdersPageInput,
    *,
    source: OrdersSource,
    sink: OrdersSink,
    state_store: SyncStateStore,
    marketplace_ids: Sequence[str],
    policy: OrdersSyncPolicy,
    now: datetime | None = None,
) -> OrdersPageOutput:
    now = now or datetime.now(UTC)
    state = state_store.sync_state(request.seller_id)
    if request.pagination_token is None:
        run = plan_run(state, request.run_id, now, policy)
        state_store.begin_run(request.seller_id, run)
    else:
        run = _running(state, request.run_id)

    page = source.search_orders(
        request.seller_id,
        last_updated_after=run.updated_after,
        last_updated_before=run.updated_before,
        marketplace_ids=marketplace_ids,
        included_data=INCLUDED_DATA,
        max_results_per_page=policy.page_size,
        pagination_token=request.pagination_token,
    )
    orders: list[Order] = []
    rejected = 0
    for document in page.orders:
        try:
            orders.append(to_order(request.seller_id, document))
        except InvalidInput as exc:
            # A bad document is recorded and skipped; the rest of the page is kept.
            rejected += 1
            logger.warning("order rejected", extra={"seller_id": request.seller_id, "reason": str(exc)})
    sink.upsert(orders, now=now)

    has_more = bool(page.next_token)
    newest = max((o.last_updated_time for o in orders), default=None)
    candidates = [w for w in (state.watermark, newest) if w is not None]
    if not has_more:
        candidates.append(run.updated_before)  # the whole window is stored
    watermark = max(candidates) if candidates else None
    if watermark is not None:
        state_store.commit_page(request.seller_id, run_id=run.run_id, watermark=watermark, orders=len(orders))

    metrics.add_metric(name="OrdersUpserted", unit="Count", value=len(orders))
    if rejected:
        metrics.add_metric(name="OrdersRejected", unit="Count", value=rejected)
    logger.info(
        "orders page committed",
        extra={
            "seller_id": request.seller_id,
            "orders": len(orders),
            "rejected": rejected,
            "has_more": has_more,
        },
    )
    return OrdersPageOutput(
        pagination_token=page.next_token,
        has_more=has_more,
        pages=run.pages + 1,
        orders_upserted=len(orders),
        orders_rejected=rejected,
        watermark=watermark,
    )


def _running(state: SyncState, run_id: str) -> SyncRun:
    if state.run is None or state.run.run_id != run_id:
        raise InvalidInput(f"run {run_id} is not the running orders sync of seller {state.seller_id}")
    return state.run
