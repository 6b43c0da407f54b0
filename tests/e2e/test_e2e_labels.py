"""Shipping labels end to end through the local API Gateway and the PII function: queue → rates →
purchase → label → confirmation → tracking, then void; the recipient is found nowhere afterwards."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from sellerflow_dev.local.demo_labels import LabelClient, buy_one_label, captured_output, marker_places
from sellerflow_dev.local.stack import LocalStack
from sellerflow_dev.simulator import find_pii_markers

pytestmark = pytest.mark.e2e


def test_a_label_is_bought_confirmed_tracked_and_voided_and_the_recipient_is_kept_nowhere(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given a synced seller with unshipped merchant-fulfilled orders
    stack = local_stack(sellers=1)
    assert [r.status for r in stack.run_sync()] == ["SUCCEEDED"]
    seller = stack.world.sellers[0].seller_id
    # When its owner profiles the SKUs, asks for rates and buys the cheapest label
    with captured_output() as tees:
        run = buy_one_label(stack, 1)
        client = LabelClient(stack, stack.id_token("owner1@sellerflow.local"))
        order_id = run.responses["queue"].json()["orders"][0]["order_id"]
        tracking = client.call("GET", f"/sellers/{seller}/orders/{order_id}/label/tracking")
        queue_after = client.call("GET", f"/sellers/{seller}/labels/queue")
        reprint = client.call("GET", f"/sellers/{seller}/orders/{order_id}/label", None)
        shipped = next(o for o in stack.world.order_states(seller) if o.order_id == order_id)
        shipped_status, shipped_tracking = shipped.status, shipped.tracking_number
        voided = client.call("DELETE", f"/sellers/{seller}/orders/{order_id}/label")
    # Then every step answered, the label prints the recipient, and Amazon has the order shipped
    for name, response in run.responses.items():
        assert response.status_code == 200, (name, response.text)
    bought = run.responses["purchase"].json()
    assert run.bought == 1
    assert bought["shipment"]["confirmed_by"] in {"amazon", "sellerflow"}
    assert run.responses["purchase"].headers["cache-control"] == "no-store"
    assert (shipped_status, shipped_tracking) == ("SHIPPED", bought["shipment"]["tracking_id"])
    assert len(stack.simulator.shipping.ledger.charges) == 1
    assert tracking.status_code == 200, tracking.text
    assert tracking.json()["tracking_id"] == bought["shipment"]["tracking_id"]
    queued = next(e for e in queue_after.json()["orders"] if e["order_id"] == order_id)
    assert queued["shipment"]["tracking_id"] == bought["shipment"]["tracking_id"]
    assert base64.b64decode(reprint.json()["content_base64"]) == base64.b64decode(bought["content_base64"])
    # And the void is refunded
    assert voided.status_code == 200, voided.text
    assert voided.json()["status"] == "VOIDED"
    assert len(stack.simulator.shipping.ledger.refunds) == 1
    # And the marker is in the label only: no table, bucket, history or log holds it
    assert find_pii_markers(base64.b64decode(bought["content_base64"]).decode("latin-1"))
    for response in [*run.responses.values(), tracking, queue_after, voided]:
        assert not find_pii_markers(response.text)
    assert marker_places(stack, "".join(tees[0].copy + tees[1].copy)) == []
