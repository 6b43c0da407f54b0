"""The simulator's order state and its rendering as Orders API 2026-01-01 `Order` documents."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sellerflow.marketplaces import Marketplace, marketplace
from sellerflow_dev.simulator.catalog import CatalogItem, money

INCLUDED_DATA = frozenset(
    {
        "BUYER",
        "RECIPIENT",
        "PROCEEDS",
        "EXPENSE",
        "PROMOTION",
        "CANCELLATION",
        "FULFILLMENT",
        "PACKAGES",
        "TAX",
        "PAYMENT",
        "FULFILLMENT_ORDERS",
    }
)
FULFILLMENT_STATUSES = frozenset(
    {
        "PENDING_AVAILABILITY",
        "PENDING",
        "UNSHIPPED",
        "PARTIALLY_SHIPPED",
        "SHIPPED",
        "CANCELLED",
        "UNFULFILLABLE",
    }
)
FULFILLED_BY = frozenset({"MERCHANT", "AMAZON"})
# How an order moves on when the world's clock advances.
NEXT_STATUS = {"PENDING": "UNSHIPPED", "UNSHIPPED": "SHIPPED"}


def iso(moment: datetime) -> str:
    """UTC, second precision, "Z" suffix: how Amazon writes times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SimItem:
    order_item_id: str
    product: CatalogItem
    quantity: int
    unit_price: Decimal
    shipping: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)  # positive amount taken off by the promotion
    promotion_id: str | None = None
    points: int = 0  # Amazon Points granted (JP)

    def breakdowns(self, cancelled: bool) -> list[tuple[str, Decimal]]:
        """Proceeds per category for this item; a cancelled item earns nothing."""
        if cancelled:
            return [("ITEM", Decimal(0))]
        rows = [("ITEM", self.unit_price * self.quantity)]
        if self.shipping:
            rows.append(("SHIPPING", self.shipping))
        if self.discount:
            rows.append(("DISCOUNT", -self.discount))
        return rows


@dataclass
class SimOrder:
    order_id: str
    seller_id: str
    marketplace_id: str
    created: datetime
    last_updated: datetime
    status: str
    fulfilled_by: str
    service_level: str
    items: list[SimItem]
    buyer: dict[str, Any]
    recipient: dict[str, Any]
    programs: list[str] = field(default_factory=list)
    shipped_at: datetime | None = None
    tracking_number: str | None = None
    cancel_reason: str | None = None

    @property
    def market(self) -> Marketplace:
        return marketplace(self.marketplace_id)

    def transition(self, status: str, at: datetime, tracking_number: str | None = None) -> None:
        self.status = status
        self.last_updated = at
        if status == "SHIPPED":
            self.shipped_at = at
            if self.fulfilled_by == "MERCHANT":
                self.tracking_number = tracking_number


def render_order(order: SimOrder, included: Iterable[str]) -> dict[str, Any]:
    """The order as searchOrders/getOrder return it for `included` (includedData values)."""
    wanted = frozenset(included)
    market = order.market
    document: dict[str, Any] = {
        "orderId": order.order_id,
        "createdTime": iso(order.created),
        "lastUpdatedTime": iso(order.last_updated),
    }
    if order.programs:
        document["programs"] = list(order.programs)
    document["salesChannel"] = {
        "channelName": "AMAZON",
        "marketplaceId": market.marketplace_id,
        "marketplaceName": market.name,
    }
    if "BUYER" in wanted:
        document["buyer"] = dict(order.buyer)
    if "RECIPIENT" in wanted:
        document["recipient"] = {"deliveryAddress": dict(order.recipient["deliveryAddress"])}
    if "PROCEEDS" in wanted:
        document["proceeds"] = _order_proceeds(order, market)
    if "FULFILLMENT" in wanted:
        document["fulfillment"] = _order_fulfillment(order)
    document["orderItems"] = [_render_item(order, item, market, wanted) for item in order.items]
    if "PACKAGES" in wanted and order.fulfilled_by == "MERCHANT" and order.shipped_at is not None:
        document["packages"] = [_package(order)]
    return document


