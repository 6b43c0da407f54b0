"""The Sellerflow HTTP API (a Chalice app; the app object is the Lambda handler of `ApiFunction`).

Routes are grouped in one blueprint per resource family (`routes_*.py`); one error middleware turns
what they raise into HTTP responses (`sellerflow.api.errors`). Collaborators are built on the first
request, not at import, so importing this module needs neither AWS nor configuration: the
deployment's adapters come from `sellerflow.wiring.api` (installed by `functions/api/app.py`), and
tests pass fakes to `create_app`.

Buyer-PII routes are not here: they run in their own function (`sellerflow.api.pii_app`).
"""

from __future__ import annotations

from sellerflow.api.context import AppFactory, RouteFamily
from sellerflow.api.ports import DEPLOYMENT
from sellerflow.api.routes_access import access_routes
from sellerflow.api.routes_admin import admin_routes
from sellerflow.api.routes_ads import ads_routes
from sellerflow.api.routes_alerts import alert_routes
from sellerflow.api.routes_analytics import analytics_routes
from sellerflow.api.routes_connect import connect_routes
from sellerflow.api.routes_incidents import incident_routes
from sellerflow.api.routes_members import member_routes
from sellerflow.api.routes_privacy import privacy_routes
from sellerflow.api.routes_protection import audit_routes
from sellerflow.api.routes_reviews import review_routes
from sellerflow.api.routes_sellers import seller_routes
from sellerflow.api.routes_settings import settings_routes
from sellerflow.api.routes_transparency import transparency_routes

APP_NAME = "sellerflow-api"
ROUTE_FAMILIES: tuple[RouteFamily, ...] = (
    seller_routes,
    analytics_routes,
    ads_routes,
    alert_routes,
    connect_routes,
    member_routes,
    access_routes,
    admin_routes,
    privacy_routes,
    audit_routes,
    transparency_routes,
    incident_routes,
    review_routes,
    settings_routes,
)


create_app = AppFactory(APP_NAME, ROUTE_FAMILIES, lambda: DEPLOYMENT.general)
"""The general API: `create_app(settings=..., key_source=..., clock=..., sellers=fake, ...)`."""

app = create_app()
