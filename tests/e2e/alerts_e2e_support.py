"""Helpers of the alert end-to-end tests: rules and recipients over the API, the WhatsApp queue, the
Twilio stand-in's record."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from sellerflow_dev.local.stack import LocalStack

ALL_KINDS = ("daily_sales", "low_stock", "acos_jump", "authorization", "sync_failing")


def api_put(stack: LocalStack, path: str, token: str, body: dict[str, Any]) -> httpx.Response:
    assert stack.gateway is not None
    return httpx.put(
        f"{stack.gateway.url}{path}",
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
        content=json.dumps(body),
        timeout=30,
    )


def set_alerts(
    stack: LocalStack,
    seller_index: int,
    phones: list[str],
    *,
    quiet_hours: dict[str, str] | None = None,
    kinds: tuple[str, ...] = ALL_KINDS,
) -> None:
    """As the seller's owner: every kind on (WhatsApp + SNS), these quiet hours, these numbers."""
    seller = stack.world.sellers[seller_index - 1]
    token = stack.id_token(f"owner{seller_index}@sellerflow.local")
    rules = [
        {"kind": k, "enabled": k in kinds, "channels": ["sns", "whatsapp"], "quiet_hours": quiet_hours}
        for k in ALL_KINDS
    ]
    response = api_put(stack, f"/sellers/{seller.seller_id}/alerts/rules", token, {"rules": rules})
    assert response.status_code == 200, response.text
    body = {"recipients": [{"phone": p, "opted_in": True} for p in phones]}
    response = api_put(stack, f"/sellers/{seller.seller_id}/alerts/recipients", token, body)
    assert response.status_code == 200, response.text


def evaluate(stack: LocalStack, seller_id: str, trigger: str = "sync_succeeded") -> dict[str, Any]:
    """Invoke evaluate_alerts as the workflow does."""
    assert stack.resources is not None
    name = stack.resources.functions["EvaluateAlertsFunction"].name
    invoked = stack.session.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps({"seller_id": seller_id, "trigger": trigger}).encode()
    )
    payload: dict[str, Any] = json.loads(invoked["Payload"].read())
    assert not invoked.get("FunctionError"), payload
    return payload


def queue_depth(stack: LocalStack, logical_id: str) -> int:
    assert stack.resources is not None
    attributes = stack.session.client("sqs").get_queue_attributes(
        QueueUrl=stack.resources.queues[logical_id],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def wait_until_queue_empty(stack: LocalStack, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while queue_depth(stack, "WhatsAppQueue"):
        assert time.monotonic() < deadline, "the WhatsApp queue never drained"
        time.sleep(0.2)


def twilio_messages(stack: LocalStack) -> list[dict[str, Any]]:
    response = httpx.get(f"{stack.simulator.url}/_sim/twilio/messages", timeout=10)
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


def sns_messages(stack: LocalStack) -> list[str]:
    from moto.sns.models import sns_backends

    backend = sns_backends["123456789012"]["us-east-1"]
    return [str(n[1]) for t in backend.topics.values() for n in t.sent_notifications]
