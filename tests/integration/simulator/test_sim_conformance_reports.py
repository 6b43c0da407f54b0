"""Reports, Finances and FBA inventory answers against the official SP-API models.

Reuses the Orders conformance test's Swagger-to-JSON-Schema conversion (objects closed to fields
the model does not define). One extra step: a definition made of ``allOf`` parts (Finances'
``Context``) is merged into one closed object, since closing each part alone would reject every
real context. Skipped when the reference models are absent, like the Orders conformance test.
"""

from __future__ import annotations

import copy
import gzip
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from functools import cache
from typing import Any

import httpx
import jsonschema
import pytest
from test_sim_conformance import _FORMATS, _models_dir, _strict

from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld

REPORTS_MODEL = "reports-api-model/reports_2021-06-30.json"
FINANCES_MODEL = "finances-api-model/finances_2024-06-19.json"
INVENTORY_MODEL = "fba-inventory-api-model/fbaInventory.json"
SALES_AND_TRAFFIC_SCHEMA = "schemas/reports/sellerSalesAndTrafficReport.json"
REPORTS = "/reports/2021-06-30/reports"
US, DE, JP = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528"


def _merged_all_of(definitions: dict[str, Any]) -> dict[str, Any]:
    merged = dict(definitions)
    for name, schema in definitions.items():
        if "allOf" not in schema:
            continue
        properties: dict[str, Any] = {}
        required: list[str] = []
        for part in schema["allOf"]:
            if "$ref" in part:
                part = definitions[part["$ref"].rsplit("/", 1)[-1]]
            properties.update(part.get("properties", {}))
            required += part.get("required", [])
        merged[name] = {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }
    return merged


@cache
def _definitions(model: str) -> dict[str, Any]:
    document = json.loads((_models_dir() / model).read_text())
    return _merged_all_of({name: _strict(schema) for name, schema in document["definitions"].items()})


def assert_conforms(instance: Any, model: str, definition: str) -> None:
    schema = {"$ref": f"#/definitions/{definition}", "definitions": copy.deepcopy(_definitions(model))}
    validator = jsonschema.Draft4Validator(schema, format_checker=_FORMATS)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    _models_dir()
    server = SimServer(
        SimWorld.generate(sellers=2, seed=23),
        # Documents are under test here, not the app-wide sales-and-traffic cap (one per 15 minutes).
        SimConfig(rate_scale=1000, report_processing_s=0.2, app_quotas_enforced=False),
    )
    server.start()
    yield server
    server.stop()


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


def _finished(client: httpx.Client, report_id: str) -> dict[str, Any]:
    for _ in range(100):
        report: dict[str, Any] = client.get(f"{REPORTS}/{report_id}").json()
        if report["processingStatus"] in {"DONE", "CANCELLED", "FATAL"}:
            return report
        time.sleep(0.05)
    raise AssertionError(f"report {report_id} did not finish")


def test_the_merged_schema_still_rejects_invented_fields() -> None:
    context = {"contextType": "ProductContext", "sku": "A", "asin": "B0", "quantityShipped": 1}
    assert_conforms(
        {"payload": {"transactions": [{"contexts": [context]}]}}, FINANCES_MODEL, "ListTransactionsResponse"
    )
    with pytest.raises(AssertionError, match="inventedField"):
        assert_conforms(
            {"payload": {"transactions": [{"contexts": [context | {"inventedField": 1}]}]}},
            FINANCES_MODEL,
            "ListTransactionsResponse",
        )


@pytest.mark.parametrize(
    "report_type",
    [
        "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
        "GET_MERCHANT_LISTINGS_ALL_DATA",
        "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA",
        "GET_SALES_AND_TRAFFIC_REPORT",
    ],
)
def test_report_lifecycle_answers_conform(client: httpx.Client, report_type: str) -> None:
    created = client.post(REPORTS, json={"reportType": report_type, "marketplaceIds": [DE]})
    assert created.status_code == 202
    assert_conforms(created.json(), REPORTS_MODEL, "CreateReportResponse")
    first = client.get(f"{REPORTS}/{created.json()['reportId']}").json()
    assert_conforms(first, REPORTS_MODEL, "Report")
    done = _finished(client, created.json()["reportId"])
    assert_conforms(done, REPORTS_MODEL, "Report")
    document = client.get(f"/reports/2021-06-30/documents/{done['reportDocumentId']}")
    assert_conforms(document.json(), REPORTS_MODEL, "ReportDocument")


