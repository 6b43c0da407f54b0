"""Reports, finances and rollups end to end: the money in the rollups equals the ground truth, the
SKU table adds up to the daily series and the dashboard, and every stored item expires (or is
long-lived control data)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from e2e_helpers import api_get

from sellerflow.analytics.service import AnalyticsService
from sellerflow.api.models_analytics import SkusOut
from sellerflow.store.facts import FactStore
from sellerflow.store.facts_control import CogsStore, DirtyDays
from sellerflow.store.facts_rollups import RollupStore
from sellerflow.store.reports import ReportStore
from sellerflow.store.sweeper import is_long_lived
from sellerflow.wiring.analytics import rollup_store
from sellerflow_dev.bench.api_load_world import load, routes
from sellerflow_dev.local.stack import LocalStack

MONEY = ("gross_sales", "shipping", "promotions", "refunds", "amazon_fees", "estimated_payout")


def test_a_sync_rolls_every_day_up_to_the_cent_across_time_zones_and_currencies(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given one seller selling in the US, Germany and Japan (three zones, three currencies)
    stack = local_stack(sellers=1, seed=7)
    seller = stack.world.sellers[0]
    assert len(seller.marketplace_ids) == 3
    # When one scheduled sync runs orders, reports, settlements, finances, inventory and rollups
    [report] = stack.run_sync()
    assert report.status == "SUCCEEDED"
    expected = stack.world.expected_daily_rollups(seller.seller_id)
    today = stack.world.now.date()
    # Then every marketplace-local day the sync fully covers (orders: last 30 days; transactions:
    # last 90) equals the simulator's ground truth, to the cent, in that marketplace's currency
    first, last = today - timedelta(days=25), today - timedelta(days=2)
    stored = {(r.marketplace_id, r.day): r for r in rollup_store().days(seller.seller_id, first, last)}
    # Ad spend (Amazon Ads, ingested by the same sync) is part of the ground truth: net profit subtracts it
    ads_truth = stack.world.expected_ad_rollups(seller.seller_id, first, last)
    compared = 0
    refund_days = 0
    for (marketplace_id, day_iso), truth in expected.items():
        day = date.fromisoformat(day_iso)
        if not first <= day <= last:
            continue
        got = stored.get((marketplace_id, day))
        assert got is not None, f"no rollup for {marketplace_id} {day_iso}"
        assert (got.orders, got.units) == (truth["orders"], truth["units"]), (marketplace_id, day_iso)
        for name in MONEY:
            assert getattr(got, name) == Decimal(truth[name]), (marketplace_id, day_iso, name)
        ad_spend = Decimal(ads_truth.get((marketplace_id, day_iso), {}).get("ad_spend", 0))
        assert got.ad_spend == ad_spend, (marketplace_id, day_iso, "ad_spend")
        assert got.net_profit == Decimal(truth["estimated_payout"]) - got.cogs - ad_spend
        compared += 1
        refund_days += bool(truth["refunds"])
    assert compared > 30
    assert refund_days > 0  # refunds land on their own (later) day, not the sale's
    assert {m for m, _ in stored} == set(seller.marketplace_ids)
    # And the report sub-flow ingested documents of every type it asked for
    states = ReportStore().all(seller.seller_id)
    ingested = {s.report_type for s in states if s.status == "INGESTED"}
    assert ingested >= {
        "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
        "GET_MERCHANT_LISTINGS_ALL_DATA",
        "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA",
    }
    # Sales and traffic: the report within the app-wide budget, Data Kiosk past it
    assert ingested & {"GET_SALES_AND_TRAFFIC_REPORT", "analytics_salesAndTraffic_2024_04_24"}
    assert ReportStore().all(seller.seller_id, prefix="SETTLEMENTDOC#")
    # And the dashboard serves the same figures over HTTP
    token = stack.id_token("owner1@sellerflow.local")
    dashboard = api_get(stack, f"/sellers/{seller.seller_id}/dashboard", token, range="last30")
    assert dashboard.status_code == 200, dashboard.text
    currencies = {t["currency"] for t in dashboard.json()["totals"]}
    assert currencies == {"USD", "EUR", "JPY"}
    inventory = api_get(stack, f"/sellers/{seller.seller_id}/inventory", token)
    assert inventory.status_code == 200
    assert inventory.json()["items"]
    # And the SKU table adds up to the daily series and the dashboard, to the cent, per currency,
    # over 45 days up to today (a monthly subscription fee falls in them)
    assert_sku_table_adds_up(stack, seller.seller_id, token, today - timedelta(days=44), today)
    # And the last 30 days' SKU table is served from the trailing windows the rollup job kept, equal
    # to the table summed from every SKU row
    assert_served_from_windows(stack, seller.seller_id, list(seller.marketplace_ids), token)
    # And a short burst of concurrent users over the dashboard's routes gets no error (`make bench`
    # runs the full load: api_load_bench)
    month_ago = (today - timedelta(days=29)).isoformat()
    paths = list(routes(seller.seller_id, today.isoformat(), month_ago).values())
    assert stack.gateway is not None
    burst = load(stack.gateway.url, token, paths, users=5, total=40)
    assert burst.failed == 0, (burst.statuses, burst.errors)
    assert len(burst.latencies_ms) == 40
    # And every item the sync wrote expires, or is declared long-lived control data
    assert_every_item_expires_or_is_long_lived(stack)


def assert_served_from_windows(
    stack: LocalStack, seller_id: str, marketplaces: list[str], token: str
) -> None:
    stored = [m for m in marketplaces if RollupStore().sku_window(seller_id, m, 29) is not None]
    assert stored == marketplaces
    served = api_get(stack, f"/sellers/{seller_id}/analytics/skus", token)
    assert served.status_code == 200, served.text
    every_row = AnalyticsService(
        rollups=RollupStore(), facts=FactStore(), cogs=CogsStore(), dirty=DirtyDays()
    ).sku_table(seller_id, marketplaces, datetime.now(UTC))
    assert served.json() == SkusOut.of(every_row, "gross_sales").model_dump(mode="json")


# SKU-table column -> the daily series' and the dashboard's name of the same amount
SKU_COLUMNS = {
    "gross_sales": "gross_sales",
    "shipping": "shipping",
    "promotions": "promotions",
    "refunds": "refunds",
    "fees": "amazon_fees",
    "ad_spend": "ad_spend",
    "cogs": "cogs",
    "net_profit": "net_profit",
}


def _summed(rows: list[dict[str, Any]], names: Iterable[str]) -> dict[tuple[str, str], Decimal]:
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        for name in names:
            sums[(row["currency"], name)] += Decimal(row[name]["amount"])
        sums[(row["currency"], "units")] += row["units"]
    return sums


def assert_sku_table_adds_up(stack: LocalStack, seller_id: str, token: str, first: date, last: date) -> None:
    days = {"from": first.isoformat(), "to": last.isoformat()}
    skus = api_get(stack, f"/sellers/{seller_id}/analytics/skus", token, **days)
    daily = api_get(stack, f"/sellers/{seller_id}/analytics/daily", token, **days)
    board = api_get(stack, f"/sellers/{seller_id}/dashboard", token, range="custom", **days)
    assert skus.status_code == daily.status_code == board.status_code == 200, skus.text
    rows = skus.json()["skus"]
    by_type = defaultdict(list)
    for row in rows:
        by_type[row["row_type"]].append(row)
        assert (row["sku"] is None) == (row["row_type"] != "sku"), row
    assert by_type["sku"], "no SKU rows"
    # the subscription fee is an account row of its own, never a SKU's; ad spend reaches the SKUs
    # the advertised-product report names, the rest (ads naming only an ASIN) is its own row
    assert {r["label"] for r in by_type["account"]} >= {"subscription"}
    assert any(Decimal(r["ad_spend"]["amount"]) for r in by_type["sku"])
    assert any(Decimal(r["ad_spend"]["amount"]) for r in by_type["unattributed_ads"])
    from_skus = {
        (currency, SKU_COLUMNS.get(name, name)): total
        for (currency, name), total in _summed(rows, SKU_COLUMNS).items()
    }
    from_days = _summed(daily.json()["days"], SKU_COLUMNS.values())
    assert from_skus == from_days
    for kpis in board.json()["totals"]:
        currency, current = kpis["currency"], kpis["current"]
        for name in SKU_COLUMNS.values():
            assert from_skus[(currency, name)] == Decimal(current[name]["amount"]), (currency, name)
        assert from_skus[(currency, "units")] == current["units"], currency
    assert {c for c, _ in from_skus} == {"USD", "EUR", "JPY"}


def assert_every_item_expires_or_is_long_lived(stack: LocalStack) -> None:
    """A scan of every table after the sync: each item has `expires_at` or is in `LONG_LIVED`."""
    db = stack.session.client("dynamodb", endpoint_url=stack.moto_url)
    kinds = {"seller-data": "seller_data", "sellers": "sellers", "audit": "audit", "buyer-pii": "pii"}
    unexpiring: set[tuple[str, str]] = set()
    seen: set[str] = set()
    for table in db.list_tables()["TableNames"]:
        kind = next(k for suffix, k in kinds.items() if table.endswith(suffix))
        for page in db.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                sk = item["sk"]["S"]
                seen.add(sk.split("#", 1)[0])
                if "expires_at" not in item and not is_long_lived(kind, sk):
                    unexpiring.add((kind, sk))
    assert {"SYNC", "ORDERS", "ORDERID", "FIN", "RSKU", "PROFILE"} <= seen  # orders: chunks, id items
    assert not unexpiring, sorted(unexpiring)
