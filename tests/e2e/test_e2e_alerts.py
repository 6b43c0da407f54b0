"""Alerts end to end: sync -> evaluate -> SNS -> SQS -> sender -> Twilio stand-in, on the local stack."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from alerts_e2e_support import (
    evaluate,
    queue_depth,
    set_alerts,
    sns_messages,
    twilio_messages,
    wait_until_queue_empty,
)
from e2e_helpers import api_get

from sellerflow_dev.local.stack import LocalStack

PHONE = "+15550001001"
UNSUBSCRIBED = "+15550001002"


def test_after_a_sync_each_alert_reaches_whatsapp_exactly_once_and_never_an_opted_out_number(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given one seller whose owner turned every rule on (no quiet hours) for two numbers, one of
    # which replied STOP to Twilio earlier
    stack = local_stack(sellers=1)
    seller = stack.world.sellers[0]
    stack.simulator.twilio.configure(unsubscribed=[UNSUBSCRIBED])
    set_alerts(stack, 1, [PHONE, UNSUBSCRIBED])
    # When the sync runs (it evaluates the rules after the rollups), and the rules are evaluated twice more
    assert {r.status for r in stack.run_sync()} == {"SUCCEEDED"}
    wait_until_queue_empty(stack)
    again = [evaluate(stack, seller.seller_id), evaluate(stack, seller.seller_id)]
    wait_until_queue_empty(stack)
    # Then every published alert reached the number once: one daily summary per marketplace at least
    messages = twilio_messages(stack)
    published = [m for m in sns_messages(stack)]
    to = Counter(m["to"] for m in messages)
    assert to == {f"whatsapp:{PHONE}": len(published)}
    assert len(published) >= len(seller.marketplace_ids)
    assert all(a["published"] == 0 and a["released"] == 0 and a["duplicates"] >= 1 for a in again)
    sids = [m["content_sid"] for m in messages]
    assert all(s.startswith("HX") for s in sids)
    assert all(m["body"] is None for m in messages)
    # And the unsubscribed number is marked opted out, got nothing, and the API says so
    token = stack.id_token("owner1@sellerflow.local")
    recipients = api_get(stack, f"/sellers/{seller.seller_id}/alerts/recipients", token).json()["recipients"]
    state = {r["phone"]: r for r in recipients}
    assert state[UNSUBSCRIBED]["opted_in"] is False
    assert state[UNSUBSCRIBED]["opted_out_at"]
    assert state[PHONE]["opted_in"] is True
    alerts = api_get(stack, f"/sellers/{seller.seller_id}/alerts", token).json()["alerts"]
    assert {a["kind"] for a in alerts} >= {"daily_sales"}
    sent = [d for a in alerts for d in a["deliveries"] if d["phone"] == PHONE]
    assert len(sent) == len(published)
    assert all(d["status"] == "sent" and d["message_sid"] for d in sent)
    # And a later sync sends nothing to the opted-out number either
    attempts_before = httpx.get(f"{stack.simulator.url}/_sim/twilio/messages", timeout=10).json()["attempts"]
    evaluate(stack, seller.seller_id)
    wait_until_queue_empty(stack)
    after = httpx.get(f"{stack.simulator.url}/_sim/twilio/messages", timeout=10).json()
    assert after["attempts"] == attempts_before
    assert all(m["to"] != f"whatsapp:{UNSUBSCRIBED}" for m in after["messages"])


def test_a_failing_twilio_is_retried_then_the_message_waits_in_the_dead_letter_queue(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given Twilio answering 500 to everything, and one seller with one number
    stack = local_stack(sellers=1)
    seller = stack.world.sellers[0]
    set_alerts(stack, 1, [PHONE], kinds=("daily_sales",))
    stack.simulator.twilio.configure(fail_next=10_000, fail_status=500)
    # When the rules are evaluated (yesterday's summaries are due)
    outcome = evaluate(stack, seller.seller_id)
    assert outcome["published"] == len(seller.marketplace_ids)
    # Then each message is tried maxReceiveCount (4) times, then lands in the DLQ; none was sent
    deadline = time.monotonic() + 120
    while queue_depth(stack, "WhatsAppDeadLetterQueue") < outcome["published"]:
        assert time.monotonic() < deadline, "nothing reached the dead-letter queue"
        time.sleep(0.3)
    assert queue_depth(stack, "WhatsAppQueue") == 0
    record = httpx.get(f"{stack.simulator.url}/_sim/twilio/messages", timeout=10).json()
    assert record["messages"] == []
    assert record["attempts"] == 4 * outcome["published"]


def test_quiet_hours_hold_an_alert_until_the_first_evaluation_after_them(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given quiet hours around now (UTC) for the daily summary
    stack = local_stack(sellers=1)
    seller = stack.world.sellers[0]
    now = datetime.now(UTC)
    quiet = {
        "start": (now - timedelta(hours=1)).strftime("%H:%M"),
        "end": (now + timedelta(hours=1)).strftime("%H:%M"),
        "timezone": "UTC",
    }
    set_alerts(stack, 1, [PHONE], quiet_hours=quiet, kinds=("daily_sales",))
    # When the rules are evaluated in the quiet hours
    held = evaluate(stack, seller.seller_id)
    wait_until_queue_empty(stack)
    # Then nothing goes out, and the alerts are held
    assert held["held"] == len(seller.marketplace_ids)
    assert held["published"] == 0
    assert twilio_messages(stack) == []
    token = stack.id_token("owner1@sellerflow.local")
    alerts = api_get(stack, f"/sellers/{seller.seller_id}/alerts", token).json()["alerts"]
    assert {a["status"] for a in alerts} == {"held"}
    # When the quiet hours are over (the owner ends them) and the rules are evaluated twice
    set_alerts(stack, 1, [PHONE], quiet_hours=None, kinds=("daily_sales",))
    first, second = evaluate(stack, seller.seller_id), evaluate(stack, seller.seller_id)
    wait_until_queue_empty(stack)
    # Then the held alerts go out once each, neither lost nor duplicated
    assert first["released"] == held["held"]
    assert second["released"] == 0
    assert len(twilio_messages(stack)) == held["held"]
    alerts = api_get(stack, f"/sellers/{seller.seller_id}/alerts", token).json()["alerts"]
    assert {a["status"] for a in alerts} == {"published"}
