"""Packed report days against DynamoDB in moto: a day written, written again changed (it replaces the
day, other days untouched, parts it no longer needs deleted), written again unchanged (nothing written,
nothing dirtied), legacy one-row items of deployed versions read until a pack replaces their day, the
rollups' ad readers, and the export's rows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import boto3
from an_support import DE, REGION, SELLER, US, Tables, utc

from sellerflow.facts import AdCampaignDayFact, AdProductDayFact, TrafficByAsinFact
from sellerflow.store.ads import (
    CAMPAIGN_DAY_PACKS,
    CAMPAIGN_DAYS,
    PRODUCT_DAYS,
    AdsStore,
    StoredAdTotals,
    StoredSkuAdSpend,
)
from sellerflow.store.facts import TRAFFIC_BY_ASIN, FactStore
from sellerflow.store.facts_control import DirtyDays
from sellerflow.store.privacy import PartitionStore
from sellerflow.store.report_days import ReportDayRecord, plan_days, write_days
from sellerflow.wiring.privacy import ExportedPartitions

DAY = date(2026, 3, 1)
AT = utc(2026, 3, 2, 9)


def asin(child: str, sessions: int, day: date = DAY, marketplace: str = US) -> TrafficByAsinFact:
    return TrafficByAsinFact(SELLER, marketplace, day, "B0PARENT", child, f"SKU-{child}", sessions, 2 * sessions,
                             Decimal("100"), 1, Decimal("19.99"), "USD")  # fmt: skip


def campaign(campaign_id: str, cost: str, day: date = DAY) -> AdCampaignDayFact:
    return AdCampaignDayFact(SELLER, US, "9", campaign_id, f"SP {campaign_id}", day, "USD", 100, 3,
                             Decimal(cost), 1, 1, Decimal("20.00"), Decimal("30.00"))  # fmt: skip


def ad(ad_id: str, sku: str | None, cost: str, day: date = DAY) -> AdProductDayFact:
    return AdProductDayFact(SELLER, US, "9", "111", "112", ad_id, day, "USD", sku, "B0TEST", 0, 0,
                            Decimal(cost), Decimal(0))  # fmt: skip


def stored_keys() -> list[str]:
    client = boto3.client("dynamodb", region_name=REGION)
    found = client.query(
        TableName="SellerDataTable",
        KeyConditionExpression="seller_id = :s",
        ExpressionAttributeValues={":s": {"S": SELLER}},
    )
    return [item["sk"]["S"] for item in found["Items"] if not item["sk"]["S"].startswith("DIRTY#")]


def test_a_traffic_day_rewritten_replaces_its_rows_and_leaves_other_days_alone(tables: Tables) -> None:
    # Given a day of three ASINs and the next day's one, each marketplace apart
    store = FactStore()
    store.write(
        [asin("B01", 5), asin("B02", 6), asin("B03", 7), asin("B04", 8, DAY + timedelta(days=1))], now=AT
    )
    store.write([asin("B01", 9, marketplace=DE)], now=AT)
    assert store.traffic_by_asin(SELLER, DAY, US) == [asin("B01", 5), asin("B02", 6), asin("B03", 7)]
    # one item per (marketplace, day)
    assert sorted(stored_keys()) == [
        "TRAFFIC#ASIN#2026-03-01#A1PA6795UKMFR9#*00",
        "TRAFFIC#ASIN#2026-03-01#ATVPDKIKX0DER#*00",
        "TRAFFIC#ASIN#2026-03-02#ATVPDKIKX0DER#*00",
    ]
    # When the day is reported again without B02 and with B01 changed
    store.write([asin("B03", 7), asin("B01", 50)], now=AT + timedelta(hours=1))
    # Then the day holds the new report's rows only; the next day and the other marketplace are as they were
    assert store.traffic_by_asin(SELLER, DAY, US) == [asin("B01", 50), asin("B03", 7)]
    assert store.traffic_by_asin(SELLER, DAY + timedelta(days=1), US) == [
        asin("B04", 8, DAY + timedelta(days=1))
    ]
    assert store.traffic_by_asin(SELLER, DAY, DE) == [asin("B01", 9, marketplace=DE)]
    # And the same report once more writes nothing (the stored version is the same)
    before = ReportDayRecord.get(SELLER, "TRAFFIC#ASIN#2026-03-01#ATVPDKIKX0DER#*00").written_at
    store.write([asin("B01", 50), asin("B03", 7)], now=AT + timedelta(hours=2))
    assert ReportDayRecord.get(SELLER, "TRAFFIC#ASIN#2026-03-01#ATVPDKIKX0DER#*00").written_at == before


def test_legacy_rows_are_read_until_a_pack_replaces_their_day(tables: Tables) -> None:
    # Given one-row items a deployed version wrote, for two days
    expires = int((AT + timedelta(days=540)).timestamp())
    for fact in (asin("B01", 1), asin("B02", 2), asin("B03", 3, DAY + timedelta(days=1))):
        TRAFFIC_BY_ASIN.to_record(fact, written_at=AT, expires_at=expires).save()
    for fact in (campaign("111", "1.00"), campaign("222", "2.00", DAY + timedelta(days=1))):
        CAMPAIGN_DAYS.to_record(fact, written_at=AT, expires_at=expires).save()
    PRODUCT_DAYS.to_record(ad("1", "SKU-1", "0.40"), written_at=AT, expires_at=expires).save()
    store, ads = FactStore(), AdsStore()
    # Then they read as before
    assert store.traffic_by_asin(SELLER, DAY, US) == [asin("B01", 1), asin("B02", 2)]
    assert ads.campaign_days(SELLER, US, DAY, DAY + timedelta(days=1)) == [
        campaign("111", "1.00"),
        campaign("222", "2.00", DAY + timedelta(days=1)),
    ]
    # When the first day is reported again (B02 gone, a campaign added; the ad now names no SKU)
    store.write([asin("B01", 10)], now=AT + timedelta(days=1))
    ads.write(
        [campaign("111", "1.50"), campaign("333", "0.25"), ad("1", None, "0.40")], now=AT + timedelta(days=1)
    )
    # Then that day reads its pack only, the other day still its legacy items, in key order
    assert store.traffic_by_asin(SELLER, DAY, US) == [asin("B01", 10)]
    assert store.traffic_by_asin(SELLER, DAY + timedelta(days=1), US) == [
        asin("B03", 3, DAY + timedelta(days=1))
    ]
    assert ads.campaign_days(SELLER, US, DAY, DAY + timedelta(days=1)) == [
        campaign("111", "1.50"),
        campaign("333", "0.25"),
        campaign("222", "2.00", DAY + timedelta(days=1)),
    ]
    assert ads.product_days(SELLER, US, DAY, DAY) == [ad("1", None, "0.40")]
    # And the rollups' readers total what the readers return
    assert StoredAdTotals(ads).ad_totals(SELLER, US, DAY) == (Decimal("1.75"), Decimal("60.00"))
    assert StoredAdTotals(ads).ad_spend(SELLER, US, DAY + timedelta(days=1)) == Decimal("2.00")
    assert StoredSkuAdSpend(ads).sku_ad_spend(SELLER, US, DAY) == {}


def test_ads_days_marked_dirty_only_when_they_change(tables: Tables) -> None:
    ads, dirty = AdsStore(), DirtyDays()
    rows = [campaign("111", "3.00"), ad("1", "SKU-1", "2.00"), ad("2", "SKU-2", "1.00")]
    assert ads.write(rows, now=AT) == 3
    assert {(d.marketplace_id, d.day) for d in dirty.pending(SELLER)} == {(US, DAY)}
    for day in dirty.pending(SELLER):
        dirty.clear(day)
    ads.write(rows, now=AT + timedelta(hours=1))  # the same report again
    assert dirty.pending(SELLER) == []
    assert StoredSkuAdSpend(ads).sku_ad_spend(SELLER, US, DAY) == {
        "SKU-1": Decimal("2.00"),
        "SKU-2": Decimal("1.00"),
    }


def test_a_day_split_in_parts_then_smaller_deletes_the_parts_it_no_longer_needs(tables: Tables) -> None:
    big = [campaign(f"{n:04d}", f"{n}.25") for n in range(400)]
    stamps: dict[str, Any] = {"expires_at": 2_000_000_000, "rewrite_after": timedelta(days=30)}
    write_days(plan_days(CAMPAIGN_DAY_PACKS, big, at=AT, limit=1_000, **stamps))
    parts = [k for k in stored_keys() if k.startswith("ADS#")]
    assert len(parts) > 2
    assert AdsStore().campaign_days(SELLER, US, DAY, DAY) == big
    write_days(plan_days(CAMPAIGN_DAY_PACKS, big[:3], at=AT + timedelta(hours=1), limit=1_000, **stamps))
    assert [k for k in stored_keys() if k.startswith("ADS#")] == ["ADS#ATVPDKIKX0DER#2026-03-01#*00"]
    assert AdsStore().campaign_days(SELLER, US, DAY, DAY) == big[:3]


def test_the_export_has_a_packed_days_rows_as_it_had_the_legacy_items(tables: Tables) -> None:
    expires = int((AT + timedelta(days=540)).timestamp())
    legacy = TRAFFIC_BY_ASIN.to_record(asin("B01", 1), written_at=AT, expires_at=expires)
    legacy.save()
    FactStore(retention=timedelta(days=540)).write([asin("B01", 5), asin("B02", 6)], now=AT)
    partitions = PartitionStore({"seller_data": "SellerDataTable"}, client=boto3.client("dynamodb", REGION))
    rows = [
        r
        for r in ExportedPartitions(partitions).items("seller_data", SELLER)
        if r["sk"].startswith("TRAFFIC")
    ]
    expected = [
        TRAFFIC_BY_ASIN.to_record(f, written_at=AT, expires_at=expires).serialize()
        for f in (asin("B01", 5), asin("B02", 6))
    ]
    assert [r["sk"] for r in rows] == [e["sk"]["S"] for e in expected]
    assert rows[0]["sessions"] == 5
    assert rows[0]["written_at"] == expected[0]["written_at"]["S"]
    assert set(rows[0]) == set(expected[0])
