"""The caller's sellers and a seller's orders.

    GET /sellers                                 the caller's sellers (with the caller's role)
    GET /sellers/{sellerId}/orders               one page of a seller's orders, newest first, each with
                                                 its units, sales, fees, refunds, COGS and profit
    GET /sellers/{sellerId}/orders/{orderId}     one order

Support's role lacks ORDER_MONEY_READ: its orders come with every money field null.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalice.app import Blueprint, Response

from sellerflow.analytics.order_profit import OrderEconomics
from sellerflow.api.context import ApiContext, json_response
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.api.models import (
    ORDERS_QUERY_PARAMS,
    OrderOut,
    OrderPageOut,
    SellerOut,
    SellersOut,
    parse_orders_query,
)
from sellerflow.api.plan_limits import require_history
from sellerflow.domain import Order
from sellerflow.members.permissions import Permission


def _figures(ctx: ApiContext, seller_id: str, orders: Sequence[Order]) -> dict[str, OrderEconomics]:
    """The orders' fees and profit, when the deployment gives them (`ApiPorts.order_figures`)."""
    port = ctx.ports.order_figures
    return port.order_economics(seller_id, orders, ctx.now()) if port is not None else {}


def seller_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    @bp.get("/sellers", RouteDoc(SellersOut))
    def list_sellers() -> Response:
        """The caller's sellers, with the caller's role in each."""
        who = ctx.signed_in()
        views = ctx.access.my_sellers(who)
        return json_response(SellersOut(sellers=[SellerOut.of(v.profile, v.role) for v in views]))

    @bp.get("/sellers/{sellerId}/orders", RouteDoc(OrderPageOut, query=ORDERS_QUERY_PARAMS, errors=(402,)))
    def list_orders(sellerId: str) -> Response:
        """One page of a seller's orders, newest first (ORDERS_READ)."""
        who, granted = ctx.member(sellerId, Permission.ORDERS_READ)
        query = parse_orders_query(ctx.query_params(), now=ctx.now())
        require_history(ctx.ports, sellerId, query.created_from.date(), ctx.now().date())
        page = ctx.access.list_orders(who, sellerId, query, access=granted)
        money = ctx.access.allows(granted, Permission.ORDER_MONEY_READ)  # support: money fields null
        figures = _figures(ctx, sellerId, page.orders) if money else {}
        orders = [OrderOut.of(o, with_money=money, economics=figures.get(o.order_id)) for o in page.orders]
        return json_response(OrderPageOut(orders=orders, next_token=page.next_token))

    @bp.get("/sellers/{sellerId}/orders/{orderId}", RouteDoc(OrderOut))
    def get_order(sellerId: str, orderId: str) -> Response:
        """One order (ORDERS_READ; money fields only with ORDER_MONEY_READ)."""
        who, granted = ctx.member(sellerId, Permission.ORDERS_READ)
        ctx.query()
        order = ctx.access.get_order(who, sellerId, orderId, access=granted)
        money = ctx.access.allows(granted, Permission.ORDER_MONEY_READ)
        figures = _figures(ctx, sellerId, [order]) if money else {}
        lookup = ctx.ports.shipments
        shipment = lookup.shipment(sellerId, orderId) if lookup is not None else None
        return json_response(
            OrderOut.of(order, with_money=money, economics=figures.get(order.order_id), shipment=shipment)
        )

    return bp
