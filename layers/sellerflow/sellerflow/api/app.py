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
from sellerflow.api.families import LazyFamily
from sellerflow.api.ports import DEPLOYMENT

APP_NAME = "sellerflow-api"
ROUTE_FAMILIES: tuple[RouteFamily, ...] = (
    LazyFamily("sellerflow.api.routes_sellers", "seller_routes"),
    LazyFamily("sellerflow.api.routes_analytics", "analytics_routes"),
    LazyFamily("sellerflow.api.routes_ads", "ads_routes"),
    LazyFamily("sellerflow.api.routes_alerts", "alert_routes"),
    LazyFamily("sellerflow.api.routes_connect", "connect_routes"),
    LazyFamily("sellerflow.api.routes_members", "member_routes"),
    LazyFamily("sellerflow.api.routes_access", "access_routes"),
    LazyFamily("sellerflow.api.routes_admin", "admin_routes"),
    LazyFamily("sellerflow.api.routes_privacy", "privacy_routes"),
    LazyFamily("sellerflow.api.routes_protection", "audit_routes"),
    LazyFamily("sellerflow.api.routes_transparency", "transparency_routes"),
    LazyFamily("sellerflow.api.routes_incidents", "incident_routes"),
    LazyFamily("sellerflow.api.routes_reviews", "review_routes"),
    LazyFamily("sellerflow.api.routes_settings", "settings_routes"),
)


create_app = AppFactory(APP_NAME, ROUTE_FAMILIES, lambda: DEPLOYMENT.general)
"""The general API: `create_app(settings=..., key_source=..., clock=..., sellers=fake, ...)`."""

app = create_app()
