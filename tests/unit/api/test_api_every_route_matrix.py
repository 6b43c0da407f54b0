"""Tenant isolation over EVERY route the app has (not a hand-kept list): bad tokens get 401 and a
member of seller A reaching for seller B's data by URL gets 404 — no data returned, ever."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from api_fakes import APP_ROUTES, SELLER_B, World, bearer

# Every (method, path) the deployed apps serve, path parameters filled with seller B's ids.
ROUTES = sorted(
    (method, path)
    for method, path in APP_ROUTES
    if path != "/sellers"  # the caller's own list: covered by test_api_auth_matrix
)
# The routes that name a seller in their path (the tenant check applies); the admins' routes answer
# 403 to everyone outside the admins group (test_api_role_matrix covers them and every role).
SELLER_ROUTES = [(m, p) for m, p in ROUTES if p.startswith("/sellers/{sellerId}")]
SELLER_B_DATA = ("Bravo Lamps", "222-0000000-0000001", "999.99", "888.88")

BAD_TOKENS: dict[str, Callable[..., str | None]] = {
    "no token": lambda t: None,
    "expired token": lambda t: t.expired(),
    "forged signature": lambda t: t.forged(),
    "wrong audience": lambda t: t.wrong_audience(),
    "wrong issuer": lambda t: t.wrong_issuer(),
}


# A well-formed request for each route that needs more than its path (so the refusal tested is
# the tenant check, not a 400 for a malformed request).
QUERIES = {"/sellers/{sellerId}/orders/{orderId}/shipping-address": "?purpose=shipping_label"}
BODIES = {
    "/sellers/{sellerId}/disconnect": {"erase_data": False},
    "/sellers/{sellerId}/cogs/{sku}": {
        "unit_cost": "1.00",
        "currency": "USD",
        "effective_from": "2025-06-01",
    },
    "/sellers/{sellerId}/cogs": {
        "entries": [{"sku": "SKU-1", "unit_cost": "1.00", "currency": "USD", "effective_from": "2025-06-01"}]
    },
}


def _url(path: str) -> str:
    filled = path.replace("{sellerId}", SELLER_B).replace("{orderId}", "222-0000000-0000001")
    filled = filled.replace("{invitationId}", "0" * 32)
    return re.sub(r"\{[A-Za-z]+\}", "X1", filled) + QUERIES.get(path, "")


def _call(world: World, method: str, path: str, token: str | None) -> object:
    headers = {**(bearer(token) if token else {}), "content-type": "application/json"}
    extra = {"body": json.dumps(BODIES.get(path, {}))} if method in ("POST", "PUT") else {}
    return getattr(world.client_for(path).http, method.lower())(_url(path), headers=headers, **extra)


def test_the_matrix_covers_every_route_of_the_app() -> None:
    # (test_template proves the app's routes are exactly the template's)
    assert len(ROUTES) == len(APP_ROUTES) - 1


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("caller", BAD_TOKENS)
def test_a_bad_token_gets_401_on_every_route(world: World, method: str, path: str, caller: str) -> None:
    token = BAD_TOKENS[caller](world.tokens)
    response = _call(world, method, path, token)
    assert response.status_code == 401, response.body  # type: ignore[attr-defined]
    body = response.body.decode()  # type: ignore[attr-defined]
    assert not any(value in body for value in SELLER_B_DATA)


@pytest.mark.parametrize(("method", "path"), SELLER_ROUTES)
def test_another_sellers_id_in_the_url_gets_404_on_every_route(world: World, method: str, path: str) -> None:
    # Given a member of seller A only (the world's member), asking for seller B by URL
    response = _call(world, method, path, world.tokens.id_token())
    # Then seller B does not exist for them: 404, no data, nothing audited for seller B
    assert response.status_code == 404, (path, response.body)  # type: ignore[attr-defined]
    body = response.body.decode()  # type: ignore[attr-defined]
    assert not any(value in body for value in SELLER_B_DATA)
    assert all(entry[0] != SELLER_B for entry in world.audit.entries)
