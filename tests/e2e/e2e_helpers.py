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
