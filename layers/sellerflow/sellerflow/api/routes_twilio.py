"""The webhooks Twilio calls (public, signature-checked): the app of `TwilioWebhooksFunction`.

POST /webhooks/twilio/status/{sellerId}/{alertId}   Twilio's status callback of one sent message
POST /webhooks/twilio/inbound                   an inbound WhatsApp message (STOP / START)

The two webhook routes are the API's only routes outside Cognito (`Auth: Authorizer: NONE` in the
template, named in the template test's exceptions): Twilio cannot present a user's token. They run
in their own app and function (`sellerflow.api.webhook_app`, `TwilioWebhooksFunction`), whose role
alone reads the Twilio secret and may update a delivery or a recipient. Each
request must carry a valid `X-Twilio-Signature` (HMAC-SHA1 of the URL Twilio called and the form
parameters, keyed with the account's auth token, checked with Twilio's `RequestValidator`); any other
request gets 403 before anything is read or written. This module imports nothing of the seller-data
routes (their models and services), so the webhooks' cold start does not pay for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs

from chalice.app import Blueprint, Response

from sellerflow.alerts.webhooks import TwilioWebhooks, WebhookResult
from sellerflow.api.context import ApiContext
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.errors import Forbidden

FORM = ["application/x-www-form-urlencoded"]
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _form(raw: bytes) -> dict[str, str]:
    """Twilio's form parameters (one value each; blank values kept: the signature covers them)."""
    parsed = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[-1] for name, values in parsed.items()}


def signed_url(base_url: str, context: Mapping[str, object], headers: Mapping[str, str]) -> str:
    """The URL Twilio called, as it signed it: the configured public base and the path under the
    stage; without a base, API Gateway's own domain and path (the stage's execute-api URL)."""
    path = str(context.get("path") or "")
    if base_url:
        stage = str(context.get("stage") or "")
        if stage and path.startswith(f"/{stage}/"):
            path = path[len(stage) + 1 :]
        return base_url.rstrip("/") + path
    proto = headers.get("x-forwarded-proto", "https")
    return f"{proto}://{context.get('domainName') or headers.get('host', '')}{path}"


def twilio_webhook_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    def verified_form() -> dict[str, str]:
        """The form Twilio sent, once its signature is verified (403 otherwise)."""
        request = ctx.request()
        ctx.query()  # Twilio's URLs here carry no query string: the signature covers the path only
        form = _form(ctx.body())
        url = signed_url(ctx.runtime.settings.twilio_webhook_base_url, request.context, request.headers)
        signature = request.headers.get("x-twilio-signature", "")
        if not ctx.ports.twilio_webhooks().signatures.valid(url, form, signature):
            raise Forbidden("the request is not signed by Twilio")
        return form

    def webhooks() -> TwilioWebhooks:
        return TwilioWebhooks(ledger=ctx.ports.twilio_webhooks().ledger, clock=ctx.runtime.clock)

    @bp.route(
        "/webhooks/twilio/status/{sellerId}/{alertId}", methods=["POST"], content_types=FORM,
        doc=RouteDoc(None, status=204),
    )  # fmt: skip
    def twilio_status(sellerId: str, alertId: str) -> Response:
        """Twilio's status callback of a sent WhatsApp message (signature-checked, no Cognito)."""
        form = verified_form()
        result = webhooks().status(sellerId, alertId, form)
        return Response(body="", status_code=204, headers={"X-Sellerflow-Result": result.value})

    @bp.route("/webhooks/twilio/inbound", methods=["POST"], content_types=FORM, doc=RouteDoc(None))
    def twilio_inbound() -> Response:
        """An inbound WhatsApp message: STOP opts the number out at once, START back in."""
        result: WebhookResult = webhooks().inbound(verified_form())
        return Response(
            body=EMPTY_TWIML,
            status_code=200,
            headers={
                "Content-Type": "text/xml",
                "Cache-Control": "no-store",
                "X-Sellerflow-Result": result.value,
            },
        )

    return bp
