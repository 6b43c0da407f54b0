"""The simulator's Solicitations API (review requests): Amazon's window, once per order, refunds,
the marketplace parameter and the usage plan, exercised without sockets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld
from sellerflow_dev.simulator.order_model import SimOrder
from sellerflow_dev.simulator.server import Request
from sellerflow_dev.simulator.solicitations_api import delivered_at

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
ACTIONS = "/solicitations/v1/orders/{}?marketplaceIds={}"
CREATE = "/solicitations/v1/orders/{}/solicitations/productReviewAndSellerFeedback?marketplaceIds={}"


class FakeClock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> SimServer:
    return SimServer(
        SimWorld.generate(sellers=1, seed=3, now=NOW), SimConfig(), clock=clock, wall_clock=lambda: NOW
    )


def call(server: SimServer, method: str, target: str) -> tuple[int, dict[str, object], dict[str, str]]:
    world = server.world
    form = {
        "grant_type": "refresh_token", "refresh_token": world.sellers[0].refresh_token,
        "client_id": world.client_id, "client_secret": world.client_secret,
    }  # fmt: skip
    token = server.dispatch(Request.from_target("POST", "/auth/o2/token", body=urlencode(form).encode())).body
    response = server.dispatch(
        Request.from_target(method, target, headers={"x-amz-access-token": str(token["access_token"])})
    )
    return response.status, response.body, {**response.headers, "content-type": response.content_type}


def orders(server: SimServer) -> list[SimOrder]:
    return server.world.all_order_states(server.world.sellers[0].seller_id)


def in_window(server: SimServer, *, refunded: bool = False) -> SimOrder:
    seller = server.world.sellers[0].seller_id
    refunds = {t.order_id for t in server.world.transactions(seller) if t.transaction_type == "Refund"}
    for order in orders(server):
        delivered = delivered_at(order)
        in_it = delivered is not None and timedelta(days=5) <= NOW - delivered <= timedelta(days=30)
        if in_it and (order.order_id in refunds) == refunded:
            return order
    raise AssertionError("the world has no such order")


def test_a_delivered_order_in_the_window_is_offered_once_then_never_again(server: SimServer) -> None:
    order = in_window(server)
    status, body, headers = call(server, "GET", ACTIONS.format(order.order_id, order.marketplace_id))
    assert status == 200
    assert headers["content-type"] == "application/hal+json"
    assert [a["name"] for a in body["_links"]["actions"]] == ["productReviewAndSellerFeedback"]  # type: ignore[index]
    assert call(server, "POST", CREATE.format(order.order_id, order.marketplace_id))[0] == 201
    assert server.solicitations.sent(server.world.sellers[0].seller_id) == {order.order_id: NOW}
    again = call(server, "POST", CREATE.format(order.order_id, order.marketplace_id))
    assert again[0] == 400
    assert "already been sent" in again[1]["errors"][0]["message"]
    assert (
        call(server, "GET", ACTIONS.format(order.order_id, order.marketplace_id))[1]["_links"]["actions"]
        == []
    )  # type: ignore[index]


def test_too_early_too_late_undelivered_and_refunded_orders_are_refused(server: SimServer) -> None:
    def refusal(order: SimOrder) -> str:
        status, body, _ = call(server, "POST", CREATE.format(order.order_id, order.marketplace_id))
        assert status == 400
        return str(body["errors"][0]["message"])  # type: ignore[index]

    early = next(o for o in orders(server) if (d := delivered_at(o)) and NOW - d < timedelta(days=5))
    late = next(o for o in orders(server) if (d := delivered_at(o)) and NOW - d > timedelta(days=30))
    pending = next(o for o in orders(server) if o.status != "SHIPPED")
    assert "from 5 days" in refusal(early)
    assert "up to 30 days" in refusal(late)
    assert "not been delivered" in refusal(pending)
    assert "refunded" in refusal(in_window(server, refunded=True))
    assert server.solicitations.sent(server.world.sellers[0].seller_id) == {}


def test_the_marketplace_parameter_and_unknown_orders(server: SimServer) -> None:
    order = in_window(server)
    assert call(server, "GET", f"/solicitations/v1/orders/{order.order_id}")[0] == 400
    assert call(server, "GET", ACTIONS.format(order.order_id, "A1PA6795UKMFR9,ATVPDKIKX0DER"))[0] == 400
    other = "A1F83G8C2ARO7P" if order.marketplace_id != "A1F83G8C2ARO7P" else "ATVPDKIKX0DER"
    assert call(server, "GET", ACTIONS.format(order.order_id, other))[0] == 400
    status, body, _ = call(server, "GET", ACTIONS.format("999-0000000-0000000", order.marketplace_id))
    assert status == 404
    assert body["errors"][0]["code"] == "NotFound"


def test_the_usage_plan_is_one_a_second_burst_five_and_429_names_the_rate(
    server: SimServer, clock: FakeClock
) -> None:
    order = in_window(server)
    target = ACTIONS.format(order.order_id, order.marketplace_id)
    statuses = [call(server, "GET", target)[0] for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    status, body, headers = call(server, "GET", target)
    assert status == 429
    assert headers["x-amzn-RateLimit-Limit"] == "1"
    assert body["errors"][0]["code"] == "QuotaExceeded"  # type: ignore[index]
    clock.now += 1.0
    assert call(server, "GET", target)[0] == 200
