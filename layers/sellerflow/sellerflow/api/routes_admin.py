"""Global admins' routes (the Cognito group `admins`; everyone else gets 403).

    GET    /admin/sellers                                   every seller's control data and members
    PUT    /admin/sellers/{sellerId}/members/{userSub}      {role}: add or change a membership of a user
                                                            the pool has (404 otherwise) who is not an
                                                            admin, the caller included (403)
    DELETE /admin/sellers/{sellerId}/members/{userSub}      remove a membership (never the last owner)
    POST   /admin/sellers/{sellerId}/break-glass            {reason (10..500 chars), minutes ≤ 60}
                                                            → {seller_id, expires_at, permissions}

Membership changes are audited in the seller's chain as `admin.members.role_set` / `admin.members.removed`.
Admins are not members: seller data (orders, analytics...) is reachable only through a break-glass
grant, which is written to that seller's audit log (with the reason) before it exists, and under
which every read is audited as `break_glass:<action>` with the admin's sub.
"""

from __future__ import annotations

from urllib.parse import unquote

from chalice.app import Blueprint, Response

from sellerflow.api.context import ApiContext, json_response
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.api.routes_members import ROLE_BODY
from sellerflow.members.models import (
    AdminSellersOut,
    BreakGlassIn,
    BreakGlassOut,
    MemberOut,
    RoleIn,
    parse_body,
)


def admin_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    @bp.get("/admin/sellers", RouteDoc(AdminSellersOut, errors=(403,)))
    def admin_list_sellers() -> Response:
        """Every seller's control data and members (admins only)."""
        ctx.admin()
        return json_response(ctx.runtime.team.admin_sellers())

    @bp.put(
        "/admin/sellers/{sellerId}/members/{userSub}",
        RouteDoc(MemberOut, body=RoleIn, errors=(403, 404, 409)),
    )
    def admin_set_member(sellerId: str, userSub: str) -> Response:
        """Add or change a membership (admins only)."""
        who = ctx.admin()
        wanted = parse_body(RoleIn, ctx.body(), ROLE_BODY)
        return json_response(ctx.runtime.team.admin_set_role(who, sellerId, unquote(userSub), wanted.role))

    @bp.delete("/admin/sellers/{sellerId}/members/{userSub}", RouteDoc(None, status=204, errors=(409,)))
    def admin_remove_member(sellerId: str, userSub: str) -> Response:
        """Remove a membership; never the last owner (admins only)."""
        who = ctx.admin()
        ctx.runtime.team.admin_remove(who, sellerId, unquote(userSub))
        return json_response(None, 204)

    @bp.post("/admin/sellers/{sellerId}/break-glass", RouteDoc(BreakGlassOut, status=201, body=BreakGlassIn))
    def admin_break_glass(sellerId: str) -> Response:
        """An audited, time-limited read grant on one seller (admins only)."""
        who = ctx.admin()
        wanted = parse_body(
            BreakGlassIn, ctx.body(), '{"reason": "why (10..500 characters)", "minutes": 1..60}'
        )
        return json_response(ctx.runtime.team.break_glass(who, sellerId, wanted.reason, wanted.minutes), 201)

    return bp
