"""A seller's team in the sellers table: members, invitations and admins' break-glass grants.

    MEMBER#<sub>          member_sub, role, member_email, added_at   (GSI by_member: the user's sellers)
    INVITE#<id>           invited_email, role, token_hash (SHA-256 only), invitation_status, valid_until
    BREAKGLASS#<adminSub> reason, granted_at, valid_until, expires_at (TTL)

Every write that must not race is conditional: accepting an invitation is one transaction of
"invitation still PENDING and unexpired → ACCEPTED" and the new membership; removing or demoting an
owner is one transaction with a condition check that another owner still exists. Writes are PutItem,
DeleteItem and ConditionCheck only (no UpdateItem), so the API role needs nothing more.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from sellerflow.domain import Membership, Role, SellerProfile
from sellerflow.errors import LastOwner, MemberNotFound
from sellerflow.members.model import BreakGlassGrant, Invitation, InvitationStatus, Member
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.sellers import MEMBER_PREFIX, PROFILE, PROFILES, SellerStore, member_role, member_sub
from sellerflow.store.tables import SellerItem, SellerRecord, table, transaction_connection

INVITE_PREFIX = "INVITE#"
BREAK_GLASS_PREFIX = "BREAKGLASS#"
# Invitations stay readable (status "expired"/"accepted") for a while, then TTL removes them.
INVITATION_KEEP = timedelta(days=30)
GRANT_KEEP = timedelta(days=1)


@table("sellers")
class InvitationRecord(SellerItem):
    """INVITE#<invitationId>: an invitation to join a seller's team (the other attributes: `INVITATIONS`).

    Only the SHA-256 of the invitation token is stored; the token itself is shown once, to the owner.
    """

    invited_email = UnicodeAttribute()  # lower-cased
    token_hash = UnicodeAttribute()
    invitation_status = UnicodeAttribute()  # PENDING | ACCEPTED | REVOKED
    valid_until = UTCDateTimeAttribute()
    expires_at = NumberAttribute()  # DynamoDB TTL: a while after it can no longer be used


@table("sellers")
class BreakGlassRecord(SellerItem):
    """BREAKGLASS#<adminSub>: an admin's time-limited read access to one seller (`GRANTS`)."""

    expires_at = NumberAttribute()  # DynamoDB TTL (reads check valid_until: TTL is late)


def _failed_condition(exc: Exception) -> bool:
    code = getattr(exc, "cause_response_code", None)
    return code in {"TransactionCanceledException", "ConditionalCheckFailedException"}


MEMBERS = RecordMapping(
    Member,
    SellerRecord,
    sort_key=lambda m: f"{MEMBER_PREFIX}{m.user_sub}",
    renames={"member_sub": "user_sub", "member_email": "email"},
    read={"user_sub": member_sub, "role": member_role},
)
INVITATIONS = RecordMapping(
    Invitation,
    InvitationRecord,
    sort_key=lambda i: f"{INVITE_PREFIX}{i.invitation_id}",
    renames={"invited_email": "email", "invitation_status": "status"},
)
GRANTS = RecordMapping(
    BreakGlassGrant, BreakGlassRecord, sort_key=lambda g: f"{BREAK_GLASS_PREFIX}{g.admin_sub}"
)


def _invitation_record(invitation: Invitation) -> InvitationRecord:
    return INVITATIONS.to_record(
        invitation, expires_at=int((invitation.valid_until + INVITATION_KEEP).timestamp())
    )


def _member_record(
    seller_id: str, user_sub: str, role: Role, email: str | None, at: datetime
) -> SellerRecord:
    return MEMBERS.to_record(
        Member(seller_id=seller_id, user_sub=user_sub, role=role, email=email, added_at=at)
    )


