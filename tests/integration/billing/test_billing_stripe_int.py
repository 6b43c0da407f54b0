"""Billing against the Stripe stand-in over real HTTP: the official `stripe` library pointed at it,
signed webhooks POSTed by it to the billing app (served over HTTP), the billing table and the
webhooks' idempotency records in moto's DynamoDB (Powertools idempotency).

A demo seller goes trial → checkout → paid → failed payment → read-only → recovered; then every
request the stand-in recorded is scanned for the seller's Amazon data: none. Replays, bad
signatures, stale timestamps and out-of-order events are refused or ignored."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import boto3
import pytest
from chalice.config import Config
from chalice.local import LocalGateway
from moto import mock_aws

from sellerflow.api.billing_app import create_billing_app
from sellerflow.api.ports import BillingPorts
from sellerflow.billing.model import BillingNotice, NoticeKind, PlanState
from sellerflow.billing.plans import bundled_catalog
from sellerflow.billing.service import BillingIdentity, BillingService, UsagePeriod
from sellerflow.billing.stripe_adapter import StripePayments, StripeWebhookVerifier
from sellerflow.settings import Settings
from sellerflow.store.billing import BillingTable, IdempotentEvents
from sellerflow_dev.simulator.stripe_api import (
    StripeServer,
    StripeStandIn,
    amazon_fields_sent,
    amazon_terms,
)
from sellerflow_dev.simulator.world import SimWorld

TABLE = "sellerflow-billing-int"
WORLD = SimWorld.generate(sellers=1, seed=17, now=datetime(2026, 3, 1, tzinfo=UTC))
SELLER = WORLD.sellers[0].seller_id


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


class Notices:
    def __init__(self) -> None:
        self.sent: list[BillingNotice] = []

    def notify(self, notice: BillingNotice) -> None:
        self.sent.append(notice)


class NoUsers:
    """Stripe is no Cognito user: the webhook route never asks for one."""

    def authenticate(self, authorization: str | None) -> Any:
        raise AssertionError("the public webhook route authenticated a user")


class AppServer:
    """The billing app behind a real HTTP socket (as API Gateway serves it)."""

    def __init__(self, app: Any) -> None:
        gateway = LocalGateway(app, Config())
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:  # one Lambda environment: one request at a time
                    reply = gateway.handle_request("POST", self.path, dict(self.headers.items()), body)
                data = reply["body"] if isinstance(reply["body"], bytes) else str(reply["body"]).encode()
                self.send_response(reply["statusCode"])
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def world() -> Iterator[dict[str, Any]]:
    with mock_aws():
        boto3.client("dynamodb", region_name="us-east-1").create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "seller_id", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "seller_id", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
        )  # fmt: skip
        stripe = StripeStandIn(seed=17)
        stripe_server = StripeServer(stripe).start()
        clock = Clock()
        notices = Notices()
        table = BillingTable(TABLE, client=boto3.client("dynamodb", region_name="us-east-1"))
        service = BillingService(
            accounts=table, notices=notices, catalog=bundled_catalog(), clock=clock,
            provider=lambda: StripePayments(stripe.api_key, api_base=stripe_server.url, max_network_retries=0),
        )  # fmt: skip
        ports = BillingPorts(
            service=service, verifier=lambda: StripeWebhookVerifier(stripe.webhook_secret, tolerance_s=300),
            events=IdempotentEvents(TABLE),
        )  # fmt: skip
        app = create_billing_app(settings=Settings(), clock=clock, verifier=NoUsers(), billing=lambda: ports)
        app_server = AppServer(app)
        stripe.webhook_url = f"{app_server.url}/webhooks/stripe"
        try:
            yield {"stripe": stripe, "service": service, "clock": clock, "notices": notices, "table": table}
        finally:
            app_server.stop()
            stripe_server.stop()


def _subscribe(w: dict[str, Any], plan: str = "growth") -> str:
    service: BillingService = w["service"]
    url = service.checkout(
        SELLER, plan, BillingIdentity(name="Dana Owner", email="owner1@sellerflow.local"),
        success_url="http://127.0.0.1:8000/#billing-done", cancel_url="http://127.0.0.1:8000/#billing",
    )  # fmt: skip
    session_id = url.rsplit("/", 1)[1]
    w["stripe"].complete_checkout(session_id)
    customer: str = w["table"].get(SELLER).customer_id
    return customer


def test_trial_checkout_paid_failed_read_only_recovered_and_stripe_got_nothing_of_amazons(
    world: dict[str, Any],
) -> None:
    w, stripe, service, clock = world, world["stripe"], world["service"], world["clock"]
    assert service.state(SELLER) is PlanState.TRIALING  # a new seller starts the default plan's trial
    customer = _subscribe(w)
    assert [d["status"] for d in stripe.deliveries] == [
        200,
        200,
    ]  # completed, subscription created (trialing)
    assert service.state(SELLER) is PlanState.TRIALING
    assert service.plan_of(SELLER).id == "growth"
    stripe.pay(customer)
    assert service.state(SELLER) is PlanState.ACTIVE
    assert service.sync_allowed(SELLER)

    stripe.fail_payment(customer)
    assert service.state(SELLER) is PlanState.PAST_DUE
    assert service.sync_allowed(SELLER)
    assert [n.kind for n in w["notices"].sent] == [NoticeKind.PAYMENT_FAILED]
    clock.now += timedelta(days=service.plan_of(SELLER).grace_days, hours=1)
    assert service.state(SELLER) is PlanState.READ_ONLY
    assert not service.sync_allowed(SELLER)

    stripe.pay(customer)
    assert service.state(SELLER) is PlanState.ACTIVE
    assert service.sync_allowed(SELLER)
    assert w["notices"].sent[-1].kind is NoticeKind.RECOVERED
    assert service.report_usage(SELLER, orders=42, period="2026-03")
    portal = service.portal(SELLER, return_url="http://127.0.0.1:8000/#billing")
    assert portal.startswith(stripe.base_url)

    assert all(d["status"] == 200 for d in stripe.deliveries)
    paths = {r["path"] for r in stripe.requests}
    assert paths == {"/v1/customers", "/v1/checkout/sessions", "/v1/billing_portal/sessions",
                     "/v1/billing/meter_events"}  # fmt: skip
    terms = amazon_terms(WORLD, [SELLER])
    assert all(terms.values()), "the scan must have something to look for"
    assert amazon_fields_sent(stripe.requests, terms) == []
    meter = stripe.meter_events[0]["payload"]
    assert meter == {"stripe_customer_id": customer, "value": "42"}  # a count and the customer id only


def test_the_monthly_usage_report_sends_a_count_and_the_customer_once_per_period(
    world: dict[str, Any],
) -> None:
    w, stripe, service = world, world["stripe"], world["service"]
    customer = _subscribe(w)  # Growth: a metered plan
    service.account("A9TRIALONLY1")  # a trial on Starter: no meter, no Stripe customer
    counted: list[tuple[str, date, date]] = []

    def orders_synced(seller_id: str, first: date, last: date) -> int:
        counted.append((seller_id, first, last))
        return 42

    november = UsagePeriod.named("2026-11")
    first = service.report_period(november, orders_synced)
    again = service.report_period(november, orders_synced)  # a rerun (the schedule's retry)
    assert (first.reported, first.skipped, first.orders) == (1, 1, 42)
    assert again.reported == 1  # Stripe refused the repeated identifier: the report stands once
    assert counted == [(SELLER, date(2026, 11, 1), date(2026, 11, 30))] * 2
    assert [(e["identifier"], e["payload"]) for e in stripe.meter_events] == [
        (f"{customer}-2026-11", {"stripe_customer_id": customer, "value": "42"})
    ]
    sent = [parse_qs(r["body"]) for r in stripe.requests if r["path"] == "/v1/billing/meter_events"]
    assert len(sent) == 2
    assert all(set(form) == {"event_name", "identifier", "payload[stripe_customer_id]", "payload[value]"}
               for form in sent)  # fmt: skip
    assert amazon_fields_sent(stripe.requests, amazon_terms(WORLD, [SELLER])) == []
    assert UsagePeriod.before(datetime(2026, 12, 1, 3, tzinfo=UTC)) == november


def test_a_leak_would_be_found(world: dict[str, Any]) -> None:
    """The scan is not blind: a request carrying a SKU and the seller id is caught."""
    terms = amazon_terms(WORLD, [SELLER])
    sku = next(iter(terms["sku"]))
    leaked = [
        {"path": "/v1/customers", "body": f"name=x&metadata[sku]={sku}&metadata[s]={SELLER}", "headers": {}}
    ]
    assert {kind for kind, _ in amazon_fields_sent(leaked, terms)} >= {"sku", "seller"}


def test_a_replayed_event_is_handled_once(world: dict[str, Any]) -> None:
    stripe = world["stripe"]
    customer = _subscribe(world, plan="scale")  # no trial: completed, created (active), invoice.paid
    stripe.fail_payment(customer)
    failed = next(e for e in stripe.events if e["type"] == "invoice.payment_failed")
    stripe.pay(customer)
    assert world["service"].state(SELLER) is PlanState.ACTIVE
    notices_before = len(world["notices"].sent)
    assert stripe.resend(failed["id"])
    assert stripe.deliveries[-1]["status"] == 200
    assert world["service"].state(SELLER) is PlanState.ACTIVE  # the replay changed nothing
    assert len(world["notices"].sent) == notices_before  # and alerted no one again
    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=TABLE)["Items"]
    records = [i for i in items if i["seller_id"]["S"] == "IDEMPOTENCY#stripe-events"]
    assert len(records) == len({e["id"] for e in stripe.events})  # one record per event id, replay or not
    assert all("expires_at" in record for record in records)  # the table's TTL attribute


def test_bad_signature_and_stale_timestamp_are_refused(world: dict[str, Any]) -> None:
    stripe = world["stripe"]
    customer = _subscribe(world, plan="scale")
    event = stripe._event("invoice.payment_failed", {"customer": customer, "subscription": "sub_x"})
    assert stripe.deliver(event, secret="whsec_" + "0" * 32) == 400  # signed with another secret
    assert stripe.deliver(event, timestamp=int(datetime.now(UTC).timestamp()) - 3600) == 400  # an hour old
    assert world["service"].state(SELLER) is PlanState.ACTIVE
    assert world["notices"].sent == []


def test_out_of_order_events_leave_the_newest_state(world: dict[str, Any]) -> None:
    stripe = world["stripe"]
    customer = _subscribe(world, plan="scale")
    subscription = stripe.subscriptions[customer]
    stripe.webhook_url, url = None, stripe.webhook_url  # Stripe holds these back...
    stripe.fail_payment(customer)
    stripe.pay(customer)
    stripe.webhook_url = url
    held = [
        e
        for e in stripe.events
        if e["data"]["object"].get("subscription", e["data"]["object"].get("id")) == subscription["id"]
    ][-4:]
    for event in reversed(held):  # ...and delivers them newest first
        assert stripe.deliver(event) == 200
    assert world["service"].state(SELLER) is PlanState.ACTIVE
    assert world["table"].get(SELLER).past_due_since is None
    assert json.dumps(stripe.deliveries)  # every delivery was recorded
