"""LWA over real HTTP: grants, client checks, expiry and revocation."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld

SEARCH = "/orders/2026-01-01/orders"


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = SimServer(SimWorld.generate(sellers=2, seed=31), SimConfig(token_ttl_s=1))
    server.start()
    yield server
    server.stop()


def refresh(sim: SimServer, refresh_token: str, **overrides: str) -> httpx.Response:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": sim.world.client_id,
        "client_secret": sim.world.client_secret,
    }
    return httpx.post(sim.lwa_endpoint, data=form | overrides)


def search(sim: SimServer, token: str) -> httpx.Response:
    return httpx.get(
        sim.api_endpoint + SEARCH,
        params={"lastUpdatedAfter": "2020-01-01T00:00:00Z", "maxResultsPerPage": 1},
        headers={"x-amz-access-token": token},
    )


def test_the_endpoints_point_at_the_bound_port(sim: SimServer) -> None:
    assert sim.port > 0
    assert sim.lwa_endpoint == f"http://127.0.0.1:{sim.port}/auth/o2/token"
    assert sim.api_endpoint == sim.url == f"http://127.0.0.1:{sim.port}"


def test_a_refresh_grant_returns_a_bearer_token_that_opens_the_api(sim: SimServer) -> None:
    response = refresh(sim, sim.world.sellers[0].refresh_token)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 1
    assert body["access_token"].startswith("Atza|")
    assert search(sim, body["access_token"]).status_code == 200


def test_an_authorization_code_is_single_use(sim: SimServer) -> None:
    seller_id = sim.world.sellers[1].seller_id
    code = httpx.post(f"{sim.url}/_sim/authorization-codes", json={"seller_id": seller_id}).json()["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": sim.world.client_id,
        "client_secret": sim.world.client_secret,
        "redirect_uri": "http://localhost/callback",
    }
    first = httpx.post(sim.lwa_endpoint, data=form)
    assert first.status_code == 200
    assert first.json()["refresh_token"] == sim.world.sellers[1].refresh_token
    second = httpx.post(sim.lwa_endpoint, data=form)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


def test_bad_grants_and_bad_clients_are_told_apart(sim: SimServer) -> None:
    unknown = refresh(sim, "Atzr|not-a-real-token")
    assert (unknown.status_code, unknown.json()["error"]) == (400, "invalid_grant")
    assert unknown.json()["error_description"]
    wrong_client = refresh(sim, sim.world.sellers[0].refresh_token, client_secret="wrong")
    assert (wrong_client.status_code, wrong_client.json()["error"]) == (401, "invalid_client")


def test_an_expired_access_token_is_refused_with_the_sp_api_error(sim: SimServer) -> None:
    # Given an access token that lives one second
    token = refresh(sim, sim.world.sellers[0].refresh_token).json()["access_token"]
    assert search(sim, token).status_code == 200
    # When it has expired
    time.sleep(1.1)
    response = search(sim, token)
    # Then the API answers 403 with Amazon's body
    assert response.status_code == 403
    assert response.json() == {
        "errors": [
            {
                "code": "Unauthorized",
                "message": "Access to requested resource is denied.",
                "details": "The access token you provided has expired.",
            }
        ]
    }
    unknown = search(sim, "Atza|made-up")
    assert unknown.status_code == 403
    assert unknown.json()["errors"][0]["details"] != response.json()["errors"][0]["details"]


def test_a_revoked_seller_gets_invalid_grant(sim: SimServer) -> None:
    seller = sim.world.sellers[0]
    assert refresh(sim, seller.refresh_token).status_code == 200
    revoked = httpx.post(f"{sim.url}/_sim/sellers/{seller.seller_id}/revoke")
    assert revoked.status_code == 200
    response = refresh(sim, seller.refresh_token)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")
    # The other seller is unaffected
    assert refresh(sim, sim.world.sellers[1].refresh_token).status_code == 200


def test_a_stopped_simulator_stops_answering_kept_alive_clients() -> None:
    server = SimServer(SimWorld.generate(sellers=1, seed=2))
    server.start()
    with httpx.Client(base_url=server.url) as http:
        assert http.get("/_sim/config").status_code == 200
        server.stop()
        with pytest.raises(httpx.TransportError):
            http.get("/_sim/config")
