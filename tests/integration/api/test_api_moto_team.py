"""Teams against moto: real tables from template.yaml, real moto Cognito users and ID tokens, the real
hash-chained audit log. Invitations (AdminCreateUser, single use by a conditional write, only the
hash stored), the last-owner transaction, admins and an audited break-glass read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto_api import PASSWORD, REGION, SELLER_A, Stack

from sellerflow.domain import Role
from sellerflow.errors import LastOwner
from sellerflow.incidents.model import INCIDENTS_PARTITION
from sellerflow.store.members import TeamStore
from sellerflow.store.sellers import SellerStore


def _call(stack: Stack, method: str, path: str, token: str, body: Any = None) -> Any:
    import json

    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    extra = {"body": json.dumps(body)} if body is not None else {}
    return getattr(stack.client.http, method.lower())(path, headers=headers, **extra)


def _sign_in_new_user(stack: Stack, email: str) -> str:
    """The invitee finishes Cognito's invitation (a permanent password) and signs in."""
    stack.pool.cognito.admin_set_user_password(
        UserPoolId=stack.pool.pool_id, Username=email, Password=PASSWORD, Permanent=True
    )
    return stack.pool.sign_in(email)["IdToken"]


def _tokens_carry_the_email(stack: Stack) -> None:
    """Like the real pool's client, let ID tokens carry email and email_verified (moto: ReadAttributes)."""
    stack.pool.cognito.update_user_pool_client(
        UserPoolId=stack.pool.pool_id,
        ClientId=stack.pool.client_id,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ReadAttributes=["email", "email_verified"],
    )


def _sellers_table_text(stack: Stack) -> str:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    name = next(t for t in dynamodb.list_tables()["TableNames"] if "ellers" in t and "data" not in t.lower())
    return str(dynamodb.scan(TableName=name)["Items"])


def test_an_invitation_creates_the_cognito_user_and_is_accepted_exactly_once(stack: Stack) -> None:
    _tokens_carry_the_email(stack)
    owner = stack.member_id_token()
    created = _call(
        stack,
        "POST",
        f"/sellers/{SELLER_A}/invitations",
        owner,
        {"email": "Analyst.New@Example.com", "role": "analyst"},
    )
    assert created.status_code == 201, created.body
    invitation = created.json_body
    # Cognito got the user (and, in AWS, emails the temporary password itself)
    user = stack.pool.cognito.admin_get_user(
        UserPoolId=stack.pool.pool_id, Username="analyst.new@example.com"
    )
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email_verified"] == "true"
    assert invitation["user_created"] is True
    # Only the token's hash is stored
    table = _sellers_table_text(stack)
    assert invitation["token"] not in table
    assert invitation["token"].split(".")[2] not in table
    # The invitee signs in and accepts; the membership exists with the invited role
    token = _sign_in_new_user(stack, "analyst.new@example.com")
    accepted = _call(stack, "POST", "/invitations/accept", token, {"token": invitation["token"]})
    assert accepted.status_code == 200, accepted.body
    assert accepted.json_body == {"seller_id": SELLER_A, "role": "analyst"}
    me = _call(stack, "GET", "/me", token).json_body
    assert me["memberships"] == [{"seller_id": SELLER_A, "role": "analyst"}]
    # Used: 410 for everyone, including the stranger
    again = _call(
        stack, "POST", "/invitations/accept", stack.stranger_id_token(), {"token": invitation["token"]}
    )
    assert again.status_code == 410
    members = _call(stack, "GET", f"/sellers/{SELLER_A}/members", owner).json_body["members"]
    assert {(m["email"], m["role"]) for m in members} >= {("analyst.new@example.com", "analyst")}
    # The new analyst reads orders with money but cannot manage members
    assert _call(stack, "GET", f"/sellers/{SELLER_A}/members", token).status_code == 403
    order = _call(stack, "GET", f"/sellers/{SELLER_A}/orders/{stack.orders_a[0]}", token).json_body
    assert order["order_total"]["amount"] == "19.99"


