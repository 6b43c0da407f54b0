"""Finances 2024-06-19 `listTransactions` and FBA inventory v1 `getInventorySummaries`.

listTransactions: ``postedAfter`` is required (unless ``relatedIdentifierName=ORDER_ID`` with a
value is given) and must be more than two minutes before the request; ``postedBefore`` (default:
two minutes before the request) must be after ``postedAfter`` and more than two minutes before
the request. When the two are more than 180 days apart the response is empty, as the model says.
Results are ordered by (postedDate, transactionId) and keyset-paged (`SimConfig.transactions_page_size`);
the nextToken is bound to the seller and the query, and the upper bound is frozen into it.

A transaction's ``breakdowns`` nest the leaf types (ProductCharges, ReferralFee, ...) under group
types (Sales, AmazonFees, Reimbursements); a group's amount is the sum of its leaves and the
transaction's ``totalAmount`` the sum of all leaves. ``items`` repeat the per-item leaves, with
the SKU, ASIN and quantity in a ProductContext.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sellerflow_dev.simulator.ledger import BREAKDOWN_GROUPS, SimAmount, SimInventory, SimTransaction
from sellerflow_dev.simulator.order_model import iso
from sellerflow_dev.simulator.orders_api import MIN_BEFORE_LAG, QueryParams, invalid
from sellerflow_dev.simulator.world import SimWorld

MAX_RANGE = timedelta(days=180)
_TOKEN_VERSION = 1
_ACCOUNT_TYPES = {"Shipment": "Standard Orders", "Refund": "Standard Orders"}


def _parse_time(name: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise invalid(f"{name} must be an ISO 8601 date-time, got {value!r}.") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _single(params: QueryParams, name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise invalid(f"{name} may only be given once.")
    return values[0]


def _binding(*parts: object) -> str:
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()[:24]


def _encode(payload: dict[str, Any]) -> str:
    raw = json.dumps({"v": _TOKEN_VERSION, **payload}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, name: str) -> dict[str, Any]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(payload, dict) or payload.get("v") != _TOKEN_VERSION:
            raise ValueError("version")
        return payload
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid(f"{name} is not a valid token.") from None


# --- listTransactions ---------------------------------------------------------------------------------
def _currency(amount: Decimal, currency: str) -> dict[str, Any]:
    value: float | int = int(amount) if currency == "JPY" else float(amount)
    return {"currencyCode": currency, "currencyAmount": value}


def _breakdowns(amounts: list[SimAmount], currency: str) -> list[dict[str, Any]]:
    groups: dict[str, list[SimAmount]] = {}
    for amount in amounts:
        groups.setdefault(BREAKDOWN_GROUPS.get(amount.breakdown_type, "Other"), []).append(amount)
    rendered = []
    for group, members in groups.items():
        leaves: dict[str, Decimal] = {}
        for member in members:
            leaves[member.breakdown_type] = leaves.get(member.breakdown_type, Decimal(0)) + member.amount
        rendered.append(
            {
                "breakdownType": group,
                "breakdownAmount": _currency(sum(leaves.values(), Decimal(0)), currency),
                "breakdowns": [
                    {"breakdownType": kind, "breakdownAmount": _currency(value, currency)}
                    for kind, value in leaves.items()
                ],
            }
        )
    return rendered


def render_transaction(transaction: SimTransaction, settlement_id: str | None) -> dict[str, Any]:
    """A transaction as listTransactions returns it (a model `Transaction`)."""
    market = transaction.market
    currency = transaction.currency
    related: list[dict[str, str]] = []
    if transaction.order_id:
        related.append({"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": transaction.order_id})
    if transaction.shipment_id:
        related.append(
            {"relatedIdentifierName": "SHIPMENT_ID", "relatedIdentifierValue": transaction.shipment_id}
        )
    if transaction.transaction_type == "Refund" and transaction.adjustment_id:
        related.append(
            {"relatedIdentifierName": "REFUND_ID", "relatedIdentifierValue": transaction.adjustment_id}
        )
    if settlement_id:
        related.append({"relatedIdentifierName": "SETTLEMENT_ID", "relatedIdentifierValue": settlement_id})
    items = []
    for item in transaction.items:
        rendered_item: dict[str, Any] = {
            "description": item.sku,
            "totalAmount": _currency(item.total, currency),
            "breakdowns": _breakdowns(list(item.amounts), currency),
            "contexts": [
                {
                    "contextType": "ProductContext",
                    "asin": item.asin,
                    "sku": item.sku,
                    "quantityShipped": item.quantity,
                    "fulfillmentNetwork": transaction.fulfillment or "MFN",
                }
            ],
        }
        if item.adjustment_item_id:
            rendered_item["relatedIdentifiers"] = [
                {
                    "itemRelatedIdentifierName": "ORDER_ADJUSTMENT_ITEM_ID",
                    "itemRelatedIdentifierValue": item.adjustment_item_id,
                }
            ]
        items.append(rendered_item)
    document: dict[str, Any] = {
        "sellingPartnerMetadata": {
            "sellingPartnerId": transaction.seller_id,
            "accountType": _ACCOUNT_TYPES.get(transaction.transaction_type, "Standard Orders"),
            "marketplaceId": transaction.marketplace_id,
        },
        "relatedIdentifiers": related,
        "transactionType": transaction.transaction_type,
        "transactionId": transaction.transaction_id,
        "transactionStatus": "RELEASED",
        "description": transaction.description,
        "postedDate": iso(transaction.posted),
        "totalAmount": _currency(transaction.total, currency),
        "marketplaceDetails": {"marketplaceId": market.marketplace_id, "marketplaceName": market.name},
        "items": items,
        "breakdowns": _breakdowns(transaction.leaves(), currency),
    }
    return document


def list_transactions(
    world: SimWorld, seller_id: str, params: QueryParams, now: datetime, page_size: int
) -> dict[str, Any]:
    """One page of listTransactions for the seller (a `ListTransactionsResponse`)."""
    query = _TransactionsQuery.from_params(params)
    latest = now - MIN_BEFORE_LAG
    after = query.posted_after(latest)
    if (
        query.marketplace_id is not None
        and query.marketplace_id not in world.seller(seller_id).marketplace_ids
    ):
        raise invalid(f"marketplaceId {query.marketplace_id} is not a marketplace of this seller.")
    binding = _binding(
        seller_id,
        query.after_raw,
        query.before_raw,
        query.marketplace_id,
        query.identifier_name,
        query.identifier_value,
        query.status,
    )
    before, last_key = query.page_window(binding, after, latest)
    if before - after > MAX_RANGE and query.identifier_name is None:
        return {"payload": {"transactions": []}}
    settlements = _settlement_index(world, seller_id)
    matching = []
    for transaction in world.transactions(seller_id):
        if not after <= transaction.posted < before:
            continue
        settlement_id = settlements.get(transaction.transaction_id)
        if not query.admits(transaction, settlement_id):
            continue
        sort_key = (iso(transaction.posted), transaction.transaction_id)
        if last_key is not None and sort_key <= last_key:
            continue
        matching.append((sort_key, transaction, settlement_id))
    page = matching[:page_size]
    payload_out: dict[str, Any] = {"transactions": [render_transaction(t, s) for _, t, s in page]}
    if len(matching) > len(page):
        payload_out["nextToken"] = _encode({"b": binding, "u": iso(before), "k": list(page[-1][0])})
    return {"payload": payload_out}


@dataclass(frozen=True)
class _TransactionsQuery:
    """listTransactions' parameters as given (their raw text also binds a nextToken to the query)."""

    after_raw: str | None
    before_raw: str | None
    marketplace_id: str | None
    identifier_name: str | None
    identifier_value: str | None
    status: str | None
    token: str | None

    @classmethod
    def from_params(cls, params: QueryParams) -> _TransactionsQuery:
        query = cls(
            after_raw=_single(params, "postedAfter"),
            before_raw=_single(params, "postedBefore"),
            marketplace_id=_single(params, "marketplaceId"),
            identifier_name=_single(params, "relatedIdentifierName"),
            identifier_value=_single(params, "relatedIdentifierValue"),
            status=_single(params, "transactionStatus"),
            token=_single(params, "nextToken"),
        )
        if query.identifier_name is not None and query.identifier_name not in {
            "ORDER_ID",
            "FINANCIAL_EVENT_GROUP_ID",
        }:
            raise invalid("relatedIdentifierName must be ORDER_ID or FINANCIAL_EVENT_GROUP_ID.")
        if (query.identifier_name is None) != (query.identifier_value is None):
            raise invalid("relatedIdentifierName and relatedIdentifierValue must be given together.")
        if query.after_raw is None and query.identifier_name is None:
            raise invalid("postedAfter is required when no related identifier is given.")
        return query

    def posted_after(self, latest: datetime) -> datetime:
        if self.after_raw is None:
            return datetime(2000, 1, 1, tzinfo=UTC)
        after = _parse_time("postedAfter", self.after_raw)
        if after >= latest:
            raise invalid(
                f"postedAfter must be more than two minutes before the time of the request, got {self.after_raw!r}."
            )
        return after

    def page_window(
        self, binding: str, after: datetime, latest: datetime
    ) -> tuple[datetime, tuple[str, str] | None]:
        """(posted before, the sort key of the last transaction already given) of this page."""
        if self.token is not None:
            payload = _decode(self.token, "nextToken")
            if payload.get("b") != binding:
                raise invalid(
                    "nextToken does not belong to this seller and query; repeat the original arguments."
                )
            key = payload.get("k")
            return _parse_time("nextToken", str(payload["u"])), (str(key[0]), str(key[1])) if key else None
        if self.before_raw is None:
            return latest, None
        before = _parse_time("postedBefore", self.before_raw)
        if before <= after:
            raise invalid(f"postedBefore must be later than postedAfter, got {self.before_raw!r}.")
        if before > latest:
            raise invalid(
                f"postedBefore must be more than two minutes before the time of the request, got {self.before_raw!r}."
            )
        return before, None

    def admits(self, transaction: SimTransaction, settlement_id: str | None) -> bool:
        if self.marketplace_id is not None and transaction.marketplace_id != self.marketplace_id:
            return False
        if self.identifier_name == "ORDER_ID" and transaction.order_id != self.identifier_value:
            return False
        if self.identifier_name == "FINANCIAL_EVENT_GROUP_ID" and settlement_id != self.identifier_value:
            return False
        return self.status is None or self.status == "RELEASED"


