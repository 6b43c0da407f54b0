"""From an SP-API order document to Sellerflow's Order: pure, and the only place that knows both."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from sellerflow.amazon import spapi as sp
from sellerflow.domain import Order, OrderLine
from sellerflow.errors import InvalidInput
from sellerflow.marketplaces import MARKETPLACES


def _breakdown(item: sp.OrderItem, kind: str) -> Decimal | None:
    if item.proceeds is None:
        return None
    amounts = [b.subtotal.amount for b in item.proceeds.breakdowns if b.type == kind]
    return sum(amounts, Decimal(0)) if amounts else None


def _line(item: sp.OrderItem) -> OrderLine:
    unit = item.product.price.unit_price if item.product.price else None
    discount = _breakdown(item, "DISCOUNT")
    return OrderLine(
        order_item_id=item.order_item_id,
        asin=item.product.asin,
        seller_sku=item.product.seller_sku,
        title=item.product.title,
        quantity_ordered=item.quantity_ordered,
        quantity_shipped=(item.fulfillment.quantity_fulfilled or 0) if item.fulfillment else 0,
        unit_price=unit.amount if unit else None,
        item_price=_breakdown(item, "ITEM"),
        shipping_price=_breakdown(item, "SHIPPING"),
        promotion_discount=abs(discount) if discount is not None else None,
        proceeds_total=item.proceeds.proceeds_total.amount
        if item.proceeds and item.proceeds.proceeds_total
        else None,
        promotion_ids=tuple(b.promotion_id for b in item.promotion.breakdowns if b.promotion_id)
        if item.promotion
        else (),
    )


def to_order(seller_id: str, document: Mapping[str, Any]) -> Order:
    """Map one searchOrders/getOrder document; buyer and recipient are never read."""
    order_id = str(document.get("orderId", "?"))
    try:
        parsed = sp.Order.model_validate(document)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise InvalidInput(f"order {order_id} does not match the Orders model: {', '.join(fields)}") from None
    marketplace_id = parsed.sales_channel.marketplace_id or ""
    marketplace = MARKETPLACES.get(marketplace_id)
    if marketplace is None:
        raise InvalidInput(f"order {order_id} is in unknown marketplace {marketplace_id!r}")
    total = parsed.proceeds.grand_total if parsed.proceeds else None
    currency = total.currency_code if total else marketplace.currency
    return Order(
        seller_id=seller_id,
        order_id=parsed.order_id,
        marketplace_id=marketplace_id,
        created_time=parsed.created_time,
        last_updated_time=parsed.last_updated_time,
        local_date=parsed.created_time.astimezone(marketplace.tz).date(),
        status=parsed.fulfillment.fulfillment_status if parsed.fulfillment else "PENDING",
        fulfilled_by=parsed.fulfillment.fulfilled_by if parsed.fulfillment else None,
        fulfillment_service_level=parsed.fulfillment.fulfillment_service_level
        if parsed.fulfillment
        else None,
        ship_by=parsed.fulfillment.ship_by_window.latest
        if parsed.fulfillment and parsed.fulfillment.ship_by_window
        else None,
        deliver_by=parsed.fulfillment.deliver_by_window.latest
        if parsed.fulfillment and parsed.fulfillment.deliver_by_window
        else None,
        currency=currency,
        order_total=total.amount if total else None,
        programs=tuple(sorted(parsed.programs)),
        lines=tuple(_line(item) for item in parsed.order_items),
    )
