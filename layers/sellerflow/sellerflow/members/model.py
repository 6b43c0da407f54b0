"""A seller's team as data: members, invitations and break-glass grants (typed, no rules, no I/O).

The rules that create and check them are in `members.rules`; the store maps its records to these."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sellerflow.domain import Role
from sellerflow.members.permissions import ADMIN_GROUP


class InvitationStatus(enum.StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"  # never stored: a PENDING invitation past its `valid_until`


@dataclass(frozen=True)
class Member:
    seller_id: str
    user_sub: str
    role: Role
    email: str | None = None
    added_at: datetime | None = None


@dataclass(frozen=True)
class Invitation:
    seller_id: str
    invitation_id: str
    email: str  # lower-cased
    role: Role
    token_hash: str
    status: InvitationStatus
    invited_by: str
    created_at: datetime
    valid_until: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None

    def status_at(self, now: datetime) -> InvitationStatus:
        if self.status is InvitationStatus.PENDING and now >= self.valid_until:
            return InvitationStatus.EXPIRED
        return self.status


@dataclass(frozen=True)
class BreakGlassGrant:
    seller_id: str
    admin_sub: str
    reason: str
    granted_at: datetime
    valid_until: datetime

    def active_at(self, now: datetime) -> bool:
        return self.granted_at <= now < self.valid_until


@dataclass(frozen=True)
class PoolUser:
    """A user of the user pool, as an admin's membership change needs to know it."""

    sub: str
    groups: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups


REVIEW_INTERVAL = timedelta(days=90)  # the access review is quarterly
SEEN_RESOLUTION = timedelta(hours=1)  # last activity is exact to the hour: one write per member per hour


@dataclass(frozen=True)
class CompletedReview:
    """One completed access review: who reviewed, when, and the members kept and removed (subs)."""

    seller_id: str
    reviewed_by: str
    completed_at: datetime
    kept: tuple[str, ...]
    removed: tuple[str, ...]
