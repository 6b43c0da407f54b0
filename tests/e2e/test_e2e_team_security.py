"""Issue 12, items 1, 3 and 4 on the running local stack, over HTTP through the local gateway:

- an admin drives every route: no admin route gives it a membership (not itself, not another admin,
  not a user the pool lacks), no seller route answers it with data, even when it holds a stray owner
  membership; its membership changes are audited as `admin.members.*` in the seller's chain;
- break-glass still works: reads for its minutes, never the audit log, the team, exports or buyer PII;
- an owner invites, the invited person completes Cognito's invitation, signs in (the ID token carries
  `email_verified`) and accepts, and sees the seller with the invited role;
- every API answer carries the security headers.

No sync runs: access is decided before any data is read, and the seller's name must never appear.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from sellerflow.api.errors import SECURITY_HEADERS
from sellerflow.domain import Role
from sellerflow_dev.local.stack import DEMO_PASSWORD, LocalStack

TODAY = datetime.now(UTC).date()
QUERIES = {
    "/sellers/{sellerId}/orders": {"from": str(TODAY - timedelta(days=30))},
    "/sellers/{sellerId}/orders/{orderId}/shipping-address": {"purpose": "shipping_label"},
}
BODIES: dict[str, Any] = {  # well-formed, so the answer is the access decision, not a 400
    "/sellers/{sellerId}/disconnect": {"erase_data": False},
    "/sellers/{sellerId}/connect/amazon-ads/callback": {"state": "x.y", "code": "ANexampleCode"},
    "/sellers/{sellerId}/cogs/{sku}": {
        "unit_cost": "1.00",
        "currency": "USD",
        "effective_from": "2025-06-01",
    },
    "/sellers/{sellerId}/members/{userSub}": {"role": "owner"},
    "/sellers/{sellerId}/invitations": {"email": "ops@sellerflow.local", "role": "owner"},
}
READ_UNDER_BREAK_GLASS = ("/orders", "/dashboard", "/connection", "/inventory")
NEVER_UNDER_BREAK_GLASS = (
    "/audit",
    "/members",
    "/invitations",
    "/orders/111-0000000-0000001/shipping-address",
)


def _call(
    stack: LocalStack, method: str, path: str, token: str, body: Any = None, **params: Any
) -> httpx.Response:
    assert stack.gateway is not None
    response = httpx.request(
        method,
        f"{stack.gateway.url}{path}",
        headers={"authorization": f"Bearer {token}", "accept": "application/json"},
        json=body if method in ("POST", "PUT") else None,
        params=params or None,
        timeout=30,
    )
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (method, path, name)
    return response


def _filled(resource: str, seller_id: str, user_sub: str) -> str:
    values = {
        "sellerId": seller_id, "orderId": "111-0000000-0000001", "userSub": user_sub,
        "invitationId": "0" * 32, "exportId": "0" * 32, "settlementId": "1", "sku": "SKU-1",
        "alertId": "0" * 32, "threadId": "0" * 32, "incidentId": "0" * 32,
    }  # fmt: skip
    return re.sub(r"\{([A-Za-z]+)\}", lambda m: values[m.group(1)], resource)


def _probe_seller_routes(stack: LocalStack, token: str, seller_id: str, name: str, owner_sub: str) -> None:
    """Every seller-scoped route of the template, with this token: refused, and nothing of the seller.

    The public Twilio webhook is probed too: a Cognito token does not stand in for Twilio's signature."""
    assert stack.gateway is not None
    probed = 0
    for route in stack.gateway.routes.routes:
        if "{sellerId}" not in route.resource or route.resource.startswith("/admin/"):
            continue
        path = _filled(route.resource, seller_id, owner_sub)
        body = BODIES.get(route.resource, {})
        response = _call(stack, route.method, path, token, body, **QUERIES.get(route.resource, {}))
        # The public webhook refuses a JSON body (415) before it checks Twilio's signature (403).
        refused = (403, 415) if route.public else (403, 404)
        assert response.status_code in refused, (
            route.method,
            route.resource,
            response.status_code,
            response.text,
        )
        assert name not in response.text
        probed += 1
    assert probed >= 30


def _sub(stack: LocalStack, email: str) -> str:
    return stack.users[email].sub


