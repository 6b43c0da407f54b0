"""Sales and Traffic report (JSON) → TrafficByDateFact / TrafficByAsinFact."""

from __future__ import annotations

import copy
import gzip
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sellerflow.facts import TrafficByAsinFact, TrafficByDateFact
from sellerflow.reports import CountingSink, DocumentCorrupt, ParseLog, ingest_document, parse_document

REPORT = "GET_SALES_AND_TRAFFIC_REPORT"
US = "ATVPDKIKX0DER"
SAMPLE = Path(
    "/work/shared/spapi/samples/airbyte/unit_tests/resource/http/response/GET_SALES_AND_TRAFFIC_REPORT.json"
)
SCHEMA = Path("/work/shared/spapi/schemas/reports/sellerSalesAndTrafficReport.json")

DOC: dict[str, Any] = {
    "reportSpecification": {
        "reportType": REPORT,
        "dataStartTime": "2026-11-01",
        "dataEndTime": "2026-11-01",
        "marketplaceIds": ["A1PA6795UKMFR9"],
    },
    "salesAndTrafficByDate": [
        {
            "date": "2026-11-01",
            "salesByDate": {
                "orderedProductSales": {"amount": 238.44, "currencyCode": "EUR"},
                "unitsOrdered": 23,
            },
            "trafficByDate": {"pageViews": 1658, "sessions": 1000, "buyBoxPercentage": 10.54},
        }
    ],
    "salesAndTrafficByAsin": [
        {
            "parentAsin": "B0PARENT",
            "childAsin": "B0CHILD",
            "sku": "MUG-1",
            "salesByAsin": {
                "unitsOrdered": 3,
                "orderedProductSales": {"amount": 26.25, "currencyCode": "EUR"},
            },
            "trafficByAsin": {"sessions": 13, "pageViews": 20, "buyBoxPercentage": 95.24},
        }
    ],
}


def parse(document: object, log: ParseLog | None = None, gz: bool = False) -> list[object]:
    data = json.dumps(document).encode() if not isinstance(document, bytes) else document
    if gz:
        data = gzip.compress(data)
    return list(
        parse_document(
            REPORT, [data], seller_id="S1", marketplace_id=US, log=log, compression="GZIP" if gz else None
        )
    )


def test_by_date_and_by_asin_facts_with_decimal_amounts() -> None:
    by_date, by_asin = parse(DOC, gz=True)
    assert by_date == TrafficByDateFact(
        seller_id="S1",
        marketplace_id="A1PA6795UKMFR9",
        day=date(2026, 11, 1),
        sessions=1000,
        page_views=1658,
        buy_box_percentage=Decimal("10.54"),
        units_ordered=23,
        ordered_product_sales=Decimal("238.44"),
        currency="EUR",
    )
    assert isinstance(by_asin, TrafficByAsinFact)
    assert (by_asin.day, by_asin.child_asin, by_asin.parent_asin, by_asin.sku) == (
        date(2026, 11, 1),
        "B0CHILD",
        "B0PARENT",
        "MUG-1",
    )
    assert by_asin.ordered_product_sales == Decimal("26.25")
    assert by_asin.buy_box_percentage == Decimal("95.24")


def test_a_bad_item_is_a_row_error_with_its_position_and_path() -> None:
    bad = copy.deepcopy(DOC)
    bad["salesAndTrafficByDate"].append(copy.deepcopy(bad["salesAndTrafficByDate"][0]))
    del bad["salesAndTrafficByDate"][0]["trafficByDate"]["sessions"]
    bad["salesAndTrafficByAsin"][0]["salesByAsin"]["unitsOrdered"] = "three"
    log = ParseLog()
    facts = parse(bad, log)
    assert len(facts) == 1
    assert log.rows == 3
    assert [(e.line, e.column) for e in log.rejected] == [
        (1, "salesAndTrafficByDate[0].trafficByDate.sessions"),
        (1, "salesAndTrafficByAsin[0].salesByAsin.unitsOrdered"),
    ]


def test_not_json_or_not_an_object_is_document_corrupt_and_empty_is_empty() -> None:
    with pytest.raises(DocumentCorrupt, match="line 2"):
        parse(b'{\n"salesAndTrafficByDate": [,]}')
    with pytest.raises(DocumentCorrupt):
        parse(b"[1, 2]")
    assert parse(b"") == []


def test_real_sample_parses_and_validates_against_the_official_schema() -> None:
    if not SAMPLE.exists():
        pytest.skip("sample documents not present")
    document = json.loads(SAMPLE.read_text())
    if SCHEMA.exists():
        import jsonschema

        jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    log = ParseLog()
    facts = parse(SAMPLE.read_bytes(), log)
    assert log.rejected_count == 0
    by_date = [f for f in facts if isinstance(f, TrafficByDateFact)]
    by_asin = [f for f in facts if isinstance(f, TrafficByAsinFact)]
    assert len(by_date) == len(document["salesAndTrafficByDate"])
    assert len(by_asin) == len(document["salesAndTrafficByAsin"])
    assert by_date[0].ordered_product_sales == Decimal("238.44")
    assert by_date[0].marketplace_id == US
    assert all(f.day == date(2021, 6, 11) for f in by_asin)


def test_a_documents_by_asin_rows_reach_the_sink_together_after_its_other_facts() -> None:
    # Given a document of one day with 60 ASINs (more than a batch)
    document = copy.deepcopy(DOC)
    item = document["salesAndTrafficByAsin"][0]
    document["salesAndTrafficByAsin"] = [{**item, "childAsin": f"B0{n:08d}"} for n in range(60)]
    sink = CountingSink(keep=True)
    # When it is ingested in batches of 25
    result = ingest_document(
        REPORT, [json.dumps(document).encode()], seller_id="S1", marketplace_id=US, compression=None,
        sink=sink, batch_size=25,
    )  # fmt: skip
    # Then the by-date fact goes in its batch, and the 60 by-ASIN rows in one write at the end: the
    # store replaces the day's rows with those of one write
    assert (result.written, sink.batches) == (61, 2)
    assert isinstance(sink.items[0], TrafficByDateFact)
    assert [f.child_asin for f in sink.items[1:] if isinstance(f, TrafficByAsinFact)] == [
        f"B0{n:08d}" for n in range(60)
    ]


def test_a_damaged_document_stores_none_of_its_by_asin_rows() -> None:
    # A day's rows cut short must not replace the day stored before
    sink = CountingSink(keep=True)
    with pytest.raises(DocumentCorrupt) as raised:
        ingest_document(
            REPORT, [json.dumps(DOC).encode()[:-40]], seller_id="S1", marketplace_id=US, compression=None,
            sink=sink,
        )  # fmt: skip
    assert not any(isinstance(f, TrafficByAsinFact) for f in sink.items)
    assert raised.value.written == len(sink.items)
