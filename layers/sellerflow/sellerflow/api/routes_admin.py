"""Global admins' routes (the Cognito group `admins`; everyone else gets 403).

    GET    /admin/sellers                                   every seller's control data and members
    PUT    /admin/sellers/{sellerId}/members/{userSub}      {role}: add or change a membership
    DELETE /admin/sellers/{sellerId}/members/{userSub}      remove a membership (never the last owner)
    POST   /admin/sellers/{sellerId}/break-glass            {reason (10..500 chars), minutes ≤ 60}
                                                            → {seller_id, expires_at, permissions}

Admins are not members: seller data (orders, analytics...) is reachable only through a break-glass
grant, which is written to that seller's audit log (with the reason) before it exists, and under
which every read is audited as `break_glass:<action>` with the admin's sub.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from chalice import Chalice, Response

from sellerflow.api.errors import current, http_errors
from sellerflow.api.models import single_values
from sellerflow.api.routes_members import _Runtime, respond, team_service_factory
from sellerflow.errors import Forbidden
from sellerflow.members.models import BreakGlassIn, RoleIn, parse_body
from sellerflow.members.service import AuditSink, UserDirectory
from sellerflow.principal import Principal
from sellerflow.settings import Settings


def register_admin_routes(
    app: Chalice,
    *,
    runtime: Callable[[], _Runtime],
    caller: Callable[[], Principal],
    query_params: Callable[[], dict[str, list[str]]],
    settings: Settings | None = None,
    audit: AuditSink | None = None,
    users: UserDirectory | None = None,
) -> None:
    service = team_service_factory(runtime=runtime, settings=settings, audit=audit, users=users)

    def admin() -> Principal:
        who = caller()
        if not who.is_admin:
            raise Forbidden("admin routes are for Sellerflow operators (the 'admins' group) only")
        single_values(query_params(), allowed=())
        return who

    def body() -> bytes:
        raw = current(app.current_request).raw_body
        return raw.encode() if isinstance(raw, str) else raw

    @app.route("/admin/sellers", methods=["GET"])
    @http_errors
    def admin_list_sellers() -> Response:
        admin()
        return respond(service().admin_sellers())

    @app.route(
        "/admin/sellers/{sellerId}/members/{userSub}", methods=["PUT"], content_types=["application/json"]
    )
    @http_errors
    def admin_set_member(sellerId: str, userSub: str) -> Response:
        who = admin()
        wanted = parse_body(RoleIn, body(), '{"role": "owner"|"analyst"|"support"}')
        return respond(service().admin_set_role(who, sellerId, unquote(userSub), wanted.role))

    @app.route("/admin/sellers/{sellerId}/members/{userSub}", methods=["DELETE"])
    @http_errors
    def admin_remove_member(sellerId: str, userSub: str) -> Response:
        who = admin()
        service().admin_remove(who, sellerId, unquote(userSub))
        return respond(None, 204)

    @app.route("/admin/sellers/{sellerId}/break-glass", methods=["POST"], content_types=["application/json"])
    @http_errors
    def admin_break_glass(sellerId: str) -> Response:
        who = admin()
        wanted = parse_body(BreakGlassIn, body(), '{"reason": "why (10..500 characters)", "minutes": 1..60}')
        return respond(service().break_glass(who, sellerId, wanted.reason, wanted.minutes), 201)
