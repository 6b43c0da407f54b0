"""Issue 12 item 3: every API response, of both apps, errors and Chalice's own answers included, carries
the security headers (nosniff, preload-eligible HSTS, no-store, a Permissions-Policy denying every
browser feature, no framing, no referrer)."""

from __future__ import annotations

from typing import Any

import pytest
from api_fakes import MEMBER_SUB, SELLER_A, SELLER_B, World, bearer

from sellerflow.api import context as context_module
from sellerflow.api.errors import HSTS, PERMISSIONS_POLICY, SECURITY_HEADERS


def _assert_secured(response: Any) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.status_code, name, response.headers)
    assert len([n for n in response.headers if n.lower() == "cache-control"]) == 1


def test_the_headers_are_the_ones_the_policy_promises() -> None:
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff"
    # hstspreload.org: at least a year (we send two), includeSubDomains and preload
    assert HSTS == "max-age=63072000; includeSubDomains; preload"
    assert SECURITY_HEADERS["Cache-Control"] == "no-store"
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in PERMISSIONS_POLICY


def test_successes_and_every_kind_of_error_carry_the_headers(world: World) -> None:
    token = world.tokens.id_token(MEMBER_SUB)
    orders = f"/sellers/{SELLER_A}/orders?from=2025-06-01"
    answers = {
        200: world.get(orders, token),
        401: world.get(orders),
        404: world.get(f"/sellers/{SELLER_B}/orders", token),
        400: world.get(f"/sellers/{SELLER_A}/orders?from=not-a-date", token),
        405: world.client.http.patch(orders, headers=bearer(token)),
        415: world.client.http.post(
            "/invitations/accept", headers={**bearer(token), "content-type": "text/plain"}, body="x"
        ),
    }
    for status, response in answers.items():
        assert response.status_code == status, (status, response.body[:200])
        _assert_secured(response)


def test_the_buyer_pii_app_sends_them_too(world: World) -> None:
    token = world.tokens.id_token(MEMBER_SUB)
    path = f"/sellers/{SELLER_B}/orders/222-0000000-0000001/shipping-address?purpose=shipping_label"
    response = world.pii_client.http.get(path, headers=bearer(token))
    assert response.status_code == 404
    _assert_secured(response)
    _assert_secured(world.pii_client.http.get(path))


def test_an_unexpected_failure_is_a_json_500_with_the_headers(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(context_module, "current", broken)  # a failure in shared request plumbing
    token = world.tokens.id_token(MEMBER_SUB)
    response = world.get(f"/sellers/{SELLER_A}/orders", token)
    assert response.status_code == 500
    assert response.json_body["error"] == "internal_error"
    _assert_secured(response)
