"""`make demo`: the whole pipeline on demo sellers, then the API until Ctrl-C."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import TextIO

from sellerflow.store.reports import ReportStore
from sellerflow_dev.local.stack import DEMO_PASSWORD, LocalStack, LocalStackConfig
from sellerflow_dev.local.verify import verify_orders, verify_sales_traffic


def run_demo(config: LocalStackConfig, *, once: bool, out: TextIO = sys.stdout) -> int:
    def say(text: str) -> None:
        print(text, file=out, flush=True)

    say("Sellerflow local stack: starting moto, the SP-API simulator and every resource of template.yaml ...")
    stack = LocalStack(config)
    stack.start()
    try:
        assert stack.resources is not None
        say(
            f"  {len(stack.resources.physical)} resources, {len(stack.resources.functions)} functions, "
            f"{len(stack.resources.state_machines)} state machines, {len(stack.resources.schedules)} schedule(s)"
        )
        stack.connect_demo_sellers()
        demo_numbers = _set_up_demo_alerts(stack)
        for seller in stack.world.sellers:
            say(f"  connected {seller.seller_id} ({seller.name}) in {', '.join(seller.marketplace_ids)}")
        say("Schedule tick: fanout → one seller-sync per seller (Step Functions on moto) ...")
        done = threading.Event()
        progress = threading.Thread(target=_progress, args=(stack, done, say), daemon=True)
        progress.start()
        started = time.monotonic()
        reports = stack.run_sync()
        done.set()
        progress.join()
        say(f"Sync finished in {time.monotonic() - started:.1f}s")
        say(
            f"{'seller':<16} {'status':<10} {'orders':>7} {'SP-API calls':>13} {'throttled':>10} {'duration':>9}"
        )
        for r in reports:
            say(
                f"{r.seller_id:<16} {r.status:<10} {r.orders_stored:>7} {r.spapi_calls:>13} "
                f"{r.throttled:>10} {r.duration_s:>8.1f}s"
            )
        from sellerflow import wiring

        all_ok = all(r.status == "SUCCEEDED" for r in reports)
        for seller in stack.world.sellers:
            stored = list(wiring.order_store().all_for_seller(seller.seller_id))
            check = verify_orders(
                seller.seller_id,
                stored,
                stack.world.orders(seller.seller_id),
                history=stack.world.history_orders(seller.seller_id),
                backfilled=ReportStore().all(seller.seller_id),
            )
            all_ok = all_ok and check.ok
            verdict = "verified" if check.ok else "MISMATCH"
            say(
                f"{verdict} orders {seller.seller_id} stored={check.stored} source={check.source}"
                + (
                    ""
                    if check.ok
                    else f" missing={len(check.missing)} unexpected={len(check.unexpected)} "
                    f"different={len(check.different)}"
                )
            )
        all_ok = _verify_sales_traffic(stack, say) and all_ok
        _print_alerts_sent(stack, demo_numbers, say)
        if once:
            return 0 if all_ok else 1
        assert stack.gateway is not None
        token = stack.id_token("demo@sellerflow.local")
        say("")
        say(f"Dashboard:  {stack.gateway.url}/   (sign in below; the TOTP code comes from the secret)")
        say(f"API:        {stack.gateway.url}   (Cognito-authenticated, like API Gateway)")
        say(
            f"Demo login: demo@sellerflow.local / {DEMO_PASSWORD}  (TOTP secret "
            f"{stack.users['demo@sellerflow.local'].totp_secret}; owner1..owner{len(reports)}@sellerflow.local "
            "own one seller each)"
        )
        say(f"Try:        curl -H 'Authorization: Bearer {token}' {stack.gateway.url}/sellers")
        say("The schedule keeps firing (time compressed); Ctrl-C stops everything.")
        stack.start_scheduler()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            say("stopping")
        return 0 if all_ok else 1
    finally:
        stack.stop()


def _verify_sales_traffic(stack: LocalStack, say: Callable[[str], None]) -> bool:
    """`verified sales_traffic <seller> source=<report|data_kiosk> days=N`: what was stored, from the
    source the app-wide budget chose, against the simulator's truth."""
    from sellerflow import wiring

    all_ok = True
    for seller in stack.world.sellers:
        states = ReportStore().all(seller.seller_id)
        today = stack.world.now.date()
        stored = wiring.fact_store().traffic_by_date(seller.seller_id, today - timedelta(days=60), today)
        truth = partial(stack.world.traffic, seller.seller_id)
        check = verify_sales_traffic(seller.seller_id, states, stored, truth)
        all_ok = all_ok and check.ok
        verdict = "verified" if check.ok else "MISMATCH"
        say(
            f"{verdict} sales_traffic {seller.seller_id} source={'+'.join(check.sources) or '-'} "
            f"days={check.days} matching={check.matching}"
            + (f" missing={','.join(check.missing)}" if check.missing else "")
        )
    return all_ok


def _progress(stack: LocalStack, done: threading.Event, say: object) -> None:
    assert callable(say)
    last = ""
    while not done.wait(1.0):
        from sellerflow import wiring

        counts = ", ".join(
            f"{s.seller_id}: {wiring.order_store().count(s.seller_id)}" for s in stack.world.sellers
        )
        if counts != last:
            say(f"  orders stored … {counts}")
            last = counts


def _set_up_demo_alerts(stack: LocalStack) -> dict[str, str]:
    """Every alert rule on, no quiet hours (the demo runs at any hour), one WhatsApp number per seller."""
    from sellerflow import wiring
    from sellerflow.alerts.model import AlertRule, AlertRules, Recipient, default_rules
    from sellerflow.store.alerts import AlertStore

    wiring.settings()  # binds the tables
    store = AlertStore()
    numbers: dict[str, str] = {}
    for index, seller in enumerate(stack.world.sellers, start=1):
        defaults = default_rules(seller.marketplace_ids)
        rules = AlertRules(rules=tuple(AlertRule(kind=r.kind, quiet_hours=None) for r in defaults.rules))
        store.put_rules(seller.seller_id, rules)
        phone = f"+1555010{index:04d}"
        store.put_recipient(seller.seller_id, Recipient(phone=phone, opted_in=True))
        numbers[f"whatsapp:{phone}"] = seller.seller_id
    return numbers


def _print_alerts_sent(stack: LocalStack, numbers: dict[str, str], say: Callable[[str], None]) -> None:
    """The WhatsApp messages the Twilio stand-in received (the queue drains first)."""
    assert stack.resources is not None
    sqs = stack.session.client("sqs")
    url = stack.resources.queues.get("WhatsAppQueue")
    deadline = time.monotonic() + 60
    while url and time.monotonic() < deadline:
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        if not any(int(v) for v in attributes.values()):
            break
        time.sleep(0.3)
    twilio = stack.simulator.twilio
    kinds = {sid: kind for kind, sid in twilio.content_sids.items()}
    sent = twilio.sent()
    say(f"Alerts sent on WhatsApp (Twilio stand-in): {len(sent)}")
    for message in sent:
        variables = ", ".join(message["content_variables"].values())
        say(
            f"  {numbers.get(message['to'], '?'):<16} {kinds.get(message['content_sid'], '?'):<14} "
            f"{message['to']:<24} {message['sid'][:12]}… {variables}"
        )
