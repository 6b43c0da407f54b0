"""Orders through the API against DynamoDB in moto: scope, paging, audit, the Lambda entry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from moto_api import ROOT, SELLER_A, SELLER_B, Stack

from sellerflow.domain import Role
from sellerflow.store.sellers import SellerStore

BUYER_KEYS = {"buyer", "buyer_info", "recipient", "email", "address", "shipping_address", "buyer_email"}


def keys_of(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


def test_walking_next_token_returns_every_order_exactly_once(stack: Stack) -> None:
    # Given the member of seller A (7 orders in DynamoDB)
    token = stack.member_id_token()
    seen: list[str] = []
    next_token = None
    # When they page through 2 at a time
    for _ in range(10):
        query = "limit=2" + (f"&next_token={next_token}" if next_token else "")
        response = stack.get(f"/sellers/{SELLER_A}/orders?{query}", token)
        assert response.status_code == 200, response.body
        seen += [o["order_id"] for o in response.json_body["orders"]]
        next_token = response.json_body["next_token"]
        if not next_token:
            break
    # Then each of seller A's orders came exactly once, and none of seller B's
    assert sorted(seen) == sorted(stack.orders_a)
    assert len(seen) == len(set(seen))


def test_a_page_token_of_seller_a_is_refused_on_seller_b(stack: Stack) -> None:
    # Given the member belongs to both sellers and holds a page token of seller A
    SellerStore().add_member(SELLER_B, stack.member_sub, Role.ANALYST)
    token = stack.member_id_token()
    page = stack.get(f"/sellers/{SELLER_A}/orders?limit=2", token).json_body
    # When they use it on seller B
    response = stack.get(f"/sellers/{SELLER_B}/orders?next_token={page['next_token']}", token)
    # Then it is a bad request about next_token
    assert response.status_code == 400
    assert response.json_body["error"] == "bad_request"
    assert "next_token" in response.json_body["message"]


def test_another_sellers_order_via_the_members_seller_path_is_404(stack: Stack) -> None:
    # Given an order id of seller B
    # When seller A's member asks for it under seller A
    response = stack.get(f"/sellers/{SELLER_A}/orders/{stack.orders_b[0]}", stack.member_id_token())
    # Then it is not found
    assert response.status_code == 404
    assert "Bravo" not in response.body.decode()


def test_a_non_member_sees_an_existing_seller_exactly_as_a_missing_one(stack: Stack) -> None:
    token = stack.member_id_token()
    existing = stack.get(f"/sellers/{SELLER_B}/orders", token)
    missing = stack.get("/sellers/A9NOSUCHSELLER/orders", token)
    assert existing.status_code == missing.status_code == 404
    assert existing.json_body["error"] == missing.json_body["error"] == "not_found"
    assert existing.json_body["message"].replace(SELLER_B, "?") == missing.json_body["message"].replace(
        "A9NOSUCHSELLER", "?"
    )


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("from=2025-06-10&to=2025-06-01", "'from'"),
        ("limit=0", "'limit'"),
        ("limit=abc", "'limit'"),
        ("status=BOGUS", "'status'"),
        ("sort=desc", "'sort'"),
    ],
)
def test_a_bad_parameter_is_400_naming_it(stack: Stack, query: str, names: str) -> None:
    response = stack.get(f"/sellers/{SELLER_A}/orders?{query}", stack.member_id_token())
    assert response.status_code == 400
    assert response.json_body["error"] == "bad_request"
    assert names in response.json_body["message"]


def test_reads_are_audited_in_the_audit_table(stack: Stack) -> None:
    # Given the member of seller A
    token = stack.member_id_token()
    # When they list orders (shipped only) and read one
    stack.get(f"/sellers/{SELLER_A}/orders?status=SHIPPED", token)
    stack.get(f"/sellers/{SELLER_A}/orders/{stack.orders_a[3]}", token)
    # Then the audit table holds both reads, with who read what and when, newest first
    entries = stack.audit.entries(SELLER_A)
    assert [(e.actor, e.action) for e in entries] == [
        (stack.member_sub, "order.read"),
        (stack.member_sub, "orders.list"),
    ]
    assert entries[0].resource == f"order/{stack.orders_a[3]}"
    assert "status=SHIPPED" in entries[1].resource
    assert entries[0].at >= entries[1].at
    # And nothing was written about seller B
    assert stack.audit.entries(SELLER_B) == []


def test_responses_carry_no_buyer_fields(stack: Stack) -> None:
    token = stack.member_id_token()
    bodies = [
        stack.get("/sellers", token).json_body,
        stack.get(f"/sellers/{SELLER_A}/orders", token).json_body,
        stack.get(f"/sellers/{SELLER_A}/orders/{stack.orders_a[0]}", token).json_body,
    ]
    for body in bodies:
        assert not keys_of(body) & BUYER_KEYS
    assert bodies[2]["order_total"] == {"amount": "19.99", "currency": "GBP"}


def test_the_lambda_entry_routes_an_api_gateway_event_by_resource_path(stack: Stack) -> None:
    # Given the sample API Gateway REST proxy event for listing orders, aimed at seller A, with a token
    event = json.loads((ROOT / "events" / "api_list_orders.json").read_text())
    event["path"] = f"/sellers/{SELLER_A}/orders"
    event["pathParameters"] = {"sellerId": SELLER_A}
    bearer = f"Bearer {stack.member_id_token()}"
    event["headers"]["Authorization"] = bearer
    event["multiValueHeaders"]["Authorization"] = [bearer]
    # When the Chalice app object is invoked as the Lambda handler
    app = stack.client._app
    response = app(event, None)
    # Then it answered the orders route
    assert response["statusCode"] == 200, response["body"]
    assert len(json.loads(response["body"])["orders"]) == 7


def test_the_functions_entry_module_exposes_the_app() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("api_entry", Path(ROOT, "functions", "api", "app.py"))
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(module.app)
    assert "/sellers/{sellerId}/orders/{orderId}" in module.app.routes