def test_admins_reach_seller_data_only_through_break_glass_and_invitations_work(
    local_stack: Callable[..., LocalStack],
) -> None:
    stack = local_stack(sellers=1)
    seller = stack.world.sellers[0]
    owner = stack.id_token("owner1@sellerflow.local")
    owner_sub = _sub(stack, "owner1@sellerflow.local")
    identity = stack.identity()
    for email in ("ops@sellerflow.local", "ops2@sellerflow.local"):
        stack.users[email] = identity.create_user(email, DEMO_PASSWORD, groups=("admins",))
    admin, admin_sub = stack.id_token("ops@sellerflow.local"), _sub(stack, "ops@sellerflow.local")
    members = f"/admin/sellers/{seller.seller_id}/members"

    # 1. No admin route gives an admin a membership; a user the pool lacks is refused
    for target in (admin_sub, _sub(stack, "ops2@sellerflow.local")):
        for role in ("owner", "analyst", "support"):
            assert _call(stack, "PUT", f"{members}/{target}", admin, {"role": role}).status_code == 403
    assert _call(stack, "PUT", f"{members}/no-such-user-0001", admin, {"role": "owner"}).status_code == 404
    assert _call(stack, "GET", "/admin/sellers", admin).status_code == 200
    assert _call(stack, "GET", "/connect/amazon", admin).status_code == 403  # connecting would make it owner

    # 2. No seller route answers the admin, not even with a stray owner membership in the table (the
    # plain non-member admin is the unit role matrix's; each call here writes the audit chain, ~1 s)
    from sellerflow import wiring

    wiring.seller_store().add_member(seller.seller_id, admin_sub, Role.OWNER, email="ops@sellerflow.local")
    _probe_seller_routes(stack, admin, seller.seller_id, seller.name, owner_sub)
    assert _call(stack, "GET", "/sellers", admin).json()["sellers"] == []
    assert _call(stack, "GET", "/me", admin).json()["memberships"] == []

    # 3. Break-glass (the stray membership still counts for nothing): reads for its minutes; never the audit log, the team, exports or buyer PII
    reason = {"reason": "Ticket 4711: seller reports missing orders", "minutes": 5}
    assert (
        _call(stack, "POST", f"/admin/sellers/{seller.seller_id}/break-glass", admin, reason).status_code
        == 201
    )
    base = f"/sellers/{seller.seller_id}"
    for tail in READ_UNDER_BREAK_GLASS:
        params = QUERIES.get(f"/sellers/{{sellerId}}{tail}", {})
        assert _call(stack, "GET", base + tail, admin, **params).status_code == 200, tail
    for tail in NEVER_UNDER_BREAK_GLASS:
        params = (
            QUERIES.get("/sellers/{sellerId}/orders/{orderId}/shipping-address", {})
            if "shipping" in tail
            else {}
        )
        assert _call(stack, "GET", base + tail, admin, **params).status_code == 403, tail
    assert _call(stack, "POST", f"{base}/exports", admin, {}).status_code == 403

    # 4. An owner invites; the invitee completes Cognito's invitation, signs in and accepts
    invited = _call(
        stack,
        "POST",
        f"{base}/invitations",
        owner,
        {"email": "New.Analyst@sellerflow.local", "role": "analyst"},
    )
    assert invited.status_code == 201, invited.text
    stack.users["new.analyst@sellerflow.local"] = identity.complete_invitation(
        "new.analyst@sellerflow.local", DEMO_PASSWORD
    )
    invitee = stack.id_token("new.analyst@sellerflow.local")
    accepted = _call(stack, "POST", "/invitations/accept", invitee, {"token": invited.json()["token"]})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"seller_id": seller.seller_id, "role": "analyst"}
    assert _call(stack, "GET", "/me", invitee).json()["memberships"] == [
        {"seller_id": seller.seller_id, "role": "analyst"}
    ]
    listed = _call(stack, "GET", "/sellers", invitee).json()["sellers"]
    assert [(s["seller_id"], s["role"]) for s in listed] == [(seller.seller_id, "analyst")]
    # An admin cannot accept an invitation, even one sent to its own address
    to_admin = _call(
        stack, "POST", f"{base}/invitations", owner, {"email": "ops2@sellerflow.local", "role": "owner"}
    )
    admin2 = stack.id_token("ops2@sellerflow.local")
    assert (
        _call(stack, "POST", "/invitations/accept", admin2, {"token": to_admin.json()["token"]}).status_code
        == 403
    )

    # 5. An admin's change to a real user's membership is audited as an admin action in the chain
    invitee_sub = _sub(stack, "new.analyst@sellerflow.local")
    assert _call(stack, "PUT", f"{members}/{invitee_sub}", admin, {"role": "support"}).status_code == 200
    entries = _call(stack, "GET", f"{base}/audit", owner, limit=100).json()["entries"]
    admin_actions = [e["action"] for e in entries if e["action"].startswith("admin.")]
    assert admin_actions == ["admin.members.role_set"], admin_actions