def test_get_reports_pages_and_errors_conform(client: httpx.Client) -> None:
    params = {"reportTypes": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", "pageSize": 5}
    first = client.get(REPORTS, params=params)
    assert_conforms(first.json(), REPORTS_MODEL, "GetReportsResponse")
    assert "nextToken" in first.json()
    second = client.get(REPORTS, params={"nextToken": first.json()["nextToken"]})
    assert_conforms(second.json(), REPORTS_MODEL, "GetReportsResponse")
    refused = client.post(
        REPORTS, json={"reportType": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", "marketplaceIds": [US]}
    )
    missing = client.get(f"{REPORTS}/1")
    for response, status in ((refused, 400), (missing, 404)):
        assert response.status_code == status
        assert_conforms(response.json(), REPORTS_MODEL, "ErrorList")


def test_list_transactions_pages_conform(sim: SimServer, client: httpx.Client) -> None:
    after = (sim.world.now - timedelta(days=150)).strftime("%Y-%m-%dT%H:%M:%SZ")
    kinds: set[str] = set()
    token = None
    while True:
        response = client.get(
            "/finances/2024-06-19/transactions",
            params={"postedAfter": after} | ({"nextToken": token} if token else {}),
        )
        assert response.status_code == 200
        assert_conforms(response.json(), FINANCES_MODEL, "ListTransactionsResponse")
        payload = response.json()["payload"]
        kinds |= {t["transactionType"] for t in payload["transactions"]}
        token = payload.get("nextToken")
        if not token:
            break
    assert {"Shipment", "Refund", "ServiceFee"} <= kinds
    bad = client.get("/finances/2024-06-19/transactions")
    assert bad.status_code == 400
    assert_conforms(bad.json(), FINANCES_MODEL, "ErrorList")


def test_inventory_summaries_conform(client: httpx.Client) -> None:
    for details in ("true", "false"):
        params = {
            "granularityType": "Marketplace",
            "granularityId": JP,
            "marketplaceIds": JP,
            "details": details,
        }
        response = client.get("/fba/inventory/v1/summaries", params=params)
        assert response.status_code == 200
        assert_conforms(response.json(), INVENTORY_MODEL, "GetInventorySummariesResponse")
    bad = client.get("/fba/inventory/v1/summaries", params={"granularityType": "Marketplace"})
    assert bad.status_code == 400
    assert_conforms(bad.json(), INVENTORY_MODEL, "GetInventorySummariesResponse")


@pytest.mark.parametrize("marketplace_id", [US, JP])
def test_sales_and_traffic_document_validates_against_its_schema(
    sim: SimServer, client: httpx.Client, marketplace_id: str
) -> None:
    schema = json.loads((_models_dir().parent / SALES_AND_TRAFFIC_SCHEMA).read_text())
    start = (sim.world.now - timedelta(days=14)).strftime("%Y-%m-%dT%H:%M:%SZ")
    created = client.post(
        REPORTS,
        json={
            "reportType": "GET_SALES_AND_TRAFFIC_REPORT",
            "marketplaceIds": [marketplace_id],
            "dataStartTime": start,
        },
    )
    report = _finished(client, created.json()["reportId"])
    meta = client.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}").json()
    document = json.loads(gzip.decompress(httpx.get(meta["url"]).content))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = list(validator.iter_errors(document))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    assert document["reportSpecification"]["reportOptions"] == {
        "dateGranularity": "DAY",
        "asinGranularity": "CHILD",
    }
    assert len(document["salesAndTrafficByDate"]) == 15
    assert document["salesAndTrafficByAsin"]
