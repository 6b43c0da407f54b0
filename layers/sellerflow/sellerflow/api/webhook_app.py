"""The public webhooks Twilio calls (the Lambda handler of `TwilioWebhooksFunction`): its status
callbacks and inbound WhatsApp messages (STOP / START), outside Cognito, each request checked
against Twilio's signature (`sellerflow.api.routes_twilio`). Same error middleware and security
headers as the general app; no seller-data route, no user token.
"""

from __future__ import annotations

from sellerflow.api.context import AppFactory, RouteFamily
from sellerflow.api.families import LazyFamily
from sellerflow.api.ports import DEPLOYMENT

APP_NAME = "sellerflow-twilio-webhooks"
ROUTE_FAMILIES: tuple[RouteFamily, ...] = (
    LazyFamily("sellerflow.api.routes_twilio", "twilio_webhook_routes"),
)


create_webhook_app = AppFactory(APP_NAME, ROUTE_FAMILIES, lambda: DEPLOYMENT.webhooks)
"""The webhooks app: `create_webhook_app(settings=..., twilio_webhooks=lambda: fake, ...)`."""

app = create_webhook_app()
