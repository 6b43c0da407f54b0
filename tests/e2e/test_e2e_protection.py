"""Data protection end to end: buyer PII on demand over HTTP, its audit trail, the chain verified."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

from e2e_helpers import api_get

from sellerflow_dev.local.stack import LocalStack
from sellerflow_dev.simulator import find_pii_markers


def test_a_sellers_fbm_label_address_is_served_audited_and_the_chain_verifies(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given a synced seller and its owner
    stack = local_stack(sellers=1)
    assert [r.status for r in stack.run_sync()] == ["SUCCEEDED"]
    seller = stack.world.sellers[0].seller_id
    token = stack.id_token("owner1@sellerflow.local")
    orders = stack.world.orders(seller)
    fbm = next(o for o in orders if o["fulfillment"]["fulfilledBy"] == "MERCHANT" and o["fulfillment"]["fulfillmentStatus"] != "CANCELLED")  # fmt: skip
    fba = next(o for o in orders if o["fulfillment"]["fulfilledBy"] == "AMAZON")
    # When the owner asks for an FBM order's shipping address, for a label
    path = f"/sellers/{seller}/orders/{fbm['orderId']}/shipping-address"
    response = api_get(stack, path, token, purpose="shipping_label")
    # Then it is the label's data, fetched from the simulator with an RDT, never cached
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert find_pii_markers(response.text)
    assert set(response.json()["ship_to"]) >= {"name", "address_line1", "city", "postal_code", "country_code"}
    assert stack.simulator.stats(seller)["calls"].get("createRestrictedDataToken") == 1
    # And the audit route shows that access with its purpose (and no buyer data)
    audit = api_get(stack, f"/sellers/{seller}/audit", token, limit=20)
    assert audit.status_code == 200, audit.text
    latest = audit.json()["entries"][0]
    assert latest["action"] == "pii.read"
    assert "purpose=shipping_label" in latest["resource"]
    assert find_pii_markers(audit.text) == []
    # And the seller's audit chain verifies, through the CLI, against the local stack
    verified = subprocess.run(
        [sys.executable, "-m", "sellerflow_dev.cli", "audit", "verify", "--seller", seller],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("OK")
    # And an FBA order's address is a conflict: Amazon ships it
    assert api_get(stack, f"/sellers/{seller}/orders/{fba['orderId']}/shipping-address", token, purpose="shipping_label").status_code == 409  # fmt: skip
    # And the daily sweeper schedule invokes its Lambda directly; nothing has expired yet
    swept = json.loads(stack.fire_schedule("SweepExpiredSchedule"))
    assert swept["sellers"] == 1
    assert swept["total_deleted"] == 0
