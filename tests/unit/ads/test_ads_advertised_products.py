"""The Sponsored Products advertised-product report (spAdvertisedProduct): which SKU each ad's spend
was for. The simulator's rows sum to its campaign rows; the parser keeps the SKU (or None)."""

from __future__ import annotations

import gzip
import json
from datetime import date
from decimal import Decimal

from sellerflow.amazon.ads import SpAdvertisedProductRequest
from sellerflow.facts import RowError
from sellerflow.reports.ads_campaigns import parse_sp_advertised_products
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
