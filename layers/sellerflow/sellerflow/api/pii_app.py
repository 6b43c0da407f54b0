"""The buyer-PII API (the Lambda handler of `PiiApiFunction`, the only function that may use the PII
key): today `GET /sellers/{sellerId}/orders/{orderId}/shipping-address`; later labels and messages.

Same verifier, permission table, audit and error middleware as the general app (`sellerflow.api.app`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chalice.app import Chalice

from sellerflow.api.auth import SigningKeySource
from sellerflow.api.context import Authenticator, RouteFamily, build_app
from sellerflow.api.ports import DEPLOYMENT, PortsFactory
from sellerflow.api.routes_protection import pii_routes
from sellerflow.settings import Settings

APP_NAME = "sellerflow-api-pii"
ROUTE_FAMILIES: tuple[RouteFamily, ...] = (pii_routes,)


def create_pii_app(
    *,
    settings: Settings | None = None,
    key_source: SigningKeySource | None = None,
    verifier: Authenticator | None = None,
    clock: Callable[[], datetime] | None = None,
    ports: PortsFactory | None = None,
    **given: object,
) -> Chalice:
    """The buyer-PII API. `given`: ports (by their `ApiPorts` name) that replace the deployment's."""
    return build_app(
        APP_NAME, ROUTE_FAMILIES, settings=settings, key_source=key_source, verifier=verifier, clock=clock,
        ports=ports or (lambda s: DEPLOYMENT.pii(s)), given=given,
    )  # fmt: skip


app = create_pii_app()
