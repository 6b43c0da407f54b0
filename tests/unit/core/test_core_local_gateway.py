"""The local API gateway hands each route to the function whose Api event declares it."""

from __future__ import annotations

import pytest

from sellerflow_dev.local.gateway import RouteTable

SHIPPING_ADDRESS = "/sellers/{sellerId}/orders/{orderId}/shipping-address"
ROUTES = [
    ("GET", "/sellers/{sellerId}/orders/{orderId}", "sellerflow-dev-api"),
    ("get", SHIPPING_ADDRESS, "sellerflow-dev-api-pii"),
    ("DELETE", "/sellers/{sellerId}", "sellerflow-dev-api"),
]


def test_each_route_names_the_function_that_declares_it() -> None:
    table = RouteTable(ROUTES)
    order = table.match("GET", "/sellers/S1/orders/O1")
    address = table.match("GET", "/sellers/S1/orders/O1/shipping-address")
    assert order is not None
    assert address is not None
    assert (order[0].function, order[1]) == ("sellerflow-dev-api", {"sellerId": "S1", "orderId": "O1"})
    assert (address[0].function, address[0].resource) == ("sellerflow-dev-api-pii", SHIPPING_ADDRESS)
    assert address[1] == {"sellerId": "S1", "orderId": "O1"}


def test_a_path_matches_whole_segments_and_its_own_method_only() -> None:
    table = RouteTable(ROUTES)
    assert table.match("GET", "/sellers/S1/orders/O1/shipping-address/extra") is None
    assert table.match("GET", "/sellers/S1/orders/a/b") is None
    assert table.match("POST", "/sellers/S1/orders/O1") is None
    assert table.path_known("/sellers/S1/orders/O1")  # known path, other method: 405, not 404
    assert not table.path_known("/sellers/S1/nowhere")


def test_a_route_declared_by_two_functions_is_refused() -> None:
    with pytest.raises(ValueError, match="more than one function"):
        RouteTable([("GET", "/me", "one"), ("get", "/me", "two")])
