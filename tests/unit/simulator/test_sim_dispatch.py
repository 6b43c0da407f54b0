"""The server's request pipeline (auth, quota, faults, routing), exercised without sockets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld
from sellerflow_dev.simulator.server import Request

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
SEARCH = "/orders/2026-01-01/orders?createdAfter=2026-01-30T00:00:00Z"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> SimServer:
    world = SimWorld.generate(sellers=2, seed=9, now=NOW)
    return SimServer(world, SimConfig(burst_override=3), clock=clock, wall_clock=lambda: NOW)


def access_token(server: SimServer, seller_index: int = 0) -> str:
    world = server.world
    form = {
        "grant_type": "refresh_token",
        "refresh_token": world.sellers[seller_index].refresh_token,
        "client_id": world.client_id,
        "client_secret": world.client_secret,
    }
    response = server.dispatch(Request.from_target("POST", "/auth/o2/token", body=urlencode(form).encode()))
    assert response.status == 200
    return str(response.body["access_token"])


def test_successful_calls_carry_rate_limit_and_request_id_headers(server: SimServer) -> None:
    response = server.dispatch(
        Request.from_target("GET", SEARCH, headers={"x-amz-access-token": access_token(server)})
    )
    assert response.status == 200
    assert response.headers["x-amzn-RateLimit-Limit"] == "0.0056"
    assert len(response.headers["x-amzn-RequestId"]) == 36


def test_past_the_burst_the_api_answers_quota_exceeded(server: SimServer, clock: FakeClock) -> None:
    token = access_token(server)
    headers = {"x-amz-access-token": token}
    statuses = [server.dispatch(Request.from_target("GET", SEARCH, headers=headers)).status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = server.dispatch(Request.from_target("GET", SEARCH, headers=headers))
    assert throttled.body == {
        "errors": [
            {"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}
        ]
    }
    # Another seller is not affected
    other = {"x-amz-access-token": access_token(server, 1)}
    assert server.dispatch(Request.from_target("GET", SEARCH, headers=other)).status == 200
    seller_id = server.world.sellers[0].seller_id
    assert server.stats(seller_id) == {
        "calls": {"searchOrders": 5},
        "throttled": {"searchOrders": 2},
        "faults": 0,
    }
    # After 1/0.0056 s a token is back
    clock.now = 1 / 0.0056 + 0.01
    assert server.dispatch(Request.from_target("GET", SEARCH, headers=headers)).status == 200


def test_a_scripted_fault_fails_one_call_and_is_counted(server: SimServer) -> None:
    server.update_config({"fail_calls": [("searchOrders", 2, 503)], "burst_override": 10})
    headers = {"x-amz-access-token": access_token(server)}
    responses = [server.dispatch(Request.from_target("GET", SEARCH, headers=headers)) for _ in range(3)]
    assert [r.status for r in responses] == [200, 503, 200]
    assert responses[1].body["errors"][0]["code"] == "ServiceUnavailable"
    assert server.stats(server.world.sellers[0].seller_id)["faults"] == 1


def test_api_calls_without_a_valid_token_are_unauthorized(server: SimServer) -> None:
    for headers in ({}, {"x-amz-access-token": "Atza|nope"}):
        response = server.dispatch(Request.from_target("GET", SEARCH, headers=headers))
        assert response.status == 403
        assert response.body["errors"][0]["code"] == "Unauthorized"
        assert "x-amzn-RequestId" in response.headers


def test_unknown_paths_answer_404_with_an_errors_body(server: SimServer) -> None:
    response = server.dispatch(Request.from_target("GET", "/orders/v0/orders"))
    assert response.status == 404
    assert response.body["errors"][0]["code"] == "NotFound"
    assert server.dispatch(Request.from_target("GET", "/_sim/nothing")).status == 404


def test_control_endpoints_only_answer_loopback_clients(server: SimServer) -> None:
    assert server.dispatch(Request.from_target("GET", "/_sim/config", client_host="10.0.0.5")).status == 403
    assert server.dispatch(Request.from_target("GET", "/_sim/config", client_host="127.0.0.1")).status == 200


def test_config_changes_are_validated(server: SimServer) -> None:
    bad = server.dispatch(
        Request.from_target("POST", "/_sim/config", body=json.dumps({"slow_rate": 2}).encode())
    )
    assert bad.status == 400
    assert "slow_rate" in bad.body["errors"][0]["message"]
    good = server.dispatch(Request.from_target("POST", "/_sim/config", body=b'{"token_ttl_s": 5}'))
    assert good.status == 200
    assert good.body["token_ttl_s"] == 5
    assert server.lwa.token_ttl_s == 5


def test_advance_rejects_a_non_positive_number_of_minutes(server: SimServer) -> None:
    for body in (b'{"minutes": 0}', b'{"minutes": "5"}', b"{}", b"[1]"):
        assert server.dispatch(Request.from_target("POST", "/_sim/advance", body=body)).status == 400
