"""sync_orders_page: one page per call, the run planned once, the watermark moved only when the whole
window is stored (pages are not sorted by lastUpdateTime), an unfinished run resumed from its token."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sellerflow.amazon.spapi import SearchOrdersPage
from sellerflow.domain import Order, SyncRun, SyncState
from sellerflow.errors import InvalidInput, SpApiBadRequest, SpApiThrottled
from sellerflow.sync.models import OrdersPageInput
from sellerflow.sync.orders import (
    AMAZON_SETTLE_DELAY,
    INCLUDED_DATA,
    OrdersSyncPolicy,
    plan_run,
    sync_orders_page,
)

OrderDocumentFactory = Callable[..., dict[str, Any]]
SELLER = "A1SELLER0001"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
POLICY = OrdersSyncPolicy(lookback=timedelta(minutes=15), initial_history=timedelta(days=30), page_size=50)


class FakeSource:
    """searchOrders pages keyed by the pagination token that asks for them (None = first page)."""

    def __init__(self, pages: dict[str | None, SearchOrdersPage]) -> None:
        self.pages = pages
        self.calls: list[dict[str, Any]] = []

    def search_orders(self, seller_id: str, **kwargs: Any) -> SearchOrdersPage:
        self.calls.append({"seller_id": seller_id, **kwargs})
        return self.pages[kwargs.get("pagination_token")]


class FakeSink:
    def __init__(self, fail: Exception | None = None) -> None:
        self.stored: dict[tuple[str, str], Order] = {}
        self.fail = fail
        self.log: list[str] = []

    def upsert(self, orders: Sequence[Order], *, now: datetime | None = None) -> int:
        self.log.append("upsert")
        if self.fail:
            raise self.fail
        for order in orders:
            self.stored[(order.seller_id, order.order_id)] = order
        return len(orders)


class FakeStateStore:
    def __init__(self, state: SyncState | None = None, log: list[str] | None = None) -> None:
        self.state = state or SyncState(seller_id=SELLER)
        self.commits: list[dict[str, Any]] = []
        self.begun: list[SyncRun] = []
        self.log = log if log is not None else []

    def sync_state(self, seller_id: str, source: str = "orders") -> SyncState:
        return self.state

    def begin_run(self, seller_id: str, run: SyncRun, source: str = "orders") -> None:
        self.begun.append(run)
        self.state = self.state.model_copy(update={"run": run})

    def commit_page(
        self,
        seller_id: str,
        *,
        run_id: str,
        watermark: datetime | None,
        orders: int,
        next_token: str | None = None,
        source: str = "orders",
    ) -> None:
        self.log.append("commit")
        assert self.state.run is not None
        assert self.state.run.run_id == run_id
        self.commits.append({"run_id": run_id, "watermark": watermark, "orders": orders})
        run = self.state.run.model_copy(
            update={
                "pages": self.state.run.pages + 1,
                "orders": self.state.run.orders + orders,
                "next_token": next_token,
            }
        )
        self.state = self.state.model_copy(
            update={"watermark": watermark or self.state.watermark, "run": run}
        )


def _page(*documents: dict[str, Any], next_token: str | None = None) -> SearchOrdersPage:
    return SearchOrdersPage(orders=list(documents), next_token=next_token)


def _run(request: OrdersPageInput, source: FakeSource, sink: FakeSink, store: FakeStateStore) -> Any:
    return sync_orders_page(
        request,
        source=source,
        sink=sink,
        state_store=store,
        marketplace_ids=["ATVPDKIKX0DER"],
        policy=POLICY,
        now=NOW,
    )


# --- planning the run ----------------------------------------------------------------------------
def test_a_first_sync_reaches_back_the_initial_history_to_two_minutes_ago() -> None:
    # Given a seller never synced
    store = FakeStateStore()
    source = FakeSource({None: _page()})
    # When the first page of run R1 is synced
    out = _run(OrdersPageInput(seller_id=SELLER, run_id="R1"), source, FakeSink(), store)
    # Then the run spans now - 30 days .. now - 2 minutes and is stored before Amazon is asked
    (run,) = store.begun
    assert run == SyncRun(
        run_id="R1", updated_after=NOW - timedelta(days=30), updated_before=NOW - timedelta(minutes=2)
    )
    call = source.calls[0]
    assert call["last_updated_after"] == run.updated_after
    assert call["last_updated_before"] == run.updated_before
    assert call["pagination_token"] is None
    assert call["max_results_per_page"] == 50
    assert list(call["marketplace_ids"]) == ["ATVPDKIKX0DER"]
    # And an empty last page still moves the watermark to the run's upper bound
    assert out.watermark == NOW - timedelta(minutes=2)
    assert out.has_more is False
    assert out.pages == 1


def test_a_later_sync_starts_at_the_watermark_less_the_lookback() -> None:
    watermark = NOW - timedelta(hours=1)
    store = FakeStateStore(SyncState(seller_id=SELLER, watermark=watermark))
    _run(OrdersPageInput(seller_id=SELLER, run_id="R2"), FakeSource({None: _page()}), FakeSink(), store)
    assert store.begun[0].updated_after == watermark - timedelta(minutes=15)
    assert store.begun[0].updated_before == NOW - AMAZON_SETTLE_DELAY


def test_a_watermark_inside_the_settle_delay_still_gives_a_non_empty_window() -> None:
    state = SyncState(seller_id=SELLER, watermark=NOW)
    run = plan_run(state, "R", NOW, OrdersSyncPolicy(lookback=timedelta(minutes=1)))
    assert run.updated_after < run.updated_before
    assert run.updated_before == NOW - timedelta(minutes=2)
    assert run.updated_after == NOW - timedelta(minutes=3)


def test_buyer_and_recipient_data_are_never_asked_for() -> None:
    source = FakeSource({None: _page()})
    _run(OrdersPageInput(seller_id=SELLER, run_id="R1"), source, FakeSink(), FakeStateStore())
    included = tuple(source.calls[0]["included_data"])
    assert included == INCLUDED_DATA
    assert "BUYER" not in included
    assert "RECIPIENT" not in included


# --- later pages ---------------------------------------------------------------------------------
def test_a_later_page_reuses_the_stored_run_without_replanning(
    make_order_document: OrderDocumentFactory,
) -> None:
    # Given run R1 is paging through a window planned an hour ago
    stored_run = SyncRun(
        run_id="R1", updated_after=NOW - timedelta(days=2), updated_before=NOW - timedelta(hours=1), pages=1
    )
    store = FakeStateStore(SyncState(seller_id=SELLER, watermark=NOW - timedelta(days=1), run=stored_run))
    source = FakeSource({"NT-2": _page(make_order_document(), next_token="NT-3")})
    # When page 2 is asked for
    out = _run(
        OrdersPageInput(seller_id=SELLER, run_id="R1", pagination_token="NT-2"), source, FakeSink(), store
    )
    # Then the same window and token are used, no run is begun, and the page count goes on
    assert store.begun == []
    assert source.calls[0]["last_updated_after"] == stored_run.updated_after
    assert source.calls[0]["last_updated_before"] == stored_run.updated_before
    assert source.calls[0]["pagination_token"] == "NT-2"
    assert out.pages == 2
    assert out.pagination_token == "NT-3"
    assert out.has_more is True


def test_a_later_page_of_another_run_is_refused() -> None:
    stored_run = SyncRun(run_id="R1", updated_after=NOW - timedelta(days=1), updated_before=NOW)
    store = FakeStateStore(SyncState(seller_id=SELLER, run=stored_run))
    source = FakeSource({"NT-2": _page()})
    with pytest.raises(InvalidInput) as raised:
        _run(
            OrdersPageInput(seller_id=SELLER, run_id="R-OTHER", pagination_token="NT-2"),
            source,
            FakeSink(),
            store,
        )
    assert "R-OTHER" in str(raised.value)
    assert SELLER in str(raised.value)
    assert source.calls == []


def test_a_later_page_with_no_run_in_progress_is_refused() -> None:
    with pytest.raises(InvalidInput):
        _run(
            OrdersPageInput(seller_id=SELLER, run_id="R1", pagination_token="NT-2"),
            FakeSource({"NT-2": _page()}),
            FakeSink(),
            FakeStateStore(),
        )


# --- storing and the watermark -------------------------------------------------------------------
def test_orders_are_stored_before_the_watermark_moves(make_order_document: OrderDocumentFactory) -> None:
    log: list[str] = []
    sink = FakeSink()
    sink.log = log
    store = FakeStateStore(log=log)
    _run(
        OrdersPageInput(seller_id=SELLER, run_id="R1"),
        FakeSource({None: _page(make_order_document())}),
        sink,
        store,
    )
    assert log == ["upsert", "commit"]
    assert (SELLER, "111-0000001-0000001") in sink.stored


def test_a_failed_write_leaves_the_watermark_where_it_was(make_order_document: OrderDocumentFactory) -> None:
    # Given the store fails to write the page
    old = NOW - timedelta(hours=3)
    store = FakeStateStore(SyncState(seller_id=SELLER, watermark=old))
    sink = FakeSink(fail=RuntimeError("DynamoDB unavailable"))
    source = FakeSource({None: _page(make_order_document(last_updated="2026-03-10T11:00:00Z"))})
    # When the page is synced
    with pytest.raises(RuntimeError):
        _run(OrdersPageInput(seller_id=SELLER, run_id="R1"), source, sink, store)
    # Then nothing was committed: a retry asks for the same page again
    assert store.commits == []
    assert store.state.watermark == old


def test_mid_run_the_watermark_stays_where_it_was(make_order_document: OrderDocumentFactory) -> None:
    # Given a page with more to come holding orders updated at 09:00 and 10:30
    old = NOW - timedelta(days=1)
    store = FakeStateStore(SyncState(seller_id=SELLER, watermark=old))
    page = _page(
        make_order_document("111-1", last_updated="2026-03-10T09:00:00Z"),
        make_order_document("111-2", last_updated="2026-03-10T10:30:00Z"),
        next_token="NT-2",
    )
    # When it is synced
    out = _run(OrdersPageInput(seller_id=SELLER, run_id="R1"), FakeSource({None: page}), FakeSink(), store)
    # Then the orders are stored but the watermark does not move: a later page may hold older orders
    assert out.watermark == old
    assert store.commits == [{"run_id": "R1", "watermark": old, "orders": 2}]
    assert out.orders_upserted == 2
    # And the run keeps the token of the next page
    assert store.state.run is not None
    assert store.state.run.next_token == "NT-2"


def test_the_last_page_moves_the_watermark_to_the_runs_upper_bound(
    make_order_document: OrderDocumentFactory,
) -> None:
    stored_run = SyncRun(
        run_id="R1", updated_after=NOW - timedelta(days=1), updated_before=NOW - timedelta(minutes=2)
    )
    store = FakeStateStore(SyncState(seller_id=SELLER, watermark=NOW - timedelta(hours=5), run=stored_run))
    page = _page(make_order_document(last_updated="2026-03-10T09:00:00Z"))
    out = _run(
        OrdersPageInput(seller_id=SELLER, run_id="R1", pagination_token="NT-9"),
        FakeSource({"NT-9": page}),
        FakeSink(),
        store,
    )
    assert out.has_more is False
    assert out.pagination_token is None
    assert out.watermark == NOW - timedelta(minutes=2)


def test_a_middle_page_of_a_first_sync_leaves_no_watermark_but_keeps_the_next_token() -> None:
    store = FakeStateStore()
    out = _run(
        OrdersPageInput(seller_id=SELLER, run_id="R1"),
        FakeSource({None: _page(next_token="NT-2")}),
        FakeSink(),
        store,
    )
    assert out.watermark is None
    assert store.commits == [{"run_id": "R1", "watermark": None, "orders": 0}]
    assert store.state.run is not None
    assert store.state.run.next_token == "NT-2"
    assert out.has_more is True


def test_a_malformed_order_is_skipped_and_counted_while_the_rest_is_stored(
    make_order_document: OrderDocumentFactory,
) -> None:
    # Given a page with one good order, one without orderItems and one in an unknown marketplace
    broken = make_order_document("111-BAD")
    del broken["orderItems"]
    page = _page(
        make_order_document("111-GOOD"),
        broken,
        make_order_document("111-MARS", marketplace_id="MARS"),
    )
    sink = FakeSink()
    store = FakeStateStore()
    # When it is synced
    out = _run(OrdersPageInput(seller_id=SELLER, run_id="R1"), FakeSource({None: page}), sink, store)
    # Then the good order is stored and the two bad ones counted
    assert list(sink.stored) == [(SELLER, "111-GOOD")]
    assert out.orders_upserted == 1
    assert out.orders_rejected == 2
    assert store.commits[0]["orders"] == 1


def test_stored_orders_belong_to_the_requesting_seller(make_order_document: OrderDocumentFactory) -> None:
    sink = FakeSink()
    _run(
        OrdersPageInput(seller_id=SELLER, run_id="R1"),
        FakeSource({None: _page(make_order_document())}),
        sink,
        FakeStateStore(),
    )
    assert all(order.seller_id == SELLER for order in sink.stored.values())


def test_a_page_input_rejects_a_malformed_seller_id() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        OrdersPageInput(seller_id="lower-case!", run_id="R1")


# --- unsorted pages and a run that dies between pages ---------------------------------------------
def _unsorted_pages(make_order_document: OrderDocumentFactory) -> FakeSource:
    """Three pages whose orders are not in lastUpdateTime order: the newest comes first."""
    return FakeSource(
        {
            None: _page(
                make_order_document("111-NEW", last_updated="2026-03-10T11:50:00Z"), next_token="NT-2"
            ),
            "NT-2": _page(
                make_order_document("111-OLD", last_updated="2026-03-10T08:00:00Z"), next_token="NT-3"
            ),
            "NT-3": _page(make_order_document("111-MID", last_updated="2026-03-10T10:00:00Z")),
        }
    )


def test_a_run_that_dies_between_unsorted_pages_loses_no_order(
    make_order_document: OrderDocumentFactory,
) -> None:
    # Given a seller synced up to 07:00 and Amazon answering with the newest order on the first page
    watermark = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    store = FakeStateStore(SyncState(seller_id=SELLER, watermark=watermark))
    sink = FakeSink()
    source = _unsorted_pages(make_order_document)
    # When run R1 stores page 1 and its workflow dies before asking for page 2
    first = _run(OrdersPageInput(seller_id=SELLER, run_id="R1"), source, sink, store)
    assert first.has_more is True
    # Then the watermark has not passed the unstored order of 08:00
    assert store.state.watermark == watermark
    # When the next scheduled run R2 starts
    out = _run(OrdersPageInput(seller_id=SELLER, run_id="R2"), source, sink, store)
    while out.has_more:
        out = _run(
            OrdersPageInput(seller_id=SELLER, run_id="R2", pagination_token=out.pagination_token),
            source,
            sink,
            store,
        )
    # Then it resumed R1's window at page 2 (no page asked twice) and stored every order
    assert [call["pagination_token"] for call in source.calls] == [None, "NT-2", "NT-3"]
    assert {order_id for _, order_id in sink.stored} == {"111-NEW", "111-OLD", "111-MID"}
    # And only then the watermark reached R1's upper bound
    assert store.state.watermark == NOW - AMAZON_SETTLE_DELAY
    assert store.state.run is not None
    assert store.state.run.run_id == "R2"
    assert store.state.run.next_token is None


def test_an_unfinished_run_too_old_to_trust_its_token_is_planned_again(
    make_order_document: OrderDocumentFactory,
) -> None:
    # Given a run left with a next page a day ago
    stale = SyncRun(
        run_id="R1",
        updated_after=NOW - timedelta(days=3),
        updated_before=NOW - timedelta(days=1),
        pages=4,
        next_token="NT-OLD",
    )
    watermark = NOW - timedelta(days=3)
    store = FakeStateStore(SyncState(seller_id=SELLER, watermark=watermark, run=stale))
    source = FakeSource({None: _page(make_order_document())})
    # When the next run starts
    _run(OrdersPageInput(seller_id=SELLER, run_id="R2"), source, FakeSink(), store)
    # Then it plans a new window from the unmoved watermark and asks for page one
    assert source.calls[0]["pagination_token"] is None
    assert source.calls[0]["last_updated_after"] == watermark - POLICY.lookback
    assert store.state.watermark == NOW - AMAZON_SETTLE_DELAY


class _RefusingSource(FakeSource):
    def search_orders(self, seller_id: str, **kwargs: Any) -> SearchOrdersPage:
        if kwargs.get("pagination_token") == "NT-EXPIRED":
            self.calls.append({"seller_id": seller_id, **kwargs})
            raise SpApiBadRequest("paginationToken is not a valid pagination token.")
        return super().search_orders(seller_id, **kwargs)


def test_an_unfinished_run_whose_token_amazon_refuses_is_planned_again(
    make_order_document: OrderDocumentFactory,
) -> None:
    unfinished = SyncRun(
        run_id="R1",
        updated_after=NOW - timedelta(hours=2),
        updated_before=NOW - timedelta(hours=1),
        next_token="NT-EXPIRED",
    )
    store = FakeStateStore(SyncState(seller_id=SELLER, watermark=NOW - timedelta(hours=2), run=unfinished))
    source = _RefusingSource({None: _page(make_order_document())})
    out = _run(OrdersPageInput(seller_id=SELLER, run_id="R2"), source, FakeSink(), store)
    assert [call["pagination_token"] for call in source.calls] == ["NT-EXPIRED", None]
    assert store.begun[-1].updated_before == NOW - AMAZON_SETTLE_DELAY
    assert out.watermark == NOW - AMAZON_SETTLE_DELAY


class ThrottledSource(FakeSource):
    """searchOrders refused by the usage plan: the next call is allowed `retry_after_s` from now."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__({})
        self.retry_after_s = retry_after_s

    def search_orders(self, seller_id: str, **kwargs: Any) -> SearchOrdersPage:
        self.calls.append({"seller_id": seller_id, **kwargs})
        raise SpApiThrottled(
            "searchOrders throttled", operation="searchOrders", retry_after_s=self.retry_after_s
        )


def test_a_page_the_usage_plan_refuses_hands_its_exact_wait_to_the_workflow() -> None:
    run = SyncRun(run_id="run-1", updated_after=NOW - timedelta(days=3), updated_before=NOW, pages=4)
    store = FakeStateStore(SyncState(seller_id=SELLER, run=run))
    sink = FakeSink()

    out = _run(
        OrdersPageInput(seller_id=SELLER, run_id="run-1", pagination_token="page-5"),
        ThrottledSource(177.4),
        sink,
        store,
    )

    # The same page is asked for again after exactly the plan's wait; nothing was stored or committed.
    assert (out.wait_s, out.pagination_token, out.has_more, out.pages) == (178, "page-5", True, 4)
    assert (sink.log, store.commits) == ([], [])


def test_a_throttle_without_a_date_is_left_to_the_workflows_retry() -> None:
    with pytest.raises(SpApiThrottled):
        _run(
            OrdersPageInput(seller_id=SELLER, run_id="run-1"),
            ThrottledSource(0.0),
            FakeSink(),
            FakeStateStore(),
        )