def _settlement_index(world: SimWorld, seller_id: str) -> dict[str, str]:
    return {
        line.transaction_id: settlement.settlement_id
        for settlement in world.settlements(seller_id)
        for line in settlement.lines
    }


# --- getInventorySummaries ----------------------------------------------------------------------------
def _inventory_summary(row: SimInventory, details: bool) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "asin": row.asin,
        "fnSku": row.fnsku,
        "sellerSku": row.sku,
        "condition": row.condition,
    }
    if details:
        summary["inventoryDetails"] = {
            "fulfillableQuantity": row.fulfillable,
            "inboundWorkingQuantity": row.inbound_working,
            "inboundShippedQuantity": row.inbound_shipped,
            "inboundReceivingQuantity": row.inbound_receiving,
            "reservedQuantity": {
                "totalReservedQuantity": row.reserved,
                "pendingCustomerOrderQuantity": row.pending_customer_order,
                "pendingTransshipmentQuantity": row.pending_transshipment,
                "fcProcessingQuantity": row.fc_processing,
            },
            "researchingQuantity": {
                "totalResearchingQuantity": 0,
                "researchingQuantityBreakdown": [
                    {"name": "researchingQuantityInShortTerm", "quantity": 0},
                    {"name": "researchingQuantityInMidTerm", "quantity": 0},
                    {"name": "researchingQuantityInLongTerm", "quantity": 0},
                ],
            },
            "unfulfillableQuantity": {
                "totalUnfulfillableQuantity": row.unfulfillable,
                "customerDamagedQuantity": row.customer_damaged,
                "warehouseDamagedQuantity": row.warehouse_damaged,
                "distributorDamagedQuantity": 0,
                "carrierDamagedQuantity": row.carrier_damaged,
                "defectiveQuantity": row.defective,
                "expiredQuantity": 0,
            },
        }
    summary["lastUpdatedTime"] = iso(row.last_updated)
    summary["productName"] = row.title
    summary["totalQuantity"] = row.total
    return summary


