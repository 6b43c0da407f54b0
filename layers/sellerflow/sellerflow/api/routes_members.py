"""Who am I, a seller's team, and invitations (rules in `sellerflow.members`).

GET    /me                                         {sub, email, is_admin, memberships:[{seller_id, role}]}
GET    /sellers/{sellerId}/members                 MEMBERS_MANAGE → {members:[{user_sub, email, role, added_at}]}
PUT    /sellers/{sellerId}/members/{userSub}       MEMBERS_MANAGE, {role}; the last owner is never demoted (409)
DELETE /sellers/{sellerId}/members/{userSub}       MEMBERS_MANAGE; the last owner is never removed (409)
POST   /sellers/{sellerId}/invitations             MEMBERS_MANAGE, {email, role} → 201 (token shown once)
GET    /sellers/{sellerId}/invitations             MEMBERS_MANAGE → {invitations:[...]}
DELETE /sellers/{sellerId}/invitations/{invitationId}  MEMBERS_MANAGE: revoke a pending invitation
POST   /invitations/accept                         {token}: any signed-in user whose verified email
                                                   is the invited one → {seller_id, role}; spent → 410
"""

from __future__ import annotations

from urllib.parse import unquote

from chalice.app import Blueprint, Response

from sellerflow.api.context import ApiContext, json_response
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.api.plan_limits import seats_in_use
from sellerflow.billing.limits import Countable
from sellerflow.members.models import (
    AcceptedOut,
    AcceptIn,
    InvitationCreatedOut,
    InvitationIn,
    InvitationOut,
    InvitationsOut,
    MemberOut,
    MembersOut,
    MeOut,
    RoleIn,
    parse_body,
)
from sellerflow.members.permissions import Permission

ROLE_BODY = '{"role": "owner"|"analyst"|"support"}'


def member_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    @bp.get("/me", RouteDoc(MeOut))
    def me() -> Response:
        """Who am I: the caller and its memberships."""
        who = ctx.signed_in()
        return json_response(ctx.runtime.team.me(who))

    @bp.get("/sellers/{sellerId}/members", RouteDoc(MembersOut))
    def list_members(sellerId: str) -> Response:
        """The seller's team (MEMBERS_MANAGE)."""
        who = ctx.member_without_query(sellerId, Permission.MEMBERS_MANAGE)
        return json_response(ctx.runtime.team.list_members(who, sellerId))

    @bp.put("/sellers/{sellerId}/members/{userSub}", RouteDoc(MemberOut, body=RoleIn, errors=(409,)))
    def set_member_role(sellerId: str, userSub: str) -> Response:
        """Set a member's role; the last owner is never demoted (MEMBERS_MANAGE)."""
        who = ctx.member_without_query(sellerId, Permission.MEMBERS_MANAGE)
        wanted = parse_body(RoleIn, ctx.body(), ROLE_BODY)
        return json_response(ctx.runtime.team.set_role(who, sellerId, unquote(userSub), wanted.role))

    @bp.delete("/sellers/{sellerId}/members/{userSub}", RouteDoc(None, status=204, errors=(409,)))
    def remove_member(sellerId: str, userSub: str) -> Response:
        """Remove a member; never the last owner (MEMBERS_MANAGE)."""
        who = ctx.member_without_query(sellerId, Permission.MEMBERS_MANAGE)
        ctx.runtime.team.remove(who, sellerId, unquote(userSub))
        return json_response(None, 204)

    @bp.post(
        "/sellers/{sellerId}/invitations",
        RouteDoc(InvitationCreatedOut, status=201, body=InvitationIn, errors=(402, 409)),
    )
    def create_invitation(sellerId: str) -> Response:
        """Invite by email; the token is shown once (MEMBERS_MANAGE)."""
        who = ctx.member_without_query(sellerId, Permission.MEMBERS_MANAGE)
        wanted = parse_body(InvitationIn, ctx.body(), '{"email": "...", "role": "owner"|"analyst"|"support"}')
        now = ctx.now()  # a plan's seats: members and pending invitations (402 when full)
        ctx.ports.plans.require_room(
            sellerId, Countable.SEATS, lambda: seats_in_use(ctx.ports, sellerId, now)
        )
        return json_response(ctx.runtime.team.invite(who, sellerId, wanted.email, wanted.role), 201)

    @bp.get("/sellers/{sellerId}/invitations", RouteDoc(InvitationsOut))
    def list_invitations(sellerId: str) -> Response:
        """The seller's invitations (MEMBERS_MANAGE)."""
        who = ctx.member_without_query(sellerId, Permission.MEMBERS_MANAGE)
        return json_response(ctx.runtime.team.invitations(who, sellerId))

    @bp.delete("/sellers/{sellerId}/invitations/{invitationId}", RouteDoc(InvitationOut, errors=(410,)))
    def revoke_invitation(sellerId: str, invitationId: str) -> Response:
        """Revoke a pending invitation (MEMBERS_MANAGE)."""
        who = ctx.member_without_query(sellerId, Permission.MEMBERS_MANAGE)
        return json_response(ctx.runtime.team.revoke(who, sellerId, invitationId))

    @bp.post("/invitations/accept", RouteDoc(AcceptedOut, body=AcceptIn, errors=(403, 404, 409, 410)))
    def accept_invitation() -> Response:
        """Accept an invitation (the caller's verified email must be the invited one)."""
        who = ctx.signed_in()
        wanted = parse_body(AcceptIn, ctx.body(), '{"token": "<the token of the invitation link>"}')
        return json_response(ctx.runtime.team.accept(who, wanted.token))

    return bp
