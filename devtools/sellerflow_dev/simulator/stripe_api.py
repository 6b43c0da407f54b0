"""A Stripe stand-in: the parts of Stripe's REST API Sellerflow uses, signed webhooks, every request recorded.

    POST /v1/customers                    name, email, metadata[...]        -> customer
    POST /v1/checkout/sessions            mode=subscription, customer, line_items[i][price|quantity],
                                          success_url, cancel_url, subscription_data[trial_period_days]
                                          -> {id, url, ...} (the hosted page is the stand-in's)
    POST /v1/billing_portal/sessions      customer, return_url              -> {id, url}
    POST /v1/billing/meter_events         event_name, identifier, payload[stripe_customer_id|value]

Requests are form-encoded with `Authorization: Bearer <secret key>` (the official `stripe` library
pointed here through its API base address); a wrong key gets Stripe's 401.

Control (loopback only, for tests and `make demo`), each emitting the events Stripe would, signed and
POSTed to `webhook_url` with Stripe's scheme (`Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
"<t>.<body>" keyed with the endpoint secret>`):

    POST /_sim/stripe/checkout/{session}/complete   checkout.session.completed, customer.subscription.created,
                                                    invoice.paid (no invoice while trialing)
    POST /_sim/stripe/customers/{customer}/fail     invoice.payment_failed, customer.subscription.updated (past_due)
    POST /_sim/stripe/customers/{customer}/pay      invoice.paid, customer.subscription.updated (active)
    POST /_sim/stripe/customers/{customer}/unpaid   customer.subscription.updated (unpaid: retries ran out)
    POST /_sim/stripe/customers/{customer}/cancel   customer.subscription.deleted
    POST /_sim/stripe/customers/{customer}/trial_will_end
    POST /_sim/stripe/events/{event}/resend         the same event again (a replay)
    GET  /_sim/stripe/requests | /_sim/stripe/events | /_sim/stripe/deliveries
    POST /_sim/stripe/config {"webhook_url": ...}   POST /_sim/stripe/reset
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

API_PREFIX = "/v1/"
CONTROL_PREFIX = "/_sim/stripe"
_CUSTOMER_CONTROLS = {
    "fail": "fail_payment",
    "pay": "pay",
    "unpaid": "retries_exhausted",
    "cancel": "cancel",
    "trial_will_end": "trial_will_end",
}
_CONTROL = re.compile(r"^(?P<kind>checkout|customers|events)/(?P<id>[A-Za-z0-9_]+)/(?P<action>[a-z_]+)$")


def stripe_signature(secret: str, payload: bytes, timestamp: int) -> str:
    """`Stripe-Signature`: t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<payload>")>."""
    signed = f"{timestamp}.".encode() + payload
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


@dataclass
class StripeReply:
    status: int
    body: dict[str, Any]


def _error(status: int, kind: str, message: str) -> StripeReply:
    return StripeReply(status, {"error": {"type": kind, "message": message}})


