"""Listing and reading a seller's orders: scope, pagination, parameters, audit, response shape."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from api_fakes import MEMBER_SUB, NOW, SELLER_A, SELLER_B, World, make_order

from sellerflow.domain import Role
from sellerflow.labels.model import LabelShipment, ShipmentStatus

FORBIDDEN_KEYS = {"buyer", "buyer_info", "recipient", "email", "address", "shipping_address", "buyer_email"}


def all_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in all_keys(v)}
    return set()


def test_a_member_lists_the_sellers_orders_newest_first(world: World) -> None:
    # Given a member of seller A, which has 7 orders in the last 30 days
    # When they list the orders with the defaults
    response = world.get(f"/sellers/{SELLER_A}/orders", world.tokens.id_token())
    # Then they get all 7, newest first, and no more pages
    assert response.status_code == 200
    body = response.json_body
    created = [o["created_time"] for o in body["orders"]]
    assert len(created) == 7
    assert created == sorted(created, reverse=True)
    assert body["next_token"] is None
    assert {o["seller_id"] for o in body["orders"]} == {SELLER_A}


def test_an_order_is_shaped_with_money_as_decimal_strings_and_no_buyer_fields(world: World) -> None:
    # Given a member and one of seller A's orders
    order_id = "111-0000000-0000000"
    # When they read it
    response = world.get(f"/sellers/{SELLER_A}/orders/{order_id}", world.tokens.id_token())
    # Then money is a decimal string with its currency, and nothing about the buyer is present
    assert response.status_code == 200
    order = response.json_body
    assert order["order_id"] == order_id
    assert order["order_total"] == {"amount": "42.50", "currency": "USD"}
    assert order["lines"][0]["unit_price"] == {"amount": "21.25", "currency": "USD"}
    assert order["lines"][0]["quantity_ordered"] == 2
    assert order["created_time"].endswith("Z")
    assert not all_keys(order) & FORBIDDEN_KEYS
    assert response.headers["Cache-Control"] == "no-store"


def test_the_order_view_shows_the_label_bought_and_its_tracking_and_nothing_of_the_buyer(
    world: World,
) -> None:
    # Given an order whose label was bought through Sellerflow and is in transit, and one without
    order_id, other = "111-0000000-0000001", "111-0000000-0000002"
    world.shipments.bought[(SELLER_A, order_id)] = LabelShipment(
        seller_id=SELLER_A, order_id=order_id, client_reference="ref-1", status=ShipmentStatus.PURCHASED,
        created_at=NOW, carrier_name="UPS", service_name="UPS Ground", tracking_id="1Z999AA10123456784",
        tracking_status="InTransit", purchased_at=NOW, confirmed_by="amazon",
    )  # fmt: skip
    token = world.tokens.id_token()
    # When a member reads both orders
    bought = world.get(f"/sellers/{SELLER_A}/orders/{order_id}", token).json_body
    plain = world.get(f"/sellers/{SELLER_A}/orders/{other}", token).json_body
    # Then the first carries its carrier, service and tracking, the second none, and no buyer field
    assert bought["shipment"]["carrier"] == "UPS"
    assert bought["shipment"]["service"] == "UPS Ground"
    assert bought["shipment"]["tracking_id"] == "1Z999AA10123456784"
    assert bought["shipment"]["tracking_status"] == "InTransit"
    assert bought["shipment"]["confirmed_by"] == "amazon"
    assert plain["shipment"] is None
    assert not all_keys(bought) & FORBIDDEN_KEYS
    # and another seller's path never finds it
    assert world.get(f"/sellers/{SELLER_B}/orders/{order_id}", token).status_code in (403, 404)


def test_no_listing_response_has_buyer_fields(world: World) -> None:
    # Given a member; When they list sellers and orders
    token = world.tokens.id_token()
    bodies = [
        world.get("/sellers", token).json_body,
        world.get(f"/sellers/{SELLER_A}/orders", token).json_body,
    ]
    # Then no buyer, recipient, email or address field appears anywhere
    for body in bodies:
        assert not all_keys(body) & FORBIDDEN_KEYS


def test_another_sellers_order_id_via_the_members_seller_path_is_404(world: World) -> None:
    # Given a member of seller A and an order id that belongs to seller B
    # When they ask for it under seller A
    response = world.get(f"/sellers/{SELLER_A}/orders/222-0000000-0000001", world.tokens.id_token())
    # Then it is not found, and nothing of seller B appears
    assert response.status_code == 404
    assert response.json_body["error"] == "not_found"
    assert "999.99" not in response.body.decode()


def test_a_member_of_one_seller_cannot_read_another_seller_by_path(world: World) -> None:
    # Given a member of seller A only
    token = world.tokens.id_token()
    # When they try seller B's listing and order
    listing = world.get(f"/sellers/{SELLER_B}/orders", token)
    order = world.get(f"/sellers/{SELLER_B}/orders/222-0000000-0000001", token)
    unknown = world.get("/sellers/A9NOSUCHSELLER/orders", token)
    # Then both look exactly like a seller that does not exist
    assert listing.status_code == order.status_code == unknown.status_code == 404
    assert listing.json_body["message"].replace(SELLER_B, "X") == unknown.json_body["message"].replace(
        "A9NOSUCHSELLER", "X"
    )
    assert "Bravo" not in listing.body.decode() + order.body.decode()


def test_walking_next_token_returns_every_order_exactly_once(world: World) -> None:
    # Given a member of seller A (7 orders)
    token = world.tokens.id_token()
    seen: list[str] = []
    pages = 0
    next_token = None
    # When they walk the listing 3 at a time
    while True:
        path = f"/sellers/{SELLER_A}/orders?limit=3" + (f"&next_token={next_token}" if next_token else "")
        body = world.get(path, token).json_body
        seen += [o["order_id"] for o in body["orders"]]
        pages += 1
        next_token = body["next_token"]
        if not next_token:
            break
    # Then every order arrives once, over 3 pages
    assert sorted(seen) == sorted(o.order_id for o in world.orders.by_seller[SELLER_A])
    assert len(seen) == len(set(seen)) == 7
    assert pages == 3


def test_a_page_token_of_seller_a_is_refused_on_seller_b(world: World) -> None:
    # Given a caller who is a member of both sellers and holds a page token of seller A
    world.sellers.members[(SELLER_B, MEMBER_SUB)] = Role.ANALYST
    token = world.tokens.id_token()
    page = world.get(f"/sellers/{SELLER_A}/orders?limit=2", token).json_body
    assert page["next_token"]
    # When they present it on seller B's listing
    response = world.get(f"/sellers/{SELLER_B}/orders?next_token={page['next_token']}", token)
    # Then it is a bad request naming the token (without echoing it)
    assert response.status_code == 400
    assert response.json_body["error"] == "bad_request"
    assert "next_token" in response.json_body["message"]
    assert page["next_token"] not in response.body.decode()


def test_status_and_date_filters_narrow_the_listing(world: World) -> None:
    # Given a member of seller A
    token = world.tokens.id_token()
    # When they ask for SHIPPED or CANCELLED orders created in the last 5 days (as dates)
    frm = (NOW - timedelta(days=5)).date().isoformat()
    to = (NOW + timedelta(days=1)).date().isoformat()
    body = world.get(
        f"/sellers/{SELLER_A}/orders?status=SHIPPED,CANCELLED&from={frm}&to={to}", token
    ).json_body
    # Then only those come back
    assert {o["status"] for o in body["orders"]} <= {"SHIPPED", "CANCELLED"}
    assert [o["order_id"][-1] for o in body["orders"]] == ["0", "2", "3"]


def test_to_is_exclusive(world: World) -> None:
    # Given an order created at exactly `to`
    world.orders.add(make_order(SELLER_A, "111-0000000-0009999", NOW - timedelta(hours=1)))
    at = (NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    # When the listing ends at that instant
    body = world.get(f"/sellers/{SELLER_A}/orders?to={at}", world.tokens.id_token()).json_body
    # Then that order is not in it
    assert "111-0000000-0009999" not in [o["order_id"] for o in body["orders"]]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("from=2025-06-10&to=2025-06-01", "'from'"),
        ("from=2025-06-01&to=2025-06-01", "'from'"),
        ("from=2024-01-01&to=2025-06-01", "'from'..'to'"),
        ("from=yesterday", "'from'"),
        ("to=2025-13-01", "'to'"),
        ("limit=0", "'limit'"),
        ("limit=101", "'limit'"),
        ("limit=abc", "'limit'"),
        ("limit=-5", "'limit'"),
        ("status=BOGUS", "'status'"),
        ("status=SHIPPED,", "'status'"),
        ("status=shipped", "'status'"),
        ("colour=red", "'colour'"),
        ("limit=5&limit=6", "'limit'"),
        ("next_token=%%%notatoken", "next_token"),
        ("next_token=", "next_token"),
    ],
)
def test_a_bad_parameter_is_400_naming_it(world: World, query: str, names: str) -> None:
    # Given a member of seller A
    # When they list with a bad parameter
    response = world.get(f"/sellers/{SELLER_A}/orders?{query}", world.tokens.id_token())
    # Then it is a bad request whose message names the parameter
    assert response.status_code == 400, response.body
    assert response.json_body["error"] == "bad_request"
    assert names in response.json_body["message"]


@pytest.mark.parametrize(("query", "shown"), [("limit=abc", "'abc'"), ("status=BOGUS", "'BOGUS'")])
def test_a_bad_value_is_shown_in_the_message(world: World, query: str, shown: str) -> None:
    response = world.get(f"/sellers/{SELLER_A}/orders?{query}", world.tokens.id_token())
    assert shown in response.json_body["message"]


@pytest.mark.parametrize(
    "path", ["/sellers?x=1", f"/sellers/{SELLER_A}/orders/111-0000000-0000000?expand=all"]
)
def test_routes_without_parameters_refuse_unknown_ones(world: World, path: str) -> None:
    response = world.get(path, world.tokens.id_token())
    assert response.status_code == 400
    assert "unknown query parameter" in response.json_body["message"]


def test_a_datetime_with_an_offset_survives_form_encoding(world: World) -> None:
    # Given a `from` with a +02:00 offset sent unencoded (the + arrives as a space)
    response = world.get(
        f"/sellers/{SELLER_A}/orders?from=2025-06-10T00:00:00+02:00&to=2025-06-16", world.tokens.id_token()
    )
    # Then it is understood as that instant
    assert response.status_code == 200


def test_every_read_is_audited_with_actor_and_resource(world: World) -> None:
    # Given a member of seller A
    token = world.tokens.id_token()
    # When they list sellers, list orders and read an order
    world.get("/sellers", token)
    world.get(f"/sellers/{SELLER_A}/orders?status=SHIPPED", token)
    world.get(f"/sellers/{SELLER_A}/orders/111-0000000-0000000", token)
    # Then each read left an audit entry naming who read what of which seller
    assert [(s, a, act) for s, a, act, _ in world.audit.entries] == [
        (SELLER_A, MEMBER_SUB, "seller.read"),
        (SELLER_A, MEMBER_SUB, "orders.list"),
        (SELLER_A, MEMBER_SUB, "order.read"),
    ]
    assert "status=SHIPPED" in world.audit.entries[1][3]
    assert world.audit.entries[2][3] == "order/111-0000000-0000000"


def test_a_missing_order_is_404_and_not_audited(world: World) -> None:
    response = world.get(f"/sellers/{SELLER_A}/orders/111-9999999-9999999", world.tokens.id_token())
    assert response.status_code == 404
    assert world.audit.entries == []