def _order_proceeds(order: SimOrder, market: Marketplace) -> dict[str, Any]:
    cancelled = order.status == "CANCELLED"
    totals: dict[str, Decimal] = {}
    for item in order.items:
        for kind, amount in item.breakdowns(cancelled):
            totals[kind] = totals.get(kind, Decimal(0)) + amount
    return {
        "grandTotal": money(sum(totals.values(), Decimal(0)), market),
        "breakdowns": [{"type": kind, "subtotal": money(amount, market)} for kind, amount in totals.items()],
    }


def _order_fulfillment(order: SimOrder) -> dict[str, Any]:
    return {
        "fulfillmentStatus": order.status,
        "fulfilledBy": order.fulfilled_by,
        "fulfillmentServiceLevel": order.service_level,
        "shipByWindow": {
            "earliestDateTime": iso(order.created),
            "latestDateTime": iso(order.created + timedelta(days=2)),
        },
        "deliverByWindow": {
            "earliestDateTime": iso(order.created + timedelta(days=3)),
            "latestDateTime": iso(order.created + timedelta(days=7)),
        },
    }


def _render_item(
    order: SimOrder, item: SimItem, market: Marketplace, wanted: frozenset[str]
) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "orderItemId": item.order_item_id,
        "quantityOrdered": item.quantity,
        "product": {
            "asin": item.product.asin,
            "title": item.product.title,
            "sellerSku": item.product.sku,
            "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
            "price": {"unitPrice": money(item.unit_price, market)},
        },
    }
    cancelled = order.status == "CANCELLED"
    if "PROCEEDS" in wanted:
        rows = item.breakdowns(cancelled)
        rendered["proceeds"] = {
            "proceedsTotal": money(sum((amount for _, amount in rows), Decimal(0)), market),
            "breakdowns": [_item_breakdown(kind, amount, market) for kind, amount in rows],
        }
    if "EXPENSE" in wanted and item.points:
        rendered["expense"] = {
            "pointsCost": {
                "pointsGranted": {
                    "pointsNumber": item.points,
                    "pointsMonetaryValue": money(Decimal(item.points), market),
                }
            }
        }
    if "PROMOTION" in wanted and item.promotion_id:
        rendered["promotion"] = {"breakdowns": [{"promotionId": item.promotion_id}]}
    if "CANCELLATION" in wanted and cancelled:
        rendered["cancellation"] = {
            "cancellationRequest": {"requester": "BUYER", "cancelReason": order.cancel_reason or "NO_REASON"},
            "cancellationExecution": {"cancelledBy": "AMAZON", "cancelReason": "BUYER_CANCELED"},
        }
    if "FULFILLMENT" in wanted:
        shipped = item.quantity if order.status == "SHIPPED" else 0
        unfulfilled = 0 if order.status in {"SHIPPED", "CANCELLED"} else item.quantity
        rendered["fulfillment"] = {"quantityFulfilled": shipped, "quantityUnfulfilled": unfulfilled}
    return rendered


def _item_breakdown(kind: str, amount: Decimal, market: Marketplace) -> dict[str, Any]:
    row: dict[str, Any] = {"type": kind, "subtotal": money(amount, market)}
    if kind == "DISCOUNT":
        row["detailedBreakdowns"] = [{"subtype": "ITEM", "value": money(amount, market)}]
    return row


def _package(order: SimOrder) -> dict[str, Any]:
    assert order.shipped_at is not None
    return {
        "packageReferenceId": "1",
        "createdTime": iso(order.shipped_at - timedelta(hours=2)),
        "packageStatus": {"status": "SHIPPED", "detailedStatus": "PICKED_UP"},
        "carrier": "UPS" if order.market.country_code in {"US", "CA"} else "DHL",
        "shipTime": iso(order.shipped_at),
        "shippingService": "Standard",
        "trackingNumber": order.tracking_number or "",
        "packageItems": [
            {"orderItemId": item.order_item_id, "quantity": item.quantity} for item in order.items
        ],
    }
