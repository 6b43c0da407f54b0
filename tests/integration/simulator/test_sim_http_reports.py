"""Reports, Finances and FBA inventory over real HTTP, checked against the world's ground truth."""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld

REPORTS = "/reports/2021-06-30/reports"
DOCUMENTS = "/reports/2021-06-30/documents"
TRANSACTIONS = "/finances/2024-06-19/transactions"
ALL_ORDERS = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
SETTLEMENT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"
SALES_AND_TRAFFIC = "GET_SALES_AND_TRAFFIC_REPORT"
US, DE, JP = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    server = SimServer(
        SimWorld.generate(sellers=2, seed=17),
        # The report lifecycle is under test here; the app-wide sales-and-traffic cap has its own tests.
        SimConfig(rate_scale=1000, report_processing_s=0.3, app_quotas_enforced=False),
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _reset_config(sim: SimServer) -> Iterator[None]:
    yield
    httpx.post(
        f"{sim.url}/_sim/config",
        json={
            "report_processing_s": 0.3,
            "document_url_ttl_s": 300,
            "report_outcomes": {},
            "truncate_documents": False,
        },
    ).raise_for_status()


@pytest.fixture(scope="module")
def client(sim: SimServer) -> Iterator[httpx.Client]:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": sim.world.sellers[0].refresh_token,
        "client_id": sim.world.client_id,
        "client_secret": sim.world.client_secret,
    }
    token = httpx.post(sim.lwa_endpoint, data=form).json()["access_token"]
    with httpx.Client(base_url=sim.api_endpoint, headers={"x-amz-access-token": token}) as http:
        yield http


@pytest.fixture(scope="module")
def seller_id(sim: SimServer) -> str:
    return sim.world.sellers[0].seller_id


def configure(sim: SimServer, **updates: Any) -> None:
    httpx.post(f"{sim.url}/_sim/config", json=updates).raise_for_status()


def wait_for_report(client: httpx.Client, report_id: str, timeout_s: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    statuses = []
    while True:
        response = client.get(f"{REPORTS}/{report_id}")
        assert response.status_code == 200, response.text
        report: dict[str, Any] = response.json()
        statuses.append(report["processingStatus"])
        if report["processingStatus"] in {"DONE", "CANCELLED", "FATAL"} or time.monotonic() > deadline:
            report["_seen"] = statuses
            return report
        time.sleep(0.05)


def create(client: httpx.Client, report_type: str, marketplace_id: str, **extra: Any) -> str:
    response = client.post(
        REPORTS, json={"reportType": report_type, "marketplaceIds": [marketplace_id], **extra}
    )
    assert response.status_code == 202, response.text
    return str(response.json()["reportId"])


def fetch_document(client: httpx.Client, document_id: str) -> tuple[dict[str, Any], bytes]:
    meta = client.get(f"{DOCUMENTS}/{document_id}")
    assert meta.status_code == 200, meta.text
    body = meta.json()
    raw = httpx.get(body["url"])
    assert raw.status_code == 200
    assert "content-encoding" not in raw.headers
    return body, raw.content


def document_text(client: httpx.Client, document_id: str, encoding: str = "utf-8") -> str:
    meta, data = fetch_document(client, document_id)
    if meta.get("compressionAlgorithm") == "GZIP":
        data = gzip.decompress(data)
    return data.decode(encoding)


def tsv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter="\t"))


def test_report_lifecycle_from_create_to_document(
    client: httpx.Client, sim: SimServer, seller_id: str
) -> None:
    # Slow enough that the first poll sees it queued even on a busy machine
    configure(sim, report_processing_s=2.0)
    try:
        report_id = create(client, ALL_ORDERS, US)
        report = wait_for_report(client, report_id, timeout_s=15.0)
    finally:
        configure(sim, report_processing_s=0.3)
    assert report["_seen"][0] in {"IN_QUEUE", "IN_PROGRESS"}
    assert report["processingStatus"] == "DONE"
    meta, data = fetch_document(client, report["reportDocumentId"])
    assert meta["compressionAlgorithm"] == "GZIP"
    assert meta["url"].startswith(f"{sim.url}/_sim/documents/")
    text = gzip.decompress(data).decode()
    assert "\r\n" in text
    rows = tsv(text)
    window_start = sim.world.now - timedelta(days=30)
    expected = [
        o
        for o in sim.world.all_order_states(seller_id)
        if o.marketplace_id == US and o.created >= window_start
    ]
    assert {r["amazon-order-id"] for r in rows} == {o.order_id for o in expected}


