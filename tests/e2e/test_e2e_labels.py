"""Shipping labels end to end through the local API Gateway and the PII function, on one order:
queue → each failure of the flow (missing package dimensions, undeliverable address, expired rates,
a purchase charged without a document) → the idempotent retry that buys the label → confirmation →
tracking → reprint → void; the recipient is found nowhere afterwards but in the label document.

Only the orders are synced first (SyncOrdersFunction page by page, not the whole seller sync with its
reports, finances and ads): the queue needs stored orders and nothing else. The happy path without
failures runs in the leak test (`test_e2e_leaks.py`) and in the demo (`buy_one_label`)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from e2e_helpers import sync_orders_only

from sellerflow_dev.local.demo_labels import (
    SHIP_FROM,
    LabelClient,
    captured_output,
    country_of,
    marker_places,
)
from sellerflow_dev.local.stack import LocalStack
from sellerflow_dev.simulator import find_pii_markers

pytestmark = pytest.mark.e2e


def _label_record(stack: LocalStack, seller_id: str, order_id: str) -> dict[str, Any]:
    """The order's LABEL# record as stored (its JSON body)."""
    assert stack.resources is not None
    item = stack.session.client("dynamodb").get_item(
        TableName=stack.resources.physical["SellerDataTable"],
        Key={"seller_id": {"S": seller_id}, "sk": {"S": f"LABEL#{order_id}"}},
        ConsistentRead=True,
    )["Item"]
    body: dict[str, Any] = json.loads(item["body"]["S"])
    return body


def _error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json().get("error", "")


def test_a_label_survives_each_failure_then_is_bought_once_confirmed_tracked_and_voided(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given a seller with its orders synced and an unshipped merchant-fulfilled order in the queue
    stack = local_stack(sellers=1)
    seller = stack.world.sellers[0].seller_id
    assert sync_orders_only(stack, seller) > 0
    client = LabelClient(stack, stack.id_token("owner1@sellerflow.local"))
    sim = stack.simulator
    with captured_output() as tees:
        queue = client.call("GET", f"/sellers/{seller}/labels/queue")
        assert queue.status_code == 200, queue.text
        order = queue.json()["orders"][0]
        order_id = order["order_id"]
        path = f"/sellers/{seller}/orders/{order_id}/label"

        def rates() -> httpx.Response:
            return client.call("POST", f"{path}/rates")

        def buy(quote: dict[str, Any]) -> httpx.Response:
            return client.call("POST", path, {"request_token": quote["request_token"], "rate_id": quote["rates"][0]["rate_id"]})  # fmt: skip

        country = country_of(order["marketplace_id"])
        settings = {"ship_from": SHIP_FROM.get(country, SHIP_FROM["US"]) | {"country_code": country}, "reprint_days": 7}  # fmt: skip
        assert client.call("PUT", f"/sellers/{seller}/labels/settings", settings).status_code == 200

        # When rates are asked before the SKUs have a package profile: 409, Amazon not asked
        missing = rates()
        profile = {"length_cm": "25", "width_cm": "18", "height_cm": "8", "weight_g": 450}
        for line in order["lines"]:
            if line["sku"]:
                assert client.call("PUT", f"/sellers/{seller}/labels/profiles/{line['sku']}", profile).status_code == 200  # fmt: skip
        # ...for an address Amazon will not deliver to: 422
        sim.update_config({"label_undeliverable_orders": [order_id]})
        undeliverable = rates()
        # ...with rates whose Amazon token lapsed before the purchase: 409, nothing bought or pending
        sim.update_config({"label_undeliverable_orders": [], "label_rate_ttl_s": 0.01})
        expired = buy(rates().json())
        charges_after_expiry = list(sim.shipping.ledger.charges)
        sim.update_config({"label_rate_ttl_s": 600})
        # ...and a purchase Amazon charges without answering the document: 502, the purchase pending
        sim.update_config({"label_charge_without_document": [order_id]})
        quote = rates().json()
        incomplete = buy(quote)
        pending = next(e for e in client.call("GET", f"/sellers/{seller}/labels/queue").json()["orders"] if e["order_id"] == order_id)  # fmt: skip
        sim.update_config({"label_charge_without_document": []})
        # Then the retry answers the label Amazon charged for (same client reference), confirmed
        bought = buy(quote)
        tracking = client.call("GET", f"{path}/tracking")
        queue_after = client.call("GET", f"/sellers/{seller}/labels/queue")
        reprint = client.call("GET", path)
        shipped = next(o for o in sim.world.order_states(seller) if o.order_id == order_id)
        shipped_status, shipped_tracking = shipped.status, shipped.tracking_number
        # the next orders sync refreshes the tracking of labels in transit (its last page)
        sync_orders_only(stack, seller)
        resynced = _label_record(stack, seller, order_id)
        order_view = client.call("GET", f"/sellers/{seller}/orders/{order_id}")  # the general API's
        voided = client.call("DELETE", path)

    # Each failure has its own answer, and none bought anything
    assert _error(missing) == (409, "missing_package_dimensions"), missing.text
    assert _error(undeliverable) == (422, "undeliverable_address"), undeliverable.text
    assert _error(expired) == (409, "rate_expired"), expired.text
    assert charges_after_expiry == []
    assert _error(incomplete) == (502, "purchase_incomplete"), incomplete.text
    assert pending["shipment"]["status"] == "PENDING"
    # The retry bought exactly one label, printing the recipient, and Amazon has the order shipped
    assert bought.status_code == 200, bought.text
    assert bought.headers["cache-control"] == "no-store"
    shipment = bought.json()["shipment"]
    assert shipment["status"] == "PURCHASED"
    assert shipment["confirmed_by"] in {"amazon", "sellerflow"}
    assert len(sim.shipping.ledger.charges) == 1
    label = base64.b64decode(bought.json()["content_base64"])
    assert find_pii_markers(label.decode("latin-1"))
    assert (shipped_status, shipped_tracking) == ("SHIPPED", shipment["tracking_id"])
    # Tracking is kept with the order and shown in the queue; the reprint is the same document
    assert tracking.status_code == 200, tracking.text
    assert tracking.json()["tracking_id"] == shipment["tracking_id"]
    queued = next(e for e in queue_after.json()["orders"] if e["order_id"] == order_id)
    assert queued["shipment"]["tracking_id"] == shipment["tracking_id"]
    assert base64.b64decode(reprint.json()["content_base64"]) == label
    # The orders sync tracked the label in transit and kept its status with the order
    printed = "".join(tees[0].copy)
    assert '"message":"label tracking refreshed"' in printed
    assert '"checked":1' in printed
    assert resynced["tracking_status"] in {"PreTransit", "InTransit"}
    # and the order view (the general API, no PII role) shows the carrier and tracking
    assert order_view.status_code == 200, order_view.text
    assert order_view.json()["shipment"]["tracking_id"] == shipment["tracking_id"]
    assert order_view.json()["shipment"]["tracking_status"] == resynced["tracking_status"]
    # The void is refunded
    assert voided.status_code == 200, voided.text
    assert voided.json()["status"] == "VOIDED"
    assert len(sim.shipping.ledger.refunds) == 1
    # And the marker is in the label only: no other answer, table, bucket, history or log holds it
    for response in (
        queue,
        missing,
        undeliverable,
        expired,
        incomplete,
        tracking,
        queue_after,
        order_view,
        voided,
    ):
        assert not find_pii_markers(response.text)
    assert marker_places(stack, "".join(tees[0].copy + tees[1].copy)) == []
