"""searchOrders/getOrder rules, paging and projection, without HTTP."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from sellerflow_dev.simulator import SimWorld
from sellerflow_dev.simulator.orders_api import (
    ApiError,
    SearchQuery,
    get_order,
    parse_search_query,
    search_orders,
)

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
MONTH_AGO = "2026-01-30T00:00:00Z"


@pytest.fixture(scope="module")
def world() -> SimWorld:
    return SimWorld.generate(sellers=2, seed=21, now=NOW)


def query(**params: str | list[str]) -> SearchQuery:
    as_lists = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    return parse_search_query(as_lists, NOW)


def all_pages(world: SimWorld, seller_id: str, **params: str) -> list[dict]:
    pages: list[dict] = []
    token = None
    while True:
        extra: dict[str, str] = {"paginationToken": token} if token else {}
        page = search_orders(world, seller_id, query(**params, **extra), NOW)
        pages.append(page)
        token = page.get("pagination", {}).get("nextToken")
        if token is None:
            return pages


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({}, "createdAfter"),
        ({"createdAfter": MONTH_AGO, "lastUpdatedAfter": MONTH_AGO}, "lastUpdatedAfter"),
        ({"createdAfter": MONTH_AGO, "lastUpdatedBefore": "2026-02-01T00:00:00Z"}, "lastUpdatedBefore"),
        ({"lastUpdatedAfter": MONTH_AGO, "createdBefore": "2026-02-01T00:00:00Z"}, "createdBefore"),
        ({"createdAfter": "yesterday"}, "createdAfter"),
        ({"createdAfter": MONTH_AGO, "createdBefore": "2026-01-01T00:00:00Z"}, "createdBefore"),
        ({"lastUpdatedAfter": MONTH_AGO, "lastUpdatedBefore": "2026-03-02T15:29:00Z"}, "lastUpdatedBefore"),
        ({"createdAfter": MONTH_AGO, "maxResultsPerPage": "0"}, "maxResultsPerPage"),
        ({"createdAfter": MONTH_AGO, "maxResultsPerPage": "101"}, "maxResultsPerPage"),
        ({"createdAfter": MONTH_AGO, "maxResultsPerPage": "ten"}, "maxResultsPerPage"),
        ({"createdAfter": MONTH_AGO, "fulfillmentStatuses": "SHIPPED,LOST"}, "fulfillmentStatuses"),
        ({"createdAfter": MONTH_AGO, "fulfilledBy": "SELLER"}, "fulfilledBy"),
        ({"createdAfter": MONTH_AGO, "includedData": "BUYER,EVERYTHING"}, "includedData"),
        ({"createdAfter": "2026-03-03T00:00:00Z"}, "createdAfter"),
    ],
)
def test_invalid_parameters_are_rejected_naming_the_parameter(params: dict, named: str) -> None:
    with pytest.raises(ApiError) as raised:
        query(**params)
    assert raised.value.status == 400
    assert raised.value.code == "InvalidInput"
    assert named in raised.value.message


def test_a_before_bound_two_minutes_in_the_past_is_accepted() -> None:
    parsed = query(lastUpdatedAfter=MONTH_AGO, lastUpdatedBefore="2026-03-02T15:28:00Z")
    assert parsed.before == NOW - timedelta(minutes=2)


def test_list_parameters_may_be_comma_separated_or_repeated() -> None:
    parsed = query(createdAfter=MONTH_AGO, fulfillmentStatuses=["SHIPPED,UNSHIPPED", "PENDING"])
    assert parsed.fulfillment_statuses == {"SHIPPED", "UNSHIPPED", "PENDING"}


def test_paging_returns_every_order_exactly_once_in_no_time_order(world: SimWorld) -> None:
    seller_id = world.sellers[0].seller_id
    pages = all_pages(world, seller_id, createdAfter=MONTH_AGO, maxResultsPerPage="7")
    returned = [o for page in pages for o in page["orders"]]
    assert sorted(o["orderId"] for o in returned) == sorted(o["orderId"] for o in world.orders(seller_id))
    keys = [(o["createdTime"], o["orderId"]) for o in returned]
    assert len(set(keys)) == len(keys)
    assert keys != sorted(keys)  # Amazon promises no order
    assert all(len(page["orders"]) == 7 for page in pages[:-1])
    # Every page echoes the same frozen bound; only the last page lacks a token
    assert {page["createdBefore"] for page in pages} == {"2026-03-02T15:30:00Z"}
    assert "pagination" not in pages[-1]


def test_last_updated_queries_filter_by_last_update_and_come_unsorted(world: SimWorld) -> None:
    seller_id = world.sellers[0].seller_id
    since = "2026-02-25T00:00:00Z"
    returned = [o for page in all_pages(world, seller_id, lastUpdatedAfter=since) for o in page["orders"]]
    expected = [o for o in world.orders(seller_id) if o["lastUpdatedTime"] >= since]
    assert 0 < len(returned) == len(expected) < len(world.orders(seller_id))
    keys = [(o["lastUpdatedTime"], o["orderId"]) for o in returned]
    assert keys != sorted(keys)
    # the same query pages the same way every time (the shuffle is the world's, by its seed)
    again = [o for page in all_pages(world, seller_id, lastUpdatedAfter=since) for o in page["orders"]]
    assert [o["orderId"] for o in again] == [o["orderId"] for o in returned]


def test_filters_narrow_the_results(world: SimWorld) -> None:
    seller_id = world.sellers[0].seller_id
    page = search_orders(
        world,
        seller_id,
        query(
            createdAfter=MONTH_AGO,
            fulfilledBy="MERCHANT",
            marketplaceIds="A1VC38T7YXB528",
            fulfillmentStatuses="SHIPPED",
            includedData="FULFILLMENT",
        ),
        NOW,
    )
    assert page["orders"]
    for order in page["orders"]:
        assert order["fulfillment"]["fulfilledBy"] == "MERCHANT"
        assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
        assert order["salesChannel"]["marketplaceId"] == "A1VC38T7YXB528"


def test_a_pagination_token_is_opaque_text_bound_to_seller_and_query(world: SimWorld) -> None:
    first, second = world.sellers[0].seller_id, world.sellers[1].seller_id
    page = search_orders(world, first, query(createdAfter=MONTH_AGO, maxResultsPerPage="5"), NOW)
    token = page["pagination"]["nextToken"]
    assert token.isascii()
    assert first not in token
    # The same query may change its page size and datasets
    follow = search_orders(
        world,
        first,
        query(createdAfter=MONTH_AGO, maxResultsPerPage="9", includedData="PROCEEDS", paginationToken=token),
        NOW,
    )
    assert len(follow["orders"]) == 9
    # Another seller, other filters or a mangled token are rejected
    for seller, params in [
        (second, {"createdAfter": MONTH_AGO}),
        (first, {"createdAfter": "2026-02-01T00:00:00Z"}),
        (first, {"createdAfter": MONTH_AGO, "fulfilledBy": "AMAZON"}),
    ]:
        with pytest.raises(ApiError, match="paginationToken"):
            search_orders(world, seller, query(**params, paginationToken=token), NOW)
    for bad in ["not-a-token", token[:-6], base64.urlsafe_b64encode(b'{"v":2}').decode()]:
        with pytest.raises(ApiError, match="paginationToken"):
            search_orders(world, first, query(createdAfter=MONTH_AGO, paginationToken=bad), NOW)


def test_the_token_carries_a_cursor_not_an_offset(world: SimWorld) -> None:
    seller_id = world.sellers[0].seller_id
    page = search_orders(world, seller_id, query(createdAfter=MONTH_AGO, maxResultsPerPage="3"), NOW)
    token = page["pagination"]["nextToken"]
    payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert payload["k"][1] == page["orders"][-1]["orderId"]  # the last order's place, not a count


def test_without_included_data_the_buyer_and_recipient_stay_out(world: SimWorld) -> None:
    seller_id = world.sellers[0].seller_id
    for included in ([], ["PROCEEDS,FULFILLMENT,PROMOTION,EXPENSE"]):
        params = {"createdAfter": MONTH_AGO, **({"includedData": included[0]} if included else {})}
        for order in search_orders(world, seller_id, query(**params), NOW)["orders"]:
            assert "buyer" not in order
            assert "recipient" not in order
    with_buyer = search_orders(world, seller_id, query(createdAfter=MONTH_AGO, includedData="BUYER"), NOW)
    assert all("buyer" in order for order in with_buyer["orders"])


def test_get_order_returns_the_document_or_404(world: SimWorld) -> None:
    seller_id = world.sellers[0].seller_id
    order_id = world.orders(seller_id)[5]["orderId"]
    found = get_order(world, seller_id, order_id, {"includedData": ["PROCEEDS"]})
    assert found["order"]["orderId"] == order_id
    assert "proceeds" in found["order"]
    with pytest.raises(ApiError) as raised:
        get_order(world, world.sellers[1].seller_id, order_id, {})
    assert raised.value.status == 404
    assert raised.value.body()["errors"][0]["code"] == "NotFound"