def test_the_stranger_cannot_accept_an_invitation_sent_to_someone_else(stack: Stack) -> None:
    _tokens_carry_the_email(stack)
    owner = stack.member_id_token()
    invitation = _call(
        stack,
        "POST",
        f"/sellers/{SELLER_A}/invitations",
        owner,
        {"email": "support.new@example.com", "role": "support"},
    ).json_body
    refused = _call(
        stack, "POST", "/invitations/accept", stack.stranger_id_token(), {"token": invitation["token"]}
    )
    assert refused.status_code == 403
    revoked = _call(stack, "DELETE", f"/sellers/{SELLER_A}/invitations/{invitation['invitation_id']}", owner)
    assert revoked.status_code == 200
    assert revoked.json_body["status"] == "revoked"
    token = _sign_in_new_user(stack, "support.new@example.com")
    gone = _call(stack, "POST", "/invitations/accept", token, {"token": invitation["token"]})
    assert gone.status_code == 410
    assert "revoked" in gone.json_body["message"]


def test_the_last_owner_is_kept_by_a_conditional_transaction(stack: Stack) -> None:
    owner = stack.member_id_token()
    assert _call(stack, "DELETE", f"/sellers/{SELLER_A}/members/{stack.member_sub}", owner).status_code == 409
    assert (
        _call(
            stack, "PUT", f"/sellers/{SELLER_A}/members/{stack.member_sub}", owner, {"role": "support"}
        ).status_code
        == 409
    )
    # Two owners demoting each other at once: the store's condition lets only one through
    SellerStore().add_member(SELLER_A, "second-owner", Role.OWNER)
    team = TeamStore()
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    team.put_member(SELLER_A, stack.member_sub, Role.ANALYST, email=None, at=now, other_owner="second-owner")
    with pytest.raises(LastOwner):
        team.put_member(
            SELLER_A, "second-owner", Role.ANALYST, email=None, at=now, other_owner=stack.member_sub
        )
    owners = [m.user_sub for m in team.members(SELLER_A) if m.role is Role.OWNER]
    assert owners == ["second-owner"]


def test_an_admin_reads_a_seller_only_through_an_audited_break_glass(stack: Stack) -> None:
    cognito = stack.pool.cognito
    cognito.create_group(GroupName="admins", UserPoolId=stack.pool.pool_id)
    stack.pool.add_user("operator@example.com")
    cognito.admin_add_user_to_group(
        UserPoolId=stack.pool.pool_id, Username="operator@example.com", GroupName="admins"
    )
    admin = stack.pool.sign_in("operator@example.com")["IdToken"]
    orders = f"/sellers/{SELLER_A}/orders"
    assert _call(stack, "GET", orders, admin).status_code == 404
    listed = _call(stack, "GET", "/admin/sellers", admin).json_body["sellers"]
    assert {s["seller_id"] for s in listed} >= {SELLER_A}
    assert all(set(s) == {"seller_id", "name", "status", "marketplace_ids", "members"} for s in listed)
    reason = "Ticket 4711: seller reports orders missing from the dashboard"
    granted = _call(
        stack, "POST", f"/admin/sellers/{SELLER_A}/break-glass", admin, {"reason": reason, "minutes": 10}
    )
    assert granted.status_code == 201, granted.body
    assert _call(stack, "GET", orders, admin).status_code == 200
    assert (
        _call(stack, "GET", f"/sellers/{SELLER_A}/audit", admin).status_code == 403
    )  # not a break-glass read
    # The seller's audit log shows the grant (with its reason) and the read, marked as break-glass
    entries = [e.__dict__ for e in stack.audit.chain(SELLER_A)[0]]
    admin_sub = next(
        a["Value"]
        for a in cognito.admin_get_user(UserPoolId=stack.pool.pool_id, Username="operator@example.com")[
            "UserAttributes"
        ]
        if a["Name"] == "sub"
    )
    mine = [(e["action"], e["resource"]) for e in entries if e["actor"] == admin_sub]
    assert "break_glass:orders.list" in {a for a, _ in mine}, mine
    grant = [r for a, r in mine if a == "break_glass.granted"]
    assert grant
    assert reason in grant[0]
    assert stack.audit.verify(SELLER_A).ok


def _sub_of(stack: Stack, email: str) -> str:
    user = stack.pool.cognito.admin_get_user(UserPoolId=stack.pool.pool_id, Username=email)
    return next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")


