"""A seller's team and the admins' tools, as the API uses them (rules in `sellerflow.members.rules`).

Permission checks are the routes' (`SellerAccess.require(..., Permission.MEMBERS_MANAGE)`, admin
routes: `Principal.is_admin`); this module applies the team rules, writes through the store, and records
every change in the seller's hash-chained audit log (ids, roles and reasons; never a token).

Admins are never members: they cannot accept an invitation, give a membership to themselves or to
another admin, or raise one an admin still holds (the access check ignores such a membership anyway,
`SellerAccess.require`). An admin's membership change names a user who exists in the user pool and is
audited under its own `admin.members.*` actions, so the chain tells an operator's change from an owner's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import quote

from sellerflow.domain import Membership, Role, SellerProfile
from sellerflow.errors import AlreadyMember, Forbidden, InvitationGone, MemberNotFound, SellerNotFound
from sellerflow.members import rules
from sellerflow.members.model import BreakGlassGrant, Invitation, InvitationStatus, Member, PoolUser
from sellerflow.members.models import (
    AcceptedOut,
    AdminSellerOut,
    AdminSellersOut,
    BreakGlassOut,
    InvitationCreatedOut,
    InvitationOut,
    InvitationsOut,
    MemberOut,
    MembershipOut,
    MembersOut,
    MeOut,
)
from sellerflow.members.permissions import BREAK_GLASS_PERMISSIONS
from sellerflow.observability import BREAK_GLASS_GRANTED, count
from sellerflow.principal import Principal


class TeamStorePort(Protocol):
    def memberships_of(self, user_sub: str) -> list[Membership]: ...

    def members(self, seller_id: str) -> list[Member]: ...

    def seller_exists(self, seller_id: str) -> bool: ...

    def put_member(
        self,
        seller_id: str,
        user_sub: str,
        role: Role,
        *,
        email: str | None,
        at: datetime,
        other_owner: str | None,
    ) -> None: ...

    def remove_member(self, seller_id: str, user_sub: str, *, other_owner: str | None) -> None: ...

    def put_invitation(self, invitation: Invitation) -> None: ...

    def invitation(self, seller_id: str, invitation_id: str) -> Invitation | None: ...

    def invitations(self, seller_id: str) -> list[Invitation]: ...

    def accept(self, invitation: Invitation, *, user_sub: str, email: str, now: datetime) -> bool: ...

    def revoke(self, invitation: Invitation, *, by: str, now: datetime) -> bool: ...

    def put_grant(self, grant: BreakGlassGrant) -> None: ...

    def grant(self, seller_id: str, admin_sub: str) -> BreakGlassGrant | None: ...

    def sellers_overview(self) -> list[tuple[SellerProfile, list[Member]]]: ...


class UserDirectory(Protocol):
    def ensure_user(self, email: str) -> bool: ...

    def user(self, sub: str) -> PoolUser | None:
        """The pool's user with this `sub` and its groups (None: no such user)."""
        ...

    def sign_out_everywhere(self, sub: str) -> bool:
        """Revoke the user's refresh tokens (Cognito global sign-out); False: no such user."""
        ...


class AuditSink(Protocol):
    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> object: ...


@dataclass(frozen=True)
class TeamConfig:
    web_origin: str
    invitation_ttl: timedelta = timedelta(days=7)
    break_glass_max_minutes: int = 60


_ADMINS_ARE_NOT_MEMBERS = (
    "admins are not members of any seller; an admin reads a seller's data only through break-glass"
)


def accept_url(web_origin: str, token: str) -> str:
    return f"{web_origin.rstrip('/')}/#/accept?token={quote(token, safe='')}"


