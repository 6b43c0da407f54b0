"""The Sponsored Products advertised-product report (spAdvertisedProduct): which SKU each ad's spend
was for. The simulator's rows sum to its campaign rows; the parser keeps the SKU (or None)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime
from decimal import Decimal

from sellerflow.amazon.ads import AdsProfile, SpAdvertisedProductRequest
from sellerflow.domain import ReportState
from sellerflow.facts import RowError
from sellerflow.reports.ads_campaigns import parse_sp_advertised_products
from sellerflow.sync.ads import AdsPolicy, plan_ads_reports
from sellerflow_dev.simulator.ads_api import PRODUCT_COLUMNS, AdDay

US = "ATVPDKIKX0DER"


def campaign_day(name: str, cost: str, campaign_id: str = "123456789012345") -> AdDay:
    return AdDay(campaign_id=campaign_id, campaign_name=name, marketplace_id=US, day=date(2026, 11, 8),
                 impressions=900, clicks=12, cost=Decimal(cost), purchases_7d=1, purchases_14d=2,
                 sales_7d=Decimal("30.00"), sales_14d=Decimal("41.17"))  # fmt: skip


def test_the_request_asks_for_ads_grouped_by_advertiser_with_the_advertised_sku() -> None:
    body = SpAdvertisedProductRequest(name="n", start=date(2026, 11, 1), end=date(2026, 11, 8)).body()
    configuration = body["configuration"]
    assert configuration["reportTypeId"] == "spAdvertisedProduct"
    assert configuration["groupBy"] == ["advertiser"]
    assert {"advertisedSku", "advertisedAsin", "cost", "adId"} <= set(configuration["columns"])
    assert set(configuration["columns"]) <= PRODUCT_COLUMNS  # the simulator knows every column asked


def test_the_simulators_ad_rows_sum_to_their_campaign_to_the_cent() -> None:
    with_asin_only = 0
    for n in range(40):
        day = campaign_day("SP - Exact - MUG-01", "17.03", campaign_id=str(123456789012345 + n))
        rows = day.product_rows(sorted(PRODUCT_COLUMNS))
        assert sum((Decimal(str(r["cost"])) for r in rows), Decimal(0)) == day.cost
        assert sum((Decimal(str(r["sales14d"])) for r in rows), Decimal(0)) == day.sales_14d
        assert rows[0]["advertisedSku"] == "MUG-01"
        with_asin_only += any(r["advertisedSku"] is None for r in rows)
    assert 0 < with_asin_only < 40  # some days an ad names only its ASIN: its spend stays unattributed


def test_the_parser_keeps_the_advertised_sku_or_none_and_records_bad_rows() -> None:
    rows = [
        {"date": "2026-11-08", "campaignId": 1, "adGroupId": 2, "adId": 3, "advertisedSku": "MUG-01",
         "advertisedAsin": "B0TEST0001", "impressions": 10, "clicks": 1, "cost": 1.25, "sales14d": 0},
        {"date": "2026-11-08", "campaignId": 1, "adGroupId": 2, "adId": 4, "advertisedSku": None,
         "advertisedAsin": "B0TEST0002", "impressions": 0, "clicks": 0, "cost": 0.5, "sales14d": 0},
        {"date": "2026-11-08", "campaignId": 1, "adGroupId": 2, "adId": 5, "cost": -1},
    ]  # fmt: skip
    errors: list[RowError] = []
    facts = list(
        parse_sp_advertised_products(
            [gzip.compress(json.dumps(rows).encode())], seller_id="S1", marketplace_id=US, profile_id="9",
            currency="USD", errors=errors,
        )
    )  # fmt: skip
    assert [(f.ad_id, f.sku, f.cost) for f in facts] == [
        ("3", "MUG-01", Decimal("1.25")),
        ("4", None, Decimal("0.5")),
    ]
    assert [(e.report_type, e.line) for e in errors] == [("spAdvertisedProduct", 3)]


class _Api:
    def list_profiles(self, seller_id: str, region: str = "NA") -> list[AdsProfile]:
        return [
            AdsProfile.model_validate(
                {"profileId": 42, "countryCode": "US", "currencyCode": "USD", "timezone": "America/Los_Angeles",
                 "accountInfo": {"marketplaceStringId": US, "id": seller_id, "type": "seller"}}
            )
        ]  # fmt: skip


class _Book:
    def __init__(self, *states: ReportState) -> None:
        self.states = {s.key: s for s in states}

    def all(self, seller_id: str, prefix: str = "REPORT#") -> list[ReportState]:
        return [s for k, s in self.states.items() if k.startswith(prefix)]


NOW = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)


def plan(book: _Book) -> list[tuple[str, str]]:
    jobs = plan_ads_reports("A1SFTEST0001XY", [US], api=_Api(), book=book, now=NOW, policy=AdsPolicy())  # type: ignore[arg-type]
    return [(j.report_type, j.key) for j in jobs.jobs]


def test_each_profile_plans_one_report_of_each_kind_independently() -> None:
    # A first run asks for both kinds' fresh windows
    assert plan(_Book()) == [
        ("spCampaigns", "ADSREPORT#42#fresh-2026-11-23"),
        ("spAdvertisedProduct", "ADSREPORT#42#products-fresh-2026-11-23"),
    ]
    # A campaigns report still pending is resumed; the products kind goes on with its own windows
    pending = ReportState(key="ADSREPORT#42#fresh-2026-11-23", report_type="spCampaigns", status="PENDING",
                          report_id="R1", window_start=NOW, window_end=NOW)  # fmt: skip
    done = ReportState(key="ADSREPORT#42#products-fresh-2026-11-23", report_type="spAdvertisedProduct",
                       status="INGESTED")  # fmt: skip
    planned = plan(_Book(pending, done))
    assert planned[0] == ("spCampaigns", "ADSREPORT#42#fresh-2026-11-23")
    assert planned[1][0] == "spAdvertisedProduct"
    assert planned[1][1].startswith("ADSREPORT#42#products-backfill-")
