"""Helpers of the end-to-end tests: the API over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from sellerflow_dev.local.stack import LocalStack


def api_get(stack: LocalStack, path: str, token: str | None, **params: Any) -> httpx.Response:
    assert stack.gateway is not None
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{stack.gateway.url}{path}", headers=headers, params=params, timeout=30)


def all_orders_over_http(stack: LocalStack, seller_id: str, token: str) -> list[dict[str, Any]]:
    """Every order of a seller, read page by page through the API."""
    orders: list[dict[str, Any]] = []
    today = datetime.now(UTC).date()
    params: dict[str, Any] = {
        "from": str(today - timedelta(days=120)),
        "to": str(today + timedelta(days=1)),
        "limit": 100,
    }
    while True:
        response = api_get(stack, f"/sellers/{seller_id}/orders", token, **params)
        assert response.status_code == 200, response.text
        body = response.json()
        orders.extend(body["orders"])
        if not body["next_token"]:
            return orders
        params["next_token"] = body["next_token"]


def sync_orders_only(stack: LocalStack, seller_id: str, *, max_pages: int = 200) -> int:
    """The orders part of a seller sync and nothing else: SyncOrdersFunction invoked page by page
    (as the workflow's SyncOrdersPage loop does, waiting what the usage plan asks, time-compressed).
    For tests that need stored orders but not reports, finances, ads or rollups. Returns the orders
    upserted."""
    import json
    import time

    assert stack.resources is not None
    function = stack.resources.functions["SyncOrdersFunction"].name
    client = stack.session.client("lambda")
    token: str | None = None
    upserted = 0
    run_id = f"orders-only-{time.time_ns()}"
    for _ in range(max_pages):
        event = {"seller_id": seller_id, "run_id": run_id, "pagination_token": token}
        invoked = client.invoke(FunctionName=function, Payload=json.dumps(event).encode())
        result = json.loads(invoked["Payload"].read())
        assert not invoked.get("FunctionError"), result
        upserted += result["orders_upserted"]
        if result["wait_s"]:
            time.sleep(result["wait_s"] / stack.config.time_scale)
            continue
        if not result["has_more"]:
            return upserted
        token = result["pagination_token"]
    raise AssertionError(f"orders of {seller_id} still paging after {max_pages} pages")
