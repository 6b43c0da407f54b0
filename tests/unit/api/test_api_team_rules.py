"""The team rules without AWS: invitations (single use, expiry, revocation, email binding), the last
owner, break-glass grants (expiry, scope, audit), and support's orders without money."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from api_fakes import (
    MARKETPLACE_US,
    NOW,
    POOL_ID,
    REGION,
    SELLER_A,
    FakeAudit,
    FakeOrders,
    FakeSellers,
    Tokens,
    bearer,
    make_order,
)
from chalice.test import Client
from team_fakes import FakeTeam, FakeUsers

from sellerflow.api.app import create_app
from sellerflow.api.auth import Caller, StaticKeySource
from sellerflow.audit import context as audit_context
from sellerflow.domain import Role
from sellerflow.errors import Forbidden, InvalidInput, InvitationGone, LastOwner, MemberNotFound
from sellerflow.members import rules
from sellerflow.members.rules import Invitation, InvitationStatus, Member
from sellerflow.settings import Settings

OWNER, OWNER2, ANALYST, SUPPORT = "sub-owner-1", "sub-owner-2", "sub-analyst-1", "sub-support-1"
INVITEE, ADMIN = "sub-invitee-1", "sub-admin-1"


# --- pure rules ----------------------------------------------------------------------------------
def _invitation(**overrides: Any) -> tuple[Invitation, str]:
    invitation, token = rules.new_invitation(
        seller_id=SELLER_A, email=" New.Person@Example.COM ", role=Role.ANALYST, invited_by=OWNER,
        now=NOW, ttl=timedelta(days=7),
    )  # fmt: skip
    return Invitation(**{**invitation.__dict__, **overrides}), token


def test_an_invitation_stores_only_the_sha256_of_its_random_token() -> None:
    invitation, token = _invitation()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.split(".")[2] not in repr(invitation)
    assert invitation.email == "new.person@example.com"
    assert invitation.valid_until == NOW + timedelta(days=7)
    assert rules.parse_token(token) == (SELLER_A, invitation.invitation_id)
    other, other_token = _invitation()
    assert other_token != token
    assert other.invitation_id != invitation.invitation_id


def test_an_invitation_is_accepted_by_its_verified_email_in_any_case() -> None:
    invitation, token = _invitation()
    ok = rules.check_acceptable(
        invitation, token, email="NEW.person@example.com", email_verified=True, now=NOW
    )
    assert ok is invitation


@pytest.mark.parametrize(
    ("email", "verified"),
    [("someone.else@example.com", True), ("new.person@example.com", False), (None, True)],
)
def test_another_or_unverified_email_cannot_accept(email: str | None, verified: bool) -> None:
    invitation, token = _invitation()
    with pytest.raises(Forbidden):
        rules.check_acceptable(invitation, token, email=email, email_verified=verified, now=NOW)


@pytest.mark.parametrize(
    ("overrides", "at", "word"),
    [
        ({"status": InvitationStatus.ACCEPTED}, NOW, "already been used"),
        ({"status": InvitationStatus.REVOKED}, NOW, "revoked"),
        ({}, NOW + timedelta(days=7), "expired"),
        ({}, NOW + timedelta(days=8), "expired"),
    ],
)
def test_a_used_revoked_or_expired_invitation_is_gone(
    overrides: dict[str, Any], at: datetime, word: str
) -> None:
    invitation, token = _invitation(**overrides)
    with pytest.raises(InvitationGone, match=word):
        rules.check_acceptable(invitation, token, email="new.person@example.com", email_verified=True, now=at)


def test_a_forged_or_malformed_token_is_not_found() -> None:
    invitation, token = _invitation()
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(MemberNotFound):
        rules.check_acceptable(
            invitation, forged, email="new.person@example.com", email_verified=True, now=NOW
        )
    for bad in ("", "abc", f"{SELLER_A}.nothex.{'x' * 43}", f"{SELLER_A}.{'0' * 32}.short"):
        with pytest.raises(MemberNotFound):
            rules.parse_token(bad)


def _members(*pairs: tuple[str, Role]) -> list[Member]:
    return [Member(seller_id=SELLER_A, user_sub=s, role=r) for s, r in pairs]


def test_the_last_owner_can_be_neither_removed_nor_demoted() -> None:
    alone = _members((OWNER, Role.OWNER), (ANALYST, Role.ANALYST))
    with pytest.raises(LastOwner, match="removed"):
        rules.check_owner_remains(alone, OWNER, None)
    with pytest.raises(LastOwner, match="demoted"):
        rules.check_owner_remains(alone, OWNER, Role.SUPPORT)
    assert rules.check_owner_remains(alone, OWNER, Role.OWNER) is None
    assert rules.check_owner_remains(alone, ANALYST, None) is None
    two = _members((OWNER, Role.OWNER), (OWNER2, Role.OWNER))
    assert rules.check_owner_remains(two, OWNER, Role.ANALYST) == OWNER2  # the write is conditional on it


def test_a_break_glass_grant_needs_a_reason_lasts_at_most_an_hour_and_expires() -> None:
    grant = rules.new_grant(
        seller_id=SELLER_A,
        admin_sub=ADMIN,
        reason="Ticket 4711: orders missing",
        minutes=60,
        now=NOW,
        max_minutes=60,
    )
    assert grant.active_at(NOW)
    assert grant.active_at(NOW + timedelta(minutes=59, seconds=59))
    assert not grant.active_at(NOW + timedelta(minutes=60))
    for reason, minutes in (
        ("too short", 10),
        ("x" * 501, 10),
        ("Ticket 4711: ok", 61),
        ("Ticket 4711: ok", 0),
    ):
        with pytest.raises(InvalidInput):
            rules.new_grant(
                seller_id=SELLER_A, admin_sub=ADMIN, reason=reason, minutes=minutes, now=NOW, max_minutes=60
            )


def test_the_break_glass_mark_prefixes_only_that_admins_entries_for_that_seller() -> None:
    audit_context.begin_request()
    audit_context.mark_break_glass(SELLER_A, ADMIN)
    assert audit_context.audited_action(SELLER_A, ADMIN, "orders.list") == "break_glass:orders.list"
    assert audit_context.audited_action(SELLER_A, OWNER, "orders.list") == "orders.list"
    assert audit_context.audited_action("A9OTHER", ADMIN, "orders.list") == "orders.list"
    audit_context.begin_request()
    assert audit_context.audited_action(SELLER_A, ADMIN, "orders.list") == "orders.list"


# --- through the API, on fakes -------------------------------------------------------------------
@dataclass
class TeamWorld:
    client: Any
    tokens: Tokens
    team: FakeTeam
    users: FakeUsers
    audit: FakeAudit
    now: list[datetime]

    def call(self, method: str, path: str, sub: str, body: Any = None, **claims: Any) -> Any:
        token = self.tokens.id_token(sub, **claims)
        headers = {**bearer(token), "content-type": "application/json"}
        import json

        extra = {"body": json.dumps(body)} if body is not None else {}
        return getattr(self.client.http, method.lower())(path, headers=headers, **extra)


@pytest.fixture
def team_world(tokens: Tokens, pool_jwks: dict[str, Any]) -> Iterator[TeamWorld]:
    sellers, orders, audit = FakeSellers(), FakeOrders(), FakeAudit()
    sellers.add(SELLER_A, "Alpha Mugs", (MARKETPLACE_US,))
    for sub, role in ((OWNER, Role.OWNER), (ANALYST, Role.ANALYST), (SUPPORT, Role.SUPPORT)):
        sellers.members[(SELLER_A, sub)] = role
    orders.add(make_order(SELLER_A, "111-0000000-0000001", NOW - timedelta(days=1), total="42.50"))
    team = FakeTeam(members_by_key=sellers.members, profiles_by_id=sellers.profiles_by_id)
    users = FakeUsers(
        existing={"owner@example.com"},
        by_sub={
            OWNER: (),
            OWNER2: (),
            ANALYST: (),
            SUPPORT: (),
            INVITEE: (),
            "sub-new-9": (),
            ADMIN: ("admins",),
        },
    )
    now = [NOW]
    settings = Settings(
        aws_region=REGION, cognito_user_pool_id=POOL_ID, cognito_app_client_id="testappclient123",
        web_origin="https://app.example.com",
    )  # fmt: skip
    app = create_app(
        settings=settings, key_source=StaticKeySource(pool_jwks), sellers=sellers, orders=orders, audit=audit,
        clock=lambda: now[0], team=team, users=users,
    )  # fmt: skip
    with Client(app) as client:
        yield TeamWorld(client=client, tokens=tokens, team=team, users=users, audit=audit, now=now)


def _invite(w: TeamWorld, email: str = "New.Person@example.com", role: str = "analyst") -> dict[str, Any]:
    response = w.call("POST", f"/sellers/{SELLER_A}/invitations", OWNER, {"email": email, "role": role})
    assert response.status_code == 201, response.body
    created: dict[str, Any] = response.json_body
    return created


def _accept(w: TeamWorld, token: str, sub: str = INVITEE, email: str = "new.person@example.com") -> Any:
    return w.call("POST", "/invitations/accept", sub, {"token": token}, email=email, email_verified=True)


def test_an_owner_invites_and_the_invitee_accepts_once(team_world: TeamWorld) -> None:
    w = team_world
    created = _invite(w)
    # The token is shown once, in a link to the web app; a Cognito user was created for the new email
    assert created["accept_url"] == f"https://app.example.com/#/accept?token={created['token']}"
    assert created["email"] == "new.person@example.com"
    assert created["user_created"] is True
    assert w.users.created == ["new.person@example.com"]
    assert created["token"] not in repr(w.team.invites)
    assert created["token"] not in repr(w.audit.entries)
    listed = w.call("GET", f"/sellers/{SELLER_A}/invitations", OWNER).json_body["invitations"]
    assert [(i["invitation_id"], i["status"]) for i in listed] == [(created["invitation_id"], "pending")]
    assert "token" not in listed[0]
    # The invitee, signed in with the invited (verified) email in another case, accepts
    response = _accept(w, created["token"], email="NEW.PERSON@example.com")
    assert response.status_code == 200, response.body
    assert response.json_body == {"seller_id": SELLER_A, "role": "analyst"}
    me = w.call("GET", "/me", INVITEE, email="new.person@example.com").json_body
    assert me["memberships"] == [{"seller_id": SELLER_A, "role": "analyst"}]
    assert me["is_admin"] is False
    # A second use (by anyone) is gone
    again = _accept(w, created["token"], sub="sub-someone-else")
    assert again.status_code == 410
    assert "already been used" in again.json_body["message"]
    assert "invitation.accepted" in {e[2] for e in w.audit.entries}


def test_an_expired_invitation_is_gone(team_world: TeamWorld) -> None:
    w = team_world
    created = _invite(w)
    w.now[0] = NOW + timedelta(days=7, seconds=1)
    response = _accept(w, created["token"])
    assert response.status_code == 410
    assert "expired" in response.json_body["message"]
    assert (SELLER_A, INVITEE) not in w.team.members_by_key


def test_a_revoked_invitation_is_gone_and_cannot_be_revoked_twice(team_world: TeamWorld) -> None:
    w = team_world
    created = _invite(w)
    path = f"/sellers/{SELLER_A}/invitations/{created['invitation_id']}"
    assert w.call("DELETE", path, OWNER).json_body["status"] == "revoked"
    assert w.call("DELETE", path, OWNER).status_code == 410
    response = _accept(w, created["token"])
    assert response.status_code == 410
    assert "revoked" in response.json_body["message"]


def test_an_invitation_for_another_email_is_refused(team_world: TeamWorld) -> None:
    w = team_world
    created = _invite(w)
    assert _accept(w, created["token"], email="someone.else@example.com").status_code == 403
    unverified = w.call(
        "POST", "/invitations/accept", INVITEE, {"token": created["token"]}, email="new.person@example.com"
    )
    assert unverified.status_code == 403
    assert _accept(w, created["token"]).status_code == 200  # still pending: the refusals did not use it


def test_only_owners_manage_members_and_the_last_owner_stays(team_world: TeamWorld) -> None:
    w = team_world
    assert w.call("GET", f"/sellers/{SELLER_A}/members", ANALYST).status_code == 403
    assert w.call("POST", f"/sellers/{SELLER_A}/invitations", SUPPORT, {"email": "a@example.com", "role": "owner"}).status_code == 403  # fmt: skip
    assert (
        w.call("PUT", f"/sellers/{SELLER_A}/members/{OWNER}", OWNER, {"role": "analyst"}).status_code == 409
    )
    assert w.call("DELETE", f"/sellers/{SELLER_A}/members/{OWNER}", OWNER).status_code == 409
    # With a second owner, the first may step down
    assert (
        w.call("PUT", f"/sellers/{SELLER_A}/members/{ANALYST}", OWNER, {"role": "owner"}).status_code == 200
    )
    assert (
        w.call("PUT", f"/sellers/{SELLER_A}/members/{OWNER}", OWNER, {"role": "support"}).status_code == 200
    )
    assert w.team.members_by_key[(SELLER_A, OWNER)] is Role.SUPPORT
    assert w.call("DELETE", f"/sellers/{SELLER_A}/members/{SUPPORT}", ANALYST).status_code == 204
    assert w.call("PUT", f"/sellers/{SELLER_A}/members/nobody", ANALYST, {"role": "owner"}).status_code == 404
    assert w.call("PUT", f"/sellers/{SELLER_A}/members/{OWNER}", ANALYST, {"role": "boss"}).status_code == 400


def test_support_sees_orders_without_any_money(team_world: TeamWorld) -> None:
    w = team_world
    support = w.call("GET", f"/sellers/{SELLER_A}/orders/111-0000000-0000001", SUPPORT).json_body
    analyst = w.call("GET", f"/sellers/{SELLER_A}/orders/111-0000000-0000001", ANALYST).json_body
    assert analyst["order_total"] == {"amount": "42.50", "currency": "USD"}
    assert support["order_total"] is None
    money = ("unit_price", "item_price", "shipping_price", "promotion_discount", "proceeds_total")
    assert all(support["lines"][0][k] is None for k in money)
    assert support["lines"][0]["seller_sku"] == analyst["lines"][0]["seller_sku"]
    page = w.call("GET", f"/sellers/{SELLER_A}/orders?from=2025-06-01", SUPPORT).json_body
    assert page["orders"]
    assert all(o["order_total"] is None for o in page["orders"])


def test_break_glass_opens_reads_for_its_minutes_only_and_is_audited(team_world: TeamWorld) -> None:
    w = team_world
    admin = {"cognito:groups": ["admins"]}
    orders = f"/sellers/{SELLER_A}/orders/111-0000000-0000001"
    assert w.call("GET", orders, ADMIN, **admin).status_code == 404  # no grant: a non-member
    assert w.call("GET", orders, OWNER).status_code == 200
    body = {"reason": "Ticket 4711: seller reports missing orders", "minutes": 15}
    assert w.call("POST", f"/admin/sellers/{SELLER_A}/break-glass", OWNER, body).status_code == 403
    granted = w.call("POST", f"/admin/sellers/{SELLER_A}/break-glass", ADMIN, body, **admin)
    assert granted.status_code == 201, granted.body
    assert granted.json_body["expires_at"].startswith(
        (NOW + timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M")
    )
    grant_entry = [e for e in w.audit.entries if e[2] == "break_glass.granted"]
    assert grant_entry
    assert grant_entry[0][:2] == (SELLER_A, ADMIN)
    assert "Ticket 4711" in grant_entry[0][3]
    # Reads now work (money included), changes and buyer PII do not
    assert w.call("GET", orders, ADMIN, **admin).json_body["order_total"]["amount"] == "42.50"
    assert w.call("GET", f"/sellers/{SELLER_A}/members", ADMIN, **admin).status_code == 403
    # After the minutes, the admin is a non-member again
    w.now[0] = NOW + timedelta(minutes=15)
    assert w.call("GET", orders, ADMIN, **admin).status_code == 404
    # A too-long or reasonless grant is refused
    assert w.call("POST", f"/admin/sellers/{SELLER_A}/break-glass", ADMIN, {"reason": "x", "minutes": 5}, **admin).status_code == 400  # fmt: skip
    assert w.call("POST", f"/admin/sellers/{SELLER_A}/break-glass", ADMIN, {"reason": "Ticket 4711: fine", "minutes": 61}, **admin).status_code == 400  # fmt: skip
    assert w.call("POST", "/admin/sellers/A9NOSUCH/break-glass", ADMIN, body, **admin).status_code == 404


def test_admins_list_sellers_and_manage_memberships_but_not_the_last_owner(team_world: TeamWorld) -> None:
    w = team_world
    admin = {"cognito:groups": ["admins"]}
    listed = w.call("GET", "/admin/sellers", ADMIN, **admin).json_body["sellers"]
    assert [s["seller_id"] for s in listed] == [SELLER_A]
    assert {m["user_sub"] for m in listed[0]["members"]} == {OWNER, ANALYST, SUPPORT}
    assert set(listed[0]) == {"seller_id", "name", "status", "marketplace_ids", "members"}
    assert w.call("GET", "/admin/sellers", OWNER).status_code == 403
    path = f"/admin/sellers/{SELLER_A}/members/sub-new-9"
    assert w.call("PUT", path, ADMIN, {"role": "support"}, **admin).status_code == 200
    assert w.team.members_by_key[(SELLER_A, "sub-new-9")] is Role.SUPPORT
    assert w.call("DELETE", path, ADMIN, **admin).status_code == 204
    assert w.call("DELETE", f"/admin/sellers/{SELLER_A}/members/{OWNER}", ADMIN, **admin).status_code == 409
    me = w.call("GET", "/me", ADMIN, **admin).json_body
    assert me["is_admin"] is True
    assert me["memberships"] == []


def test_a_caller_object_knows_admins_by_group() -> None:
    assert Caller(sub="x", groups=("admins",)).is_admin
    assert not Caller(sub="x", groups=("sellers",)).is_admin


def test_no_admin_route_gives_an_admin_a_membership_or_seller_data(team_world: TeamWorld) -> None:
    """Issue 12 item 1: an admin cannot make itself (or another admin) a member, cannot add a user the
    pool does not have, and a membership an admin holds anyway opens nothing; only break-glass does."""
    w = team_world
    admin = {"cognito:groups": ["admins"]}
    w.users.by_sub["sub-admin-2"] = ("admins",)
    for target in (ADMIN, "sub-admin-2"):
        for role in ("owner", "analyst", "support"):
            path = f"/admin/sellers/{SELLER_A}/members/{target}"
            refused = w.call("PUT", path, ADMIN, {"role": role}, **admin)
            assert refused.status_code == 403, refused.body
    missing = w.call(
        "PUT", f"/admin/sellers/{SELLER_A}/members/sub-nobody-1", ADMIN, {"role": "support"}, **admin
    )
    assert missing.status_code == 404
    assert "user pool" in missing.json_body["message"]
    assert not [k for k in w.team.members_by_key if k[1] in (ADMIN, "sub-admin-2", "sub-nobody-1")]
    # An owner cannot raise (or set) an admin's stray membership either
    w.team.members_by_key[(SELLER_A, "sub-admin-2")] = Role.SUPPORT
    assert (
        w.call("PUT", f"/sellers/{SELLER_A}/members/sub-admin-2", OWNER, {"role": "owner"}).status_code == 403
    )
    # A stray owner membership of an admin opens nothing: every seller route is a 404, /me shows none
    w.team.members_by_key[(SELLER_A, ADMIN)] = Role.OWNER
    seller_paths = (
        "/orders/111-0000000-0000001", "/orders?from=2025-06-01", "/members", "/invitations", "/audit",
        "/dashboard", "/alerts/rules", "/connection",
    )  # fmt: skip
    for tail in seller_paths:
        assert w.call("GET", f"/sellers/{SELLER_A}{tail}", ADMIN, **admin).status_code == 404, tail
    assert w.call("POST", f"/sellers/{SELLER_A}/exports", ADMIN, {}, **admin).status_code == 404
    assert w.call("GET", "/sellers", ADMIN, **admin).json_body["sellers"] == []
    assert w.call("GET", "/me", ADMIN, **admin).json_body["memberships"] == []
    # The admin's changes are audited as admin actions in the seller's chain
    ok = w.call("PUT", f"/admin/sellers/{SELLER_A}/members/sub-new-9", ADMIN, {"role": "analyst"}, **admin)
    assert ok.status_code == 200
    assert w.call("DELETE", f"/admin/sellers/{SELLER_A}/members/sub-new-9", ADMIN, **admin).status_code == 204
    actions = [(e[0], e[1], e[2]) for e in w.audit.entries if e[2].startswith("admin.members.")]
    assert actions == [
        (SELLER_A, ADMIN, "admin.members.role_set"),
        (SELLER_A, ADMIN, "admin.members.removed"),
    ]


def test_an_admin_cannot_accept_an_invitation_even_to_its_own_email(team_world: TeamWorld) -> None:
    w = team_world
    created = _invite(w, email="ops@example.com", role="owner")
    refused = w.call(
        "POST", "/invitations/accept", ADMIN, {"token": created["token"]},
        email="ops@example.com", email_verified=True, **{"cognito:groups": ["admins"]},
    )  # fmt: skip
    assert refused.status_code == 403
    assert (SELLER_A, ADMIN) not in w.team.members_by_key
    assert [i.status for i in w.team.invites.values()] == [InvitationStatus.PENDING]


@pytest.mark.parametrize(
    ("value", "shaped"),
    [("replies@yourshop.com", True), ("a.b+c@shop.co.uk", True), ("not an address", False),
     ("two@@shop.com", False), ("trailing@shop.", False), ("no-tld@shop", False), (f"{'x' * 250}@a.com", False)],
)  # fmt: skip
def test_members_and_sending_addresses_share_one_email_shape(value: str, shaped: bool) -> None:
    assert rules.is_email_address(value) is shaped