def test_admin_membership_changes_need_a_real_non_admin_user_and_are_audited_as_admin_actions(
    stack: Stack,
) -> None:
    cognito = stack.pool.cognito
    cognito.create_group(GroupName="admins", UserPoolId=stack.pool.pool_id)
    for email in ("operator@example.com", "operator2@example.com"):
        stack.pool.add_user(email)
        cognito.admin_add_user_to_group(UserPoolId=stack.pool.pool_id, Username=email, GroupName="admins")
    admin = stack.pool.sign_in("operator@example.com")["IdToken"]
    admin_sub, other_admin = _sub_of(stack, "operator@example.com"), _sub_of(stack, "operator2@example.com")
    members = f"/admin/sellers/{SELLER_A}/members"
    # Not itself, not another admin (Cognito's groups, read with AdminListGroupsForUser)
    assert _call(stack, "PUT", f"{members}/{admin_sub}", admin, {"role": "owner"}).status_code == 403
    assert _call(stack, "PUT", f"{members}/{other_admin}", admin, {"role": "analyst"}).status_code == 403
    # Not a user the pool does not have (ListUsers by sub)
    assert _call(stack, "PUT", f"{members}/no-such-user-1", admin, {"role": "support"}).status_code == 404
    # A real user: done, and audited as an admin action in the seller's chain
    stranger = _sub_of(stack, stack.stranger_email)
    assert _call(stack, "PUT", f"{members}/{stranger}", admin, {"role": "support"}).status_code == 200
    assert _call(stack, "DELETE", f"{members}/{stranger}", admin).status_code == 204
    entries = [e.__dict__ for e in stack.audit.chain(SELLER_A)[0]]
    mine = [(e["action"], e["resource"]) for e in entries if e["actor"] == admin_sub]
    assert mine == [
        ("admin.members.role_set", f"member/{stranger} role=none->support"),
        ("admin.members.removed", f"member/{stranger}"),
        # a member of no other seller: signed out everywhere at once (the access review's removal)
        ("members.signed_out", f"member/{stranger} refresh-tokens=revoked"),
    ]
    assert stack.audit.verify(SELLER_A).ok
    held = {m.user_sub for m in TeamStore().members(SELLER_A)}
    assert not held & {admin_sub, other_admin, "no-such-user-1", stranger}


def test_an_incident_is_recorded_with_its_amazon_deadline_and_audited(stack: Stack) -> None:
    cognito = stack.pool.cognito
    cognito.create_group(GroupName="admins", UserPoolId=stack.pool.pool_id)
    stack.pool.add_user("oncall@example.com")
    cognito.admin_add_user_to_group(
        UserPoolId=stack.pool.pool_id, Username="oncall@example.com", GroupName="admins"
    )
    admin = stack.pool.sign_in("oncall@example.com")["IdToken"]
    owner = stack.member_id_token()
    detected = datetime.now(UTC) - timedelta(hours=2)
    body = {"title": "PiiReads alarm fired", "severity": "critical", "detected_at": detected.isoformat()}
    assert _call(stack, "POST", "/admin/incidents", owner, body).status_code == 403  # admins only
    opened = _call(stack, "POST", "/admin/incidents", admin, body)
    assert opened.status_code == 201, opened.body
    incident = opened.json_body
    assert datetime.fromisoformat(incident["notify_amazon_by"]) == detected + timedelta(hours=24)
    assert incident["notify_amazon_at"] == "security@amazon.com"
    assert incident["amazon_deadline_met"] is None
    notified = (detected + timedelta(hours=1)).isoformat()
    path = f"/admin/incidents/{incident['incident_id']}"
    progressed = _call(stack, "PUT", path, admin, {"contained_at": notified, "amazon_notified_at": notified})
    assert progressed.status_code == 200, progressed.body
    assert progressed.json_body["amazon_deadline_met"] is True
    assert _call(stack, "PUT", path, admin, {"contained_at": notified}).status_code == 400  # recorded once
    listed = _call(stack, "GET", "/admin/incidents", admin).json_body["incidents"]
    assert [i["incident_id"] for i in listed] == [incident["incident_id"]]
    assert listed[0]["contained_at"] is not None
    entries, _head = stack.audit.chain(INCIDENTS_PARTITION)
    assert [e.action for e in entries] == ["incident.opened", "incident.progressed"]
    assert stack.audit.verify(INCIDENTS_PARTITION).ok
    # control data of the deployment: no seller's overview shows it
    sellers = _call(stack, "GET", "/admin/sellers", admin).json_body["sellers"]
    assert INCIDENTS_PARTITION not in {s["seller_id"] for s in sellers}