class TeamStore:
    """Data access for memberships, invitations and break-glass grants (one seller at a time, except
    `sellers_overview`, the admins' list of every seller's control data)."""

    def __init__(self, sellers: SellerStore | None = None) -> None:
        self._sellers = sellers or SellerStore()

    # --- members ---------------------------------------------------------------------------------
    def memberships_of(self, user_sub: str) -> list[Membership]:
        return self._sellers.memberships_of(user_sub)

    def membership(self, seller_id: str, user_sub: str) -> Membership | None:
        return self._sellers.membership(seller_id, user_sub)

    def members(self, seller_id: str) -> list[Member]:
        records = SellerRecord.query(
            seller_id, SellerRecord.sk.startswith(MEMBER_PREFIX), consistent_read=True
        )
        return MEMBERS.all(records)

    def seller_exists(self, seller_id: str) -> bool:
        try:
            SellerRecord.get(seller_id, PROFILE)
        except DoesNotExist:
            return False
        return True

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
        """Create or change a membership; with `other_owner`, only while that user is still an owner."""
        existing = self._record(seller_id, user_sub)
        record = _member_record(
            seller_id,
            user_sub,
            role,
            email or (existing.member_email if existing else None),
            existing.added_at if existing and existing.added_at else at,
        )
        self._write_guarded(record, delete=False, other_owner=other_owner)

    def remove_member(self, seller_id: str, user_sub: str, *, other_owner: str | None) -> None:
        record = self._record(seller_id, user_sub)
        if record is None:
            raise MemberNotFound(f"member {user_sub[:64]!r} not found")
        self._write_guarded(record, delete=True, other_owner=other_owner)

    def _record(self, seller_id: str, user_sub: str) -> SellerRecord | None:
        try:
            return SellerRecord.get(seller_id, f"{MEMBER_PREFIX}{user_sub}", consistent_read=True)
        except DoesNotExist:
            return None

    def _write_guarded(self, record: SellerRecord, *, delete: bool, other_owner: str | None) -> None:
        if other_owner is None:
            try:
                if delete:
                    record.delete(condition=SellerRecord.sk.exists())
                else:
                    record.save()
            except (DeleteError, PutError) as exc:
                if _failed_condition(exc):
                    raise MemberNotFound(f"member {record.member_sub!r} not found") from None
                raise
            return
        guard = SellerRecord(seller_id=record.seller_id, sk=f"{MEMBER_PREFIX}{other_owner}")
        try:
            with TransactWrite(connection=transaction_connection(SellerRecord)) as tx:
                tx.condition_check(
                    SellerRecord, guard.seller_id, guard.sk, condition=SellerRecord.role == "owner"
                )
                if delete:
                    tx.delete(record, condition=SellerRecord.sk.exists())
                else:
                    tx.save(record)
        except TransactWriteError as exc:
            if _failed_condition(exc):
                raise LastOwner(
                    f"seller {record.seller_id} would be left without an owner (the other owner changed meanwhile)"
                ) from None
            raise

    # --- invitations -----------------------------------------------------------------------------
    def put_invitation(self, invitation: Invitation) -> None:
        _invitation_record(invitation).save(condition=InvitationRecord.sk.does_not_exist())

    def invitation(self, seller_id: str, invitation_id: str) -> Invitation | None:
        try:
            return INVITATIONS.to_domain(
                InvitationRecord.get(seller_id, f"{INVITE_PREFIX}{invitation_id}", consistent_read=True)
            )
        except DoesNotExist:
            return None

    def invitations(self, seller_id: str) -> list[Invitation]:
        records = InvitationRecord.query(
            seller_id, InvitationRecord.sk.startswith(INVITE_PREFIX), consistent_read=True
        )
        return sorted(INVITATIONS.all(records), key=lambda i: i.created_at, reverse=True)

    def accept(self, invitation: Invitation, *, user_sub: str, email: str, now: datetime) -> bool:
        """PENDING → ACCEPTED and the membership, in one transaction; False when someone (or time)
        got there first."""
        accepted = _invitation_record(_closed(invitation, InvitationStatus.ACCEPTED, by=user_sub, at=now))
        member = _member_record(invitation.seller_id, user_sub, invitation.role, email, now)
        try:
            with TransactWrite(connection=transaction_connection(InvitationRecord)) as tx:
                tx.save(
                    accepted,
                    condition=(InvitationRecord.invitation_status == InvitationStatus.PENDING.value)
                    & (InvitationRecord.valid_until > now)
                    & (InvitationRecord.token_hash == invitation.token_hash),
                )
                tx.save(member, condition=SellerRecord.sk.does_not_exist())
        except TransactWriteError as exc:
            if _failed_condition(exc):
                return False
            raise
        return True

    def revoke(self, invitation: Invitation, *, by: str, now: datetime) -> bool:
        record = _invitation_record(_closed(invitation, InvitationStatus.REVOKED, by=by, at=now))
        try:
            record.save(condition=InvitationRecord.invitation_status == InvitationStatus.PENDING.value)
        except PutError as exc:
            if _failed_condition(exc):
                return False
            raise
        return True

    # --- break-glass -----------------------------------------------------------------------------
    def put_grant(self, grant: BreakGlassGrant) -> None:
        GRANTS.to_record(grant, expires_at=int((grant.valid_until + GRANT_KEEP).timestamp())).save()

    def grant(self, seller_id: str, admin_sub: str) -> BreakGlassGrant | None:
        try:
            record = BreakGlassRecord.get(seller_id, f"{BREAK_GLASS_PREFIX}{admin_sub}", consistent_read=True)
        except DoesNotExist:
            return None
        return GRANTS.to_domain(record)

    # --- admins ----------------------------------------------------------------------------------
    def sellers_overview(self) -> list[tuple[SellerProfile, list[Member]]]:
        """Every seller's profile and members: control data only (one filtered scan; the filter
        runs in DynamoDB, so no credential, invitation or sync item reaches the API)."""
        condition = (SellerRecord.sk == PROFILE) | SellerRecord.sk.startswith(MEMBER_PREFIX)
        profiles: dict[str, SellerProfile] = {}
        members: dict[str, list[Member]] = {}
        for record in SellerRecord.scan(
            condition,
            attributes_to_get=[
                "seller_id", "sk", "name", "status", "marketplace_ids", "member_sub", "role",
                "member_email", "added_at",
            ],
        ):  # fmt: skip
            if record.sk == PROFILE:
                profiles[record.seller_id] = PROFILES.to_domain(record)
            else:
                members.setdefault(record.seller_id, []).append(MEMBERS.to_domain(record))
        return [(profiles[s], members.get(s, [])) for s in sorted(profiles)]


def _closed(invitation: Invitation, status: InvitationStatus, *, by: str, at: datetime) -> Invitation:
    return dataclasses.replace(invitation, status=status, closed_at=at, closed_by=by)
