"""Amazon Ads end to end: a seller-sync stores Sponsored Products campaign days, the rollups carry
their spend to the cent, the API's ACOS/TACOS equal the ground truth's arithmetic, and a report held
PENDING past the polling cap is resumed by the next run without a second create."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from e2e_helpers import api_get

from sellerflow.amazon.ads import ads_region_of_marketplace
from sellerflow.analytics.ads import acos, tacos
from sellerflow.store.reports import ReportStore
from sellerflow.sync.ads import ADS_KEY_PREFIX
from sellerflow.wiring.ads import ads_store
from sellerflow.wiring.analytics import rollup_store
from sellerflow_dev.local.stack import LocalStack
from sellerflow_dev.simulator import SimConfig

US, JP = "ATVPDKIKX0DER", "A1VC38T7YXB528"


def _run_seller_sync(stack: LocalStack, seller_id: str, name: str) -> dict[str, object]:
    assert stack.resources is not None
    arn = stack.resources.state_machines["SellerSyncStateMachine"]
    payload = {"seller_id": seller_id, "window": name, "orders": {"pagination_token": None}}
    started = stack.session.client("stepfunctions").start_execution(
        stateMachineArn=arn, name=f"{seller_id}-{name}", input=json.dumps(payload)
    )
    return stack.wait_for(started["executionArn"])


def test_a_sync_stores_ads_and_the_rollups_and_metrics_equal_the_ground_truth(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given a seller advertising in the US, Germany and Japan (three zones, three currencies)
    stack = local_stack(sellers=1, seed=7)
    seller = stack.world.sellers[0]
    # When one scheduled sync runs
    [report] = stack.run_sync()
    assert report.status == "SUCCEEDED"
    # Then one ads report of each kind (campaigns, advertised products) per profile was created and ingested
    states = ReportStore().all(seller.seller_id, prefix=ADS_KEY_PREFIX)
    assert sorted(s.report_type for s in states) == sorted(
        ["spAdvertisedProduct", "spCampaigns"] * len(seller.marketplace_ids)
    )
    assert {s.status for s in states} == {"INGESTED"}
    assert sum(s.rows for s in states) > 0
    assert sum(s.rejected for s in states) == 0
    # And every marketplace-day's ad spend and ad sales in the rollups equal the simulator's, to the cent
    today = stack.world.now.date()
    first, last = today - timedelta(days=28), today - timedelta(days=1)
    truth = stack.world.expected_ad_rollups(seller.seller_id, first, last)
    stored = {(r.marketplace_id, r.day): r for r in rollup_store().days(seller.seller_id, first, last)}
    compared = 0
    for (marketplace_id, day_iso), values in truth.items():
        got = stored.get((marketplace_id, date.fromisoformat(day_iso)))
        assert got is not None, (marketplace_id, day_iso)
        assert got.ad_spend == values["ad_spend"], (marketplace_id, day_iso)
        assert got.ad_sales == values["ad_sales"], (marketplace_id, day_iso)
        assert values["ad_sales"] <= values["total_sales"]
        compared += 1
    assert compared >= 3 * 27
    facts = ads_store().for_marketplaces(seller.seller_id, seller.marketplace_ids, first, last)
    assert len(facts) == len(
        stack.world.ad_days(seller.seller_id, seller.marketplace_ids[0], first, last)
    ) + sum(len(stack.world.ad_days(seller.seller_id, m, first, last)) for m in seller.marketplace_ids[1:])
    # And the API's daily ACOS and TACOS are the ground truth's cost ÷ attributed and ÷ total sales
    token = stack.id_token("owner1@sellerflow.local")
    us = seller.marketplace_ids[0]
    window = {"from": (today - timedelta(days=25)).isoformat(), "to": (today - timedelta(days=2)).isoformat()}
    daily = api_get(stack, f"/sellers/{seller.seller_id}/ads/daily", token, marketplace=us, **window)
    assert daily.status_code == 200, daily.text
    body = daily.json()
    assert body["currency"] == "USD"
    checked = 0
    for day in body["days"]:
        values = truth.get((us, day["day"]))
        if values is None:
            continue
        assert Decimal(day["cost"]) == values["ad_spend"]
        assert day["acos"] == _text(acos(Decimal(values["ad_spend"]), Decimal(values["ad_sales"])))
        assert day["tacos"] == _text(tacos(Decimal(values["ad_spend"]), Decimal(values["total_sales"])))
        checked += 1
    assert checked >= 20
    campaigns = api_get(stack, f"/sellers/{seller.seller_id}/ads/campaigns", token, **window)
    assert campaigns.status_code == 200, campaigns.text
    assert {c["marketplace_id"] for c in campaigns.json()["campaigns"]} == set(seller.marketplace_ids)
    # And the US and Japan (and Germany) campaigns came each from its own region's host and grant
    stored_campaigns = {(c["marketplace_id"], c["campaign_id"]) for c in campaigns.json()["campaigns"]}
    for marketplace_id in (US, JP):
        truth_campaigns = {c.campaign_id for c in stack.world.ad_campaigns(seller.seller_id, marketplace_id)}
        assert {cid for m, cid in stored_campaigns if m == marketplace_id} == truth_campaigns
    assert {ads_region_of_marketplace(m) for m, _ in stored_campaigns} == {"NA", "EU", "FE"}
    dashboard = api_get(stack, f"/sellers/{seller.seller_id}/dashboard", token, range="last30")
    assert dashboard.status_code == 200, dashboard.text
    assert all(t["current"]["acos"] is not None for t in dashboard.json()["totals"])


def test_an_ads_report_pending_past_the_cap_is_resumed_next_run_without_a_second_create(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given Amazon Ads holding every new report PENDING, and a run that polls at most twice
    stack = local_stack(
        sellers=1, seed=7, sim_config=SimConfig(rate_scale=100.0, report_processing_s=0.5, ads_hold_pending=True),
        extra_env={"ADS_MAX_POLLS": "2"},
    )  # fmt: skip
    seller = stack.world.sellers[0].seller_id
    # When the seller syncs
    [report] = stack.run_sync()
    # Then the run succeeded and each profile's report is remembered as pending
    assert report.status == "SUCCEEDED"
    pending = ReportStore().all(seller, prefix=ADS_KEY_PREFIX)
    assert pending
    assert {s.status for s in pending} == {"PENDING"}
    created = stack.simulator.ads.created_count(seller)
    assert created == len(pending)
    # When Amazon finishes them and the next run comes
    stack.simulator.update_config({"ads_hold_pending": False})
    assert _run_seller_sync(stack, seller, "next")["status"] == "SUCCEEDED"
    # Then the same reports were polled and ingested, and none was asked for again
    assert stack.simulator.ads.created_count(seller) == created
    after = {s.key: s for s in ReportStore().all(seller, prefix=ADS_KEY_PREFIX)}
    assert {after[s.key].status for s in pending} == {"INGESTED"}
    assert {after[s.key].report_id for s in pending} == {s.report_id for s in pending}


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
