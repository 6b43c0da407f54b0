"""The orders sync, page by page as the state machine drives it, with the real SP-API port against
the simulator (real HTTP) and the real stores in moto.

mock_aws only intercepts botocore: httpx to the simulator on 127.0.0.1 goes over a real socket,
with no passthrough configuration needed (the first test proves it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
from int_core_support import ALL_HISTORY, Port, SimFactory
from pydantic import SecretStr
from pynamodb.exceptions import UpdateError

from sellerflow.amazon.spapi import SearchOrdersPage
from sellerflow.errors import InvalidInput, SpApiServerError
from sellerflow.spapi.client import SpApiClient
from sellerflow.store.credentials import CredentialVault
from sellerflow.store.orders import OrderStore
from sellerflow.store.sellers import SellerStore
from sellerflow.sync.mapping import to_order
from sellerflow.sync.models import OrdersPageInput, OrdersPageOutput
from sellerflow.sync.orders import OrdersSyncPolicy, sync_orders_page
from sellerflow_dev.simulator import SimServer, SimWorld

POLICY = OrdersSyncPolicy(lookback=timedelta(minutes=15), initial_history=ALL_HISTORY, page_size=25)
MakePort = Callable[..., Port]


@dataclass
class RecordingSource:
    """The real port, noting which order ids each searchOrders call returned."""

    client: SpApiClient
    pages: list[list[str]] = field(default_factory=list)

    def search_orders(self, seller_id: str, **kwargs: Any) -> SearchOrdersPage:
        page = self.client.search_orders(seller_id, **kwargs)
        self.pages.append([str(order["orderId"]) for order in page.orders])
        return page

    def fetched(self) -> list[str]:
        return [order_id for page in self.pages for order_id in page]


@dataclass
class Sync:
    """Everything one seller's sync needs: the port (refresh tokens from the vault) and the stores."""

    seller_id: str
    source: RecordingSource
    port: Port
    orders: OrderStore
    sellers: SellerStore
    policy: OrdersSyncPolicy = POLICY

    def page(self, run_id: str, token: str | None, now: datetime | None = None) -> OrdersPageOutput:
        return sync_orders_page(
            OrdersPageInput(seller_id=self.seller_id, run_id=run_id, pagination_token=token),
            source=self.source,
            sink=self.orders,
            state_store=self.sellers,
            marketplace_ids=self.sellers.marketplaces_of(self.seller_id),
            policy=self.policy,
            now=now,
        )

    def run(self, run_id: str, now: datetime | None = None) -> list[OrdersPageOutput]:
        """What the state machine does: first page without a token, then until has_more is False."""
        outputs = [self.page(run_id, None, now)]
        while outputs[-1].has_more:
            outputs.append(self.page(run_id, outputs[-1].pagination_token, now))
        return outputs


@pytest.fixture
def connect(aws: Any, kms_key_arn: str, world: SimWorld, make_port: MakePort) -> Callable[..., Sync]:
    """Connect a world seller: profile and encrypted refresh token in the stores, a port to `server`."""
    vault = CredentialVault(kms_key_arn)

    def make(server: SimServer, seller_index: int = 0, **client_kwargs: Any) -> Sync:
        seller = world.sellers[seller_index]
        sellers = SellerStore()
        sellers.put_profile(seller.seller_id, name=seller.name, marketplace_ids=seller.marketplace_ids)
        vault.store_refresh_token(seller.seller_id, SecretStr(seller.refresh_token))
        port = make_port(server, refresh_tokens=vault, **client_kwargs)
        return Sync(seller.seller_id, RecordingSource(port.client), port, OrderStore(), sellers)

    return make


def assert_store_equals_truth(world: SimWorld, sync: Sync) -> None:
    truth = {str(doc["orderId"]): to_order(sync.seller_id, doc) for doc in world.orders(sync.seller_id)}
    stored = {order.order_id: order for order in sync.orders.all_for_seller(sync.seller_id)}
    assert sync.orders.count(sync.seller_id) == len(truth)
    assert stored == truth


