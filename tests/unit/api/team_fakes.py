"""An in-memory team store (memberships, invitations, break-glass grants) with the real store's rules:
conditional accept/revoke, and removing or demoting an owner only while another owner remains."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sellerflow.domain import Membership, Role, SellerProfile
from sellerflow.errors import LastOwner, MemberNotFound
from sellerflow.members.model import SEEN_RESOLUTION, CompletedReview, PoolUser
from sellerflow.members.rules import BreakGlassGrant, Invitation, InvitationStatus, Member


@dataclass
class FakeTeam:
    """Shares its memberships with a `FakeSellers`-like `members` dict {(seller, sub): role}."""

    members_by_key: dict[tuple[str, str], Role]
    profiles_by_id: dict[str, SellerProfile]
    emails: dict[str, str] = field(default_factory=dict)  # sub -> email
    invites: dict[tuple[str, str], Invitation] = field(default_factory=dict)
    grants: dict[tuple[str, str], BreakGlassGrant] = field(default_factory=dict)

    def memberships_of(self, user_sub: str) -> list[Membership]:
        return [
            Membership(seller_id=s, user_sub=u, role=r)
            for (s, u), r in sorted(self.members_by_key.items())
            if u == user_sub
        ]

    def members(self, seller_id: str) -> list[Member]:
        return [
            Member(seller_id=s, user_sub=u, role=r, email=self.emails.get(u))
            for (s, u), r in sorted(self.members_by_key.items())
            if s == seller_id
        ]

    def seller_exists(self, seller_id: str) -> bool:
        return seller_id in self.profiles_by_id

    def _guard(self, seller_id: str, other_owner: str | None) -> None:
        if other_owner is not None and self.members_by_key.get((seller_id, other_owner)) is not Role.OWNER:
            raise LastOwner("another owner changed meanwhile")

    def put_member(
        self,
        seller_id: str,
        user_sub: str,
        role: Role,
        *,
        email: str | None,
        at: datetime,
        other_owner: str | None,
    ) -> None:
        self._guard(seller_id, other_owner)
        self.members_by_key[(seller_id, user_sub)] = role
        if email:
            self.emails[user_sub] = email

    def remove_member(self, seller_id: str, user_sub: str, *, other_owner: str | None) -> None:
        if (seller_id, user_sub) not in self.members_by_key:
            raise MemberNotFound(user_sub)
        self._guard(seller_id, other_owner)
        del self.members_by_key[(seller_id, user_sub)]

    def put_invitation(self, invitation: Invitation) -> None:
        self.invites[(invitation.seller_id, invitation.invitation_id)] = invitation

    def invitation(self, seller_id: str, invitation_id: str) -> Invitation | None:
        return self.invites.get((seller_id, invitation_id))

    def invitations(self, seller_id: str) -> list[Invitation]:
        return [i for (s, _), i in self.invites.items() if s == seller_id]

    def accept(self, invitation: Invitation, *, user_sub: str, email: str, now: datetime) -> bool:
        stored = self.invites.get((invitation.seller_id, invitation.invitation_id))
        if stored is None or stored.status is not InvitationStatus.PENDING or now >= stored.valid_until:
            return False
        self.invites[(invitation.seller_id, invitation.invitation_id)] = replace(
            stored, status=InvitationStatus.ACCEPTED, closed_at=now, closed_by=user_sub
        )
        self.members_by_key[(invitation.seller_id, user_sub)] = invitation.role
        self.emails[user_sub] = email
        return True

    def revoke(self, invitation: Invitation, *, by: str, now: datetime) -> bool:
        stored = self.invites.get((invitation.seller_id, invitation.invitation_id))
        if stored is None or stored.status is not InvitationStatus.PENDING:
            return False
        self.invites[(invitation.seller_id, invitation.invitation_id)] = replace(
            stored, status=InvitationStatus.REVOKED, closed_at=now, closed_by=by
        )
        return True

    def put_grant(self, grant: BreakGlassGrant) -> None:
        self.grants[(grant.seller_id, grant.admin_sub)] = grant

    def grant(self, seller_id: str, admin_sub: str) -> BreakGlassGrant | None:
        return self.grants.get((seller_id, admin_sub))

    def sellers_overview(self) -> list[tuple[SellerProfile, list[Member]]]:
        return [(p, self.members(s)) for s, p in sorted(self.profiles_by_id.items())]


@dataclass
class FakeUsers:
    """The user pool: emails that have a user, and users by `sub` with their groups."""

    existing: set[str] = field(default_factory=set)
    created: list[str] = field(default_factory=list)
    by_sub: dict[str, tuple[str, ...]] = field(default_factory=dict)  # sub -> groups
    signed_out: list[str] = field(default_factory=list)

    def sign_out_everywhere(self, sub: str) -> bool:
        self.signed_out.append(sub)
        return True

    def user(self, sub: str) -> PoolUser | None:
        groups = self.by_sub.get(sub)
        return None if groups is None else PoolUser(sub=sub, groups=groups)

    def ensure_user(self, email: str) -> bool:
        if email in self.existing:
            return False
        self.existing.add(email)
        self.created.append(email)
        return True


@dataclass
class FakeReviews:
    """The access review's store over a `FakeTeam`: last activity per (seller, sub), completed reviews."""

    team: FakeTeam
    seen_at: dict[tuple[str, str], datetime] = field(default_factory=dict)
    reviews: list[CompletedReview] = field(default_factory=list)
    writes: int = 0

    def members(self, seller_id: str) -> list[Member]:
        return self.team.members(seller_id)

    def seen(self, seller_id: str, user_sub: str, at: datetime) -> None:
        last = self.seen_at.get((seller_id, user_sub))
        if last is None or at - last >= SEEN_RESOLUTION:
            self.seen_at[(seller_id, user_sub)] = at
            self.writes += 1

    def last_seen(self, seller_id: str) -> dict[str, datetime]:
        return {sub: at for (s, sub), at in self.seen_at.items() if s == seller_id}

    def last_review(self, seller_id: str) -> CompletedReview | None:
        mine = [r for r in self.reviews if r.seller_id == seller_id]
        return max(mine, key=lambda r: r.completed_at) if mine else None

    def put_review(self, review: CompletedReview) -> None:
        self.reviews.append(review)