def get_inventory_summaries(
    world: SimWorld, seller_id: str, params: QueryParams, page_size: int
) -> dict[str, Any]:
    """One page of getInventorySummaries (a `GetInventorySummariesResponse`)."""
    granularity_type = _single(params, "granularityType")
    granularity_id = _single(params, "granularityId")
    markets = [part for value in params.get("marketplaceIds", ()) for part in value.split(",") if part]
    if granularity_type != "Marketplace":
        raise invalid("granularityType is required and must be Marketplace.")
    if not granularity_id:
        raise invalid("granularityId is required.")
    if len(markets) != 1:
        raise invalid("marketplaceIds is required and takes exactly one marketplace id.")
    if granularity_id != markets[0]:
        raise invalid("granularityId must be the marketplace id given in marketplaceIds.")
    if markets[0] not in world.seller(seller_id).marketplace_ids:
        raise invalid(f"marketplaceIds: {markets[0]} is not a marketplace of this seller.")
    details = (_single(params, "details") or "false").lower() == "true"
    skus = {part for value in params.get("sellerSkus", ()) for part in value.split(",") if part}
    single_sku = _single(params, "sellerSku")
    if single_sku:
        skus.add(single_sku)
    start_raw = _single(params, "startDateTime")
    start = _parse_time("startDateTime", start_raw) if start_raw is not None else None
    rows = [
        row
        for row in world.inventory(seller_id)
        if row.marketplace_id == markets[0]
        and (not skus or row.sku in skus)
        and (start is None or row.last_updated >= start)
    ]
    rows.sort(key=lambda row: row.sku)
    binding = _binding(seller_id, markets[0], sorted(skus), start_raw)
    token = _single(params, "nextToken")
    if token is not None:
        payload = _decode(token, "nextToken")
        if payload.get("b") != binding:
            raise invalid("nextToken does not belong to this seller and query.")
        rows = [row for row in rows if row.sku > str(payload.get("k"))]
    page = rows[:page_size]
    response: dict[str, Any] = {
        "payload": {
            "granularity": {"granularityType": "Marketplace", "granularityId": markets[0]},
            "inventorySummaries": [_inventory_summary(row, details) for row in page],
        }
    }
    if len(rows) > len(page):
        response["pagination"] = {"nextToken": _encode({"b": binding, "k": page[-1].sku})}
    return response