class TeamService:
    def __init__(
        self,
        *,
        store: TeamStorePort,
        users: Callable[[], UserDirectory],
        audit: AuditSink,
        clock: Callable[[], datetime],
        config: TeamConfig,
    ) -> None:
        self._store = store
        self._users = users
        self._audit = audit
        self._clock = clock
        self._config = config

    # --- anyone signed in ------------------------------------------------------------------------
    def me(self, caller: Principal) -> MeOut:
        # An admin's stray membership grants nothing (SellerAccess ignores it), so none is shown.
        held = [] if caller.is_admin else self._store.memberships_of(caller.sub)
        memberships = sorted(held, key=lambda m: m.seller_id)
        return MeOut(
            sub=caller.sub,
            email=caller.email,
            is_admin=caller.is_admin,
            memberships=[MembershipOut(seller_id=m.seller_id, role=m.role) for m in memberships],
        )

    def accept(self, caller: Principal, token: str) -> AcceptedOut:
        if caller.is_admin:
            raise Forbidden(_ADMINS_ARE_NOT_MEMBERS)
        seller_id, invitation_id = rules.parse_token(token)
        now = self._clock()
        invitation = rules.check_acceptable(
            self._store.invitation(seller_id, invitation_id),
            token,
            email=caller.email,
            email_verified=caller.email_verified,
            now=now,
        )
        if any(m.user_sub == caller.sub for m in self._store.members(seller_id)):
            raise AlreadyMember(
                f"you are already a member of seller {seller_id}; the invitation was not used"
            )
        email = rules.normalise_email(caller.email or "")
        if not self._store.accept(invitation, user_sub=caller.sub, email=email, now=now):
            # Someone used it a moment ago, it was revoked, or it expired: say which.
            latest = self._store.invitation(seller_id, invitation_id)
            status = latest.status_at(self._clock()) if latest else InvitationStatus.REVOKED
            raise InvitationGone(rules.gone_message(status))
        self._audit.record(
            seller_id,
            caller.sub,
            "invitation.accepted",
            f"invitation/{invitation_id} role={invitation.role.value}",
        )
        return AcceptedOut(seller_id=seller_id, role=invitation.role)

    # --- owners (MEMBERS_MANAGE) -----------------------------------------------------------------
    def list_members(self, actor: Principal, seller_id: str) -> MembersOut:
        members = sorted(
            self._store.members(seller_id), key=lambda m: (m.role.value != "owner", m.email or "", m.user_sub)
        )
        self._audit.record(seller_id, actor.sub, "members.list", f"members returned={len(members)}")
        return MembersOut(members=[MemberOut.of(m) for m in members])

    def set_role(self, actor: Principal, seller_id: str, user_sub: str, role: Role) -> MemberOut:
        rules.check_user_sub(user_sub)
        target = self._users().user(user_sub)
        if target is not None and target.is_admin:
            raise Forbidden(_ADMINS_ARE_NOT_MEMBERS)
        return self._put_role(actor, seller_id, user_sub, role, create=False, action="members.role_set")

    def _put_role(
        self, actor: Principal, seller_id: str, user_sub: str, role: Role, *, create: bool, action: str
    ) -> MemberOut:
        members = self._store.members(seller_id)
        existing = next((m for m in members if m.user_sub == user_sub), None)
        if existing is None and not create:
            raise MemberNotFound(f"member {user_sub!r} not found")
        other_owner = rules.check_owner_remains(members, user_sub, role) if existing else None
        now = self._clock()
        self._store.put_member(seller_id, user_sub, role, email=None, at=now, other_owner=other_owner)
        before = existing.role.value if existing else "none"
        self._audit.record(seller_id, actor.sub, action, f"member/{user_sub} role={before}->{role.value}")
        return MemberOut(
            user_sub=user_sub,
            email=existing.email if existing else None,
            role=role,
            added_at=existing.added_at if existing and existing.added_at else now,
        )

    def remove(
        self, actor: Principal, seller_id: str, user_sub: str, *, action: str = "members.removed"
    ) -> None:
        rules.check_user_sub(user_sub)
        other_owner = rules.check_owner_remains(self._store.members(seller_id), user_sub, None)
        self._store.remove_member(seller_id, user_sub, other_owner=other_owner)
        self._audit.record(seller_id, actor.sub, action, f"member/{user_sub}")
        # The membership check on every call refuses the removed member's access and ID tokens at
        # once; a user left with no seller at all also loses its refresh tokens. A member of other
        # sellers keeps its session: signing it out would end its access there too.
        if not self._store.memberships_of(user_sub) and self._users().sign_out_everywhere(user_sub):
            self._audit.record(
                seller_id, actor.sub, "members.signed_out", f"member/{user_sub} refresh-tokens=revoked"
            )

    def invite(self, actor: Principal, seller_id: str, email: str, role: Role) -> InvitationCreatedOut:
        now = self._clock()
        invitation, token = rules.new_invitation(
            seller_id=seller_id,
            email=email,
            role=role,
            invited_by=actor.sub,
            now=now,
            ttl=self._config.invitation_ttl,
        )
        if any(rules.same_email(m.email, invitation.email) for m in self._store.members(seller_id)):
            raise AlreadyMember("that email address is already a member of this seller")
        self._store.put_invitation(invitation)
        created = self._users().ensure_user(invitation.email)
        self._audit.record(
            seller_id,
            actor.sub,
            "invitation.created",
            f"invitation/{invitation.invitation_id} role={role.value} expires={invitation.valid_until.isoformat()} "
            f"new_user={'true' if created else 'false'}",
        )
        return InvitationCreatedOut(
            invitation_id=invitation.invitation_id,
            email=invitation.email,
            role=role,
            expires_at=invitation.valid_until,
            accept_url=accept_url(self._config.web_origin, token),
            token=token,
            user_created=created,
        )

    def invitations(self, actor: Principal, seller_id: str) -> InvitationsOut:
        now = self._clock()
        found = self._store.invitations(seller_id)
        self._audit.record(seller_id, actor.sub, "invitations.list", f"invitations returned={len(found)}")
        return InvitationsOut(invitations=[InvitationOut.of(i, now) for i in found])

    def revoke(self, actor: Principal, seller_id: str, invitation_id: str) -> InvitationOut:
        rules.check_invitation_id(invitation_id)
        invitation = self._store.invitation(seller_id, invitation_id)
        if invitation is None:
            raise MemberNotFound(f"invitation {invitation_id!r} not found")
        now = self._clock()
        if invitation.status is not InvitationStatus.PENDING or not self._store.revoke(
            invitation, by=actor.sub, now=now
        ):
            latest = self._store.invitation(seller_id, invitation_id) or invitation
            raise InvitationGone(rules.gone_message(latest.status_at(now)))
        self._audit.record(seller_id, actor.sub, "invitation.revoked", f"invitation/{invitation_id}")
        revoked = self._store.invitation(seller_id, invitation_id) or invitation
        return InvitationOut.of(revoked, now)

    # --- global admins ---------------------------------------------------------------------------
    def admin_sellers(self) -> AdminSellersOut:
        return AdminSellersOut(sellers=[AdminSellerOut.of(p, m) for p, m in self._store.sellers_overview()])

    def _require_seller(self, seller_id: str) -> None:
        if not rules.valid_seller_id(seller_id) or not self._store.seller_exists(seller_id):
            raise SellerNotFound(f"seller {seller_id[:64]!r} not found")

    def admin_set_role(self, admin: Principal, seller_id: str, user_sub: str, role: Role) -> MemberOut:
        """Add or change a membership for a user of the pool who is not an admin (never the caller)."""
        self._require_seller(seller_id)
        rules.check_user_sub(user_sub)
        if user_sub == admin.sub:
            raise Forbidden(_ADMINS_ARE_NOT_MEMBERS)
        target = self._users().user(user_sub)
        if target is None:
            raise MemberNotFound(f"no user {user_sub[:64]!r} in the user pool; invite them by email instead")
        if target.is_admin:
            raise Forbidden(_ADMINS_ARE_NOT_MEMBERS)
        return self._put_role(admin, seller_id, user_sub, role, create=True, action="admin.members.role_set")

    def admin_remove(self, admin: Principal, seller_id: str, user_sub: str) -> None:
        """Remove a membership (never the last owner). The user need not exist any more: a departed
        user's membership must stay removable, and removing never opens access."""
        self._require_seller(seller_id)
        self.remove(admin, seller_id, user_sub, action="admin.members.removed")

    def break_glass(self, admin: Principal, seller_id: str, reason: str, minutes: int) -> BreakGlassOut:
        self._require_seller(seller_id)
        grant = rules.new_grant(
            seller_id=seller_id,
            admin_sub=admin.sub,
            reason=reason,
            minutes=minutes,
            now=self._clock(),
            max_minutes=self._config.break_glass_max_minutes,
        )
        # Audited first: a grant that is not in the seller's audit log must not exist.
        self._audit.record(
            seller_id,
            admin.sub,
            "break_glass.granted",
            f"break-glass until={grant.valid_until.isoformat()} minutes={minutes} reason={grant.reason}",
        )
        self._store.put_grant(grant)
        count(BREAK_GLASS_GRANTED)
        return BreakGlassOut(
            seller_id=seller_id,
            expires_at=grant.valid_until,
            permissions=sorted(p.value for p in BREAK_GLASS_PERMISSIONS),
        )
