"""Errors become HTTP in one place; the unexpected is a generic 500, logged without the request."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from api_fakes import SELLER_A, World
from chalice.test import Client

from sellerflow.api import errors as api_errors
from sellerflow.api.errors import error_response
from sellerflow.errors import (
    Forbidden,
    InvalidInput,
    OrderNotFound,
    SellerNotFound,
    SpApiThrottled,
    Unauthenticated,
)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (Unauthenticated("token has expired"), 401, "unauthenticated"),
        (Forbidden("role analyst may not export"), 403, "forbidden"),
        (SellerNotFound("seller 'X' not found"), 404, "not_found"),
        (OrderNotFound("order 'Y' not found"), 404, "not_found"),
        (InvalidInput("query parameter 'limit' ..."), 400, "bad_request"),
        (SpApiThrottled("slow down"), 500, "internal_error"),
        (KeyError("boom"), 500, "internal_error"),
    ],
)
def test_each_error_maps_to_one_status(error: Exception, status: int, code: str) -> None:
    response = error_response(error)
    assert response.status_code == status
    assert response.body["error"] == code
    if status == 500:
        assert response.body["message"] == "An internal error occurred."


def test_an_unexpected_failure_is_a_generic_500_logged_without_request_data(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a store that fails in a way nobody planned for
    logged: list[tuple[str, dict[str, Any]]] = []

    class Recorder:
        def exception(self, msg: str, **kwargs: Any) -> None:
            logged.append((msg, kwargs))

    monkeypatch.setattr(api_errors, "logger", Recorder())

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("dynamodb said no")

    monkeypatch.setattr(world.orders, "list", explode)
    token = world.tokens.id_token()
    # When a member lists orders
    response = world.get(f"/sellers/{SELLER_A}/orders", token)
    # Then the caller gets a generic 500, and the log names the error type but not the request
    assert response.status_code == 500
    assert response.json_body == {"error": "internal_error", "message": "An internal error occurred."}
    assert "dynamodb" not in response.body.decode()
    assert logged == [("unhandled error serving an API request", {"extra": {"error_type": "RuntimeError"}})]
    assert token not in repr(logged)


def test_importing_the_app_needs_no_configuration_or_aws() -> None:
    # Given an environment with nothing configured (and sockets blocked in unit tests)
    # When the Lambda module's app is imported and its routes listed
    import sellerflow.api.app as module

    # Then it is a Chalice app with its routes (tests/unit/test_template.py proves they are exactly
    # the template's)
    assert {"/sellers", "/sellers/{sellerId}/orders", "/sellers/{sellerId}/orders/{orderId}"} <= set(
        module.app.routes
    )


def test_an_unconfigured_deployment_refuses_with_500_not_200() -> None:
    # Given an app whose settings name no user pool client (a broken deployment)
    from api_fakes import FakeAudit, FakeOrders, FakeSellers

    from sellerflow.api.app import create_app
    from sellerflow.settings import Settings

    app = create_app(
        settings=Settings(cognito_user_pool_id="", cognito_app_client_id=""),
        sellers=FakeSellers(),
        orders=FakeOrders(),
        audit=FakeAudit(),
    )
    # When anyone calls it
    with Client(app) as client:
        response = client.http.get("/sellers", headers={"Authorization": "Bearer x.y.z"})
    # Then it fails closed
    assert response.status_code == 500


def test_logging_does_not_leak_through_chalice(caplog: pytest.LogCaptureFixture, world: World) -> None:
    with caplog.at_level(logging.DEBUG):
        token = world.tokens.expired()
        world.get("/sellers", token)
    assert token not in caplog.text
