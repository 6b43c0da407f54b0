"""The label service's adapters: the SP-API client, the recipient read through a restricted data
token (the PII app's `ShippingAddressService`, nothing persisted), the order store, the label data
store and the PII-keyed label bucket. Built only in the PII app's function (its role alone may read
recipient data and use the PII key)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from sellerflow import wiring
from sellerflow.domain import Order
from sellerflow.labels.service import LabelService
from sellerflow.pii.models import Purpose, ShippingLabel
from sellerflow.pii.service import ShippingAddressService
from sellerflow.settings import Settings
from sellerflow.spapi.merchant_fulfillment import LabelShippingRouter, MerchantFulfillmentShipping
from sellerflow.store.labels import LabelDataStore, LabelVault
from sellerflow.store.orders import OrderStore
from sellerflow.store.pii import BuyerPiiStore

QUEUE_LOOKBACK = timedelta(days=30)  # merchant orders older than this are not in the work queue
QUEUE_MAX = 500
UNSHIPPED_STATUSES = ("UNSHIPPED", "PARTIALLY_SHIPPED")


def ship_to_address(label: ShippingLabel) -> dict[str, str]:
    """A label's fields in Shipping v2 `Address` shape (required fields present, possibly empty)."""
    address = {
        "name": label.name,
        "addressLine1": label.address_line1,
        "city": label.city or "",
        "stateOrRegion": label.state_or_region or "",
        "postalCode": label.postal_code or "",
        "countryCode": label.country_code,
    }
    optional = {
        "addressLine2": label.address_line2,
        "addressLine3": label.address_line3,
        "phoneNumber": label.phone,
    }
    address.update({key: value for key, value in optional.items() if value})
    return address


class RecipientFromAmazon:
    """The ship-to of an order, read from Amazon (RDT → getOrder RECIPIENT) for one carrier call."""

    def __init__(self, addresses: ShippingAddressService) -> None:
        self._addresses = addresses

    def ship_to(self, seller_id: str, order: Order) -> dict[str, str]:
        found = self._addresses.shipping_address(
            seller_id, order, purpose=Purpose.SHIPPING_LABEL, persist=False
        )
        return ship_to_address(found.label)


class MerchantOrders:
    """The stored orders a label may be bought for."""

    def __init__(self, store: OrderStore) -> None:
        self._store = store

    def get(self, seller_id: str, order_id: str) -> Order:
        return self._store.get(seller_id, order_id)

    def unshipped_merchant_orders(self, seller_id: str, *, now: datetime) -> Iterator[Order]:
        token: str | None = None
        seen = 0
        while seen < QUEUE_MAX:
            page = self._store.list(
                seller_id,
                created_from=now - QUEUE_LOOKBACK,
                created_to=now + timedelta(minutes=1),
                statuses=UNSHIPPED_STATUSES,
                limit=100,
                next_token=token,
            )
            for order in page.orders:
                if (order.fulfilled_by or "").upper() == "MERCHANT":
                    seen += 1
                    yield order
            token = page.next_token
            if not token:
                return


def label_service(settings: Settings) -> LabelService:
    """The label service of the PII app (tables already bound to `settings`)."""
    spapi = wiring.spapi_client()
    orders = OrderStore()
    addresses = ShippingAddressService(spapi=spapi, queue=BuyerPiiStore(settings.pii_key_id), orders=orders)
    mfn_marketplaces = {m.strip() for m in settings.label_mfn_marketplaces.split(",") if m.strip()}

    def uses_mfn(seller_id: str, order_id: str) -> bool:
        return bool(mfn_marketplaces) and orders.get(seller_id, order_id).marketplace_id in mfn_marketplaces

    shipping = LabelShippingRouter(spapi, MerchantFulfillmentShipping(spapi), uses_mfn=uses_mfn)
    return LabelService(
        shipping=shipping,
        recipients=RecipientFromAmazon(addresses),
        orders=MerchantOrders(orders),
        data=LabelDataStore(),
        vault=LabelVault(settings.label_bucket, settings.pii_key_id),
    )