def test_backfill_reports_reach_orders_older_than_search_orders(
    client: httpx.Client, sim: SimServer, seller_id: str
) -> None:
    start = (sim.world.now - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (sim.world.now - timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = wait_for_report(client, create(client, ALL_ORDERS, DE, dataStartTime=start, dataEndTime=end))
    rows = tsv(document_text(client, report["reportDocumentId"]))
    history = {o["orderId"] for o in sim.world.history_orders(seller_id)}
    assert rows
    assert {r["amazon-order-id"] for r in rows} <= history
    assert not {r["amazon-order-id"] for r in rows} & {o["orderId"] for o in sim.world.orders(seller_id)}


def test_document_url_expires_after_its_ttl(client: httpx.Client, sim: SimServer) -> None:
    configure(sim, document_url_ttl_s=1)
    report = wait_for_report(client, create(client, LISTINGS, JP))
    meta = client.get(f"{DOCUMENTS}/{report['reportDocumentId']}").json()
    assert httpx.get(meta["url"]).status_code == 200
    time.sleep(1.1)
    expired = httpx.get(meta["url"])
    assert expired.status_code == 403
    assert expired.headers["content-type"] == "application/xml"
    assert "<Code>AccessDenied</Code>" in expired.text
    assert "<Message>Request has expired</Message>" in expired.text


def test_fatal_and_cancelled_outcomes_can_be_injected(client: httpx.Client, sim: SimServer) -> None:
    configure(sim, report_outcomes={LISTINGS: "FATAL", SALES_AND_TRAFFIC: "CANCELLED"})
    fatal = wait_for_report(client, create(client, LISTINGS, US))
    cancelled = wait_for_report(client, create(client, SALES_AND_TRAFFIC, US))
    assert fatal["processingStatus"] == "FATAL"
    assert cancelled["processingStatus"] == "CANCELLED"
    assert "reportDocumentId" not in fatal
    assert "reportDocumentId" not in cancelled
    listed = client.get(REPORTS, params={"reportTypes": LISTINGS, "processingStatuses": "FATAL"}).json()
    assert fatal["reportId"] in {r["reportId"] for r in listed["reports"]}


def test_a_report_can_be_made_to_never_finish(client: httpx.Client, sim: SimServer) -> None:
    configure(sim, report_processing_s=1e9)
    report = wait_for_report(client, create(client, LISTINGS, US), timeout_s=0.3)
    assert report["processingStatus"] in {"IN_QUEUE", "IN_PROGRESS"}


def test_settlements_are_listed_never_requested_and_add_up(
    client: httpx.Client, sim: SimServer, seller_id: str
) -> None:
    refused = client.post(REPORTS, json={"reportType": SETTLEMENT, "marketplaceIds": [US]})
    assert refused.status_code == 400
    listed = client.get(REPORTS, params={"reportTypes": SETTLEMENT, "marketplaceIds": DE, "pageSize": 100})
    assert listed.status_code == 200
    reports = listed.json()["reports"]
    assert reports
    assert all(r["processingStatus"] == "DONE" and r["marketplaceIds"] == [DE] for r in reports)
    meta, data = fetch_document(client, reports[0]["reportDocumentId"])
    assert meta["compressionAlgorithm"] == "GZIP"
    rows = tsv(gzip.decompress(data).decode())
    summary, lines = rows[0], rows[1:]
    total = Decimal(summary["total-amount"].replace(",", "."))
    assert total == sum(Decimal(line["amount"].replace(",", ".")) for line in lines)
    truth = next(s for s in sim.world.settlements(seller_id) if s.settlement_id == summary["settlement-id"])
    assert truth.total == total
    assert summary["currency"] == "EUR"


def test_a_truncated_document_is_a_broken_gzip(client: httpx.Client, sim: SimServer) -> None:
    report = wait_for_report(client, create(client, ALL_ORDERS, US))
    configure(sim, truncate_documents=True)
    _meta, data = fetch_document(client, report["reportDocumentId"])
    with pytest.raises((EOFError, zlib.error, OSError)):
        gzip.decompress(data)


def test_sales_and_traffic_units_and_sales_equal_the_orders_of_each_day(
    client: httpx.Client, sim: SimServer, seller_id: str
) -> None:
    start = (sim.world.now - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = wait_for_report(client, create(client, SALES_AND_TRAFFIC, US, dataStartTime=start))
    assert report["processingStatus"] == "DONE"
    document = json.loads(document_text(client, report["reportDocumentId"]))
    rollups = sim.world.expected_daily_rollups(seller_id)
    assert len(document["salesAndTrafficByDate"]) >= 20
    for day in document["salesAndTrafficByDate"]:
        expected = rollups.get((US, day["date"]), {"units": 0, "gross_sales": Decimal(0)})
        assert day["salesByDate"]["unitsOrdered"] == expected["units"], day["date"]
        sales = Decimal(str(day["salesByDate"]["orderedProductSales"]["amount"]))
        assert sales == expected["gross_sales"], day["date"]
    by_asin_units = sum(entry["salesByAsin"]["unitsOrdered"] for entry in document["salesAndTrafficByAsin"])
    assert by_asin_units == sum(
        day["salesByDate"]["unitsOrdered"] for day in document["salesAndTrafficByDate"]
    )


def list_all_transactions(client: httpx.Client, params: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
    transactions: list[dict[str, Any]] = []
    pages = 0
    token = None
    while True:
        response = client.get(TRANSACTIONS, params=params | ({"nextToken": token} if token else {}))
        assert response.status_code == 200, response.text
        pages += 1
        payload = response.json()["payload"]
        transactions += payload["transactions"]
        token = payload.get("nextToken")
        if not token:
            return transactions, pages


def test_list_transactions_pages_cover_every_transaction_once(
    client: httpx.Client, sim: SimServer, seller_id: str
) -> None:
    configure(sim, transactions_page_size=40)
    after = sim.world.now - timedelta(days=170)
    transactions, pages = list_all_transactions(client, {"postedAfter": after.strftime("%Y-%m-%dT%H:%M:%SZ")})
    configure(sim, transactions_page_size=100)
    assert pages > 3
    ids = [t["transactionId"] for t in transactions]
    assert len(ids) == len(set(ids))
    cutoff = datetime.now(UTC) - timedelta(minutes=2)
    expected = {t.transaction_id for t in sim.world.transactions(seller_id) if after <= t.posted < cutoff}
    assert set(ids) == expected
    for transaction in transactions:
        leaves = [leaf for group in transaction["breakdowns"] for leaf in group["breakdowns"]]
        total = sum(Decimal(str(leaf["breakdownAmount"]["currencyAmount"])) for leaf in leaves)
        assert total == Decimal(str(transaction["totalAmount"]["currencyAmount"]))


def test_a_refund_is_posted_on_a_later_day_than_its_sale(
    client: httpx.Client, sim: SimServer, seller_id: str
) -> None:
    after = sim.world.now - timedelta(days=179)
    transactions, _ = list_all_transactions(client, {"postedAfter": after.strftime("%Y-%m-%dT%H:%M:%SZ")})
    orders = {o.order_id: o for o in sim.world.all_order_states(seller_id)}
    later = 0
    for refund in (t for t in transactions if t["transactionType"] == "Refund"):
        order_id = next(
            r["relatedIdentifierValue"]
            for r in refund["relatedIdentifiers"]
            if r["relatedIdentifierName"] == "ORDER_ID"
        )
        order = orders[order_id]
        posted = datetime.fromisoformat(refund["postedDate"].replace("Z", "+00:00"))
        if posted.astimezone(order.market.tz).date() > order.created.astimezone(order.market.tz).date():
            later += 1
    assert later >= 1


def test_inventory_summaries_match_the_ground_truth(
    client: httpx.Client, sim: SimServer, seller_id: str
) -> None:
    params = {"granularityType": "Marketplace", "granularityId": JP, "marketplaceIds": JP, "details": "true"}
    response = client.get("/fba/inventory/v1/summaries", params=params)
    assert response.status_code == 200
    summaries = {s["sellerSku"]: s for s in response.json()["payload"]["inventorySummaries"]}
    truth = {row.sku: row for row in sim.world.inventory(seller_id) if row.marketplace_id == JP}
    assert set(summaries) == set(truth)
    for sku, row in truth.items():
        details = summaries[sku]["inventoryDetails"]
        assert details["fulfillableQuantity"] == row.fulfillable
        assert details["reservedQuantity"]["totalReservedQuantity"] == row.reserved
        assert details["unfulfillableQuantity"]["totalUnfulfillableQuantity"] == row.unfulfillable
        assert summaries[sku]["totalQuantity"] == row.total
