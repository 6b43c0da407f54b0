"""The access review's items in the sellers table (control data: subs, roles, times; never a token).

    SEEN#<sub>                  last_seen: the member's last authenticated call, exact to an hour
                                (a conditional PutItem: at most one write per member per hour)
    ACCESSREVIEW#<completed at> reviewed_by, kept, removed (user subs, JSON lists): one completed review

PutItem only, like the team's other items, so the API role needs no UpdateItem.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError

from sellerflow.members.model import SEEN_RESOLUTION, CompletedReview, Member
from sellerflow.store.members import TeamStore
from sellerflow.store.tables import SellerItem, condition_failed, table

SEEN_PREFIX = "SEEN#"
REVIEW_PREFIX = "ACCESSREVIEW#"


@table("sellers")
class MemberSeenRecord(SellerItem):
    # sk: SEEN#<user sub>
    last_seen = UTCDateTimeAttribute()
    expires_at = NumberAttribute(null=True)  # DynamoDB TTL: SEEN_KEPT after the last activity


SEEN_KEPT = timedelta(days=400)  # past a year of silence the review shows "never seen", as it should


@table("sellers")
class AccessReviewRecord(SellerItem):
    # sk: ACCESSREVIEW#<completed at, ISO 8601 UTC> (sorts by time: the last one is the newest)
    reviewed_by = UnicodeAttribute()
    completed_at = UTCDateTimeAttribute()
    kept = UnicodeAttribute()  # JSON list of user subs
    removed = UnicodeAttribute()  # JSON list of user subs


class AccessReviewStore:
    def __init__(self, team: TeamStore | None = None, *, resolution: timedelta = SEEN_RESOLUTION) -> None:
        self._team = team or TeamStore()
        self._resolution = resolution

    def members(self, seller_id: str) -> list[Member]:
        return self._team.members(seller_id)

    def seen(self, seller_id: str, user_sub: str, at: datetime) -> None:
        record = MemberSeenRecord(
            seller_id=seller_id,
            sk=f"{SEEN_PREFIX}{user_sub}",
            last_seen=at,
            expires_at=int((at + SEEN_KEPT).timestamp()),
        )
        try:
            record.save(
                condition=MemberSeenRecord.sk.does_not_exist()
                | (MemberSeenRecord.last_seen < at - self._resolution)
            )
        except PutError as exc:
            if not condition_failed(exc):
                raise

    def last_seen(self, seller_id: str) -> dict[str, datetime]:
        return {
            r.sk.removeprefix(SEEN_PREFIX): r.last_seen
            for r in MemberSeenRecord.query(seller_id, MemberSeenRecord.sk.startswith(SEEN_PREFIX))
        }

    def last_review(self, seller_id: str) -> CompletedReview | None:
        for r in AccessReviewRecord.query(
            seller_id, AccessReviewRecord.sk.startswith(REVIEW_PREFIX), scan_index_forward=False, limit=1
        ):
            return CompletedReview(
                seller_id=seller_id,
                reviewed_by=r.reviewed_by,
                completed_at=r.completed_at,
                kept=tuple(json.loads(r.kept)),
                removed=tuple(json.loads(r.removed)),
            )
        return None

    def put_review(self, review: CompletedReview) -> None:
        AccessReviewRecord(
            seller_id=review.seller_id,
            sk=f"{REVIEW_PREFIX}{review.completed_at.isoformat()}",
            reviewed_by=review.reviewed_by,
            completed_at=review.completed_at,
            kept=json.dumps(list(review.kept)),
            removed=json.dumps(list(review.removed)),
        ).save()
