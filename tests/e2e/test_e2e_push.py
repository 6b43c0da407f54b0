"""Push end to end: Amazon changes an order -> notification -> SQS -> apply-notifications -> API,
before any scheduled poll; a notification Amazon lost is repaired by the poll (the orders sync)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from e2e_helpers import api_get

from sellerflow.store.notifications import SubscriptionStore
from sellerflow.sync.mapping import to_order
from sellerflow_dev.local.stack import LocalStack
from sellerflow_dev.simulator import find_pii_markers
from sellerflow_dev.simulator.notifications_api import DeliveryFaults

SYNC_ORDERS = "sellerflow-dev-sync-orders"
APPLY = "sellerflow-dev-apply-notifications"


def _poll_orders(stack: LocalStack, seller_id: str, run_id: str) -> None:
    """The scheduled poll's orders step (the seller-sync's SyncOrders task), page by page."""
    client = stack.session.client("lambda")
    token = None
    while True:
        event: dict[str, Any] = {"seller_id": seller_id, "run_id": run_id, "pagination_token": token}
        answer = client.invoke(FunctionName=SYNC_ORDERS, Payload=json.dumps(event).encode())
        assert not answer.get("FunctionError"), answer["Payload"].read()
        page = json.loads(answer["Payload"].read())
        token = page["pagination_token"]
        if not page["has_more"]:
            return


def _status_over_http(stack: LocalStack, seller_id: str, order_id: str, token: str) -> str:
    response = api_get(stack, f"/sellers/{seller_id}/orders/{order_id}", token)
    assert response.status_code == 200, response.text
    assert find_pii_markers(response.text) == []
    return str(response.json()["status"])


def _truth(stack: LocalStack, seller_id: str, order_id: str) -> str:
    document = next(d for d in stack.world.orders(seller_id) if d["orderId"] == order_id)
    return to_order(seller_id, document).status


def _amazon_moves_on(stack: LocalStack) -> dict[str, Any]:
    """A few minutes of Amazon, ending five minutes ago: late enough for the poll's window, early
    enough that searchOrders and listTransactions (two-minute rule) can already see it."""
    changes: dict[str, Any] = stack.world.advance(3, not_before=datetime.now(UTC) - timedelta(minutes=8))
    return changes


def test_an_order_changed_at_amazon_reaches_the_api_by_notification_and_a_lost_one_by_the_poll(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given one connected seller, subscribed at connect time, whose orders the poll has stored
    stack = local_stack(sellers=1)
    seller_id = stack.world.sellers[0].seller_id
    sim = stack.simulator
    assert len(SubscriptionStore().subscriptions(seller_id)) == 4
    assert sim.notifications.stats(seller_id)["subscriptions"] == 4
    _poll_orders(stack, seller_id, "initial")
    token = stack.id_token("demo@sellerflow.local")
    polls = sum(1 for i in stack.dispatcher.invocations if i.function_name == SYNC_ORDERS)

    # When Amazon moves orders on (and delivers some notifications twice, late and out of order)
    sim.notifications.faults = DeliveryFaults(duplicate_rate=0.5, late_rate=0.5, late_s=(0.2, 1.5))
    changes = _amazon_moves_on(stack)
    changed = changes["updated"][seller_id] + changes["created"][seller_id]
    assert changed
    assert stack.wait_for_notifications(timeout_s=60)

    # Then every changed order reads back over HTTP in its new state, with no poll in between
    for order_id in changed:
        assert _status_over_http(stack, seller_id, order_id, token) == _truth(stack, seller_id, order_id)
    assert sum(1 for i in stack.dispatcher.invocations if i.function_name == SYNC_ORDERS) == polls
    assert not stack.session.client("stepfunctions").list_executions(
        stateMachineArn=stack.resources.state_machines["SellerSyncStateMachine"]  # type: ignore[union-attr]
    )["executions"]
    stats = sim.notifications.stats(seller_id)
    assert stats["duplicated"] > 0
    assert stats["late"] > 0
    assert stats["delivered"] == stats["published"] + stats["duplicated"]

    # When Amazon loses every notification of the next change
    sim.notifications.faults = DeliveryFaults(drop_rate=1.0)
    lost = _amazon_moves_on(stack)
    lost_ids = lost["updated"][seller_id] + lost["created"][seller_id]
    assert lost_ids
    assert stack.wait_for_notifications(timeout_s=30)
    sim.notifications.faults = DeliveryFaults()
    stale = [
        i
        for i in lost_ids
        if _status_over_http_or_none(stack, seller_id, i, token) != _truth(stack, seller_id, i)
    ]
    assert stale, "a lost notification leaves Sellerflow behind until the poll"

    # Then the next poll repairs it
    _poll_orders(stack, seller_id, "safety-net")
    for order_id in lost_ids:
        assert _status_over_http(stack, seller_id, order_id, token) == _truth(stack, seller_id, order_id)
    assert sim.notifications.stats(seller_id)["dropped"] >= len(lost_ids)  # (its transactions' too)


def _status_over_http_or_none(stack: LocalStack, seller_id: str, order_id: str, token: str) -> str | None:
    response = api_get(stack, f"/sellers/{seller_id}/orders/{order_id}", token)
    return str(response.json()["status"]) if response.status_code == 200 else None
