"""The shipping-address logic: a seller-fulfilled order's label data, fetched from Amazon on demand.

    1. the order must be one of the seller's synced orders, fulfilled by the seller (MERCHANT) and
       not cancelled — Amazon ships FBA orders, so there is no label to print (409);
    2. a live copy in the label queue (only there when a caller asked to persist) is used as is;
    3. otherwise: createRestrictedDataToken for `GET /orders/2026-01-01/orders/{orderId}` with
       dataElements buyerInfo + shippingAddress, then getOrder with includedData BUYER, RECIPIENT
       (and FULFILLMENT, for the deliverByWindow) using the RDT as the access token;
    4. only the label's fields are kept, in memory; with `persist` they go to the buyer-PII table,
       encrypted, until `pii_expires_at` (at most delivery + 30 days).

Membership and the audit entry (`pii.read` with the purpose) are the API's part (routes_protection):
they happen before any of this runs and before anything is returned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from pydantic import SecretStr

from sellerflow.domain import Order
from sellerflow.errors import OrderNotSellerFulfilled
from sellerflow.pii.models import (
    Purpose,
    ShippingLabel,
    StoredLabel,
    fulfilled_by,
    label_from_order,
    latest_delivery,
)
from sellerflow.pii.retention import pii_expires_at

ORDER_PATH = "/orders/2026-01-01/orders/{order_id}"
DATA_ELEMENTS = ("buyerInfo", "shippingAddress")
INCLUDED_DATA = ("BUYER", "RECIPIENT", "FULFILLMENT")


class RestrictedOrderSource(Protocol):
    """The SP-API port, as far as PII is concerned."""

    def create_restricted_data_token(
        self, seller_id: str, restricted_resources: Sequence[Mapping[str, Any]]
    ) -> SecretStr: ...

    def get_order(
        self,
        seller_id: str,
        order_id: str,
        *,
        included_data: Sequence[str] = (),
        restricted_data_token: SecretStr | None = None,
    ) -> dict[str, Any]: ...


class LabelQueue(Protocol):
    def get(self, seller_id: str, order_id: str, purpose: str) -> StoredLabel | None: ...

    def put(
        self, seller_id: str, order_id: str, purpose: str, label: ShippingLabel, *, expires_at: datetime
    ) -> None: ...


class OrderLookup(Protocol):
    def get(self, seller_id: str, order_id: str) -> Order: ...


@dataclass(frozen=True)
class ShippingAddress:
    order_id: str
    purpose: Purpose
    label: ShippingLabel
    source: Literal["amazon", "label_queue"]
    persisted: bool
    expires_at: datetime | None


def _utcnow() -> datetime:
    return datetime.now(UTC)


def require_seller_fulfilled(order: Order) -> None:
    if (order.fulfilled_by or "").upper() == "AMAZON":
        raise OrderNotSellerFulfilled(f"order {order.order_id} is fulfilled by Amazon; Amazon ships it")
    if order.status.upper() == "CANCELLED":
        raise OrderNotSellerFulfilled(f"order {order.order_id} is cancelled; there is nothing to ship")


class ShippingAddressService:
    def __init__(
        self,
        *,
        spapi: RestrictedOrderSource,
        queue: LabelQueue,
        orders: OrderLookup,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._spapi = spapi
        self._queue = queue
        self._orders = orders
        self._clock = clock

    def check_order(self, seller_id: str, order_id: str) -> Order:
        """The seller's order, if a label may be printed for it (else OrderNotFound / 409)."""
        order = self._orders.get(seller_id, order_id)
        require_seller_fulfilled(order)
        return order

    def shipping_address(
        self, seller_id: str, order: Order, *, purpose: Purpose, persist: bool = False
    ) -> ShippingAddress:
        stored = self._queue.get(seller_id, order.order_id, purpose.value)
        if stored is not None:
            return ShippingAddress(
                order.order_id, purpose, stored.label, "label_queue", True, stored.expires_at
            )
        document = self._fetch(seller_id, order.order_id)
        try:
            if (fulfilled_by(document) or "").upper() == "AMAZON":
                raise OrderNotSellerFulfilled(
                    f"order {order.order_id} is fulfilled by Amazon; Amazon ships it"
                )
            label = label_from_order(document)
            delivery_bound = latest_delivery(document)
        finally:
            document.clear()  # the buyer block is not kept a moment longer than the label needs
        expires_at = None
        if persist:
            expires_at = pii_expires_at(
                now=self._clock(), latest_delivery=delivery_bound, purchased_at=order.created_time
            )
            if expires_at is not None:
                self._queue.put(seller_id, order.order_id, purpose.value, label, expires_at=expires_at)
        return ShippingAddress(order.order_id, purpose, label, "amazon", expires_at is not None, expires_at)

    def _fetch(self, seller_id: str, order_id: str) -> dict[str, Any]:
        path = ORDER_PATH.format(order_id=order_id)
        rdt = self._spapi.create_restricted_data_token(
            seller_id, [{"method": "GET", "path": path, "dataElements": list(DATA_ELEMENTS)}]
        )
        return self._spapi.get_order(
            seller_id, order_id, included_data=INCLUDED_DATA, restricted_data_token=rdt
        )
