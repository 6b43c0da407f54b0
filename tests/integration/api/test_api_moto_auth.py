"""Every route × every kind of caller, with real moto Cognito tokens and DynamoDB tables."""

from __future__ import annotations

from collections.abc import Callable

import jwt
import pytest
from moto_api import REGION, SELLER_A, Stack

ROUTES = {
    "list sellers": lambda s: "/sellers",
    "list orders": lambda s: f"/sellers/{SELLER_A}/orders",
    "get order": lambda s: f"/sellers/{SELLER_A}/orders/{s.orders_a[0]}",
}
CALLERS: dict[str, tuple[Callable[[Stack], str | None], int]] = {
    "no token": (lambda s: None, 401),
    "expired token": (lambda s: s.expired_token(), 401),
    "forged signature": (lambda s: s.forged_token(), 401),
    "wrong audience": (lambda s: s.wrong_audience_token(), 401),
    "wrong issuer": (lambda s: s.wrong_issuer_token(), 401),
    "access token instead of id token": (lambda s: s.member_access_token(), 401),
    "valid token of a non-member": (lambda s: s.stranger_id_token(), 404),
    "valid member": (lambda s: s.member_id_token(), 200),
}


def test_moto_issues_the_id_tokens_the_api_expects(stack: Stack) -> None:
    # Given a real moto sign-in of the member
    claims = jwt.decode(stack.member_id_token(), options={"verify_signature": False})
    # Then the token is what Cognito issues: RS256 ID token of this pool for this client
    assert claims["iss"] == f"https://cognito-idp.{REGION}.amazonaws.com/{stack.pool.pool_id}"
    assert claims["aud"] == stack.pool.client_id
    assert claims["token_use"] == "id"
    assert claims["sub"] == stack.member_sub


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("caller", CALLERS)
def test_route_answers_each_kind_of_caller(stack: Stack, route: str, caller: str) -> None:
    make_token, expected = CALLERS[caller]
    if route == "list sellers" and caller == "valid token of a non-member":
        expected = 200  # a non-member's own list is simply empty
    # Given a caller presenting this kind of token
    token = make_token(stack)
    # When they call the route
    response = stack.get(ROUTES[route](stack), token)
    # Then they get the status for that kind of caller
    assert response.status_code == expected, response.body
    text = response.body.decode()
    if expected != 200:
        # And a refusal carries no seller data
        assert set(response.json_body) == {"error", "message"}
        for secret in ("Alpha Lamps", "A1F83G8C2ARO7P", "B0MOTOASIN", "19.99", *stack.orders_a):
            assert secret not in text
    if expected == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if route == "list sellers" and caller == "valid token of a non-member":
        assert response.json_body == {"sellers": []}
    if route == "list sellers" and caller == "valid member":
        assert response.json_body["sellers"] == [
            {
                "seller_id": SELLER_A,
                "name": "Alpha Lamps Ltd",
                "status": "active",
                "marketplace_ids": ["A1F83G8C2ARO7P"],
                "role": "owner",
                "home_currency": "GBP",  # the default: the first marketplace's (Amazon.co.uk)
            }
        ]
