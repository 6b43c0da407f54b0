"""The Sellerflow HTTP API (a Chalice app; the app object is the Lambda handler of `ApiFunction`).

Routes are grouped in one blueprint per resource family (`routes_*.py`); one error middleware turns
what they raise into HTTP responses (`sellerflow.api.errors`). Collaborators are built on the first
request, not at import, so importing this module needs neither AWS nor configuration: the
deployment's adapters come from `sellerflow.wiring.api` (installed by `functions/api/app.py`), and
tests pass fakes to `create_app`.

Buyer-PII routes are not here: they run in their own function (`sellerflow.api.pii_app`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chalice.app import Chalice

from sellerflow.api.auth import SigningKeySource
from sellerflow.api.context import Authenticator, RouteFamily, build_app
from sellerflow.api.ports import DEPLOYMENT, PortsFactory
from sellerflow.api.routes_admin import admin_routes
from sellerflow.api.routes_ads import ads_routes
from sellerflow.api.routes_alerts import alert_routes
from sellerflow.api.routes_analytics import analytics_routes
from sellerflow.api.routes_connect import connect_routes
from sellerflow.api.routes_members import member_routes
from sellerflow.api.routes_privacy import privacy_routes
from sellerflow.api.routes_protection import audit_routes
from sellerflow.api.routes_sellers import seller_routes
from sellerflow.settings import Settings

APP_NAME = "sellerflow-api"
ROUTE_FAMILIES: tuple[RouteFamily, ...] = (
    seller_routes,
    analytics_routes,
    ads_routes,
    alert_routes,
    connect_routes,
    member_routes,
    admin_routes,
    privacy_routes,
    audit_routes,
)


def create_app(
    *,
    settings: Settings | None = None,
    key_source: SigningKeySource | None = None,
    verifier: Authenticator | None = None,
    clock: Callable[[], datetime] | None = None,
    ports: PortsFactory | None = None,
    **given: object,
) -> Chalice:
    """The general API. `given`: ports (by their `ApiPorts` name) that replace the deployment's."""
    return build_app(
        APP_NAME, ROUTE_FAMILIES, settings=settings, key_source=key_source, verifier=verifier, clock=clock,
        ports=ports or (lambda s: DEPLOYMENT.general(s)), given=given,
    )  # fmt: skip


app = create_app()
