"""The access review and Twilio's signed webhooks end to end, through the local stack's HTTP API:
an owner's review removes a member whose still-valid token is refused on the next call; the Twilio
stand-in's signed status callbacks are recorded, a forged one is refused, and an inbound STOP stops
every further WhatsApp message to that number."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date

import httpx
from alerts_e2e_support import set_alerts, twilio_messages, wait_until_queue_empty
from e2e_helpers import api_get

from sellerflow.alerts.content import AlertKind, AuthorizationContent, AuthorizationState
from sellerflow.alerts.model import AlertMessage, Channel
from sellerflow_dev.local.stack import LocalStack

PHONE = "+15550001003"


def test_a_reviewed_out_member_is_refused_at_once_with_the_same_token(
    local_stack: Callable[..., LocalStack],
) -> None:
    stack = local_stack(sellers=2)
    assert stack.gateway is not None
    first, second = (s.seller_id for s in stack.world.sellers)
    owner = stack.id_token("owner1@sellerflow.local")
    demo_email = "demo@sellerflow.local"
    demo = stack.id_token(demo_email)
    assert api_get(stack, f"/sellers/{first}/orders", demo).status_code == 200
    review = api_get(stack, f"/sellers/{first}/access-review", owner).json()
    by_email = {m["email"]: m for m in review["members"]}
    assert by_email[demo_email]["last_activity"] is not None  # its call above was recorded
    assert review["last_completed_at"] is None
    demo_sub = stack.users[demo_email].sub
    response = httpx.post(
        f"{stack.gateway.url}/sellers/{first}/access-review",
        headers={"authorization": f"Bearer {owner}", "content-type": "application/json"},
        content=json.dumps({"remove": [demo_sub]}),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert demo_email not in {m["email"] for m in response.json()["members"]}
    assert response.json()["last_completed_at"] is not None
    # The same ID token, still unexpired: refused for that seller, still good for its other one
    assert api_get(stack, f"/sellers/{first}/orders", demo).status_code == 404
    assert api_get(stack, f"/sellers/{second}/orders", demo).status_code == 200
    audit = api_get(stack, f"/sellers/{first}/audit", owner, limit=20).json()["entries"]
    assert {"access_review.member_removed", "access_review.completed"} <= {e["action"] for e in audit}


def _send_alert(stack: LocalStack, seller_id: str, alert_id: str) -> None:
    """What SNS puts on the WhatsApp queue for one alert (raw message delivery)."""
    assert stack.resources is not None
    message = AlertMessage(
        alert_id=alert_id, seller_id=seller_id, kind=AlertKind.AUTHORIZATION,
        scope="seller", period="2026-12-01", channels=(Channel.WHATSAPP,),
        content=AuthorizationContent(state=AuthorizationState.EXPIRING, expires_on=date(2026, 12, 20), days_left=17),
    )  # fmt: skip
    sqs = stack.session.client("sqs")
    sqs.send_message(QueueUrl=stack.resources.queues["WhatsAppQueue"], MessageBody=message.model_dump_json())
    wait_until_queue_empty(stack)


def test_twilio_callbacks_are_verified_recorded_and_stop_ends_the_messages(
    local_stack: Callable[..., LocalStack],
) -> None:
    from sellerflow.wiring.alerts import alert_store

    stack = local_stack(sellers=1)
    assert stack.gateway is not None
    seller = stack.world.sellers[0].seller_id
    set_alerts(stack, 1, [PHONE])
    _send_alert(stack, seller, "al_e2e000000000000000000001")
    # Twilio's signed status callbacks reach the public route and are recorded on the delivery
    deadline = time.monotonic() + 20
    delivery = None
    while time.monotonic() < deadline:
        delivery = alert_store().delivery(seller, "al_e2e000000000000000000001", PHONE)
        if delivery is not None and delivery.provider_status == "delivered":
            break
        time.sleep(0.2)
    assert delivery is not None
    assert delivery.provider_status == "delivered", delivery
    callbacks = httpx.get(f"{stack.simulator.url}/_sim/twilio/callbacks", timeout=10).json()["callbacks"]
    assert callbacks
    assert all(c["status"] == 204 for c in callbacks)
    # A forged callback (no or a wrong signature) is refused
    url = callbacks[0]["url"]
    forged = {**callbacks[0]["params"], "MessageStatus": "failed"}
    for headers in ({}, {"x-twilio-signature": "bm90LXR3aWxpbw=="}):
        answer = httpx.post(url, data=forged, headers=headers, timeout=10)
        assert answer.status_code == 403, answer.text
    assert alert_store().delivery(seller, "al_e2e000000000000000000001", PHONE).provider_status == "delivered"  # type: ignore[union-attr]
    # The number replies STOP: opted out at once, and no further message goes to it
    sent = httpx.post(
        f"{stack.simulator.url}/_sim/twilio/inbound", json={"from": PHONE, "body": "STOP"}, timeout=20
    ).json()
    assert sent["status"] == 200, sent
    token = stack.id_token("owner1@sellerflow.local")
    recipients = api_get(stack, f"/sellers/{seller}/alerts/recipients", token).json()["recipients"]
    assert {r["phone"]: r["opted_in"] for r in recipients} == {PHONE: False}
    before = len(twilio_messages(stack))
    attempts = httpx.get(f"{stack.simulator.url}/_sim/twilio/messages", timeout=10).json()["attempts"]
    _send_alert(stack, seller, "al_e2e000000000000000000002")
    after = httpx.get(f"{stack.simulator.url}/_sim/twilio/messages", timeout=10).json()
    assert len(after["messages"]) == before
    assert after["attempts"] == attempts  # not even tried
