"""FBA inventory: the MYI report and getInventorySummaries summaries → InventoryFact."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sellerflow.errors import InvalidInput
from sellerflow.facts import InventoryFact
from sellerflow.reports import MissingColumns, ParseLog, inventory_fact_from_summary, parse_document

REPORT = "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA"
US = "ATVPDKIKX0DER"
AS_OF = datetime(2026, 11, 5, 6, 0, tzinfo=UTC)
SAMPLE = Path("/work/shared/spapi/samples/airbyte/unit_tests/resource/http/response") / f"{REPORT}.csv"
COLUMNS = [
    "sku",
    "fnsku",
    "asin",
    "product-name",
    "condition",
    "your-price",
    "mfn-listing-exists",
    "mfn-fulfillable-quantity",
    "afn-listing-exists",
    "afn-warehouse-quantity",
    "afn-fulfillable-quantity",
    "afn-unsellable-quantity",
    "afn-reserved-quantity",
    "afn-total-quantity",
    "per-unit-volume",
    "afn-inbound-working-quantity",
    "afn-inbound-shipped-quantity",
    "afn-inbound-receiving-quantity",
    "afn-researching-quantity",
    "afn-reserved-future-supply",
    "afn-future-supply-buyable",
]


def doc(*rows: dict[str, str], columns: list[str] = COLUMNS) -> bytes:
    body = ["\t".join(columns), *("\t".join(r.get(c, "") for c in columns) for r in rows)]
    return ("\n".join(body) + "\n").encode()


ROW = {
    "sku": "MUG-1",
    "fnsku": "X00001",
    "asin": "B000000001",
    "product-name": "Blue Mug",
    "condition": "New",
    "your-price": "12.50",
    "afn-fulfillable-quantity": "40",
    "afn-unsellable-quantity": "2",
    "afn-reserved-quantity": "3",
    "afn-inbound-working-quantity": "10",
    "afn-inbound-shipped-quantity": "5",
    "afn-inbound-receiving-quantity": "1",
    "afn-total-quantity": "61",
}


def parse(data: bytes, log: ParseLog | None = None) -> list[InventoryFact]:
    return list(parse_document(REPORT, [data], seller_id="S1", marketplace_id=US, log=log, as_of=AS_OF))  # type: ignore[arg-type]


def test_report_row_to_fact() -> None:
    (fact,) = parse(doc(ROW))
    assert fact == InventoryFact(
        seller_id="S1",
        marketplace_id=US,
        sku="MUG-1",
        asin="B000000001",
        fnsku="X00001",
        condition="New",
        fulfillable=40,
        inbound_working=10,
        inbound_shipped=5,
        inbound_receiving=1,
        reserved=3,
        unfulfillable=2,
        as_of=AS_OF,
    )
    assert fact.inbound == 16


def test_blank_quantities_are_zero_and_bad_ones_reject_the_row() -> None:
    log = ParseLog()
    facts = parse(doc({"sku": "A"}, {**ROW, "afn-reserved-quantity": "3.5"}, {**ROW, "sku": "C"}), log)
    assert [f.sku for f in facts] == ["A", "C"]
    assert facts[0].fulfillable == 0
    assert (log.rejected[0].line, log.rejected[0].column) == (3, "afn-reserved-quantity")


def test_reordered_columns_with_extras_and_missing_required() -> None:
    assert parse(doc(ROW, columns=[*reversed(COLUMNS), "new-col"])) == parse(doc(ROW))
    with pytest.raises(MissingColumns, match="afn-fulfillable-quantity"):
        parse(doc(ROW, columns=[c for c in COLUMNS if c != "afn-fulfillable-quantity"]))


def test_real_sample_repeats_the_header_which_is_rejected() -> None:
    if not SAMPLE.exists():
        pytest.skip("sample documents not present")
    log = ParseLog()
    assert parse(SAMPLE.read_bytes(), log) == []
    assert log.rejected_count == log.rows
    assert all("repeats the header" in e.reason for e in log.rejected)


SUMMARY: dict[str, Any] = {
    "asin": "B000000001",
    "fnSku": "X00001",
    "sellerSku": "MUG-1",
    "condition": "NewItem",
    "lastUpdatedTime": "2026-11-04T22:10:00Z",
    "productName": "Blue Mug",
    "totalQuantity": 61,
    "inventoryDetails": {
        "fulfillableQuantity": 40,
        "inboundWorkingQuantity": 10,
        "inboundShippedQuantity": 5,
        "inboundReceivingQuantity": 1,
        "reservedQuantity": {"totalReservedQuantity": 3, "pendingCustomerOrderQuantity": 2},
        "researchingQuantity": {"totalResearchingQuantity": 0},
        "unfulfillableQuantity": {"totalUnfulfillableQuantity": 2, "customerDamagedQuantity": 2},
    },
}


def test_inventory_summary_to_fact() -> None:
    fact = inventory_fact_from_summary("S1", US, SUMMARY, as_of=AS_OF)
    assert (fact.sku, fact.fnsku, fact.condition, fact.fulfillable, fact.reserved, fact.unfulfillable) == (
        "MUG-1",
        "X00001",
        "NewItem",
        40,
        3,
        2,
    )
    assert fact.inbound == 16
    assert fact.as_of == datetime(2026, 11, 4, 22, 10, tzinfo=UTC)


def test_inventory_summary_without_details_or_time() -> None:
    fact = inventory_fact_from_summary("S1", US, {"sellerSku": "A", "lastUpdatedTime": ""}, as_of=AS_OF)
    assert fact.fulfillable == 0
    assert fact.inbound == 0
    assert fact.as_of == AS_OF
    with pytest.raises(InvalidInput):
        inventory_fact_from_summary("S1", US, {"asin": "B1"}, as_of=AS_OF)
    with pytest.raises(InvalidInput, match="fulfillableQuantity"):
        inventory_fact_from_summary(
            "S1", US, {"sellerSku": "A", "inventoryDetails": {"fulfillableQuantity": -1}}, as_of=AS_OF
        )


def test_summary_fields_match_the_official_model() -> None:
    model = Path("/work/shared/spapi/models/fba-inventory-api-model/fbaInventory.json")
    if not model.exists():
        pytest.skip("models not present")
    import json

    definitions = json.loads(model.read_text())["definitions"]
    assert set(SUMMARY) - {"stores"} <= set(definitions["InventorySummary"]["properties"])
    assert set(SUMMARY["inventoryDetails"]) <= set(definitions["InventoryDetails"]["properties"])