def test_a_first_run_stores_every_ground_truth_order_once_with_equal_content(
    sim: SimServer, world: SimWorld, connect: Callable[..., Sync]
) -> None:
    # Given a connected seller whose refresh token sits encrypted in the vault (moto KMS + DynamoDB)
    sync = connect(sim)

    # When a run pages through searchOrders over real HTTP while mock_aws is active
    outputs = sync.run("run-1")

    # Then it took several pages, fetched each order once, and the store equals the ground truth
    assert len(outputs) > 2
    fetched = sync.source.fetched()
    assert len(fetched) == len(set(fetched)) == sum(o.orders_upserted for o in outputs)
    assert all(o.orders_rejected == 0 for o in outputs)
    assert_store_equals_truth(world, sync)
    # ... and it asked Amazon only for the order data it keeps, never for buyer or recipient
    for url in sync.port.requests.urls:
        if url.path.endswith("/orders"):
            included = parse_qs(url.query.decode())["includedData"][0].split(",")
            assert sorted(included) == ["FULFILLMENT", "PROCEEDS", "PROMOTION"]


def test_watermark_after_a_run_equals_the_runs_upper_bound(
    sim: SimServer, world: SimWorld, connect: Callable[..., Sync]
) -> None:
    # Given a connected seller
    sync = connect(sim)
    started = datetime.now(UTC)

    # When a run completes
    outputs = sync.run("run-1")

    # Then the watermark is exactly the run's upper bound, two minutes before it began
    state = sync.sellers.sync_state(sync.seller_id)
    assert state.run is not None
    assert state.watermark == state.run.updated_before == outputs[-1].watermark
    assert (
        started - timedelta(minutes=2) <= state.run.updated_before <= datetime.now(UTC) - timedelta(minutes=2)
    )
    assert state.run.updated_after <= world.now - timedelta(days=30)
    assert (state.run.pages, state.run.orders) == (len(outputs), len(world.orders(sync.seller_id)))


def test_a_page_that_fails_mid_sync_is_retried_with_its_token_and_nothing_is_lost_or_duplicated(
    start_sim: SimFactory, world: SimWorld, connect: Callable[..., Sync]
) -> None:
    # Given Amazon fails the run's second searchOrders call, and a port that does not retry in-call
    server = start_sim(rate_scale=1000, fail_calls=[("searchOrders", 2, 500)])
    sync = connect(server, max_attempts=1)
    first = sync.page("run-1", None)
    assert first.has_more

    # When the second page fails
    with pytest.raises(SpApiServerError):
        sync.page("run-1", first.pagination_token)

    # Then page one is committed, and the first run has no watermark yet (only the last page sets it)
    state = sync.sellers.sync_state(sync.seller_id)
    stored = {order.order_id for order in sync.orders.all_for_seller(sync.seller_id)}
    missing = [o for o in world.order_states(sync.seller_id) if o.order_id not in stored]
    assert missing
    assert state.watermark is None
    assert state.run is not None
    assert state.run.next_token == first.pagination_token

    # When Step Functions retries the page with the same token, and the loop goes on to the end
    outputs = [first, sync.page("run-1", first.pagination_token)]
    while outputs[-1].has_more:
        outputs.append(sync.page("run-1", outputs[-1].pagination_token))

    # Then every order is stored once with equal content, each fetched exactly once
    fetched = sync.source.fetched()
    assert len(fetched) == len(set(fetched)) == len(world.orders(sync.seller_id))
    assert_store_equals_truth(world, sync)
    state = sync.sellers.sync_state(sync.seller_id)
    assert state.run is not None
    assert state.watermark == state.run.updated_before
    assert state.run.pages == len(outputs)
    assert server.stats(sync.seller_id)["faults"] == 1


def test_a_second_run_without_changes_rereads_only_the_lookback_window(
    sim: SimServer, world: SimWorld, connect: Callable[..., Sync]
) -> None:
    # Given a seller with a few orders updated in the last minutes, fully synced once
    sync = connect(sim, seller_index=1)
    sync.run("run-1")
    first_watermark = sync.sellers.sync_state(sync.seller_id).watermark
    assert first_watermark is not None
    sync.source.pages.clear()

    # When a second run starts while nothing changed at Amazon
    outputs = sync.run("run-2")

    # Then it asked from the watermark less the look-back, and got just the orders updated in it
    state = sync.sellers.sync_state(sync.seller_id)
    assert state.run is not None
    window_start = first_watermark - POLICY.lookback
    assert state.run.updated_after == window_start
    expected = {
        order.order_id
        for order in world.order_states(sync.seller_id)
        if order.last_updated >= window_start.replace(microsecond=0)
    }
    assert 0 < len(expected) < len(world.orders(sync.seller_id))
    assert sorted(sync.source.fetched()) == sorted(expected)
    assert len(outputs) == 1
    # ... the store is unchanged, and the watermark moved to the new run's upper bound
    assert_store_equals_truth(world, sync)
    assert state.watermark == state.run.updated_before > first_watermark


