"""The SP-API port (SpApiClient + LwaClient) against the simulator over real HTTP."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from int_core_support import (
    ACCESS_TOKEN_PREFIX,
    ALL_HISTORY,
    REFRESH_TOKEN_PREFIX,
    Port,
    SimFactory,
)

from sellerflow.errors import (
    SpApiAuthorizationRevoked,
    SpApiBadRequest,
    SpApiError,
    SpApiServerError,
    SpApiThrottled,
)
from sellerflow_dev.simulator import SimServer, SimWorld

MakePort = Callable[..., Port]


def page_through(port: Port, seller_id: str, *, since: datetime, page_size: int = 20) -> list[list[str]]:
    """Every page of searchOrders since `since`, as lists of order ids."""
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        page = port.client.search_orders(
            seller_id, last_updated_after=since, max_results_per_page=page_size, pagination_token=token
        )
        pages.append([str(order["orderId"]) for order in page.orders])
        token = page.next_token
        if not token:
            return pages


def truth_ids(world: SimWorld, seller_id: str) -> list[str]:
    return [str(order["orderId"]) for order in world.orders(seller_id)]


def assert_no_token_in(exc: BaseException) -> None:
    text = "\n".join([str(exc), repr(exc), *traceback.format_exception(exc)])
    assert REFRESH_TOKEN_PREFIX not in text
    assert ACCESS_TOKEN_PREFIX not in text


# --- paging -----------------------------------------------------------------------------------------
def test_search_orders_pages_through_every_ground_truth_order_exactly_once(
    sim: SimServer, world: SimWorld, make_port: MakePort
) -> None:
    # Given a seller with ~60-150 orders and a page size far smaller than that
    seller_id = world.sellers[0].seller_id
    port = make_port(sim)

    # When the port pages through searchOrders from before the first order
    pages = page_through(port, seller_id, since=world.now - ALL_HISTORY, page_size=20)

    # Then several pages came back and together they hold every order exactly once
    ids = [order_id for page in pages for order_id in page]
    assert len(pages) > 2
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(truth_ids(world, seller_id))


def test_searches_of_two_sellers_never_mix_their_orders(
    sim: SimServer, world: SimWorld, make_port: MakePort
) -> None:
    # Given two sellers served by one port
    first, second = (seller.seller_id for seller in world.sellers)
    port = make_port(sim)

    # When each seller's orders are paged through, interleaved on the same port
    first_ids = page_through(port, first, since=world.now - ALL_HISTORY, page_size=100)
    second_ids = page_through(port, second, since=world.now - ALL_HISTORY, page_size=100)

    # Then each seller got exactly their own orders, with one access token each
    assert sorted(i for page in first_ids for i in page) == sorted(truth_ids(world, first))
    assert sorted(i for page in second_ids for i in page) == sorted(truth_ids(world, second))
    assert sorted(port.refresh_tokens.calls) == sorted([first, second])


# --- access tokens ----------------------------------------------------------------------------------
def test_access_token_is_fetched_once_and_reused_across_calls(
    sim: SimServer, world: SimWorld, make_port: MakePort
) -> None:
    # Given a port that has not called Amazon yet
    seller_id = world.sellers[0].seller_id
    port = make_port(sim)
    order_ids = truth_ids(world, seller_id)[:5]

    # When it makes six calls for the seller
    port.client.search_orders(seller_id, last_updated_after=world.now - timedelta(days=1))
    fetched = [port.client.get_order(seller_id, order_id)["orderId"] for order_id in order_ids]

    # Then every call succeeded and the refresh token was asked for only once
    assert fetched == order_ids
    assert port.refresh_tokens.calls == [seller_id]
    assert sim.stats(seller_id)["calls"] == {"searchOrders": 1, "getOrder": 5}


def test_short_lived_access_tokens_are_refreshed_transparently(
    start_sim: SimFactory, world: SimWorld, make_port: MakePort
) -> None:
    # Given an LWA that issues access tokens valid for one second
    server = start_sim(rate_scale=1000, token_ttl_s=1)
    seller_id = world.sellers[0].seller_id
    port = make_port(server)

    # When the port pages through every order, with pauses longer than a token's life in between
    ids: list[str] = []
    token: str | None = None
    while True:
        page = port.client.search_orders(
            seller_id,
            last_updated_after=world.now - ALL_HISTORY,
            max_results_per_page=50,
            pagination_token=token,
        )
        ids.extend(str(order["orderId"]) for order in page.orders)
        token = page.next_token
        if not token:
            break
        time.sleep(1.1)

    # Then the result is complete and correct (refreshes happened behind the caller's back)
    assert sorted(ids) == sorted(truth_ids(world, seller_id))
    assert len(port.refresh_tokens.calls) >= 2


def test_access_token_expired_at_amazon_while_still_cached_is_refreshed_once(
    start_sim: SimFactory, world: SimWorld, make_port: MakePort
) -> None:
    # Given a cached access token our clock believes valid, but LWA expires after one second
    server = start_sim(rate_scale=1000, token_ttl_s=1)
    seller_id = world.sellers[0].seller_id
    port = make_port(server, lwa_clock=lambda: time.monotonic() + 3600)
    order_id = truth_ids(world, seller_id)[0]
    assert port.client.get_order(seller_id, order_id)["orderId"] == order_id
    time.sleep(1.2)

    # When the port calls again with the stale token
    again = port.client.get_order(seller_id, order_id)

    # Then Amazon's 403 made it refresh once and the call still succeeded
    assert again["orderId"] == order_id
    assert port.refresh_tokens.calls == [seller_id, seller_id]


# --- revoked authorization --------------------------------------------------------------------------
def test_revoked_seller_raises_authorization_revoked(
    sim: SimServer, world: SimWorld, make_port: MakePort
) -> None:
    # Given a seller who removed the app's authorization before the first call
    seller_id = world.sellers[0].seller_id
    world.revoke(seller_id)
    port = make_port(sim)

    # When the port calls for them
    with pytest.raises(SpApiAuthorizationRevoked) as raised:
        port.client.search_orders(seller_id, last_updated_after=world.now - timedelta(days=1))

    # Then the error is typed, names the seller, and carries no token
    assert seller_id in str(raised.value)
    assert_no_token_in(raised.value)


def test_seller_revoked_while_a_token_is_cached_raises_authorization_revoked(
    sim: SimServer, world: SimWorld, make_port: MakePort
) -> None:
    # Given a port holding a valid access token for the seller
    seller_id = world.sellers[0].seller_id
    port = make_port(sim)
    port.client.search_orders(seller_id, last_updated_after=world.now - timedelta(days=1))

    # When the seller revokes and the port calls again
    world.revoke(seller_id)
    with pytest.raises(SpApiAuthorizationRevoked) as raised:
        port.client.search_orders(seller_id, last_updated_after=world.now - timedelta(days=1))

    # Then the 403 led to one refresh attempt, which LWA refused: revoked, not "access denied"
    assert port.refresh_tokens.calls == [seller_id, seller_id]
    assert_no_token_in(raised.value)


# --- throttling, faults, bad requests ---------------------------------------------------------------
def test_calls_past_amazons_burst_raise_a_typed_throttle(
    start_sim: SimFactory, world: SimWorld, make_port: MakePort
) -> None:
    # Given Amazon allows a burst of two searchOrders and practically no refill
    server = start_sim(burst_override=2, rate_scale=1e-6)
    seller_id = world.sellers[0].seller_id
    port = make_port(server)
    since = world.now - timedelta(days=1)
    port.client.search_orders(seller_id, last_updated_after=since)
    port.client.search_orders(seller_id, last_updated_after=since)

    # When a third call is made
    with pytest.raises(SpApiThrottled) as raised:
        port.client.search_orders(seller_id, last_updated_after=since)

    # Then it is a typed throttle of searchOrders, and Amazon saw (and throttled) it
    assert raised.value.operation == "searchOrders"
    assert raised.value.status == 429
    assert raised.value.retry_after_s > 0
    stats = server.stats(seller_id)
    assert stats["throttled"].get("searchOrders", 0) >= 1
    assert port.client.throttles >= 1
    assert_no_token_in(raised.value)


def test_one_server_error_is_retried_transparently(
    start_sim: SimFactory, world: SimWorld, make_port: MakePort
) -> None:
    # Given Amazon fails the first searchOrders call with a 500
    server = start_sim(rate_scale=1000, fail_calls=[("searchOrders", 1, 500)])
    seller_id = world.sellers[0].seller_id
    port = make_port(server)

    # When the port pages through every order
    pages = page_through(port, seller_id, since=world.now - ALL_HISTORY, page_size=50)

    # Then the failure was absorbed by one backed-off retry and the result is complete
    ids = [order_id for page in pages for order_id in page]
    assert sorted(ids) == sorted(truth_ids(world, seller_id))
    assert len(ids) == len(set(ids))
    assert server.stats(seller_id)["faults"] == 1
    assert len(port.sleep.waits) == 1


def test_a_call_that_hangs_past_the_timeout_is_given_up_and_retried(
    start_sim: SimFactory, world: SimWorld, make_port: MakePort
) -> None:
    # Given Amazon's answer to the first searchOrders call takes longer than the client waits
    server = start_sim(rate_scale=1000, hang_s=1.5, hang_calls=[("searchOrders", 1)])
    seller_id = world.sellers[0].seller_id
    port = make_port(server, http_timeout_s=0.5)

    # When the port pages through every order
    pages = page_through(port, seller_id, since=world.now - ALL_HISTORY, page_size=50)

    # Then the hung call timed out, one backed-off retry replaced it, and every order came once
    ids = [order_id for page in pages for order_id in page]
    assert sorted(ids) == sorted(truth_ids(world, seller_id))
    assert len(ids) == len(set(ids))
    assert server.faults.hangs == 1
    assert server.stats(seller_id)["calls"]["searchOrders"] == len(pages) + 1
    assert len(port.sleep.waits) == 1


def test_persistent_service_unavailable_raises_server_error_after_max_attempts(
    start_sim: SimFactory, world: SimWorld, make_port: MakePort
) -> None:
    # Given Amazon answers every call with 503
    server = start_sim(rate_scale=1000, fault_rate_503=1.0)
    seller_id = world.sellers[0].seller_id
    port = make_port(server, max_attempts=3)

    # When the port calls searchOrders
    with pytest.raises(SpApiServerError) as raised:
        port.client.search_orders(seller_id, last_updated_after=world.now - timedelta(days=1))

    # Then it tried exactly three times, backing off in between, and reports the 503
    assert raised.value.status == 503
    assert raised.value.operation == "searchOrders"
    assert server.stats(seller_id)["calls"]["searchOrders"] == 3
    assert server.stats(seller_id)["faults"] == 3
    assert len(port.sleep.waits) == 2
    assert_no_token_in(raised.value)


def test_future_last_updated_after_is_a_bad_request_naming_the_parameter(
    sim: SimServer, world: SimWorld, make_port: MakePort
) -> None:
    # Given a query whose lastUpdatedAfter lies in the future
    seller_id = world.sellers[0].seller_id
    port = make_port(sim)

    # When the port sends it
    with pytest.raises(SpApiBadRequest) as raised:
        port.client.search_orders(seller_id, last_updated_after=datetime.now(UTC) + timedelta(days=1))

    # Then Amazon's 400 is not retried and its message names the parameter
    assert raised.value.status == 400
    assert raised.value.operation == "searchOrders"
    assert "lastUpdatedAfter" in str(raised.value)
    assert sim.stats(seller_id)["calls"]["searchOrders"] == 1
    assert_no_token_in(raised.value)


def test_unreachable_amazon_raises_server_error(sim: SimServer, world: SimWorld, make_port: MakePort) -> None:
    # Given a port holding a token, and then Amazon goes away
    seller_id = world.sellers[0].seller_id
    port = make_port(sim, max_attempts=2)
    port.client.search_orders(seller_id, last_updated_after=world.now - timedelta(days=1))
    sim.stop()

    # When the port calls again
    with pytest.raises(SpApiServerError) as raised:
        port.client.search_orders(seller_id, last_updated_after=world.now - timedelta(days=1))

    # Then the error is typed, retried once, and says there was no answer
    assert "no answer" in str(raised.value)
    assert len(port.sleep.waits) == 1
    assert_no_token_in(raised.value)


# --- secrets never leak through errors -------------------------------------------------------------
SCENARIOS = {
    "revoked": ({}, "revoke"),
    "throttled": ({"burst_override": 1, "rate_scale": 1e-6}, "repeat"),
    "server_error": ({"fault_rate_500": 1.0}, "once"),
    "bad_request": ({}, "future"),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_no_error_carries_a_refresh_or_access_token(
    scenario: str, start_sim: SimFactory, world: SimWorld, make_port: MakePort
) -> None:
    # Given a port with a cached access token and a simulator set up to fail in one way
    config, how = SCENARIOS[scenario]
    server = start_sim(rate_scale=1000, **config) if "rate_scale" not in config else start_sim(**config)
    seller_id = world.sellers[0].seller_id
    port = make_port(server, max_attempts=2)
    since = world.now - timedelta(days=1)
    if how in ("revoke", "repeat"):
        port.client.search_orders(seller_id, last_updated_after=since)
    if how == "revoke":
        world.revoke(seller_id)
    if how == "future":
        since = datetime.now(UTC) + timedelta(days=1)

    # When the call fails
    with pytest.raises(SpApiError) as raised:
        port.client.search_orders(seller_id, last_updated_after=since)

    # Then neither the refresh token nor any access token appears in the error or its traceback
    assert_no_token_in(raised.value)
    assert world.sellers[0].refresh_token not in str(raised.value)
