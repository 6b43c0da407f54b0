"""The simulator's Tokens API and its restricted-data rule on getOrder (dispatch, no sockets)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld, find_pii_markers
from sellerflow_dev.simulator.server import Request

TOKENS = "/tokens/2021-03-01/restrictedDataToken"


@pytest.fixture
def sim() -> SimServer:
    world = SimWorld.generate(sellers=2, seed=5, now=datetime.now(UTC) - timedelta(minutes=5))
    return SimServer(world, config=SimConfig(rate_scale=1000))


def access_token(sim: SimServer, index: int = 0) -> str:
    seller = sim.world.sellers[index]
    body = f"grant_type=refresh_token&refresh_token={seller.refresh_token}&client_id={sim.world.client_id}&client_secret={sim.world.client_secret}"  # fmt: skip
    response = sim.dispatch(Request("POST", "/auth/o2/token", body=body.encode()))
    return str(response.body["access_token"])


def call(sim: SimServer, method: str, target: str, token: str, body: Any = None) -> Any:
    request = Request.from_target(method, target, headers={"x-amz-access-token": token, "content-type": "application/json"},
                                  body=json.dumps(body).encode() if body is not None else b"")  # fmt: skip
    return sim.dispatch(request)


def rdt(sim: SimServer, token: str, order_id: str, elements: list[str]) -> Any:
    resources = [{"method": "GET", "path": f"/orders/2026-01-01/orders/{order_id}", "dataElements": elements}]
    return call(sim, "POST", TOKENS, token, {"restrictedResources": resources})


def test_buyer_data_needs_a_restricted_data_token(sim: SimServer) -> None:
    token = access_token(sim)
    order_id = sim.world.orders(sim.world.sellers[0].seller_id)[0]["orderId"]
    # Without an RDT: 403 Unauthorized for BUYER/RECIPIENT, fine without them
    denied = call(sim, "GET", f"/orders/2026-01-01/orders/{order_id}?includedData=RECIPIENT", token)
    assert denied.status == 403
    assert denied.body["errors"][0]["code"] == "Unauthorized"
    assert (
        call(sim, "GET", f"/orders/2026-01-01/orders/{order_id}?includedData=FULFILLMENT", token).status
        == 200
    )
    # With an RDT for that order's path: the address, with the canary
    minted = rdt(sim, token, order_id, ["buyerInfo", "shippingAddress"])
    assert minted.status == 200
    assert minted.body["restrictedDataToken"].startswith("Atz.sprdt|")
    assert minted.body["expiresIn"] == 3600
    answer = call(sim, "GET", f"/orders/2026-01-01/orders/{order_id}?includedData=BUYER,RECIPIENT", minted.body["restrictedDataToken"])  # fmt: skip
    assert answer.status == 200
    assert find_pii_markers(json.dumps(answer.body["order"]["recipient"]))


def test_an_rdt_covers_only_its_own_path_and_data_elements(sim: SimServer) -> None:
    token = access_token(sim)
    first, second = (o["orderId"] for o in sim.world.orders(sim.world.sellers[0].seller_id)[:2])
    only_address = rdt(sim, token, first, ["shippingAddress"]).body["restrictedDataToken"]
    assert (
        call(sim, "GET", f"/orders/2026-01-01/orders/{second}?includedData=RECIPIENT", only_address).status
        == 403
    )
    assert (
        call(sim, "GET", f"/orders/2026-01-01/orders/{first}?includedData=BUYER", only_address).status == 403
    )
    assert (
        call(sim, "GET", f"/orders/2026-01-01/orders/{first}?includedData=RECIPIENT", only_address).status
        == 200
    )
    assert (
        call(sim, "GET", "/orders/2026-01-01/orders?createdAfter=2020-01-01T00:00:00Z", only_address).status
        == 403
    )


def test_an_orders_rdt_without_data_elements_is_invalid(sim: SimServer) -> None:
    token = access_token(sim)
    response = rdt(sim, token, "111-0000000-0000000", [])
    assert response.status == 400
    assert call(sim, "POST", TOKENS, token, {}).status == 400
