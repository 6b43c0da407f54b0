"""Request and response bodies of the team and admin routes (built field by field, never from items)."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sellerflow.domain import Role, SellerProfile
from sellerflow.errors import InvalidInput
from sellerflow.members.model import Invitation, Member

MAX_BODY_BYTES = 4096
M = TypeVar("M", bound=BaseModel)


class _In(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


# --- requests ------------------------------------------------------------------------------------
class RoleIn(_In):
    role: Role


class InvitationIn(_In):
    email: str = Field(min_length=3, max_length=254)
    role: Role


class AcceptIn(_In):
    token: str = Field(min_length=40, max_length=300)


class BreakGlassIn(_In):
    reason: str = Field(min_length=1, max_length=2000)  # the rule (10..500 after trimming) is in rules
    minutes: int = Field(default=30)


def parse_body(model: type[M], raw: bytes | None, shape: str) -> M:
    """The JSON body as `model`; any problem is a 400 that names the field (never echoes a value)."""
    data = raw or b""
    if len(data) > MAX_BODY_BYTES:
        raise InvalidInput(f"request body is {len(data)} bytes; at most {MAX_BODY_BYTES} are accepted")
    try:
        return model.model_validate_json(data or b"{}")
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {e['msg']}"
            for e in exc.errors(include_input=False)
        )
        raise InvalidInput(f"body must be {shape}: {problems}") from None


# --- responses -----------------------------------------------------------------------------------
class MembershipOut(_Out):
    seller_id: str
    role: Role


class MeOut(_Out):
    sub: str
    email: str | None
    is_admin: bool
    memberships: list[MembershipOut]


class MemberOut(_Out):
    user_sub: str
    email: str | None
    role: Role
    added_at: datetime | None

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        return cls(user_sub=member.user_sub, email=member.email, role=member.role, added_at=member.added_at)


class MembersOut(_Out):
    members: list[MemberOut]


class InvitationOut(_Out):
    invitation_id: str
    email: str
    role: Role
    expires_at: datetime
    status: str

    @classmethod
    def of(cls, invitation: Invitation, now: datetime) -> InvitationOut:
        return cls(
            invitation_id=invitation.invitation_id,
            email=invitation.email,
            role=invitation.role,
            expires_at=invitation.valid_until,
            status=invitation.status_at(now).value.lower(),
        )


class InvitationsOut(_Out):
    invitations: list[InvitationOut]


class InvitationCreatedOut(_Out):
    invitation_id: str
    email: str
    role: Role
    expires_at: datetime
    accept_url: str
    token: str  # shown once; only its SHA-256 is stored
    user_created: bool  # a new Cognito user was made (Cognito emailed the temporary password)


class AcceptedOut(_Out):
    seller_id: str
    role: Role


class AdminSellerOut(_Out):
    seller_id: str
    name: str
    status: str
    marketplace_ids: list[str]
    members: list[MemberOut]

    @classmethod
    def of(cls, profile: SellerProfile, members: list[Member]) -> AdminSellerOut:
        return cls(
            seller_id=profile.seller_id,
            name=profile.name,
            status=profile.status.value,
            marketplace_ids=list(profile.marketplace_ids),
            members=[MemberOut.of(m) for m in members],
        )


class AdminSellersOut(_Out):
    sellers: list[AdminSellerOut]


class BreakGlassOut(_Out):
    seller_id: str
    expires_at: datetime
    permissions: list[str]
