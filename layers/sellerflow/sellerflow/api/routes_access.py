"""The access review (owners).

GET  /sellers/{sellerId}/access-review          MEMBERS_MANAGE → members with role and last activity,
                                                the last review and the next one's due date
POST /sellers/{sellerId}/access-review          MEMBERS_MANAGE, {remove:[sub,...]}: removes those
                                                members (the team's removal) and records the review

The webhooks Twilio calls are in `sellerflow.api.routes_twilio` (their own app and function).
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from sellerflow.api.context import ApiContext, json_response, parse_json_body
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.members.permissions import Permission
from sellerflow.members.review import AccessReviewIn, AccessReviewOut


def access_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    @bp.get("/sellers/{sellerId}/access-review", RouteDoc(AccessReviewOut))
    def access_review(sellerId: str) -> Response:
        """The access review: every member, role and last activity, and when the review is due."""
        who = ctx.member_without_query(sellerId, Permission.MEMBERS_MANAGE)
        return json_response(ctx.runtime.reviews.view(who, sellerId))

    @bp.post(
        "/sellers/{sellerId}/access-review", RouteDoc(AccessReviewOut, body=AccessReviewIn, errors=(409,))
    )
    def complete_access_review(sellerId: str) -> Response:
        """Complete the access review: remove the members named, record who was kept and removed."""
        who = ctx.member_without_query(sellerId, Permission.MEMBERS_MANAGE)
        wanted = parse_json_body(ctx.body(), AccessReviewIn, '{"remove": ["<user sub>", ...]}')
        return json_response(ctx.runtime.reviews.complete(who, sellerId, wanted))

    return bp
