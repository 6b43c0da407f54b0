"""The buyer-PII API (the Lambda handler of `PiiApiFunction`, the only function that may use the PII
key): `GET /sellers/{sellerId}/orders/{orderId}/shipping-address` and the shipping labels of merchant-fulfilled
orders (`routes_labels`: queue, package profiles, rates, purchase, reprint, void, tracking) and the
buyer messages (`routes_messages`: threads, drafts, approve and send).

Same verifier, permission table, audit and error middleware as the general app (`sellerflow.api.app`).
"""

from __future__ import annotations

from sellerflow.api.context import AppFactory, RouteFamily
from sellerflow.api.families import LazyFamily
from sellerflow.api.ports import DEPLOYMENT

APP_NAME = "sellerflow-api-pii"
ROUTE_FAMILIES: tuple[RouteFamily, ...] = (
    LazyFamily("sellerflow.api.routes_protection", "pii_routes"),
    LazyFamily("sellerflow.api.routes_labels", "label_routes"),
    LazyFamily("sellerflow.api.routes_messages", "message_routes"),
)


create_pii_app = AppFactory(APP_NAME, ROUTE_FAMILIES, lambda: DEPLOYMENT.pii)
"""The buyer-PII API: `create_pii_app(settings=..., key_source=..., shipping=fake, ...)`."""

app = create_pii_app()