def test_a_page_token_of_another_run_is_refused(
    sim: SimServer, world: SimWorld, connect: Callable[..., Sync]
) -> None:
    # Given run-1 is under way with a token for its second page
    sync = connect(sim)
    first = sync.page("run-1", None)
    assert first.pagination_token

    # When a page of a different run presents that token
    # Then the sync refuses to page a query it did not plan
    with pytest.raises(InvalidInput, match="run-9"):
        sync.page("run-9", first.pagination_token)


@dataclass
class SlowSource:
    """The real port, but `meanwhile` runs once between Amazon's answer and the sync using it
    (a Lambda that was slow, or paused, after its fetch)."""

    client: SpApiClient
    meanwhile: Callable[[], None]

    def search_orders(self, seller_id: str, **kwargs: Any) -> SearchOrdersPage:
        page = self.client.search_orders(seller_id, **kwargs)
        meanwhile, self.meanwhile = self.meanwhile, lambda: None
        meanwhile()
        return page


def test_a_stale_runs_late_page_never_overwrites_a_newer_order_version(
    sim: SimServer, world: SimWorld, connect: Callable[..., Sync]
) -> None:
    # Given run-1 has fetched its only page (all orders), holding an open order in its current version
    sync = connect(sim)
    order = next(o for o in world.order_states(sync.seller_id) if o.status in ("PENDING", "UNSHIPPED"))

    def order_moves_on_and_run_2_stores_it() -> None:
        with world.lock:
            order.transition("SHIPPED" if order.status == "UNSHIPPED" else "UNSHIPPED", world.now)
        sync.run("run-2")
        assert sync.orders.get(sync.seller_id, order.order_id).status == order.status

    # When, before run-1 stores it, the order moves on and an overlapping run-2 stores the new version
    late = Sync(
        sync.seller_id,
        SlowSource(sync.port.client, order_moves_on_and_run_2_stores_it),  # type: ignore[arg-type]
        sync.port,
        sync.orders,
        sync.sellers,
        OrdersSyncPolicy(lookback=POLICY.lookback, initial_history=ALL_HISTORY, page_size=100),
    )
    with pytest.raises(UpdateError):  # run-1's commit is refused: run-2 holds the sync state
        late.page("run-1", None)

    # Then the store still holds the newer version (run-1's late write changed nothing)
    assert sync.orders.get(sync.seller_id, order.order_id).status == order.status
    assert_store_equals_truth(world, sync)


def test_a_run_that_dies_between_unsorted_pages_never_leaves_the_watermark_past_an_unstored_order(
    sim: SimServer, world: SimWorld, connect: Callable[..., Sync]
) -> None:
    # Given a seller synced half an hour ago, then every order updated at a different moment since
    sync = connect(sim)
    sync.run("run-1", now=datetime.now(UTC) - timedelta(minutes=30))
    watermark_before = sync.sellers.sync_state(sync.seller_id).watermark
    assert watermark_before is not None
    with world.lock:
        for n, order in enumerate(world.order_states(sync.seller_id)):
            order.last_updated = watermark_before + timedelta(minutes=1, seconds=20 * n)
    times = {o.order_id: o.last_updated for o in world.order_states(sync.seller_id)}
    assert max(times.values()) < datetime.now(UTC) - timedelta(minutes=3)
    sync.source.pages.clear()

    # When run-2 stores its first page and its workflow dies before asking for the second
    first = sync.page("run-2", None)
    assert first.has_more
    # Then that page was not the oldest updates (Amazon promises no order; the simulator shuffles)
    first_page = set(sync.source.pages[0])
    oldest_unstored = min(t for order_id, t in times.items() if order_id not in first_page)
    assert max(times[order_id] for order_id in first_page) - POLICY.lookback > oldest_unstored
    # And the watermark has not moved past any unstored order
    state = sync.sellers.sync_state(sync.seller_id)
    assert state.watermark == watermark_before < oldest_unstored

    # When the next scheduled run starts, it resumes run-2's query at the page after the stored one
    outputs = sync.run("run-3")

    # Then every order is stored once, no page was read twice, and only now the watermark moved
    fetched = sync.source.fetched()
    assert len(fetched) == len(set(fetched)) == len(times)
    assert_store_equals_truth(world, sync)
    state = sync.sellers.sync_state(sync.seller_id)
    assert state.run is not None
    assert (state.run.run_id, state.run.next_token) == ("run-3", None)
    assert state.watermark == outputs[-1].watermark == state.run.updated_before
