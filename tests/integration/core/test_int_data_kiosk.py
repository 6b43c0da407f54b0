"""The Data Kiosk client (on the real SP-API port) against the simulator over real HTTP, and the
query text the product sends checked against the official GraphQL schema (skipped when absent)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from int_core_support import Port

from sellerflow.errors import SpApiBadRequest
from sellerflow.facts import TrafficByAsinFact, TrafficByDateFact
from sellerflow.reports.data_kiosk import REPORT_TYPE as DK_REPORT_TYPE
from sellerflow.reports.ingest import CountingSink, ingest_document
from sellerflow.spapi.data_kiosk import SALES_AND_TRAFFIC_DATASET, DataKioskClient, sales_and_traffic_query
from sellerflow_dev.simulator import SimServer, SimWorld

MakePort = Callable[..., Port]
SimFactory = Callable[..., SimServer]


def _wait_final(kiosk: DataKioskClient, seller_id: str, query_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        query = kiosk.get_query(seller_id, query_id)
        if query["processingStatus"] not in {"IN_QUEUE", "IN_PROGRESS"}:
            return query
        time.sleep(0.05)
    raise AssertionError("the query never finished")


def _yesterday(world: SimWorld) -> date:
    return world.now.date() - timedelta(days=1)


def test_a_query_goes_through_queue_and_gives_the_worlds_traffic_as_facts(
    start_sim: SimFactory, world: SimWorld, make_port: MakePort
) -> None:
    # Given a simulator whose queries take a moment (IN_QUEUE, then IN_PROGRESS; long enough that the
    # first poll sees it pending on a busy machine)
    sim = start_sim(rate_scale=1000, data_kiosk_processing_s=2.0)
    kiosk = DataKioskClient(make_port(sim).client)
    seller = world.sellers[0]
    marketplace_id, day = seller.marketplace_ids[0], _yesterday(world)

    # When a sales-and-traffic query for one day is created and polled to its end
    query_id = kiosk.create_sales_and_traffic_query(seller.seller_id, marketplace_id, day)
    first = kiosk.get_query(seller.seller_id, query_id)
    final = _wait_final(kiosk, seller.seller_id, query_id)

    # Then it was queued first, finished DONE with a document, and the JSONL gives the world's numbers
    assert first["processingStatus"] in {"IN_QUEUE", "IN_PROGRESS"}
    assert final["processingStatus"] == "DONE"
    document = kiosk.get_document(seller.seller_id, final["dataDocumentId"])
    sink = CountingSink(keep=True)
    result = ingest_document(
        DK_REPORT_TYPE,
        kiosk.download(document["documentUrl"]),
        seller_id=seller.seller_id,
        marketplace_id=marketplace_id,
        compression=None,
        sink=sink,
    )
    assert result.rejected_count == 0
    truth = world.traffic(seller.seller_id, marketplace_id, day)
    assert truth is not None
    by_date = [f for f in sink.items if isinstance(f, TrafficByDateFact)]
    by_asin = [f for f in sink.items if isinstance(f, TrafficByAsinFact)]
    assert [(f.day, f.sessions, f.units_ordered, f.ordered_product_sales) for f in by_date] == [
        (day, truth.sessions, truth.units_ordered, truth.ordered_product_sales)
    ]
    assert {f.child_asin: f.sessions for f in by_asin} == {a.child_asin: a.sessions for a in truth.by_asin}


def test_a_fatal_query_carries_an_error_document(
    start_sim: SimFactory, world: SimWorld, make_port: MakePort
) -> None:
    sim = start_sim(rate_scale=1000, data_kiosk_processing_s=0.0, data_kiosk_fatal_rate=1.0)
    kiosk = DataKioskClient(make_port(sim).client)
    seller = world.sellers[0]

    query_id = kiosk.create_sales_and_traffic_query(
        seller.seller_id, seller.marketplace_ids[0], _yesterday(world)
    )
    final = _wait_final(kiosk, seller.seller_id, query_id)

    assert final["processingStatus"] == "FATAL"
    assert "dataDocumentId" not in final
    error = kiosk.get_document(seller.seller_id, final["errorDocumentId"])
    assert "errorMessage" in json.loads(b"".join(kiosk.download(error["documentUrl"])))


def test_a_query_without_data_finishes_without_a_document(
    start_sim: SimFactory, world: SimWorld, make_port: MakePort
) -> None:
    sim = start_sim(rate_scale=1000, data_kiosk_processing_s=0.0)
    kiosk = DataKioskClient(make_port(sim).client)
    seller = world.sellers[0]
    long_ago = (world.now + timedelta(days=3)).date()  # a day the world has no traffic for yet

    query_id = kiosk.create_sales_and_traffic_query(seller.seller_id, seller.marketplace_ids[0], long_ago)
    final = _wait_final(kiosk, seller.seller_id, query_id)

    assert final["processingStatus"] == "DONE"
    assert "dataDocumentId" not in final


@pytest.mark.parametrize(
    "query",
    [
        "query { analytics_salesAndTraffic_2024_04_24 { salesAndTrafficByDate { startDate } } }",  # no args
        "query { analytics_economics_2024_03_15 { economics { startDate } } }",  # not served
        "{ this is not graphql",
    ],
)
def test_a_bad_query_is_a_typed_bad_request(
    start_sim: SimFactory, world: SimWorld, make_port: MakePort, query: str
) -> None:
    sim = start_sim(rate_scale=1000)
    kiosk = DataKioskClient(make_port(sim).client)
    with pytest.raises(SpApiBadRequest):
        kiosk.create_query(world.sellers[0].seller_id, query)


def test_a_foreign_marketplace_is_refused(
    start_sim: SimFactory, world: SimWorld, make_port: MakePort
) -> None:
    sim = start_sim(rate_scale=1000)
    kiosk = DataKioskClient(make_port(sim).client)
    seller = world.sellers[0]
    foreign = next(
        m for m in ("A1VC38T7YXB528", "A1F83G8C2ARO7P", "ATVPDKIKX0DER") if m not in seller.marketplace_ids
    )
    with pytest.raises(SpApiBadRequest):
        kiosk.create_sales_and_traffic_query(seller.seller_id, foreign, _yesterday(world))


# --- conformance with the official schema and model (skipped when ../shared/spapi is absent) ---------
def _reference() -> Path:
    candidates = [Path(__file__).resolve().parents[3].parent / "shared" / "spapi"]
    if os.environ.get("SPAPI_MODELS_DIR"):
        configured = Path(os.environ["SPAPI_MODELS_DIR"])
        candidates[:0] = [configured, configured.parent]
    for base in candidates:
        if (base / "schemas" / "data-kiosk").is_dir():
            return base
    pytest.skip("the official Data Kiosk schemas are not present (set SPAPI_MODELS_DIR)")


def test_the_products_query_is_valid_against_the_official_schema() -> None:
    graphql = pytest.importorskip("graphql")
    schema_text = (
        _reference() / "schemas" / "data-kiosk" / f"{SALES_AND_TRAFFIC_DATASET}.graphql"
    ).read_text()
    schema = graphql.build_schema(schema_text)
    query = sales_and_traffic_query("ATVPDKIKX0DER", date(2026, 11, 1), date(2026, 11, 1))
    assert graphql.validate(schema, graphql.parse(query)) == []


def test_the_simulators_answers_follow_the_data_kiosk_model(
    start_sim: SimFactory, world: SimWorld, make_port: MakePort
) -> None:
    model = json.loads(
        (_reference() / "models" / "data-kiosk-api-model" / "dataKiosk_2023-11-15.json").read_text()
    )
    definitions = model["definitions"]
    sim = start_sim(rate_scale=1000, data_kiosk_processing_s=0.0)
    kiosk = DataKioskClient(make_port(sim).client)
    seller = world.sellers[0]
    query_id = kiosk.create_sales_and_traffic_query(
        seller.seller_id, seller.marketplace_ids[0], _yesterday(world)
    )
    final = _wait_final(kiosk, seller.seller_id, query_id)
    document = kiosk.get_document(seller.seller_id, final["dataDocumentId"])
    listing = kiosk.get_queries(seller.seller_id)

    for value, name in ((final, "Query"), (document, "GetDocumentResponse"), (listing, "GetQueriesResponse")):
        definition = definitions[name]
        assert set(definition["required"]) <= set(value), name
        assert set(value) <= set(definition["properties"]), name
    assert final["processingStatus"] in definitions["Query"]["properties"]["processingStatus"]["enum"]
