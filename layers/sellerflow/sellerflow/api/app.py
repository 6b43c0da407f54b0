"""The Sellerflow HTTP API (a Chalice app; the app object is the Lambda handler).

Routes are thin: authenticate, parse the query into a typed model, call one `SellerAccess` method,
shape the response model. Collaborators are built on the first request, not at import, so importing
this module needs neither AWS nor configuration; tests pass fakes to `create_app`.

    GET /sellers                                 the caller's sellers (with the caller's role)
    GET /sellers/{sellerId}/orders               one page of a seller's orders, newest first
    GET /sellers/{sellerId}/orders/{orderId}     one order
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from chalice import Chalice, Response
from pydantic import BaseModel

from sellerflow.api.access import AuditSink, OrderReader, SellerAccess, SellerDirectory
from sellerflow.api.auth import SigningKeySource, TokenVerifier
from sellerflow.api.errors import JSON_HEADERS, current, http_errors
from sellerflow.api.models import (
    OrderOut,
    OrderPageOut,
    SellerOut,
    SellersOut,
    parse_orders_query,
    single_values,
)
from sellerflow.api.routes_admin import register_admin_routes
from sellerflow.api.routes_ads import register_ads_routes
from sellerflow.api.routes_alerts import register_alert_routes
from sellerflow.api.routes_analytics import register_analytics_routes
from sellerflow.api.routes_connect import ConnectServiceFactory, register_connect_routes
from sellerflow.api.routes_members import register_member_routes
from sellerflow.api.routes_privacy import register_privacy_routes
from sellerflow.api.routes_protection import register_protection_routes
from sellerflow.audit.context import begin_request
from sellerflow.members.permissions import Permission
from sellerflow.members.service import TeamStorePort, UserDirectory
from sellerflow.principal import Principal
from sellerflow.settings import Settings, get_settings

APP_NAME = "sellerflow-api"


@dataclass(frozen=True)
class ApiRuntime:
    verifier: TokenVerifier
    access: SellerAccess
    clock: Callable[[], datetime]
    team: TeamStorePort | None = None  # memberships, invitations, break-glass grants


def _utcnow() -> datetime:
    return datetime.now(UTC)


def build_runtime(
    *,
    settings: Settings | None = None,
    key_source: SigningKeySource | None = None,
    sellers: SellerDirectory | None = None,
    orders: OrderReader | None = None,
    audit: AuditSink | None = None,
    clock: Callable[[], datetime] | None = None,
    team: TeamStorePort | None = None,
) -> ApiRuntime:
    """The API's collaborators: the given ones, and the deployment's own for the rest."""
    settings = settings or get_settings()
    if team is None:
        from sellerflow.store.members import TeamStore

        team = TeamStore()
    if sellers is None or orders is None or audit is None:
        # Only the data-access layer touches DynamoDB; this just points its models at the tables.
        from sellerflow.store.audit import AuditLog
        from sellerflow.store.orders import OrderStore
        from sellerflow.store.sellers import SellerStore
        from sellerflow.store.tables import bind_tables

        bind_tables(settings)
        sellers = sellers if sellers is not None else SellerStore()
        orders = orders if orders is not None else OrderStore()
        audit = audit if audit is not None else AuditLog()
    return ApiRuntime(
        verifier=TokenVerifier.from_settings(settings, keys=key_source),
        access=SellerAccess(sellers=sellers, orders=orders, audit=audit, grants=team, clock=clock or _utcnow),
        clock=clock or _utcnow,
        team=team,
    )


def _ok(model: BaseModel) -> Response:
    return Response(body=model.model_dump(mode="json"), status_code=200, headers=dict(JSON_HEADERS))


def create_app(
    *,
    settings: Settings | None = None,
    key_source: SigningKeySource | None = None,
    sellers: SellerDirectory | None = None,
    orders: OrderReader | None = None,
    audit: AuditSink | None = None,
    clock: Callable[[], datetime] | None = None,
    team: TeamStorePort | None = None,
    users: UserDirectory | None = None,
    connect: ConnectServiceFactory | None = None,
) -> Chalice:
    """A Chalice app whose collaborators are built on its first request (see `build_runtime`)."""
    app = Chalice(app_name=APP_NAME)
    app.debug = False
    lock = threading.Lock()
    built: list[ApiRuntime] = []

    def runtime() -> ApiRuntime:
        with lock:
            if not built:
                built.append(
                    build_runtime(
                        settings=settings,
                        key_source=key_source,
                        sellers=sellers,
                        orders=orders,
                        audit=audit,
                        clock=clock,
                        team=team,
                    )
                )
            return built[0]

    def caller() -> Principal:
        begin_request()  # no break-glass mark survives from an earlier request
        return (
            runtime()
            .verifier.authenticate(current(app.current_request).headers.get("authorization"))
            .principal
        )

    def query_params() -> dict[str, list[str]]:
        params = current(app.current_request).query_params
        return {} if params is None else {name: params.getlist(name) for name in params}

    @app.route("/sellers", methods=["GET"])
    @http_errors
    def list_sellers() -> Response:
        who = caller()
        single_values(query_params(), allowed=())
        views = runtime().access.my_sellers(who)
        return _ok(SellersOut(sellers=[SellerOut.of(v.profile, v.role) for v in views]))

    @app.route("/sellers/{sellerId}/orders", methods=["GET"])
    @http_errors
    def list_orders(sellerId: str) -> Response:
        who = caller()
        access = runtime().access
        granted = access.require(who, sellerId, Permission.ORDERS_READ)
        query = parse_orders_query(query_params(), now=runtime().clock())
        page = access.list_orders(who, sellerId, query, access=granted)
        money = access.allows(granted, Permission.ORDER_MONEY_READ)  # support: money fields null
        return _ok(
            OrderPageOut(
                orders=[OrderOut.of(o, with_money=money) for o in page.orders], next_token=page.next_token
            )
        )

    @app.route("/sellers/{sellerId}/orders/{orderId}", methods=["GET"])
    @http_errors
    def get_order(sellerId: str, orderId: str) -> Response:
        who = caller()
        access = runtime().access
        granted = access.require(who, sellerId, Permission.ORDERS_READ)
        single_values(query_params(), allowed=())
        order = access.get_order(who, sellerId, orderId, access=granted)
        return _ok(OrderOut.of(order, with_money=access.allows(granted, Permission.ORDER_MONEY_READ)))

    register_analytics_routes(app, runtime=runtime, caller=caller, query_params=query_params, sellers=sellers, audit=audit)  # fmt: skip
    register_ads_routes(app, runtime=runtime, caller=caller, query_params=query_params, sellers=sellers, audit=audit)  # fmt: skip
    register_privacy_routes(app, caller=caller, members=lambda: runtime().access, settings=settings, audit=audit)  # fmt: skip
    register_protection_routes(app, runtime=runtime, caller=caller, query_params=query_params, settings=settings)  # fmt: skip
    register_alert_routes(app, runtime=runtime, caller=caller, query_params=query_params, audit=audit, sellers=sellers)  # fmt: skip
    register_member_routes(app, runtime=runtime, caller=caller, query_params=query_params, settings=settings, audit=audit, users=users)  # fmt: skip
    register_admin_routes(app, runtime=runtime, caller=caller, query_params=query_params, settings=settings, audit=audit, users=users)  # fmt: skip
    register_connect_routes(app, runtime=runtime, caller=caller, query_params=query_params, service=connect)  # fmt: skip
    return app


app = create_app()
