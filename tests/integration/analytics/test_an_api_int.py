"""The analytics routes through the Chalice app against DynamoDB in moto (real tokens, membership, audit)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from an_support import DE, JP, SELLER, US, Tables, order, transaction
from chalice.test import Client
from pynamodb.exceptions import TransactWriteError

from sellerflow.analytics.rollups import recompute_dirty_days
from sellerflow.api.app import create_app
from sellerflow.api.auth import StaticKeySource
from sellerflow.calendar import local_today
from sellerflow.domain import Role
from sellerflow.facts import CogsEntry, InventoryFact, SettlementLineFact, SettlementSummary
from sellerflow.settings import Settings
from sellerflow.store.audit import AuditLog
from sellerflow.store.facts import FactStore
from sellerflow.store.facts_control import CogsStore, DirtyDays
from sellerflow.store.facts_rollups import RollupStore
from sellerflow.store.sellers import SellerStore
from sellerflow.wiring.analytics import analytics_service
from sellerflow.wiring.api import api_ports
from sellerflow_dev.bench import dashboard_world as bench

MEMBER, STRANGER, SUPPORT = "member-sub-1", "stranger-sub-2", "support-sub-3"
NOW = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
SIGNING = bench.signing_material()  # one RSA key for the module: key generation is slow


@dataclass
class Api:
    client: Any
    key: Any
    settings: Settings

    def call(self, method: str, path: str, sub: str = MEMBER, body: Any = None) -> Any:
        headers = {
            "Authorization": f"Bearer {bench.id_token(self.key, sub)}",
            "Content-Type": "application/json",
        }
        if method in ("PUT", "POST"):
            send = self.client.http.put if method == "PUT" else self.client.http.post
            return send(path, headers=headers, body=json.dumps(body))
        return self.client.http.get(path, headers=headers)


@pytest.fixture
def api(tables: Tables) -> Iterator[Api]:
    sellers = SellerStore()
    sellers.put_profile(SELLER, name="Analytics Ltd", marketplace_ids=[US, DE, JP])
    sellers.put_profile("A2OTHERSELLER", name="Other", marketplace_ids=[US])
    sellers.add_member(SELLER, MEMBER, Role.OWNER)
    sellers.add_member(SELLER, SUPPORT, Role.SUPPORT)
    sellers.add_member("A2OTHERSELLER", STRANGER, Role.OWNER)
    key, jwks = SIGNING
    settings = tables.settings.model_copy(
        update={"cognito_user_pool_id": bench.POOL_ID, "cognito_app_client_id": bench.CLIENT_ID}
    )
    app = create_app(settings=settings, key_source=StaticKeySource(jwks), clock=lambda: NOW, ports=api_ports)
    with Client(app) as client:
        yield Api(client=client, key=key, settings=settings)


def recompute() -> None:
    recompute_dirty_days(
        SELLER, dirty=DirtyDays(), facts=FactStore(), cogs=CogsStore(), rollups=RollupStore()
    )


def test_the_90_day_dashboard_costs_at_most_3_dynamodb_requests(api: Api) -> None:
    bench.seed_day_rollups(SELLER, 180, NOW)
    with bench.count_ddb_requests() as calls:
        response = api.call("GET", f"/sellers/{SELLER}/dashboard?range=last90")
    assert response.status_code == 200, response.body
    counted = bench.excluding_access_and_audit(calls, sellers_table="SellersTable", audit_table="AuditTable")
    # the seller's data in at most 3 requests; the home-currency total adds one Query of the app-wide
    # reference rates (FX#ECB), which a container then keeps 15 minutes (a second call reads none)
    rates = bench.reference_rate_reads(counted)
    assert len(rates) == 1, counted
    assert len(counted) - len(rates) <= 3, counted
    with bench.count_ddb_requests() as again:
        assert api.call("GET", f"/sellers/{SELLER}/dashboard?range=last90").status_code == 200
    assert not bench.reference_rate_reads(again)
    body = response.json_body
    assert [t["currency"] for t in body["totals"]] == ["EUR", "JPY", "USD"]
    usd = next(t for t in body["totals"] if t["currency"] == "USD")
    assert usd["current"]["days_with_data"] == usd["previous"]["days_with_data"] == 90
    assert usd["current"]["gross_sales"] == {"amount": str(Decimal("312.45") * 90), "currency": "USD"}
    assert usd["change_percent"]["gross_sales"] == "0.00"
    windows = {w["marketplace_id"]: w for w in body["marketplaces"]}
    assert windows[JP]["current"]["end"] == "2026-03-11"
    assert windows[US]["current"]["end"] == "2026-03-10"


def test_the_benchmark_reports_the_request_count() -> None:
    assert bench.dashboard_90d_ddb_requests() <= 3


def test_facts_flow_into_dashboard_daily_and_sku_views(api: Api) -> None:
    sale = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)  # US 10:00, JP 03:00 Mar 11
    FactStore().write(
        [
            order("O-1", sale, qty=2, price="40.00"),
            order("O-2", sale, sku="SKU-2", price="15.00"),
            order("O-J", sale, marketplace=JP, price="1500"),
            transaction("T-1", sale, "Shipment", {"ReferralFee": "-6.00"}),
        ]
    )
    recompute()
    today = api.call("GET", f"/sellers/{SELLER}/dashboard?range=today").json_body
    usd = next(t for t in today["totals"] if t["currency"] == "USD")["current"]
    assert (usd["orders"], usd["units"], usd["gross_sales"]["amount"], usd["amazon_fees"]["amount"]) == (
        2,
        3,
        "55.00",
        "6.00",
    )
    assert usd["amazon_fees_by_type"] == {"ReferralFee": {"amount": "6.00", "currency": "USD"}}
    jpy = next(t for t in today["totals"] if t["currency"] == "JPY")["current"]
    assert jpy["gross_sales"] == {"amount": "1500", "currency": "JPY"}
    daily = api.call(
        "GET", f"/sellers/{SELLER}/analytics/daily?from=2026-03-09&to=2026-03-10&marketplace={US}"
    ).json_body
    assert [(d["day"], d["orders"]) for d in daily["days"]] == [("2026-03-09", 0), ("2026-03-10", 2)]
    skus = api.call(
        "GET", f"/sellers/{SELLER}/analytics/skus?from=2026-03-01&to=2026-03-11&sort=units"
    ).json_body
    assert [(s["sku"], s["marketplace_id"], s["units"]) for s in skus["skus"]] == [
        ("SKU-1", US, 2),
        ("SKU-1", JP, 1),
        ("SKU-2", US, 1),
    ]
    assert skus["skus"][0]["fees"] == {"amount": "6.00", "currency": "USD"}


def test_inventory_reports_velocity_cover_and_status(api: Api) -> None:
    # 60 units sold over the last 30 complete US days (on three of them): 2.0 a day
    noon = datetime.combine(local_today(US, NOW), datetime.min.time(), tzinfo=UTC) + timedelta(hours=20)
    FactStore().write([order(f"O-{back}", noon - timedelta(days=back), qty=20) for back in (1, 15, 30)])
    FactStore().write(
        [order("O-today", noon, qty=500), order("O-too-old", noon - timedelta(days=31), qty=500)]
    )
    FactStore().write(
        [
            InventoryFact(SELLER, US, "SKU-1", None, None, None, 50, 10, 0, 0, 3, 1, NOW),
            InventoryFact(SELLER, US, "SKU-9", None, None, None, 5, 0, 0, 0, 0, 0, NOW),
            InventoryFact(SELLER, US, "SKU-0", None, None, None, 0, 0, 0, 0, 0, 0, NOW),
        ]
    )
    recompute()
    body = api.call("GET", f"/sellers/{SELLER}/inventory").json_body
    rows = {r["sku"]: r for r in body["items"]}
    assert (rows["SKU-1"]["velocity_per_day"], rows["SKU-1"]["days_of_cover"], rows["SKU-1"]["status"]) == (
        "2.0000",
        "30.0",
        "restock_now",
    )
    assert rows["SKU-1"]["inbound"] == 10
    assert (rows["SKU-9"]["days_of_cover"], rows["SKU-9"]["status"]) == (None, "no_sales")
    assert rows["SKU-0"]["status"] == "out_of_stock"
    assert (body["lead_time_days"], body["safety_days"]) == (30, 7)
    # Most urgent first: out of stock, then the least cover, then no sales
    assert [r["sku"] for r in body["items"]] == ["SKU-0", "SKU-1", "SKU-9"]
    # SKU-1 is below its reorder point (30 days < 30 + 7): order today up to 2 × (30 + 7 + 30) = 134
    today = local_today(US, NOW).isoformat()
    assert (rows["SKU-1"]["order_by"], rows["SKU-1"]["reorder_quantity"]) == (today, 134 - 60)
    assert (rows["SKU-9"]["order_by"], rows["SKU-9"]["reorder_quantity"]) == (None, 0)


def test_lead_times_are_set_per_sku_by_owners_and_move_the_order_by_date(api: Api) -> None:
    noon = datetime.combine(local_today(US, NOW), datetime.min.time(), tzinfo=UTC) + timedelta(hours=20)
    FactStore().write([order(f"O-{back}", noon - timedelta(days=back), qty=20) for back in (1, 15, 30)])
    FactStore().write([InventoryFact(SELLER, US, "SKU-1", None, None, None, 50, 10, 0, 0, 3, 1, NOW)])
    recompute()
    settings = {
        "default": {"lead_time_days": 20, "safety_days": 5},
        "cycle_days": 30,
        "skus": {"SKU-1": {"lead_time_days": 10, "safety_days": 5}},
    }
    # Support may not change them; the owner may
    assert api.call("PUT", f"/sellers/{SELLER}/inventory/settings", SUPPORT, settings).status_code == 403
    saved = api.call("PUT", f"/sellers/{SELLER}/inventory/settings", body=settings)
    assert saved.status_code == 200, saved.json_body
    assert api.call("GET", f"/sellers/{SELLER}/inventory/settings").json_body == settings
    row = api.call("GET", f"/sellers/{SELLER}/inventory").json_body["items"][0]
    # 60 units at 2 a day = 30 days; the SKU's own reorder point is 15 days: order in 15 days, a cycle's worth
    assert (row["lead_time_days"], row["own_lead_time"], row["status"]) == (10, True, "ok")
    assert (row["order_by"], row["reorder_quantity"]) == (
        (local_today(US, NOW) + timedelta(days=15)).isoformat(), 60,
    )  # fmt: skip
    bad = {**settings, "default": {"lead_time_days": -1, "safety_days": 5}}
    refused = api.call("PUT", f"/sellers/{SELLER}/inventory/settings", body=bad)
    assert refused.status_code == 400
    assert api.call("GET", f"/sellers/{SELLER}/inventory/settings").json_body == settings


def test_each_order_carries_its_units_fees_cogs_and_profit(api: Api) -> None:
    at = NOW - timedelta(days=2)
    FactStore().write(
        [order("111-0000001-0000001", at, qty=2, price="30.00"), order("111-0000001-0000002", at, qty=1)]
    )
    shipment = transaction(
        "T-ship", at + timedelta(hours=6), "Shipment",
        {"ProductCharges": "30.00", "ReferralFee": "-4.50", "FBAFulfillmentFee": "-6.20"},
    )  # fmt: skip
    refund = transaction(
        "T-ref", at + timedelta(days=1), "Refund", {"ProductCharges": "-15.00", "ReferralFee": "0.60"}
    )
    FactStore().write(
        [replace(shipment, order_id="111-0000001-0000001"), replace(refund, order_id="111-0000001-0000001")]
    )
    CogsStore().put(CogsEntry(SELLER, "SKU-1", at.date() - timedelta(days=30), Decimal("4.0000"), "USD"))
    query = f"from={(at - timedelta(days=1)).isoformat()}&to={NOW.isoformat()}".replace("+00:00", "Z")
    body = api.call("GET", f"/sellers/{SELLER}/orders?{query}").json_body
    figures = {o["order_id"]: o["economics"] for o in body["orders"]}
    first = figures["111-0000001-0000001"]
    # sales 30 + 1 − 0.50; fees 4.50 + 6.20 − 0.60; refunds 15; cogs 2 × 4
    assert {k: first[k]["amount"] for k in ("sales", "fees", "refunds", "cogs", "profit")} == {
        "sales": "30.50", "fees": "10.10", "refunds": "15.00", "cogs": "8.0000", "profit": "-2.6000",
    }  # fmt: skip
    assert (first["units"], first["fees_posted"], first["cogs_complete"]) == (2, True, True)
    second = figures["111-0000001-0000002"]
    assert (second["fees_posted"], second["fees"]["amount"], second["profit"]["amount"]) == (
        False,
        "0",
        "6.5000",
    )
    # Support sees the orders without any money
    seen = api.call("GET", f"/sellers/{SELLER}/orders?{query}", SUPPORT).json_body["orders"]
    assert seen
    assert all(o["economics"] is None for o in seen)


def test_settlements_and_transactions(api: Api) -> None:
    start = datetime(2026, 2, 20, tzinfo=UTC)
    FactStore().write(
        [
            SettlementSummary(
                SELLER, "S1", US, start, start + timedelta(days=14), None, Decimal("99.10"), "USD"
            ),
            *[
                SettlementLineFact(
                    SELLER,
                    "S1",
                    n,
                    "Order",
                    "O-1",
                    "SKU-1",
                    "ItemPrice",
                    "Principal",
                    Decimal("1.10"),
                    "USD",
                    start,
                    None,
                    1,
                )
                for n in range(1, 4)
            ],
            *[
                transaction(
                    f"T-{i}",
                    NOW - timedelta(days=i),
                    "Refund" if i % 2 else "Shipment",
                    {"ReferralFee": "-1.00"},
                )
                for i in range(1, 6)
            ],
        ]
    )
    listed = api.call("GET", f"/sellers/{SELLER}/settlements").json_body
    assert listed["settlements"][0]["total"] == {"amount": "99.10", "currency": "USD"}
    first = api.call("GET", f"/sellers/{SELLER}/settlements/S1?limit=2").json_body
    assert [x["line"] for x in first["lines"]] == [1, 2]
    assert first["next_token"]
    rest = api.call(
        "GET", f"/sellers/{SELLER}/settlements/S1?limit=2&next_token={first['next_token']}"
    ).json_body
    assert [x["line"] for x in rest["lines"]] == [3]
    assert rest["next_token"] is None
    assert api.call("GET", f"/sellers/{SELLER}/settlements/NOPE").status_code == 404
    refunds = api.call("GET", f"/sellers/{SELLER}/transactions?type=Refund&from=2026-03-01").json_body
    assert [t["transaction_id"] for t in refunds["transactions"]] == ["T-5", "T-3", "T-1"]
    page = api.call("GET", f"/sellers/{SELLER}/transactions?limit=2").json_body
    assert len(page["transactions"]) == 2
    assert page["next_token"]
    more = api.call(
        "GET", f"/sellers/{SELLER}/transactions?limit=10&next_token={page['next_token']}"
    ).json_body
    assert len(more["transactions"]) == 3


def test_putting_a_cost_marks_days_dirty_and_the_recompute_applies_it(api: Api) -> None:
    sale = datetime(2026, 3, 5, 18, 0, tzinfo=UTC)
    FactStore().write([order("O-1", sale, qty=3)])
    recompute()
    body = {"unit_cost": "4.20", "currency": "USD", "effective_from": "2026-03-01"}
    response = api.call("PUT", f"/sellers/{SELLER}/cogs/SKU-1", body=body)
    assert response.status_code == 200, response.body
    assert response.json_body["days_marked_for_recompute"] == 10  # US Mar 1..10
    recompute()
    day = api.call(
        "GET", f"/sellers/{SELLER}/analytics/daily?from=2026-03-05&to=2026-03-05&marketplace={US}"
    ).json_body["days"][0]
    assert (day["cogs"]["amount"], day["cogs_complete"]) == ("12.60", True)
    listed = api.call("GET", f"/sellers/{SELLER}/cogs").json_body
    assert listed == {
        "cogs": [
            {
                "sku": "SKU-1",
                "effective_from": "2026-03-01",
                "unit_cost": {"amount": "4.20", "currency": "USD"},
            }
        ]
    }


def test_a_cost_import_is_previewed_refused_whole_with_row_errors_or_stored_whole(api: Api) -> None:
    sale = datetime(2026, 3, 5, 18, 0, tzinfo=UTC)
    FactStore().write([order("O-1", sale, qty=3)])
    recompute()
    good = [
        {"sku": "SKU-1", "unit_cost": "4.20", "currency": "USD", "effective_from": "2026-03-01"},
        {"sku": "SKU-1", "unit_cost": "5.00", "currency": "USD", "effective_from": "2026-03-06"},
        {"sku": "SKU-2", "unit_cost": "2.00", "currency": "EUR", "effective_from": "2026-03-01"},
    ]
    bad = [
        {"sku": "SKU-3", "unit_cost": "-1", "currency": "USD", "effective_from": "2026-03-01"},
        {"sku": "SKU-4", "unit_cost": "1", "currency": "GBP", "effective_from": "2026-03-01"},
        {"sku": "SKU-1", "unit_cost": "9", "currency": "USD", "effective_from": "2026-03-01"},
    ]
    # A preview names each bad row and why, and stores nothing
    preview = api.call("POST", f"/sellers/{SELLER}/cogs", body={"entries": good + bad, "dry_run": True})
    assert preview.status_code == 200, preview.body
    errors = {e["row"]: e["message"] for e in preview.json_body["errors"]}
    assert set(errors) == {4, 5, 6}
    assert "unit_cost" in errors[4]
    assert "currency" in errors[5]
    assert "row 1" in errors[6]  # the same SKU, currency and day twice
    assert [v["sku"] for v in preview.json_body["valid"]] == ["SKU-1", "SKU-1", "SKU-2"]
    assert preview.json_body["stored"] == 0
    # Applying a file with any bad row is refused whole: nothing is stored
    refused = api.call("POST", f"/sellers/{SELLER}/cogs", body={"entries": good + bad})
    assert refused.status_code == 400
    assert "nothing was stored" in refused.json_body["message"]
    assert api.call("GET", f"/sellers/{SELLER}/cogs").json_body == {"cogs": []}
    # The good rows alone are stored together, and each marks only the days it changes
    stored = api.call("POST", f"/sellers/{SELLER}/cogs", body={"entries": good})
    assert stored.status_code == 200, stored.body
    assert stored.json_body["stored"] == 3
    # US Mar 1..10 (SKU-1's two periods together) and DE Mar 1..10 (21:00 in Berlin on Mar 10)
    assert stored.json_body["days_marked_for_recompute"] == 10 + 10
    assert len(api.call("GET", f"/sellers/{SELLER}/cogs").json_body["cogs"]) == 3
    recompute()
    day = api.call(
        "GET", f"/sellers/{SELLER}/analytics/daily?from=2026-03-05&to=2026-03-05&marketplace={US}"
    ).json_body["days"][0]
    assert (day["cogs"]["amount"], day["cogs_complete"]) == ("12.60", True)
    # A SKU has one cost per day: another currency's cost on a stored day is refused, not replaced
    clash = {"sku": "SKU-1", "unit_cost": "3", "currency": "EUR", "effective_from": "2026-03-01"}
    checked = api.call("POST", f"/sellers/{SELLER}/cogs", body={"entries": [clash], "dry_run": True})
    assert "one cost per day" in checked.json_body["errors"][0]["message"]
    put = api.call(
        "PUT", f"/sellers/{SELLER}/cogs/SKU-1", body={k: v for k, v in clash.items() if k != "sku"}
    )
    assert put.status_code == 400
    assert "one cost per day" in put.json_body["message"]
    assert len(api.call("GET", f"/sellers/{SELLER}/cogs").json_body["cogs"]) == 3


def test_the_store_writes_a_batch_of_costs_all_or_none(tables: Tables) -> None:
    one = CogsEntry(SELLER, "SKU-1", datetime(2026, 3, 1).date(), Decimal("1"), "USD")
    # the same item twice: DynamoDB refuses the whole transaction, so the first is not stored either
    with pytest.raises(TransactWriteError):
        CogsStore().put_all([one, one])
    assert CogsStore().all_for_seller(SELLER) == []
    CogsStore().put_all([one, CogsEntry(SELLER, "SKU-2", one.effective_from, Decimal("2"), "USD")])
    assert len(CogsStore().all_for_seller(SELLER)) == 2


BAD_QUERIES = [
    ("/analytics/skus?currency=EUR", "'currency'"),
    ("/dashboard?range=week", "'range'"),
    ("/dashboard?range=custom&from=2026-03-01", "'from'"),
    ("/analytics/daily?from=2026-3-1&to=2026-03-02", "'from'"),
    ("/analytics/skus?sort=price", "'sort'"),
    ("/inventory?marketplace=NOPE1", "'marketplace'"),
    ("/transactions?limit=0", "'limit'"),
    ("/transactions?next_token=garbage", "'next_token'"),
    ("/dashboard?colour=red", "colour"),
]


def test_bad_parameters_are_400_naming_the_parameter(api: Api) -> None:
    for path, name in BAD_QUERIES:
        response = api.call("GET", f"/sellers/{SELLER}{path}")
        assert response.status_code == 400, path
        assert name in response.json_body["message"], path


def test_bad_cogs_bodies_are_400_and_support_may_not_write(api: Api) -> None:
    bad = api.call(
        "PUT",
        f"/sellers/{SELLER}/cogs/SKU-1",
        body={"unit_cost": "-1", "currency": "USD", "effective_from": "2026-03-01"},
    )
    assert bad.status_code == 400
    assert "unit_cost" in bad.json_body["message"]
    wrong = api.call(
        "PUT",
        f"/sellers/{SELLER}/cogs/SKU-1",
        body={"unit_cost": "1", "currency": "GBP", "effective_from": "2026-03-01"},
    )
    assert wrong.status_code == 400
    assert "currency" in wrong.json_body["message"]
    support = api.call(
        "PUT",
        f"/sellers/{SELLER}/cogs/SKU-1",
        SUPPORT,
        body={"unit_cost": "1", "currency": "USD", "effective_from": "2026-03-01"},
    )
    assert support.status_code == 403


READS = [
    "/dashboard",
    "/analytics/daily",
    "/analytics/skus",
    "/inventory",
    "/settlements",
    "/transactions",
    "/cogs",
]


def test_non_members_get_404_and_members_reads_are_audited(api: Api) -> None:
    audit = AuditLog()
    for path in [*READS, "/settlements/S1"]:
        assert api.call("GET", f"/sellers/{SELLER}{path}", STRANGER).status_code == 404, path
    assert audit.entries(SELLER) == []
    for path in READS:
        assert api.call("GET", f"/sellers/{SELLER}{path}").status_code == 200, path
    entries = audit.entries(SELLER, limit=100, newest_first=False)
    assert [e.actor for e in entries] == [MEMBER] * len(READS)
    assert [e.action for e in entries] == [
        "dashboard.read",
        "analytics.daily.read",
        "analytics.skus.read",
        "inventory.read",
        "settlements.list",
        "transactions.list",
        "cogs.list",
    ]


def test_analytics_service_factory_builds(tables: Tables) -> None:
    assert analytics_service().cogs_entries(SELLER) == []
