"""FBA inventory → InventoryFact, from the GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA report and from
FBA Inventory `getInventorySummaries` summaries.

Report columns required: sku, afn-fulfillable-quantity, afn-unsellable-quantity,
afn-reserved-quantity, afn-inbound-working-quantity, afn-inbound-shipped-quantity,
afn-inbound-receiving-quantity (the quantities the fact is made of); optional: asin, fnsku,
condition. An empty quantity cell is 0 (Amazon leaves them blank); a non-number is a bad row.
A row repeating the header is rejected. The report carries no time: `as_of` is when it was taken.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from sellerflow.errors import InvalidInput
from sellerflow.facts import InventoryFact
from sellerflow.reports.formats import parse_iso_datetime
from sellerflow.reports.stream import Table

REPORT_TYPE = "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA"
QUANTITIES = (
    ("fulfillable", "afn-fulfillable-quantity"),
    ("inbound_working", "afn-inbound-working-quantity"),
    ("inbound_shipped", "afn-inbound-shipped-quantity"),
    ("inbound_receiving", "afn-inbound-receiving-quantity"),
    ("reserved", "afn-reserved-quantity"),
    ("unfulfillable", "afn-unsellable-quantity"),
)
REQUIRED = ("sku", *(column for _, column in QUANTITIES))
OPTIONAL = ("asin", "fnsku", "condition")


def parse_myi_inventory(
    table: Table, *, seller_id: str, marketplace_id: str, as_of: datetime
) -> Iterator[InventoryFact]:
    if table.empty:
        return
    ix = table.columns(REQUIRED, OPTIONAL)
    width = len(table.header or [])
    i_sku = ix["sku"]
    i_asin, i_fnsku, i_cond = (ix.get(name, width) for name in OPTIONAL)
    quantity_columns = [(field, column, ix[column]) for field, column in QUANTITIES]
    as_of = as_of.astimezone(UTC)
    for row in table:
        row.append("")
        sku = row[i_sku].strip()
        if not sku:
            table.reject("sku", "is empty")
            continue
        if sku == "sku" and row[quantity_columns[0][2]].strip() == quantity_columns[0][1]:
            table.reject(None, "the row repeats the header")
            continue
        quantities: dict[str, int] = {}
        bad = None
        for field, column, position in quantity_columns:
            text = row[position].strip()
            try:
                value = int(text) if text else 0
            except ValueError:
                bad = column
                break
            if value < 0:
                bad = column
                break
            quantities[field] = value
        if bad is not None:
            table.reject(bad, "is not a whole number of units")
            continue
        yield InventoryFact(
            seller_id=seller_id,
            marketplace_id=marketplace_id,
            sku=sku,
            asin=row[i_asin].strip() or None,
            fnsku=row[i_fnsku].strip() or None,
            condition=row[i_cond].strip() or None,
            as_of=as_of,
            **quantities,
        )


def _count(value: Any, where: str, sku: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"inventory summary for sku {sku!r}: {where} is not a whole number of units")
    return int(value)


def inventory_fact_from_summary(
    seller_id: str, marketplace_id: str, summary: Mapping[str, Any], *, as_of: datetime
) -> InventoryFact:
    """Map one FBA Inventory v1 `InventorySummary` (called with `details=true`).

    `marketplace_id` is the request's granularityId. `lastUpdatedTime` is the fact's time when
    present, else `as_of` (the time of the call). Missing quantities are 0; researching quantities
    are not part of the fact.
    """
    sku = summary.get("sellerSku")
    if not isinstance(sku, str) or not sku:
        raise InvalidInput("inventory summary has no sellerSku")
    details = summary.get("inventoryDetails") or {}
    reserved = details.get("reservedQuantity") or {}
    unfulfillable = details.get("unfulfillableQuantity") or {}
    updated_text = summary.get("lastUpdatedTime")
    moment = as_of
    if isinstance(updated_text, str) and updated_text:
        try:
            moment = parse_iso_datetime(updated_text)
        except ValueError as exc:
            raise InvalidInput(f"inventory summary for sku {sku!r}: lastUpdatedTime {exc}") from None
    return InventoryFact(
        seller_id=seller_id,
        marketplace_id=marketplace_id,
        sku=sku,
        asin=summary.get("asin") or None,
        fnsku=summary.get("fnSku") or None,
        condition=summary.get("condition") or None,
        fulfillable=_count(details.get("fulfillableQuantity"), "fulfillableQuantity", sku),
        inbound_working=_count(details.get("inboundWorkingQuantity"), "inboundWorkingQuantity", sku),
        inbound_shipped=_count(details.get("inboundShippedQuantity"), "inboundShippedQuantity", sku),
        inbound_receiving=_count(details.get("inboundReceivingQuantity"), "inboundReceivingQuantity", sku),
        reserved=_count(reserved.get("totalReservedQuantity"), "totalReservedQuantity", sku),
        unfulfillable=_count(
            unfulfillable.get("totalUnfulfillableQuantity"), "totalUnfulfillableQuantity", sku
        ),
        as_of=moment.astimezone(UTC),
    )
