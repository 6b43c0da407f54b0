"""Billing (hosted deployments with `Billing=on`; its own app and function, `sellerflow.api.billing_app`).

    GET  /billing/plans                            the plans and their limits (any signed-in user)
    GET  /sellers/{sellerId}/billing               plan, state, usage against limits, next invoice, banner
                                                   (SELLER_READ: the whole team sees the banner)
    POST /sellers/{sellerId}/billing/checkout      {plan, name?} → {url} of Stripe Checkout (BILLING_MANAGE)
    POST /sellers/{sellerId}/billing/portal        → {url} of the Stripe Customer Portal (BILLING_MANAGE)
    GET  /admin/billing                            every account's plan state (admins)
    POST /webhooks/stripe                          Stripe's webhooks (public; signature-checked)

Card data never reaches Sellerflow: Checkout and the portal are Stripe's hosted pages. Their return
URLs are the dashboard's origin with no seller id in them (Stripe learns nothing of the seller).
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from sellerflow.api.context import ApiContext, json_response
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.api.plan_limits import seller_usage
from sellerflow.api.ports import BillingPorts
from sellerflow.billing.service import BillingIdentity
from sellerflow.billing.views import (
    AdminBillingOut,
    BillingOut,
    CheckoutIn,
    PlanOut,
    PlansOut,
    SessionOut,
    WebhookOut,
)
from sellerflow.members.models import parse_body
from sellerflow.members.permissions import Permission

CHECKOUT_BODY = '{"plan": "starter|growth|scale", "name": "billing name (optional)"}'


def billing_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    def billing() -> BillingPorts:
        return ctx.ports.billing()

    @bp.get("/billing/plans", RouteDoc(PlansOut))
    def list_plans() -> Response:
        """The plans and their limits."""
        ctx.signed_in()
        return json_response(PlansOut(plans=[PlanOut.of(p) for p in billing().service.catalog.plans]))

    @bp.get("/sellers/{sellerId}/billing", RouteDoc(BillingOut))
    def get_billing(sellerId: str) -> Response:
        """The seller's plan, state, usage against its limits and the next invoice."""
        ctx.member_without_query(sellerId, Permission.SELLER_READ)
        ports = billing()
        usage = (
            ports.usage(sellerId) if ports.usage is not None else seller_usage(ctx.ports, sellerId, ctx.now())
        )
        return json_response(BillingOut.of(ports.service.view(sellerId, usage)))

    @bp.post(
        "/sellers/{sellerId}/billing/checkout",
        RouteDoc(SessionOut, status=201, body=CheckoutIn, errors=(409,)),
    )
    def start_checkout(sellerId: str) -> Response:
        """A Stripe Checkout session for subscribing to a plan (owners)."""
        who = ctx.member_without_query(sellerId, Permission.BILLING_MANAGE)
        wanted = parse_body(CheckoutIn, ctx.body(), CHECKOUT_BODY)
        email = who.email or ""
        origin = ctx.runtime.settings.web_origin
        url = billing().service.checkout(
            sellerId, wanted.plan, BillingIdentity(name=wanted.name or email, email=email),
            success_url=f"{origin}/#billing-done", cancel_url=f"{origin}/#billing",
        )  # fmt: skip
        return json_response(SessionOut(url=url), 201)

    @bp.post("/sellers/{sellerId}/billing/portal", RouteDoc(SessionOut, status=201, errors=(409,)))
    def open_portal(sellerId: str) -> Response:
        """A Stripe Customer Portal session: change plan or card, cancel (owners)."""
        ctx.member_without_query(sellerId, Permission.BILLING_MANAGE)
        url = billing().service.portal(sellerId, return_url=f"{ctx.runtime.settings.web_origin}/#billing")
        return json_response(SessionOut(url=url), 201)

    @bp.get("/admin/billing", RouteDoc(AdminBillingOut, errors=(403,)))
    def admin_billing() -> Response:
        """Every account's plan state (admins only)."""
        ctx.admin()
        return json_response(
            AdminBillingOut(accounts=[BillingOut.of(v) for v in billing().service.all_views()])
        )

    return bp


def stripe_webhook_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    @bp.post("/webhooks/stripe", RouteDoc(WebhookOut, errors=(409,)))
    def stripe_webhook() -> Response:
        """Stripe's webhook: signature and timestamp checked, each event id handled once."""
        ctx.query()
        request = ctx.request()
        ports = ctx.ports.billing()
        event = ports.verifier().verify(ctx.body(), request.headers.get("stripe-signature"))

        def handle(verified: dict[str, Any]) -> dict[str, Any]:
            return ports.service.handle_event(verified).as_dict()

        result = ports.events.once(event, handle)
        return json_response(
            WebhookOut(
                received=True,
                applied=bool(result.get("applied")),
                replay=bool(result.get("replay")),
                reason=str(result.get("reason", "")),
            )
        )

    return bp
