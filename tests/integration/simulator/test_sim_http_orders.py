"""The Orders API over real HTTP, checked against the world's ground truth."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld, find_pii_markers

SEARCH = "/orders/2026-01-01/orders"
SYNC_DATA = "PROCEEDS,FULFILLMENT,PROMOTION,EXPENSE"
LONG_AGO = "2020-01-01T00:00:00Z"


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = SimServer(SimWorld.generate(sellers=2, seed=41), SimConfig(rate_scale=1000))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(sim: SimServer) -> Iterator[httpx.Client]:
    seller = sim.world.sellers[0]
    form = {
        "grant_type": "refresh_token",
        "refresh_token": seller.refresh_token,
        "client_id": sim.world.client_id,
        "client_secret": sim.world.client_secret,
    }
    token = httpx.post(sim.lwa_endpoint, data=form).json()["access_token"]
    with httpx.Client(base_url=sim.api_endpoint, headers={"x-amz-access-token": token}) as http:
        yield http


def ground_truth(sim: SimServer, seller_id: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{sim.url}/_sim/sellers/{seller_id}/orders")
    assert response.status_code == 200
    return list(response.json()["orders"])


def fetch_all(client: httpx.Client, params: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    orders: list[dict[str, Any]] = []
    pages = 0
    token = None
    while True:
        response = client.get(SEARCH, params=params | ({"paginationToken": token} if token else {}))
        assert response.status_code == 200, response.text
        pages += 1
        body = response.json()
        orders += body["orders"]
        token = body.get("pagination", {}).get("nextToken")
        if token is None:
            return orders, pages


def test_paging_covers_every_ground_truth_order_exactly_once(sim: SimServer, client: httpx.Client) -> None:
    seller_id = sim.world.sellers[0].seller_id
    truth = ground_truth(sim, seller_id)
    orders, pages = fetch_all(client, {"lastUpdatedAfter": LONG_AGO, "maxResultsPerPage": 25})
    assert pages == -(-len(truth) // 25)
    assert sorted(o["orderId"] for o in orders) == sorted(o["orderId"] for o in truth)
    assert len({o["orderId"] for o in orders}) == len(orders)


def test_sync_datasets_match_ground_truth_without_buyer_data(sim: SimServer, client: httpx.Client) -> None:
    truth = {o["orderId"]: o for o in ground_truth(sim, sim.world.sellers[0].seller_id)}
    orders, _ = fetch_all(client, {"createdAfter": LONG_AGO, "includedData": SYNC_DATA})
    for order in orders:
        assert "buyer" not in order
        assert "recipient" not in order
        assert find_pii_markers(str(order)) == []
        expected = truth[order["orderId"]]
        assert order["proceeds"] == expected["proceeds"]
        assert order["fulfillment"]["fulfillmentStatus"] == expected["fulfillment"]["fulfillmentStatus"]
        assert order["fulfillment"]["fulfilledBy"] == expected["fulfillment"]["fulfilledBy"]


def test_last_updated_after_returns_only_newer_updates(sim: SimServer, client: httpx.Client) -> None:
    truth = ground_truth(sim, sim.world.sellers[0].seller_id)
    cutoff = sorted(o["lastUpdatedTime"] for o in truth)[len(truth) // 2]
    orders, _ = fetch_all(client, {"lastUpdatedAfter": cutoff})
    expected = {o["orderId"] for o in truth if o["lastUpdatedTime"] >= cutoff}
    assert {o["orderId"] for o in orders} == expected
    assert all(o["lastUpdatedTime"] >= cutoff for o in orders)


def test_get_order_and_its_404(sim: SimServer, client: httpx.Client) -> None:
    order_id = ground_truth(sim, sim.world.sellers[0].seller_id)[0]["orderId"]
    # BUYER data needs a restricted data token for this order (Tokens API)
    resource = {"method": "GET", "path": f"{SEARCH}/{order_id}", "dataElements": ["buyerInfo"]}
    rdt = client.post("/tokens/2021-03-01/restrictedDataToken", json={"restrictedResources": [resource]})
    found = client.get(
        f"{SEARCH}/{order_id}",
        params={"includedData": "BUYER"},
        headers={"x-amz-access-token": rdt.json()["restrictedDataToken"]},
    )
    assert found.status_code == 200
    assert found.json()["order"]["orderId"] == order_id
    assert find_pii_markers(found.json()["order"]["buyer"]["buyerName"])
    assert "x-amzn-RateLimit-Limit" in found.headers
    missing = client.get(f"{SEARCH}/999-0000000-0000000")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "NotFound"


def test_a_bad_parameter_is_a_400_naming_it(client: httpx.Client) -> None:
    response = client.get(SEARCH, params={"createdAfter": LONG_AGO, "lastUpdatedAfter": LONG_AGO})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "InvalidInput"
    assert "lastUpdatedAfter" in error["message"]


def test_the_burst_is_enforced_and_the_rate_header_reported(sim: SimServer, client: httpx.Client) -> None:
    # Given a burst of 2 and a plan rate left as Amazon's
    httpx.post(f"{sim.url}/_sim/config", json={"burst_override": 2, "rate_scale": 1}).raise_for_status()
    params: dict[str, Any] = {"createdAfter": LONG_AGO, "maxResultsPerPage": 1}
    responses = [client.get(SEARCH, params=params) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[0].headers["x-amzn-RateLimit-Limit"] == "0.0056"
    assert responses[0].headers["x-amzn-RequestId"]
    assert responses[2].json() == {
        "errors": [
            {"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}
        ]
    }
    stats = httpx.get(f"{sim.url}/_sim/stats/{sim.world.sellers[0].seller_id}").json()
    assert stats == {"calls": {"searchOrders": 3}, "throttled": {"searchOrders": 1}, "faults": 0}


def test_a_scripted_fault_fails_exactly_page_two_once(sim: SimServer, client: httpx.Client) -> None:
    # Given the second searchOrders call is scripted to fail
    httpx.post(f"{sim.url}/_sim/config", json={"fail_calls": [["searchOrders", 2, 500]]}).raise_for_status()
    params: dict[str, Any] = {"createdAfter": LONG_AGO, "maxResultsPerPage": 40}
    first = client.get(SEARCH, params=params)
    token = first.json()["pagination"]["nextToken"]
    # When page 2 is fetched and retried
    failed = client.get(SEARCH, params=params | {"paginationToken": token})
    retried = client.get(SEARCH, params=params | {"paginationToken": token})
    # Then only the first attempt failed, and the retry returns the page
    assert failed.status_code == 500
    assert failed.json()["errors"][0]["code"] == "InternalFailure"
    assert retried.status_code == 200
    assert retried.json()["orders"][0]["orderId"] != first.json()["orders"][0]["orderId"]
    assert sim.stats(sim.world.sellers[0].seller_id)["faults"] == 1
    config = httpx.get(f"{sim.url}/_sim/config").json()
    assert config["fail_calls"] == [["searchOrders", 2, 500]]


def test_advancing_the_clock_produces_updates_for_an_incremental_sync(
    sim: SimServer, client: httpx.Client
) -> None:
    # Given a full sync whose watermark is the echoed bound
    seller_id = sim.world.sellers[0].seller_id
    first = client.get(SEARCH, params={"lastUpdatedAfter": LONG_AGO}).json()
    watermark = first["lastUpdatedBefore"]
    # When the world moves on by an hour
    changes = httpx.post(f"{sim.url}/_sim/advance", json={"minutes": 60}).json()
    assert changes["created"][seller_id]
    assert changes["updated"][seller_id]
    # Then an incremental sync from the watermark returns exactly the created and updated orders
    orders, _ = fetch_all(client, {"lastUpdatedAfter": watermark, "includedData": SYNC_DATA})
    assert {o["orderId"] for o in orders} == set(changes["created"][seller_id]) | set(
        changes["updated"][seller_id]
    )
    statuses = {o["orderId"]: o["fulfillment"]["fulfillmentStatus"] for o in orders}
    assert all(statuses[order_id] == "PENDING" for order_id in changes["created"][seller_id])


def test_unknown_paths_and_sellers_answer_404(sim: SimServer) -> None:
    for path in ("/nothing/here", "/_sim/sellers/A0UNKNOWN/orders", "/_sim/stats/A0UNKNOWN"):
        response = httpx.get(sim.url + path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json"
        assert response.json()["errors"][0]["code"] == "NotFound"
