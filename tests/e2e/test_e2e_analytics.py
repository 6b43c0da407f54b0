"""Reports, finances and rollups end to end: the money in the rollups equals the ground truth."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from e2e_helpers import api_get

from sellerflow.store.reports import ReportStore
from sellerflow.wiring.analytics import rollup_store
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
