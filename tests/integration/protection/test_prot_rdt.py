"""The RDT path against the real simulator over HTTP, inside mock_aws: PII fetched on demand,
persisted only on request, encrypted, in the buyer-PII table alone."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from prot_support import REGION, TABLES, raw_items
from pydantic import SecretStr

from sellerflow.errors import OrderNotSellerFulfilled, SpApiAccessDenied
from sellerflow.pii.models import Purpose
from sellerflow.pii.service import ShippingAddressService
from sellerflow.spapi.client import SpApiClient
from sellerflow.store.orders import OrderStore
from sellerflow.store.pii import BuyerPiiStore
from sellerflow.sync.mapping import to_order
from sellerflow_dev.simulator import SimServer, SimWorld, find_pii_markers


def first_order(world: SimWorld, seller_id: str, fulfilled_by: str) -> dict[str, Any]:
    return next(
        doc for doc in world.orders(seller_id)
        if doc["fulfillment"]["fulfilledBy"] == fulfilled_by and doc["fulfillment"]["fulfillmentStatus"] != "CANCELLED"
    )  # fmt: skip


def test_get_order_with_buyer_data_needs_the_rdt_and_gets_the_address_with_it(spapi: SpApiClient, world: SimWorld) -> None:  # fmt: skip
    seller = world.sellers[0].seller_id
    order_id = first_order(world, seller, "MERCHANT")["orderId"]
    with pytest.raises(SpApiAccessDenied):
        spapi.get_order(seller, order_id, included_data=("BUYER", "RECIPIENT"))
    rdt = spapi.create_restricted_data_token(
        seller,
        [
            {
                "method": "GET",
                "path": f"/orders/2026-01-01/orders/{order_id}",
                "dataElements": ["buyerInfo", "shippingAddress"],
            }
        ],
    )
    assert isinstance(rdt, SecretStr)
    assert rdt.get_secret_value().startswith("Atz.sprdt|")
    document = spapi.get_order(
        seller, order_id, included_data=("BUYER", "RECIPIENT"), restricted_data_token=rdt
    )
    assert find_pii_markers(json.dumps(document["recipient"]))


def test_the_shipping_address_is_fetched_on_demand_and_persisted_only_encrypted(
    aws: Any, spapi: SpApiClient, sim: SimServer, world: SimWorld
) -> None:
    seller = world.sellers[0].seller_id
    pii_key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    orders = OrderStore()
    mfn, fba = first_order(world, seller, "MERCHANT"), first_order(world, seller, "AMAZON")
    orders.upsert([to_order(seller, mfn), to_order(seller, fba)])
    service = ShippingAddressService(spapi=spapi, queue=BuyerPiiStore(pii_key), orders=orders)
    # Without persist: the label, and nothing of it stored anywhere
    order = service.check_order(seller, mfn["orderId"])
    found = service.shipping_address(seller, order, purpose=Purpose.SHIPPING_LABEL)
    assert find_pii_markers(found.label.model_dump_json())
    assert not found.persisted
    everything = repr([raw_items(aws, t) for t in TABLES.values()])
    assert find_pii_markers(everything) == []
    assert raw_items(aws, "BuyerPiiTable") == []
    # With persist: stored, encrypted, in the buyer-PII table only; the next read is served from it
    stored = service.shipping_address(seller, order, purpose=Purpose.SHIPPING_LABEL, persist=True)
    assert stored.persisted
    assert stored.expires_at is not None
    assert len(raw_items(aws, "BuyerPiiTable")) == 1
    assert find_pii_markers(repr([raw_items(aws, t) for t in TABLES.values()])) == []
    calls_before = sim.stats(seller)["calls"].get("createRestrictedDataToken", 0)
    again = service.shipping_address(seller, order, purpose=Purpose.SHIPPING_LABEL)
    assert again.source == "label_queue"
    assert again.label == found.label
    assert sim.stats(seller)["calls"].get("createRestrictedDataToken", 0) == calls_before
    # An FBA order: Amazon ships it, no label, no call to Amazon
    with pytest.raises(OrderNotSellerFulfilled):
        service.check_order(seller, fba["orderId"])
