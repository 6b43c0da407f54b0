"""The rules of a seller's team, as plain Python: invitations, the last owner, break-glass grants.

Invitations. An owner invites an email address with a role. The invitation token is
`<sellerId>.<invitationId>.<secret>` (the secret from `secrets.token_urlsafe(32)`); only the SHA-256 of
the whole token is stored, so the link cannot be rebuilt from the table. An invitation is accepted
once (PENDING → ACCEPTED, a conditional write), by a signed-in user whose *verified* email equals the
invited one (case-insensitive), before it expires; it can be revoked while pending. A used, expired
or revoked invitation answers 410 Gone with a message saying which.

The last owner. A seller always keeps at least one owner: removing or demoting the only owner is a
409 (the store also makes the write conditional on another owner still existing, so two concurrent
demotions cannot both win).

Break-glass. A global admin reads a seller's data only through a grant they give themselves with a
stated reason (10..500 characters) for at most 60 minutes; the grant is written to that seller's
audit log, and every read under it is audited with the admin's sub and a `break_glass:` action.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sellerflow.domain import Role
from sellerflow.errors import Forbidden, InvalidInput, InvitationGone, LastOwner, MemberNotFound
from sellerflow.members.model import BreakGlassGrant, Invitation, InvitationStatus, Member

TOKEN_SECRET_BYTES = 32
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,63}$")
_INVITATION_ID = re.compile(r"^[0-9a-f]{32}$")
_SELLER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SUB = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
REASON_MIN, REASON_MAX = 10, 500
BREAK_GLASS_MAX_MINUTES = 60


# --- emails, ids ---------------------------------------------------------------------------------
def is_email_address(value: str) -> bool:
    """Plausibly shaped as an e-mail address (the one shape check of members and sending addresses)."""
    return len(value) <= 254 and _EMAIL.fullmatch(value) is not None


def normalise_email(raw: str) -> str:
    """An email address as stored and compared: trimmed, lower-cased, plausibly shaped."""
    email = raw.strip().lower()
    if not is_email_address(email):
        raise InvalidInput("'email' must be an email address")
    return email


def same_email(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and a.strip().lower() == b.strip().lower()  # type: ignore[union-attr]


def valid_seller_id(seller_id: str) -> bool:
    return bool(_SELLER_ID.fullmatch(seller_id))


def check_user_sub(user_sub: str) -> str:
    if not _SUB.fullmatch(user_sub):
        raise MemberNotFound(f"member {user_sub[:64]!r} not found")
    return user_sub


# --- invitation tokens ---------------------------------------------------------------------------
def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_invitation(
    *, seller_id: str, email: str, role: Role, invited_by: str, now: datetime, ttl: timedelta
) -> tuple[Invitation, str]:
    """A fresh PENDING invitation and its token (the token is returned once and never stored)."""
    invitation_id = uuid.uuid4().hex
    token = f"{seller_id}.{invitation_id}.{secrets.token_urlsafe(TOKEN_SECRET_BYTES)}"
    invitation = Invitation(
        seller_id=seller_id,
        invitation_id=invitation_id,
        email=normalise_email(email),
        role=role,
        token_hash=token_hash(token),
        status=InvitationStatus.PENDING,
        invited_by=invited_by,
        created_at=now,
        valid_until=now + ttl,
    )
    return invitation, token


def parse_token(token: str) -> tuple[str, str]:
    """(seller_id, invitation_id) named by a token; a malformed token is simply not found."""
    parts = token.strip().split(".")
    if len(parts) != 3 or not _SELLER_ID.fullmatch(parts[0]) or not _INVITATION_ID.fullmatch(parts[1]):
        raise MemberNotFound("invitation not found (the link is incomplete or not an invitation link)")
    if len(parts[2]) < 32:
        raise MemberNotFound("invitation not found (the link is incomplete or not an invitation link)")
    return parts[0], parts[1]


def check_invitation_id(invitation_id: str) -> str:
    if not _INVITATION_ID.fullmatch(invitation_id):
        raise MemberNotFound(f"invitation {invitation_id[:40]!r} not found")
    return invitation_id


def gone_message(status: InvitationStatus) -> str:
    return {
        InvitationStatus.ACCEPTED: "this invitation has already been used; ask the owner for a new one",
        InvitationStatus.EXPIRED: "this invitation has expired; ask the owner for a new one",
        InvitationStatus.REVOKED: "this invitation was revoked by the seller's owner",
    }.get(status, "this invitation can no longer be used")


def check_acceptable(
    invitation: Invitation | None,
    token: str,
    *,
    email: str | None,
    email_verified: bool,
    now: datetime,
) -> Invitation:
    """The invitation a caller may accept with `token`, or the error that says why not.

    Order matters: an unknown or forged token is 404 (nothing about the invitation is revealed);
    a spent one is 410; only then is the caller's email compared (403).
    """
    if invitation is None or not hmac.compare_digest(invitation.token_hash, token_hash(token.strip())):
        raise MemberNotFound("invitation not found")
    status = invitation.status_at(now)
    if status is not InvitationStatus.PENDING:
        raise InvitationGone(gone_message(status))
    if not email or not email_verified:
        raise Forbidden("accepting an invitation needs a verified email address on your account")
    if not same_email(email, invitation.email):
        raise Forbidden(
            "this invitation was sent to a different email address than the one you signed in with"
        )
    return invitation


# --- the last owner ------------------------------------------------------------------------------
def check_owner_remains(members: Iterable[Member], user_sub: str, new_role: Role | None) -> str | None:
    """Raise `LastOwner` when removing (`new_role` None) or demoting `user_sub` leaves no owner.

    Returns the sub of another owner the store's write should be conditional on (None when the
    change does not touch an owner).
    """
    everyone = list(members)
    target = next((m for m in everyone if m.user_sub == user_sub), None)
    if target is None:
        raise MemberNotFound(f"member {user_sub[:64]!r} not found")
    if target.role is not Role.OWNER or new_role is Role.OWNER:
        return None
    others = sorted(m.user_sub for m in everyone if m.role is Role.OWNER and m.user_sub != user_sub)
    if not others:
        action = "removed" if new_role is None else "demoted"
        raise LastOwner(
            f"the last owner of seller {target.seller_id} cannot be {action}; make another member owner first"
        )
    return others[0]


# --- break-glass ---------------------------------------------------------------------------------
def new_grant(
    *, seller_id: str, admin_sub: str, reason: str, minutes: int, now: datetime, max_minutes: int
) -> BreakGlassGrant:
    text = " ".join(reason.split())
    if not REASON_MIN <= len(text) <= REASON_MAX:
        raise InvalidInput(f"'reason' must be {REASON_MIN} to {REASON_MAX} characters, got {len(text)}")
    limit = min(max_minutes, BREAK_GLASS_MAX_MINUTES)
    if not 1 <= minutes <= limit:
        raise InvalidInput(f"'minutes' must be from 1 to {limit}, got {minutes}")
    return BreakGlassGrant(
        seller_id=seller_id,
        admin_sub=admin_sub,
        reason=text,
        granted_at=now,
        valid_until=now + timedelta(minutes=minutes),
    )