@dataclass
class StripeStandIn:
    seed: int = 0
    base_url: str = "http://127.0.0.1"  # where its hosted pages are (set when served)
    webhook_url: str | None = None
    clock: Callable[[], float] = time.time
    requests: list[dict[str, Any]] = field(default_factory=list)  # every request received, as received
    events: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)  # every webhook posted, and the answer
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)  # by customer id
    meter_events: list[dict[str, Any]] = field(default_factory=list)
    _counter: int = 0
    _last_created: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def api_key(self) -> str:
        return "sk_test_" + hashlib.sha256(f"stripe-key-{self.seed}".encode()).hexdigest()[:24]

    @property
    def webhook_secret(self) -> str:
        return "whsec_" + hashlib.sha256(f"stripe-whsec-{self.seed}".encode()).hexdigest()[:32]

    def handles(self, path: str) -> bool:
        return path.startswith(API_PREFIX) or path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")

    def _id(self, prefix: str) -> str:
        self._counter += 1
        return (
            f"{prefix}_" + hashlib.sha256(f"{self.seed}-{prefix}-{self._counter}".encode()).hexdigest()[:20]
        )

    def _created(self) -> int:
        """Event creation times: the clock, strictly increasing (Stripe's are seconds; ties are real)."""
        self._last_created = max(int(self.clock()), self._last_created + 1)
        return self._last_created

    # --- dispatch --------------------------------------------------------------------------------
    def dispatch(
        self, method: str, path: str, headers: dict[str, str], body: bytes, loopback: bool
    ) -> StripeReply:
        if path.startswith(CONTROL_PREFIX):
            if not loopback:
                return _error(403, "invalid_request_error", "control endpoints answer loopback clients only")
            return self._control(method, path[len(CONTROL_PREFIX) :].strip("/"), body)
        text = body.decode("utf-8", "replace")
        with self._lock:
            self.requests.append(
                {
                    "method": method,
                    "path": path,
                    "body": text,
                    "headers": {k.lower(): v for k, v in headers.items()},
                }
            )
        lowered = {k.lower(): v for k, v in headers.items()}
        if lowered.get("authorization", "") != f"Bearer {self.api_key}":
            return _error(401, "invalid_request_error", "Invalid API Key provided")
        if method != "POST":
            return _error(405, "invalid_request_error", f"{method} is not supported here")
        form = dict(parse_qsl(text, keep_blank_values=True))
        routes = {
            "/v1/customers": self._customer,
            "/v1/checkout/sessions": self._checkout,
            "/v1/billing_portal/sessions": self._portal,
            "/v1/billing/meter_events": self._meter_event,
        }
        handler = routes.get(path)
        if handler is None:
            return _error(404, "invalid_request_error", f"Unrecognized request URL (POST: {path})")
        with self._lock:
            return handler(form)

    def _customer(self, form: dict[str, str]) -> StripeReply:
        customer_id = self._id("cus")
        metadata = {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")}
        customer = {
            "id": customer_id, "object": "customer", "name": form.get("name"), "email": form.get("email"),
            "metadata": metadata, "created": int(self.clock()), "livemode": False,
        }  # fmt: skip
        self.customers[customer_id] = customer
        return StripeReply(200, customer)

    def _checkout(self, form: dict[str, str]) -> StripeReply:
        customer_id = form.get("customer", "")
        if customer_id not in self.customers:
            return _error(400, "invalid_request_error", f"No such customer: '{customer_id}'")
        if form.get("mode") != "subscription":
            return _error(400, "invalid_request_error", "mode must be subscription")
        prices = [v for k, v in sorted(form.items()) if re.fullmatch(r"line_items\[\d+\]\[price\]", k)]
        if not prices:
            return _error(400, "invalid_request_error", "line_items is required")
        session_id = self._id("cs_test")
        trial = int(form.get("subscription_data[trial_period_days]") or 0)
        session = {
            "id": session_id, "object": "checkout.session", "mode": "subscription", "customer": customer_id,
            "status": "open", "url": f"{self.base_url}/checkout/{session_id}", "prices": prices,
            "trial_period_days": trial, "success_url": form.get("success_url"),
            "cancel_url": form.get("cancel_url"), "subscription": None,
        }  # fmt: skip
        self.sessions[session_id] = session
        return StripeReply(200, session)

    def _portal(self, form: dict[str, str]) -> StripeReply:
        customer_id = form.get("customer", "")
        if customer_id not in self.customers:
            return _error(400, "invalid_request_error", f"No such customer: '{customer_id}'")
        session_id = self._id("bps")
        url = f"{self.base_url}/portal/{session_id}"
        return StripeReply(200, {"id": session_id, "object": "billing_portal.session", "url": url,
                                 "customer": customer_id, "return_url": form.get("return_url")})  # fmt: skip

    def _meter_event(self, form: dict[str, str]) -> StripeReply:
        customer_id = form.get("payload[stripe_customer_id]", "")
        if customer_id not in self.customers or not form.get("payload[value]", "").isdigit():
            return _error(
                400, "invalid_request_error", "payload needs stripe_customer_id and an integer value"
            )
        identifier = form.get("identifier") or self._id("mev")
        if any(e["identifier"] == identifier for e in self.meter_events):
            return _error(400, "invalid_request_error", "An event already exists with identifier")
        event = {"object": "billing.meter_event", "event_name": form.get("event_name"),
                 "identifier": identifier, "payload": {"stripe_customer_id": customer_id,
                 "value": form["payload[value]"]}, "created": int(self.clock())}  # fmt: skip
        self.meter_events.append(event)
        return StripeReply(200, event)

    # --- what happens at Stripe (controls) ------------------------------------------------------
    def _control(self, method: str, rest: str, body: bytes) -> StripeReply:
        with self._lock:
            if method == "GET" and rest in ("requests", "events", "deliveries"):
                return StripeReply(200, {"data": list(getattr(self, rest))})
            if method == "POST" and rest == "config":
                settings = json.loads(body or b"{}")
                self.webhook_url = settings.get("webhook_url", self.webhook_url)
                return StripeReply(200, {"webhook_url": self.webhook_url})
            if method == "POST" and rest == "reset":
                for items in (self.requests, self.events, self.deliveries, self.meter_events):
                    items.clear()
                for table in (self.customers, self.sessions, self.subscriptions):
                    table.clear()
                return StripeReply(200, {})
        match = _CONTROL.match(rest)
        if method != "POST" or match is None:
            return _error(404, "invalid_request_error", f"no control {method} {rest}")
        kind, key, action = match["kind"], match["id"], match["action"]
        try:
            if kind == "checkout" and action == "complete":
                events = self.complete_checkout(key)
            elif kind == "events" and action == "resend":
                events = [self.resend(key)]
            elif kind == "customers" and action in _CUSTOMER_CONTROLS:
                events = getattr(self, _CUSTOMER_CONTROLS[action])(key)
            else:
                return _error(404, "invalid_request_error", f"no control {action} on {kind}")
        except KeyError as missing:
            return _error(404, "invalid_request_error", f"no such object: {missing}")
        return StripeReply(200, {"events": [e["id"] for e in events]})

    def complete_checkout(self, session_id: str) -> list[dict[str, Any]]:
        """The customer paid on the hosted page: the subscription exists (trialing or active)."""
        with self._lock:
            session = self.sessions[session_id]
            customer_id = session["customer"]
            trial_days = int(session["trial_period_days"])
            now = int(self.clock())
            subscription = {
                "id": self._id("sub"), "object": "subscription", "customer": customer_id,
                "status": "trialing" if trial_days else "active",
                "trial_end": now + trial_days * 86400 if trial_days else None,
                "items": {"object": "list", "data": [
                    {"id": self._id("si"), "price": {"id": price}, "current_period_end": now + 30 * 86400}
                    for price in session["prices"]]},
                "created": now, "ended_at": None,
            }  # fmt: skip
            self.subscriptions[customer_id] = subscription
            session.update(status="complete", subscription=subscription["id"])
            events = [self._event("checkout.session.completed", dict(session))]
            events.append(self._event("customer.subscription.created", dict(subscription)))
            if not trial_days:
                events.append(self._event("invoice.paid", self._invoice(subscription, "paid")))
        return self._send(events)

    def fail_payment(self, customer_id: str) -> list[dict[str, Any]]:
        with self._lock:
            subscription = self.subscriptions[customer_id]
            subscription["status"] = "past_due"
            events = [
                self._event("invoice.payment_failed", self._invoice(subscription, "open")),
                self._event("customer.subscription.updated", dict(subscription)),
            ]
        return self._send(events)

    def pay(self, customer_id: str) -> list[dict[str, Any]]:
        with self._lock:
            subscription = self.subscriptions[customer_id]
            subscription["status"] = "active"
            events = [
                self._event("invoice.paid", self._invoice(subscription, "paid")),
                self._event("customer.subscription.updated", dict(subscription)),
            ]
        return self._send(events)

    def retries_exhausted(self, customer_id: str) -> list[dict[str, Any]]:
        """Stripe's retries of a failed invoice ran out and its dunning settings mark the subscription
        `unpaid` (the subscription stays, invoices stop being attempted)."""
        with self._lock:
            subscription = self.subscriptions[customer_id]
            subscription["status"] = "unpaid"
            events = [self._event("customer.subscription.updated", dict(subscription))]
        return self._send(events)

    def cancel(self, customer_id: str) -> list[dict[str, Any]]:
        with self._lock:
            subscription = self.subscriptions[customer_id]
            subscription.update(status="canceled", ended_at=int(self.clock()))
            events = [self._event("customer.subscription.deleted", dict(subscription))]
        return self._send(events)

    def trial_will_end(self, customer_id: str) -> list[dict[str, Any]]:
        with self._lock:
            events = [
                self._event("customer.subscription.trial_will_end", dict(self.subscriptions[customer_id]))
            ]
        return self._send(events)

    def resend(self, event_id: str) -> dict[str, Any]:
        """Stripe retries (or an operator resends) an event: the very same id and body."""
        with self._lock:
            event = next(e for e in self.events if e["id"] == event_id)
        self.deliver(event)
        return event

    def _invoice(self, subscription: dict[str, Any], status: str) -> dict[str, Any]:
        return {"id": self._id("in"), "object": "invoice", "customer": subscription["customer"],
                "subscription": subscription["id"], "status": status}  # fmt: skip

    def _event(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        event = {"id": self._id("evt"), "object": "event", "api_version": "2025-06-30.basil",
                 "created": self._created(), "type": kind, "livemode": False, "pending_webhooks": 1,
                 "data": {"object": json.loads(json.dumps(obj))}}  # fmt: skip
        self.events.append(event)
        return event

    def _send(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for event in events:
            self.deliver(event)
        return events

    # --- webhooks (Stripe -> the application), signed ---------------------------------------------
    def deliver(
        self, event: dict[str, Any], *, timestamp: int | None = None, secret: str | None = None
    ) -> int:
        """POST one event to `webhook_url`, signed (a test may sign with another secret or time)."""
        if not self.webhook_url:
            return 0
        payload = json.dumps(event, separators=(",", ":")).encode()
        signed_at = int(self.clock()) if timestamp is None else timestamp
        request = urllib.request.Request(  # noqa: S310 - the configured local endpoint
            self.webhook_url, data=payload, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0",
                     "Stripe-Signature": stripe_signature(secret or self.webhook_secret, payload, signed_at)},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = 0
        with self._lock:
            self.deliveries.append({"event_id": event["id"], "type": event["type"], "status": status})
        return status


class StripeServer:
    """Serves a stand-in alone over HTTP on 127.0.0.1 (tests; the simulator serves it on its own port)."""

    def __init__(self, stand_in: StripeStandIn, *, port: int = 0) -> None:
        self.stand_in = stand_in
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                reply = owner.stand_in.dispatch(
                    self.command,
                    path,
                    dict(self.headers.items()),
                    body,
                    self.client_address[0] == "127.0.0.1",
                )
                data = json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_standin")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:  # noqa: ARG002 - the base's signature
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        stand_in.base_url = self.url

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> StripeServer:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="stripe-standin")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def amazon_terms(world: Any, seller_ids: list[str]) -> dict[str, set[str]]:
    """What of Amazon's a request to Stripe must never hold, for these sellers of a simulated world:
    seller ids, marketplace ids, SKUs, ASINs, order ids, product titles and money figures (every
    price of their catalogue and orders, written as Amazon writes them, e.g. "19.99")."""
    terms: dict[str, set[str]] = {
        k: set() for k in ("seller", "marketplace", "sku", "asin", "order", "title", "money")
    }
    for seller_id in seller_ids:
        seller = world.seller(seller_id)
        terms["seller"].add(seller.seller_id)
        terms["marketplace"].update(seller.marketplace_ids)
        for item in seller.catalogue:
            terms["sku"].add(item.sku)
            terms["asin"].add(item.asin)
            terms["title"].add(item.title)
            terms["money"].add(f"{item.list_price_usd:.2f}")
        for order in world.order_states(seller_id):
            terms["order"].add(order.order_id)
            for line in order.items:
                terms["money"].add(f"{line.unit_price:.2f}")
    terms["money"] = {m for m in terms["money"] if m.replace(".", "").strip("0")}
    return terms


def amazon_fields_sent(requests: list[dict[str, Any]], terms: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(kind, term) for every Amazon term found in any recorded request (path, body or header)."""
    found: list[tuple[str, str]] = []
    for request in requests:
        text = unquote_plus(" ".join([request["path"], request["body"], json.dumps(request["headers"])]))
        for kind, values in terms.items():
            found.extend((kind, value) for value in values if value and value in text)
    return found
