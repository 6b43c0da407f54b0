"""Login with Amazon grants and the access tokens they produce."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sellerflow_dev.simulator import SimWorld
from sellerflow_dev.simulator.lwa import AuthFailure, LwaService


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def world() -> SimWorld:
    return SimWorld.generate(sellers=2, seed=4, now=datetime(2026, 2, 1, tzinfo=UTC))


def refresh_form(world: SimWorld, refresh_token: str, **overrides: str) -> dict[str, str]:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": world.client_id,
        "client_secret": world.client_secret,
    }
    return form | overrides


def test_a_refresh_token_buys_an_access_token_for_its_seller(world: SimWorld) -> None:
    lwa = LwaService(world, token_ttl_s=120)
    seller = world.sellers[1]
    result = lwa.token(refresh_form(world, seller.refresh_token))
    assert result.status == 200
    assert result.body["access_token"].startswith("Atza|")
    assert result.body["token_type"] == "bearer"
    assert result.body["expires_in"] == 120
    assert lwa.authenticate(result.body["access_token"]) == seller.seller_id


def test_wrong_client_credentials_are_invalid_client(world: SimWorld) -> None:
    lwa = LwaService(world)
    result = lwa.token(refresh_form(world, world.sellers[0].refresh_token, client_secret="nope"))
    assert (result.status, result.body["error"]) == (401, "invalid_client")


def test_unknown_or_revoked_refresh_tokens_are_invalid_grant(world: SimWorld) -> None:
    lwa = LwaService(world)
    assert lwa.token(refresh_form(world, "Atzr|unknown")).body["error"] == "invalid_grant"
    world.revoke(world.sellers[0].seller_id)
    result = lwa.token(refresh_form(world, world.sellers[0].refresh_token))
    assert (result.status, result.body["error"]) == (400, "invalid_grant")


def test_access_tokens_expire_after_their_ttl(world: SimWorld) -> None:
    clock = FakeClock()
    lwa = LwaService(world, token_ttl_s=60, clock=clock)
    token = lwa.token(refresh_form(world, world.sellers[0].refresh_token)).body["access_token"]
    clock.now = 59.9
    assert lwa.authenticate(token) == world.sellers[0].seller_id
    clock.now = 60.0
    with pytest.raises(AuthFailure) as raised:
        lwa.authenticate(token)
    assert raised.value.body() == {
        "errors": [
            {
                "code": "Unauthorized",
                "message": "Access to requested resource is denied.",
                "details": "The access token you provided has expired.",
            }
        ]
    }


def test_unknown_and_missing_access_tokens_are_told_apart_from_expired_ones(world: SimWorld) -> None:
    lwa = LwaService(world)
    for token in ("Atza|forged", None):
        with pytest.raises(AuthFailure) as raised:
            lwa.authenticate(token)
        assert "expired" not in raised.value.details


def test_an_authorization_code_is_exchanged_once(world: SimWorld) -> None:
    lwa = LwaService(world)
    seller = world.sellers[0]
    code = world.mint_authorization_code(seller.seller_id)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": "https://app.example/cb"}
    form |= {"client_id": world.client_id, "client_secret": world.client_secret}
    first = lwa.token(form)
    assert first.status == 200
    assert first.body["refresh_token"] == seller.refresh_token
    second = lwa.token(form)
    assert (second.status, second.body["error"]) == (400, "invalid_grant")
