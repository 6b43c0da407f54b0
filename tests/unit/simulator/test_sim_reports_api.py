"""Reports, Finances and FBA inventory through the server's pipeline, without sockets, on a fake clock."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld
from sellerflow_dev.simulator.server import Request, Response

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
US, DE, JP = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528"
REPORTS = "/reports/2021-06-30/reports"
ALL_ORDERS = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"
SETTLEMENT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> SimServer:
    world = SimWorld.generate(sellers=2, seed=9, now=NOW)
    config = SimConfig(rate_scale=1000, report_processing_s=8, document_url_ttl_s=300)
    return SimServer(world, config, clock=clock, wall_clock=lambda: NOW)


class Api:
    def __init__(self, server: SimServer, seller_index: int = 0) -> None:
        self.server = server
        world = server.world
        form = {
            "grant_type": "refresh_token",
            "refresh_token": world.sellers[seller_index].refresh_token,
            "client_id": world.client_id,
            "client_secret": world.client_secret,
        }
        response = server.dispatch(
            Request.from_target("POST", "/auth/o2/token", body=urlencode(form).encode())
        )
        self.token = str(response.body["access_token"])

    def get(self, target: str, **params: str) -> Response:
        query = f"?{urlencode(params)}" if params else ""
        headers = {"x-amz-access-token": self.token}
        return self.server.dispatch(Request.from_target("GET", target + query, headers=headers))

    def create(self, body: dict[str, Any]) -> Response:
        headers = {"x-amz-access-token": self.token, "content-type": "application/json"}
        return self.server.dispatch(Request("POST", REPORTS, headers=headers, body=json.dumps(body).encode()))

    def download(self, url: str) -> Response:
        return self.server.dispatch(Request.from_target("GET", urlsplit(url).path, client_host="10.1.2.3"))


@pytest.fixture
def api(server: SimServer) -> Api:
    return Api(server)


def test_a_report_moves_from_queue_to_done_and_its_document_is_served(api: Api, clock: FakeClock) -> None:
    created = api.create(
        {"reportType": ALL_ORDERS, "marketplaceIds": [US], "dataStartTime": "2025-06-01T00:00:00Z"}
    )
    assert created.status == 202
    report_id = created.body["reportId"]
    assert api.get(f"{REPORTS}/{report_id}").body["processingStatus"] == "IN_QUEUE"
    clock.now = 3
    in_progress = api.get(f"{REPORTS}/{report_id}").body
    assert in_progress["processingStatus"] == "IN_PROGRESS"
    assert "processingStartTime" in in_progress
    assert "reportDocumentId" not in in_progress
    clock.now = 8
    done = api.get(f"{REPORTS}/{report_id}").body
    assert done["processingStatus"] == "DONE"
    assert done["dataStartTime"] == "2025-06-01T00:00:00+00:00"
    document = api.get(f"/reports/2021-06-30/documents/{done['reportDocumentId']}")
    assert document.status == 200
    assert document.body["compressionAlgorithm"] == "GZIP"
    downloaded = api.download(document.body["url"])  # any client may use the URL while it is valid
    assert downloaded.status == 200
    text = gzip.decompress(downloaded.encoded()).decode()
    assert text.startswith("amazon-order-id\tmerchant-order-id\t")


def test_document_urls_expire_with_an_s3_access_denied(api: Api, server: SimServer, clock: FakeClock) -> None:
    server.update_config({"report_processing_s": 0, "document_url_ttl_s": 60})
    report_id = api.create({"reportType": LISTINGS, "marketplaceIds": [DE]}).body["reportId"]
    document_id = api.get(f"{REPORTS}/{report_id}").body["reportDocumentId"]
    body = api.get(f"/reports/2021-06-30/documents/{document_id}").body
    assert "compressionAlgorithm" not in body
    served = api.download(body["url"])
    assert served.encoded().startswith(b"item-name\t")
    assert served.content_type == "text/plain;charset=Cp1252"  # Java's name, as Amazon writes it
    clock.now = 60
    expired = api.download(body["url"])
    assert expired.status == 403
    assert expired.content_type == "application/xml"
    assert b"<Code>AccessDenied</Code><Message>Request has expired</Message>" in expired.encoded()
    fresh = api.get(f"/reports/2021-06-30/documents/{document_id}").body["url"]
    assert api.download(fresh).status == 200


def test_outcomes_can_be_forced_per_report_type(api: Api, server: SimServer, clock: FakeClock) -> None:
    server.update_config({"report_outcomes": {LISTINGS: "FATAL", ALL_ORDERS: "CANCELLED"}})
    fatal = api.create({"reportType": LISTINGS, "marketplaceIds": [US]}).body["reportId"]
    cancelled = api.create({"reportType": ALL_ORDERS, "marketplaceIds": [US]}).body["reportId"]
    clock.now = 100
    assert api.get(f"{REPORTS}/{fatal}").body["processingStatus"] == "FATAL"
    body = api.get(f"{REPORTS}/{cancelled}").body
    assert body["processingStatus"] == "CANCELLED"
    assert "reportDocumentId" not in body


def test_a_window_without_data_is_cancelled(api: Api, clock: FakeClock) -> None:
    report_id = api.create(
        {
            "reportType": ALL_ORDERS,
            "marketplaceIds": [US],
            "dataStartTime": "2019-01-01T00:00:00Z",
            "dataEndTime": "2019-02-01T00:00:00Z",
        }
    ).body["reportId"]
    clock.now = 100
    assert api.get(f"{REPORTS}/{report_id}").body["processingStatus"] == "CANCELLED"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"reportType": SETTLEMENT, "marketplaceIds": [US]}, "cannot be requested"),
        (
            {"reportType": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE", "marketplaceIds": [US]},
            "no longer supported",
        ),
        ({"reportType": "GET_V2_SETTLEMENT_REPORT_DATA_XML", "marketplaceIds": [US]}, "no longer supported"),
        ({"reportType": "GET_NOTHING", "marketplaceIds": [US]}, "Invalid reportType"),
        ({"reportType": ALL_ORDERS, "marketplaceIds": []}, "marketplaceIds"),
        ({"reportType": ALL_ORDERS, "marketplaceIds": ["A13V1IB3VIYZZH"]}, "does not participate"),
        ({"reportType": "GET_SALES_AND_TRAFFIC_REPORT", "marketplaceIds": [US, DE]}, "exactly one"),
        ({"reportType": ALL_ORDERS, "marketplaceIds": [US], "dataStartTime": "yesterday"}, "ISO 8601"),
    ],
)
def test_create_report_rejects_bad_requests(api: Api, body: dict[str, Any], message: str) -> None:
    response = api.create(body)
    assert response.status == 400
    assert message in response.body["errors"][0]["message"]


def test_get_reports_lists_settlements_newest_first_and_pages_with_next_token_alone(api: Api) -> None:
    first = api.get(REPORTS, reportTypes=SETTLEMENT, pageSize="4")
    assert first.status == 200
    reports = first.body["reports"]
    assert len(reports) == 4
    assert [r["createdTime"] for r in reports] == sorted((r["createdTime"] for r in reports), reverse=True)
    seen = [r["reportId"] for r in reports]
    token = first.body["nextToken"]
    assert api.get(REPORTS, nextToken=token, pageSize="4").status == 400
    while token:
        page = api.get(REPORTS, nextToken=token).body
        seen += [r["reportId"] for r in page["reports"]]
        token = page.get("nextToken")
    assert len(seen) == len(set(seen))
    world = api.server.world
    seller_id = world.sellers[0].seller_id
    recent = [s for s in world.settlements(seller_id) if s.report_created >= NOW - timedelta(days=90)]
    assert len(seen) == len(recent)
    assert api.get(REPORTS).status == 400


@pytest.mark.parametrize(
    "removed", ["GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE", "GET_V2_SETTLEMENT_REPORT_DATA_XML"]
)
def test_listing_a_removed_settlement_report_type_is_invalid_input(api: Api, removed: str) -> None:
    refused = api.get(REPORTS, reportTypes=f"{SETTLEMENT},{removed}")
    assert refused.status == 400
    (error,) = refused.body["errors"]
    assert error["code"] == "InvalidInput"
    assert removed in error["message"]


def test_settlement_documents_are_v2_with_a_java_charset_and_their_own_currency(api: Api) -> None:
    listed = api.get(REPORTS, reportTypes=SETTLEMENT, pageSize="100").body["reports"]
    assert listed
    assert {r["reportType"] for r in listed} == {SETTLEMENT}
    first_of = {r["marketplaceIds"][0]: r for r in reversed(listed)}
    by_market: dict[str, str] = {}
    for report in first_of.values():
        document = api.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}").body
        served = api.download(document["url"])
        by_market.setdefault(report["marketplaceIds"][0], served.content_type)
        text = gzip.decompress(served.encoded()).decode("cp932")
        assert "amount-type\tamount-description\tamount" in text.splitlines()[0]
    assert by_market.get(DE, "text/plain;charset=Cp1252") == "text/plain;charset=Cp1252"
    assert by_market.get(US, "text/plain;charset=UTF-8") == "text/plain;charset=UTF-8"
    assert by_market.get(JP, "text/plain;charset=Shift_JIS") == "text/plain;charset=Shift_JIS"


def test_list_transactions_validates_its_window(api: Api) -> None:
    path = "/finances/2024-06-19/transactions"
    assert api.get(path).status == 400
    assert api.get(path, postedAfter="2026-03-02T15:29:00Z").status == 400
    late = api.get(path, postedAfter="2026-02-01T00:00:00Z", postedBefore="2026-03-02T15:29:00Z")
    assert late.status == 400
    backwards = api.get(path, postedAfter="2026-02-01T00:00:00Z", postedBefore="2026-01-01T00:00:00Z")
    assert backwards.status == 400
    too_long = api.get(path, postedAfter="2025-01-01T00:00:00Z", postedBefore="2026-02-01T00:00:00Z")
    assert too_long.status == 200
    assert too_long.body == {"payload": {"transactions": []}}
    ok = api.get(path, postedAfter="2026-02-01T00:00:00Z", marketplaceId=DE)
    assert ok.status == 200
    assert {t["marketplaceDetails"]["marketplaceId"] for t in ok.body["payload"]["transactions"]} == {DE}


def test_inventory_summaries_page_through_the_fba_skus(api: Api, server: SimServer, clock: FakeClock) -> None:
    server.update_config({"inventory_page_size": 3})
    path = "/fba/inventory/v1/summaries"
    params = {"granularityType": "Marketplace", "granularityId": US, "marketplaceIds": US, "details": "true"}
    skus: list[str] = []
    token = None
    while True:
        clock.now += 1  # the plan's burst is 2: let the bucket refill
        body = api.get(path, **params, **({"nextToken": token} if token else {})).body
        skus += [s["sellerSku"] for s in body["payload"]["inventorySummaries"]]
        token = body.get("pagination", {}).get("nextToken")
        if not token:
            break
    seller_id = server.world.sellers[0].seller_id
    assert skus == sorted(row.sku for row in server.world.inventory(seller_id) if row.marketplace_id == US)
    clock.now += 1
    no_details = api.get(path, **(params | {"details": "false"})).body["payload"]["inventorySummaries"][0]
    assert "inventoryDetails" not in no_details
    clock.now += 1
    assert api.get(path, **(params | {"granularityId": DE})).status == 400


def test_report_operations_are_paced_by_their_usage_plans(api: Api, server: SimServer) -> None:
    server.update_config({"rate_scale": 1.0, "burst_override": 2})
    responses = [api.get(REPORTS, reportTypes=SETTLEMENT) for _ in range(3)]
    assert [r.status for r in responses] == [200, 200, 429]
    assert responses[0].headers["x-amzn-RateLimit-Limit"] == "0.0222"
    assert responses[2].body["errors"][0]["code"] == "QuotaExceeded"
    assert server.stats(server.world.sellers[0].seller_id)["throttled"]["getReports"] >= 1
