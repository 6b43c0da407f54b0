"""The AWS requests behind the overview's first paint, pinned per route (not timed: counted).

`GET /sellers` and the overview's requests through the Chalice app against moto, with a seller of
two years of day rollups: every botocore request (DynamoDB, KMS, anything) is counted. A warm
container answers each route with the membership check, the data it serves (one request for the
rollups, however long the period) and one audit append: the audit log remembers the chain head it
wrote, so it does not read it again (docs/performance.md, "Dashboard first paint").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.client
import pytest
from an_support import Tables
from chalice.test import Client

from sellerflow.api.app import create_app
from sellerflow.api.auth import StaticKeySource
from sellerflow.calendar import local_today
from sellerflow.domain import Role
from sellerflow.store.sellers import SellerStore
from sellerflow.wiring.api import api_ports
from sellerflow_dev.bench import dashboard_world as bench

NOW = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
SIGNING = bench.signing_material()

MEMBERSHIP = ("dynamodb", "GetItem", "SellersTable")
PROFILES = ("dynamodb", "BatchGetItem", "SellersTable")
AUDIT_APPEND = ("dynamodb", "TransactWriteItems", "AuditTable")
ROLLUPS = ("dynamodb", "Query", "SellerDataTable")


@contextmanager
def aws_requests() -> Iterator[list[tuple[str, str, str]]]:
    """Every request any botocore client makes inside the block: (service, operation, table)."""
    calls: list[tuple[str, str, str]] = []
    original = botocore.client.BaseClient._make_api_call  # botocore's one request path

    def counting(self: Any, operation: str, kwargs: dict[str, Any]) -> Any:
        table = str(kwargs.get("TableName", "")) or ",".join(sorted(kwargs.get("RequestItems", {})))
        if not table and kwargs.get("TransactItems"):
            table = ",".join(sorted({a["TableName"] for i in kwargs["TransactItems"] for a in i.values()}))
        calls.append((self.meta.service_model.service_name, operation, table))
        return original(self, operation, kwargs)

    botocore.client.BaseClient._make_api_call = counting  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


@pytest.fixture
def client(tables: Tables) -> Iterator[Any]:
    sellers = SellerStore()
    sellers.put_profile(bench.SELLER, name="Two Years Ltd", marketplace_ids=list(bench.MARKETPLACES))
    sellers.add_member(bench.SELLER, bench.MEMBER, Role.OWNER)
    bench.seed_day_rollups(bench.SELLER, 730, NOW)
    key, jwks = SIGNING
    settings = tables.settings.model_copy(
        update={"cognito_user_pool_id": bench.POOL_ID, "cognito_app_client_id": bench.CLIENT_ID}
    )
    app = create_app(settings=settings, key_source=StaticKeySource(jwks), clock=lambda: NOW, ports=api_ports)
    headers = {"Authorization": f"Bearer {bench.id_token(key, bench.MEMBER)}"}
    with Client(app) as chalice:

        def get(path: str) -> Any:
            response = chalice.http.get(path, headers=headers)
            assert response.status_code == 200, (path, response.body)
            return response

        yield get


def overview_paths() -> dict[str, str]:
    """The requests the overview's KPI tiles and first tables wait on (web/js/views.js)."""
    base = f"/sellers/{bench.SELLER}"
    today = local_today(bench.MARKETPLACES[0], NOW)
    window = f"from={today - timedelta(days=29)}&to={today}"
    return {
        "sellers": "/sellers",
        "dashboard": f"{base}/dashboard?range=last30",
        "daily": f"{base}/analytics/daily?{window}",
        # one marketplace's SKU rows over its own days (the page asks per window, as here)
        "skus": f"{base}/analytics/skus?{window}&sort=net_profit&marketplace={bench.MARKETPLACES[0]}",
    }


WARM = {
    "sellers": [("dynamodb", "Query", "SellersTable"), PROFILES, AUDIT_APPEND],
    "dashboard": [MEMBERSHIP, PROFILES, ROLLUPS, AUDIT_APPEND],
    "daily": [MEMBERSHIP, PROFILES, ROLLUPS, AUDIT_APPEND],
    # the marketplace's stored trailing SKU window (none here), then the SKU rows of the window's days
    "skus": [MEMBERSHIP, PROFILES, ROLLUPS, ROLLUPS, AUDIT_APPEND],
}


def test_each_overview_route_makes_the_pinned_aws_requests(client: Any) -> None:
    paths = overview_paths()
    cold: dict[str, list[tuple[str, str, str]]] = {}
    for name, path in paths.items():  # a fresh container: the first audit append reads the chain
        with aws_requests() as calls:
            client(path)
        cold[name] = calls
    # the chain's first entry reads the (missing) head and the newest entry once; the dashboard
    # also records the member's activity (hourly) and reads the reference rates (kept 15 minutes)
    assert cold["sellers"] == [
        ("dynamodb", "Query", "SellersTable"),
        PROFILES,
        ("dynamodb", "GetItem", "AuditTable"),
        ("dynamodb", "Query", "AuditTable"),
        AUDIT_APPEND,
    ]
    assert sorted(cold["dashboard"]) == sorted(
        [*WARM["dashboard"], ("dynamodb", "PutItem", "SellersTable"), ("dynamodb", "Query", "SellersTable")]
    )
    for name, path in paths.items():  # warm: only what the route serves, and its audit entry
        with aws_requests() as calls:
            body = client(path).json_body
        assert calls == WARM[name], (name, calls)
        assert body  # each answered with data
    assert all(service == "dynamodb" for calls in (*cold.values(), *WARM.values()) for service, _, _ in calls)
    # however long the period, one Query of the rollups (plus, for a period not yet asked in this
    # container, one of the reference rates: FX#ECB in the sellers table)
    rates = ("dynamodb", "Query", "SellersTable")
    for period in ("last90", "mtd", "last90"):
        with aws_requests() as calls:
            body = client(paths["dashboard"].replace("last30", period)).json_body
        assert [c for c in calls if c != rates] == WARM["dashboard"], (period, calls)
        assert calls.count(rates) <= 1
        assert {t["currency"] for t in body["totals"]} == {"USD", "EUR", "JPY"}
