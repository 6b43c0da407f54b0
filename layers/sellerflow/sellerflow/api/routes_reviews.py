"""Review requests (Solicitations API): the seller's setting and what was asked.

    GET /sellers/{sellerId}/review-requests             setting and counts    REVIEWS_MANAGE (owners)
    PUT /sellers/{sellerId}/review-requests/settings    {enabled, delay_days} REVIEWS_MANAGE (owners)

Counts are of the stored outcomes: requested, skipped per reason, pending (claimed by a run or
failed and retried later). Requests go out in the seller's name: only owners turn them on.
"""

from __future__ import annotations

from chalice.app import Blueprint, Response
from pydantic import BaseModel, ConfigDict

from sellerflow.api.context import ApiContext, json_response, parse_json_body
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.members.permissions import Permission
from sellerflow.solicitations.model import ReviewRequestSettings
from sellerflow.solicitations.service import counts

SETTINGS_BODY = '{"enabled": true, "delay_days": 7} (delay_days 5 to 30)'


class _Model(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class ReviewCountsOut(_Model):
    requested: int
    skipped: dict[str, int]
    skipped_total: int
    pending: int


class ReviewRequestsOut(_Model):
    settings: ReviewRequestSettings
    counts: ReviewCountsOut


def review_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    def overview(seller_id: str) -> ReviewRequestsOut:
        store = ctx.ports.review_requests()
        found = counts(store.requests(seller_id))
        return ReviewRequestsOut(
            settings=store.settings(seller_id),
            counts=ReviewCountsOut(requested=found.requested, skipped=found.skipped,
                                   skipped_total=found.skipped_total, pending=found.pending),
        )  # fmt: skip

    @bp.get("/sellers/{sellerId}/review-requests", RouteDoc(ReviewRequestsOut))
    def get_review_requests(sellerId: str) -> Response:
        """The review-request setting and the counts of requested, skipped and pending orders (owners)."""
        ctx.member_without_query(sellerId, Permission.REVIEWS_MANAGE)
        return json_response(overview(sellerId))

    @bp.put(
        "/sellers/{sellerId}/review-requests/settings",
        RouteDoc(ReviewRequestsOut, body=ReviewRequestSettings),
    )
    def put_review_settings(sellerId: str) -> Response:
        """Turn review requests on or off and choose the delay after delivery, 5 to 30 days (owners)."""
        who = ctx.member_without_query(sellerId, Permission.REVIEWS_MANAGE)
        wanted = parse_json_body(ctx.body(), ReviewRequestSettings, SETTINGS_BODY)
        ctx.ports.review_requests().put_settings(sellerId, wanted)
        ctx.ports.audit.record(
            sellerId, who.sub, "reviews.settings", f"enabled={wanted.enabled} delay_days={wanted.delay_days}"
        )
        return json_response(overview(sellerId))

    return bp
