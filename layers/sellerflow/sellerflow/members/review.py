"""The quarterly access review (Amazon DPP: access is reviewed regularly): every member, its role and
its last activity, the review's due date, and the record of each completed review (kept and removed
members) in the store and in the seller's audit log.

Last activity is recorded on authenticated calls (`MemberActivity.seen`, at most one write per
member per `SEEN_RESOLUTION`), not derived from the audit log: reading a chain of every call to find
each member's last one would cost a query per review and grow with use. Removal goes through the
team's own removal (`TeamService.remove`: the last owner stays, the user is signed out everywhere
when no membership is left); the membership check on every call refuses the removed member's
still-valid tokens at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from sellerflow.domain import Role, SellerProfile
from sellerflow.errors import InvalidInput
from sellerflow.members.model import REVIEW_INTERVAL, SEEN_RESOLUTION, CompletedReview, Member
from sellerflow.members.service import AuditSink, TeamService
from sellerflow.principal import Principal

__all__ = ["SEEN_RESOLUTION", "CompletedReview"]


class AccessReviewStore(Protocol):
    def members(self, seller_id: str) -> list[Member]: ...

    def last_seen(self, seller_id: str) -> dict[str, datetime]:
        """Each member's last authenticated call (by user sub), exact to `SEEN_RESOLUTION`."""
        ...

    def last_review(self, seller_id: str) -> CompletedReview | None: ...

    def put_review(self, review: CompletedReview) -> None: ...


class MemberActivity(Protocol):
    def seen(self, seller_id: str, user_sub: str, at: datetime) -> None:
        """Record an authenticated call (a no-op when one was recorded within `SEEN_RESOLUTION`)."""
        ...


class _Model(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class ReviewMemberOut(_Model):
    user_sub: str
    email: str | None
    role: Role
    added_at: datetime | None
    last_activity: datetime | None  # None: no authenticated call since activity was recorded


class AccessReviewOut(_Model):
    seller_id: str
    members: list[ReviewMemberOut]
    last_completed_at: datetime | None
    last_completed_by: str | None
    due_at: datetime
    overdue: bool


class AccessReviewIn(_Model):
    remove: list[str] = Field(default_factory=list, max_length=100)  # user subs to remove now


def review_due_at(last: CompletedReview | None, members: Sequence[Member], now: datetime) -> datetime:
    """When the next review is due: 90 days after the last one; never reviewed, 90 days after the
    team's first member joined (now, when that is unknown)."""
    if last is not None:
        return last.completed_at + REVIEW_INTERVAL
    joined = [m.added_at for m in members if m.added_at is not None]
    return (min(joined) if joined else now) + REVIEW_INTERVAL


def reminder_due(last: CompletedReview | None, members: Sequence[Member], now: datetime) -> bool:
    """Whether the owners should be reminded (the scheduled reminder's rule)."""
    return review_due_at(last, members, now) <= now


class AccessReviewService:
    def __init__(
        self,
        *,
        store: AccessReviewStore,
        team: TeamService,
        audit: AuditSink,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._team = team
        self._audit = audit
        self._clock = clock

    def view(self, actor: Principal, seller_id: str) -> AccessReviewOut:
        out = self._view(seller_id)
        self._audit.record(seller_id, actor.sub, "access_review.read", f"members returned={len(out.members)}")
        return out

    def _view(self, seller_id: str) -> AccessReviewOut:
        now = self._clock()
        members = sorted(
            self._store.members(seller_id),
            key=lambda m: (m.role is not Role.OWNER, m.email or "", m.user_sub),
        )
        seen = self._store.last_seen(seller_id)
        last = self._store.last_review(seller_id)
        due = review_due_at(last, members, now)
        return AccessReviewOut(
            seller_id=seller_id,
            members=[
                ReviewMemberOut(
                    user_sub=m.user_sub,
                    email=m.email,
                    role=m.role,
                    added_at=m.added_at,
                    last_activity=seen.get(m.user_sub),
                )
                for m in members
            ],
            last_completed_at=last.completed_at if last else None,
            last_completed_by=last.reviewed_by if last else None,
            due_at=due,
            overdue=due <= now,
        )

    def complete(self, actor: Principal, seller_id: str, wanted: AccessReviewIn) -> AccessReviewOut:
        """Remove the members named (each through the team's removal, audited one by one), then record
        the review as completed with who was kept and who was removed."""
        members = {m.user_sub for m in self._store.members(seller_id)}
        remove = list(dict.fromkeys(wanted.remove))
        unknown = [sub for sub in remove if sub not in members]
        if unknown:
            raise InvalidInput(f"not members of this seller: {', '.join(s[:64] for s in unknown[:5])}")
        if actor.sub in remove:
            raise InvalidInput("an owner does not remove themselves in their own review")
        for sub in remove:
            self._team.remove(actor, seller_id, sub, action="access_review.member_removed")
        kept = tuple(sorted(members - set(remove)))
        review = CompletedReview(
            seller_id=seller_id,
            reviewed_by=actor.sub,
            completed_at=self._clock(),
            kept=kept,
            removed=tuple(sorted(remove)),
        )
        self._audit.record(
            seller_id,
            actor.sub,
            "access_review.completed",
            f"access-review kept={','.join(review.kept) or '-'} removed={','.join(review.removed) or '-'}",
        )
        self._store.put_review(review)
        return self._view(seller_id)


# --- the scheduled reminder ----------------------------------------------------------------------
class ReminderStore(Protocol):
    def sellers_overview(self) -> list[tuple[SellerProfile, list[Member]]]: ...

    def last_review(self, seller_id: str) -> CompletedReview | None: ...


class ReminderPort(Protocol):
    def remind(self, seller_id: str, owner_email: str, due_at: datetime) -> None:
        """Tell one owner, at the owner's own address, that the seller's access review is due."""
        ...


class ReminderOutcome(_Model):
    sellers: int
    due: int
    reminded_owners: int


def send_review_reminders(*, store: ReminderStore, port: ReminderPort, now: datetime) -> ReminderOutcome:
    """Each seller whose last completed review is older than 90 days (or never done, 90 days after
    its first member joined): a reminder to each of its owners with an address. The message names
    the seller and the due date only: no other member, no data."""
    overview = store.sellers_overview()
    due, reminded = 0, 0
    for profile, members in overview:
        last = store.last_review(profile.seller_id)
        if not reminder_due(last, members, now):
            continue
        due += 1
        at = review_due_at(last, members, now)
        for owner in (m for m in members if m.role is Role.OWNER and m.email):
            port.remind(profile.seller_id, owner.email or "", at)
            reminded += 1
    return ReminderOutcome(sellers=len(overview), due=due, reminded_owners=reminded)
