"""Every route × every kind of caller: only a valid ID token of a member sees seller data."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from api_fakes import SELLER_A, STRANGER_SUB, Tokens, World

ORDER_A = "111-0000000-0000000"
ROUTES = {
    "list sellers": "/sellers",
    "list orders": f"/sellers/{SELLER_A}/orders",
    "get order": f"/sellers/{SELLER_A}/orders/{ORDER_A}",
}
# What would betray seller A's data if it appeared in a refusal.
SELLER_A_DATA = ("Alpha Mugs", ORDER_A, "ATVPDKIKX0DER", "B0TESTASIN", "SKU-RED-MUG", "42.50", "Red mug")

CALLERS: dict[str, tuple[Callable[[Tokens], str | None], int]] = {
    "no token": (lambda t: None, 401),
    "expired token": (lambda t: t.expired(), 401),
    "forged signature": (lambda t: t.forged(), 401),
    "wrong audience": (lambda t: t.wrong_audience(), 401),
    "wrong issuer": (lambda t: t.wrong_issuer(), 401),
    "access token instead of id token": (lambda t: t.access_token(), 401),
    "valid token of a non-member": (lambda t: t.id_token(STRANGER_SUB), 404),
    "valid member": (lambda t: t.id_token(), 200),
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("caller", CALLERS)
def test_route_answers_each_kind_of_caller(world: World, route: str, caller: str) -> None:
    make_token, expected = CALLERS[caller]
    # Given a caller presenting this kind of token
    token = make_token(world.tokens)
    # When they call the route
    response = world.get(ROUTES[route], token)
    # Then the status is the one for that kind of caller
    if route == "list sellers" and caller == "valid token of a non-member":
        expected = 200  # listing one's own sellers never 404s: a non-member just has none
    assert response.status_code == expected, response.body
    body = response.body.decode()
    if expected != 200:
        # And a refusal carries an error, no seller data, and no token
        assert set(response.json_body) == {"error", "message"}
        assert not any(value in body for value in SELLER_A_DATA), body
        if token:
            assert token not in body
    if expected == 401:
        assert response.json_body["error"] == "unauthenticated"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if route == "list sellers" and caller == "valid token of a non-member":
        assert response.json_body == {"sellers": []}


@pytest.mark.parametrize(
    ("caller", "says"),
    [
        ("no token", "missing Authorization header"),
        ("expired token", "expired"),
        ("forged signature", "signature is invalid"),
        ("wrong audience", "audience"),
        ("wrong issuer", "issuer"),
        ("access token instead of id token", "token_use must be 'id'"),
    ],
)
def test_a_refused_token_is_told_what_was_wrong(world: World, caller: str, says: str) -> None:
    # Given a bad token of some kind
    token = CALLERS[caller][0](world.tokens)
    # When it is used
    response = world.get("/sellers", token)
    # Then the message says what was wrong with it
    assert response.status_code == 401
    assert says in response.json_body["message"]


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-jwt", "Token abc.def.ghi", "bearer    "],
)
def test_a_malformed_authorization_header_is_401(world: World, header: str) -> None:
    # Given an Authorization header that is not a Bearer JWT
    # When it is used
    response = world.client.http.get("/sellers", headers={"Authorization": header})
    # Then the caller is unauthenticated
    assert response.status_code == 401
    assert response.json_body["error"] == "unauthenticated"


def test_a_token_signed_by_an_unknown_key_id_is_401(world: World) -> None:
    # Given a token whose kid names no key of the pool
    token = world.tokens.sign(world.tokens.claims(), kid="someone-elses-key")
    # When it is used
    response = world.get("/sellers", token)
    # Then it is refused as not signed by the pool
    assert response.status_code == 401
    assert "not signed by a key of this user pool" in response.json_body["message"]


def test_an_unsigned_token_is_401(world: World) -> None:
    # Given a token with alg "none"
    import jwt

    token = jwt.encode(world.tokens.claims(), key=None, algorithm="none", headers={"kid": "test-key-1"})
    # When it is used
    response = world.get("/sellers", token)
    # Then it is refused
    assert response.status_code == 401
    assert "RS256" in response.json_body["message"]


def test_a_refused_request_writes_no_audit_record(world: World) -> None:
    # Given a non-member and an expired member token
    # When both try to read seller A's orders
    world.get(f"/sellers/{SELLER_A}/orders", world.tokens.id_token(STRANGER_SUB))
    world.get(f"/sellers/{SELLER_A}/orders", world.tokens.expired())
    # Then nothing was read, so nothing was audited
    assert world.audit.entries == []
