"""Shared builders for the core unit tests: SP-API order documents as Amazon sends them."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

US = "ATVPDKIKX0DER"
JP = "A1VC38T7YXB528"

OrderDocumentFactory = Callable[..., dict[str, Any]]


def order_document(
    order_id: str = "111-0000001-0000001",
    *,
    marketplace_id: str = US,
    created: str = "2026-03-01T12:00:00Z",
    last_updated: str = "2026-03-01T12:30:00Z",
    grand_total: str = "25.98",
    currency: str = "USD",
    item_amount: str = "19.99",
    shipping_amount: str = "5.99",
    discount_amount: str = "-1.00",
    with_pii: bool = True,
) -> dict[str, Any]:
    """A searchOrders 2026-01-01 order document, buyer and recipient included (as Amazon would)."""
    document: dict[str, Any] = {
        "orderId": order_id,
        "createdTime": created,
        "lastUpdatedTime": last_updated,
        "programs": ["PRIME"],
        "salesChannel": {"channelName": "Amazon.com", "marketplaceId": marketplace_id},
        "proceeds": {"grandTotal": {"amount": grand_total, "currencyCode": currency}},
        "fulfillment": {
            "fulfillmentStatus": "SHIPPED",
            "fulfilledBy": "AMAZON",
            "fulfillmentServiceLevel": "STANDARD",
        },
        "orderItems": [
            {
                "orderItemId": "OI-1",
                "quantityOrdered": 2,
                "product": {
                    "asin": "B0TEST0001",
                    "title": "Widget",
                    "sellerSku": "SKU-1",
                    "price": {"unitPrice": {"amount": "9.995", "currencyCode": currency}},
                },
                "proceeds": {
                    "proceedsTotal": {"amount": grand_total, "currencyCode": currency},
                    "breakdowns": [
                        {"type": "ITEM", "subtotal": {"amount": item_amount, "currencyCode": currency}},
                        {
                            "type": "SHIPPING",
                            "subtotal": {"amount": shipping_amount, "currencyCode": currency},
                        },
                        {
                            "type": "DISCOUNT",
                            "subtotal": {"amount": discount_amount, "currencyCode": currency},
                        },
                    ],
                },
                "promotion": {"breakdowns": [{"promotionId": "PROMO-1"}, {"promotionId": None}]},
                "fulfillment": {"quantityFulfilled": 1},
            }
        ],
    }
    if with_pii:
        document["buyer"] = {
            "buyerName": "pii-canary Jane Buyer",
            "buyerEmail": "pii-canary@example.com",
            "buyerCompanyName": "pii-canary Inc",
        }
        document["recipient"] = {
            "deliveryAddress": {
                "name": "pii-canary Recipient",
                "addressLine1": "1 pii-canary Street",
                "city": "Seattle",
                "postalCode": "98101",
                "phone": "+1-555-pii-canary",
            }
        }
    return copy.deepcopy(document)


@pytest.fixture
def make_order_document() -> OrderDocumentFactory:
    return order_document
