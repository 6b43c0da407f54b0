"""Incremental orders sync, one page per call (Step Functions loops over pages).

Each call commits its page before it returns: a page that fails is asked for again (by Step
Functions' Retry, with the same pagination token) and nothing is lost; writing a page twice is
harmless because upserts are keyed by order id.

Amazon does not promise that searchOrders pages come sorted by lastUpdateTime, so no page but the
last says anything about the orders not yet read: the watermark moves only when the last page of a
run is stored, and then to the run's fixed upper bound (`lastUpdatedBefore`). Between pages the run
keeps the token of the next page, so a run whose workflow died resumes where it stopped instead of
starting over.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sellerflow.amazon.spapi import SearchOrdersPage
from sellerflow.domain import Order, SyncRun, SyncState
from sellerflow.errors import InvalidInput, SpApiBadRequest, SpApiThrottled
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
        self,
        seller_id: str,
        *,
        run_id: str,
        watermark: datetime | None,
        orders: int,
        next_token: str | None = None,
        source: str = "orders",
    ) -> None: ...


class MarketplaceLookup(Protocol):
    def marketplaces_of(self, seller_id: str) -> Sequence[str]: ...


@dataclass(frozen=True)
class OrdersSyncPolicy:
    lookback: timedelta = timedelta(minutes=15)
    initial_history: timedelta = timedelta(days=30)
    page_size: int = 100
    # How long an unfinished run's pagination token is trusted (Amazon does not say when one expires).
    resume_within: timedelta = timedelta(hours=6)


def plan_run(state: SyncState, run_id: str, now: datetime, policy: OrdersSyncPolicy) -> SyncRun:
    """The query window of a new run: from the watermark (less a look-back for late updates) to now."""
    start = (state.watermark - policy.lookback) if state.watermark else now - policy.initial_history
    end = now - AMAZON_SETTLE_DELAY
    if start >= end:
        start = end - policy.lookback
    return SyncRun(run_id=run_id, updated_after=start, updated_before=end)


def resumable(state: SyncState, now: datetime, policy: OrdersSyncPolicy) -> SyncRun | None:
    """The unfinished run a new run continues: one left with a next page whose workflow vanished
    (a failed run is finished and forgotten; its successor re-reads from the unmoved watermark)."""
    run = state.run
    if run is None or run.next_token is None or now - run.updated_before > policy.resume_within:
        return None
    return run


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
    resumed = False
    try:
        if request.pagination_token is not None:
            run = _running(state, request.run_id)
            page = _search(source, request.seller_id, run, request.pagination_token, marketplace_ids, policy)
        else:
            run, resumed, page = _first_page(
                request, state, source, state_store, marketplace_ids, policy, now
            )
    except SpApiThrottled as exc:
        if exc.retry_after_s <= 0:
            raise  # no date given: the workflow's Retry backs off
        return _wait_for_usage_plan(request, state_store.sync_state(request.seller_id), exc.retry_after_s)

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
    # Only the last page proves every order of the window is stored (pages are not time-ordered).
    watermark = (
        state.watermark if has_more else max(run.updated_before, state.watermark or run.updated_before)
    )
    state_store.commit_page(
        request.seller_id,
        run_id=run.run_id,
        watermark=watermark,
        orders=len(orders),
        next_token=page.next_token,
    )

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
            "resumed": resumed,
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


def _wait_for_usage_plan(
    request: OrdersPageInput, state: SyncState, retry_after_s: float
) -> OrdersPageOutput:
    """searchOrders' plan (one call per ~3 minutes past its burst) says when the next page may be
    asked: hand that wait to the workflow instead of raising into a blind Retry, whose jittered
    backoff overshoots it by a minute on average and gives the run up after eight tries."""
    metrics.add_metric(name="OrdersPageWaits", unit="Count", value=1)
    run = state.run if state.run is not None and state.run.run_id == request.run_id else None
    return OrdersPageOutput(
        pagination_token=request.pagination_token,
        has_more=True,
        pages=run.pages if run else 0,
        orders_upserted=0,
        watermark=state.watermark,
        wait_s=max(1, math.ceil(retry_after_s)),
    )


def _first_page(
    request: OrdersPageInput,
    state: SyncState,
    source: OrdersSource,
    state_store: SyncStateStore,
    marketplace_ids: Sequence[str],
    policy: OrdersSyncPolicy,
    now: datetime,
) -> tuple[SyncRun, bool, SearchOrdersPage]:
    """The first page of a run: the next page of an unfinished run it takes over, else page one of
    a new window (also when Amazon no longer accepts the unfinished run's token)."""
    unfinished = resumable(state, now, policy)
    if unfinished is not None and unfinished.next_token is not None:
        run = unfinished.model_copy(update={"run_id": request.run_id})
        state_store.begin_run(request.seller_id, run)
        try:
            page = _search(source, request.seller_id, run, unfinished.next_token, marketplace_ids, policy)
        except SpApiBadRequest:
            logger.warning("unfinished orders run not resumable", extra={"seller_id": request.seller_id})
        else:
            return run, True, page
    run = plan_run(state, request.run_id, now, policy)
    state_store.begin_run(request.seller_id, run)
    return run, False, _search(source, request.seller_id, run, None, marketplace_ids, policy)


def _search(
    source: OrdersSource,
    seller_id: str,
    run: SyncRun,
    token: str | None,
    marketplace_ids: Sequence[str],
    policy: OrdersSyncPolicy,
) -> SearchOrdersPage:
    return source.search_orders(
        seller_id,
        last_updated_after=run.updated_after,
        last_updated_before=run.updated_before,
        marketplace_ids=marketplace_ids,
        included_data=INCLUDED_DATA,
        max_results_per_page=policy.page_size,
        pagination_token=token,
    )


def _running(state: SyncState, run_id: str) -> SyncRun:
    if state.run is None or state.run.run_id != run_id:
        raise InvalidInput(f"run {run_id} is not the running orders sync of seller {state.seller_id}")
    return state.run
