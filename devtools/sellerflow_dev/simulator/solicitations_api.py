"""Solicitations API v1 (getSolicitationActionsForOrder, createProductReviewAndSellerFeedbackSolicitation).

Paths, the `marketplaceIds` query (required, exactly one), the HAL answers (`_links`, `_embedded`)
and the `ErrorList` bodies follow `solicitations-api-model/solicitations.json`. Amazon's rules,
judged on the request time (the simulated clock):

- the action is offered only for a delivered order, from 5 to 30 days after its delivery;
- never for an order that was refunded (a Refund transaction posted up to now) or cancelled;
- once per order: after a solicitation was sent the action is no longer offered, and a second
  create answers 400 (as does a create when the action is not offered, with the reason);
- an order of another seller, or an unknown one, is 404; an order asked with the wrong
  marketplace is 400.

Delivery: the simulator's packages arrive two days after shipping, never later than the order's
`deliverByWindow.latestDateTime` (purchase + 7 days). `sent(seller_id)` is the record of every
solicitation received (order id -> time), what the demo checks Sellerflow's own outcomes against.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from sellerflow_dev.simulator.order_model import SimOrder
from sellerflow_dev.simulator.orders_api import ApiError
from sellerflow_dev.simulator.world import SimWorld

SOLICITATIONS_PATH = "/solicitations/v1/orders"
ACTION = "productReviewAndSellerFeedback"
WINDOW_OPENS = timedelta(days=5)
WINDOW_CLOSES = timedelta(days=30)
TRANSIT = timedelta(days=2)
LATEST_DELIVERY = timedelta(days=7)  # the rendered deliverByWindow.latestDateTime: purchase + 7 days


def delivered_at(order: SimOrder) -> datetime | None:
    """When the simulator's order reached the buyer (None: not shipped, so not delivered)."""
    if order.status != "SHIPPED":
        return None
    shipped = order.shipped_at or order.created + timedelta(days=1)
    return min(shipped + TRANSIT, order.created + LATEST_DELIVERY)


class SolicitationService:
    def __init__(self, world: SimWorld) -> None:
        self.world = world
        self._sent: dict[str, dict[str, datetime]] = {}
        self._lock = threading.Lock()

    def sent(self, seller_id: str) -> dict[str, datetime]:
        """Every solicitation received for the seller: order id -> when."""
        with self._lock:
            return dict(self._sent.get(seller_id, {}))

    def actions(
        self, seller_id: str, order_id: str, query: Mapping[str, Sequence[str]], now: datetime
    ) -> dict[str, Any]:
        marketplace_id = self._marketplace(query)
        order = self._order(seller_id, order_id, marketplace_id)
        base = f"{SOLICITATIONS_PATH}/{quote(order_id)}"
        suffix = f"?marketplaceIds={marketplace_id}"
        offered = self._refusal(seller_id, order, now) is None
        return {
            "_links": {
                "self": {"href": base + suffix},
                "actions": [{"href": f"{base}/solicitations/{ACTION}{suffix}", "name": ACTION}]
                if offered
                else [],
            },
            "_embedded": {
                "actions": [
                    {
                        "_links": {
                            "self": {"href": f"{base}/solicitations/{ACTION}{suffix}"},
                            "schema": {"href": f"{base}/solicitations/{ACTION}/schema", "name": ACTION},
                        },
                        "payload": {"name": ACTION},
                    }
                ]
                if offered
                else []
            },
        }

    def create(
        self, seller_id: str, order_id: str, query: Mapping[str, Sequence[str]], now: datetime
    ) -> dict[str, Any]:
        marketplace_id = self._marketplace(query)
        order = self._order(seller_id, order_id, marketplace_id)
        with self._lock:
            refusal = self._refusal(seller_id, order, now)
            if refusal is not None:
                raise ApiError(400, "InvalidInput", refusal)
            self._sent.setdefault(seller_id, {})[order_id] = now
        return {}

    # --- the rules ---------------------------------------------------------------------------------
    def _refusal(self, seller_id: str, order: SimOrder, now: datetime) -> str | None:
        """Why the solicitation may not be sent now (None: it may)."""
        if order.order_id in self._sent.get(seller_id, {}):
            return "A solicitation has already been sent for this order."
        delivered = delivered_at(order)
        if delivered is None:
            return "The order has not been delivered."
        if now < delivered + WINDOW_OPENS:
            return "A solicitation can be sent only from 5 days after the order's delivery."
        if now > delivered + WINDOW_CLOSES:
            return "A solicitation can be sent only up to 30 days after the order's delivery."
        refunded = any(
            t.transaction_type == "Refund" and t.order_id == order.order_id and t.posted <= now
            for t in self.world.transactions(seller_id)
        )
        if refunded:
            return "The order was refunded or returned."
        return None

    def _marketplace(self, query: Mapping[str, Sequence[str]]) -> str:
        values = [v for value in query.get("marketplaceIds", ()) for v in value.split(",") if v]
        if len(values) != 1:
            raise ApiError(
                400, "InvalidInput", "marketplaceIds is required and takes exactly one marketplace."
            )
        return values[0]

    def _order(self, seller_id: str, order_id: str, marketplace_id: str) -> SimOrder:
        order = next((o for o in self.world.all_order_states(seller_id) if o.order_id == order_id), None)
        if order is None:
            raise ApiError(404, "NotFound", f"Order {order_id} was not found.")
        if order.marketplace_id != marketplace_id:
            raise ApiError(400, "InvalidInput", f"Order {order_id} is not in marketplace {marketplace_id}.")
        return order
