"""Connecting an Amazon account end to end: the local gateway, the simulator's consent page, the
callback, the first seller-sync, and the authorization's expiry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx
from e2e_helpers import api_get

from sellerflow import wiring
from sellerflow.connect.state import StateSigner
from sellerflow.domain import SellerStatus
from sellerflow.store.connections import ConnectionStore, SecretsManagerStateKey
from sellerflow.store.tables import SellerRecord
from sellerflow_dev.local.stack import LocalStack


class ConsentForm(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a["action"]
        elif tag == "input":
            self.fields[a["name"]] = a.get("value", "")


def authorize(stack: LocalStack, token: str, seller_id: str) -> dict[str, str]:
    """GET /connect/amazon -> the simulator's consent page -> Authorize -> the redirect's params."""
    assert stack.gateway is not None
    started = httpx.get(
        f"{stack.gateway.url}/connect/amazon", headers={"authorization": f"Bearer {token}"}, timeout=30
    )
    assert started.status_code == 302, started.text
    consent_url = started.headers["location"]
    assert consent_url == started.json()["authorize_url"]
    page = httpx.get(consent_url, timeout=30)
    assert page.status_code == 200
    form = ConsentForm()
    form.feed(page.text)
    answer = httpx.post(
        stack.simulator.url + form.action,
        data=form.fields | {"seller": seller_id, "decision": "authorize"},
        timeout=30,
    )
    assert answer.status_code == 302
    landing = answer.headers["location"]
    assert landing.startswith(f"{stack.gateway.url}/connect-callback.html?")
    return {k: v[0] for k, v in parse_qs(urlsplit(landing).query).items()}


def post_callback(stack: LocalStack, token: str, params: dict[str, str]) -> httpx.Response:
    assert stack.gateway is not None
    return httpx.post(
        f"{stack.gateway.url}/connect/amazon/callback",
        headers={"authorization": f"Bearer {token}"},
        json=params,
        timeout=60,
    )


def test_an_owner_connects_a_seller_through_the_consent_page_and_its_first_sync_succeeds(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given a stack whose third simulated seller is not connected yet
    stack = local_stack(preconnected=2)
    seller = stack.world.sellers[2]
    token = stack.id_token("owner3@sellerflow.local")
    assert api_get(stack, "/sellers", token).json()["sellers"] == []
    # The JSON form of the start route
    assert stack.gateway is not None
    as_json = httpx.get(
        f"{stack.gateway.url}/connect/amazon",
        headers={"authorization": f"Bearer {token}", "accept": "application/json"},
        timeout=30,
    )
    assert as_json.status_code == 200
    assert set(as_json.json()) == {"authorize_url", "expires_at"}

    # When the owner consents in Seller Central and the callback page posts what Amazon sent back
    params = authorize(stack, token, seller.seller_id)
    assert params["selling_partner_id"] == seller.seller_id
    created = post_callback(stack, token, params)

    # Then the seller is connected, owned by the caller, and its first sync ran and stored orders
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["seller_id"] == seller.seller_id
    assert body["status"] == "active"
    assert body["marketplace_ids"] == seller.marketplace_ids
    sellers = api_get(stack, "/sellers", token).json()["sellers"]
    assert [(s["seller_id"], s["role"]) for s in sellers] == [(seller.seller_id, "owner")]
    assert stack.resources is not None
    arn = stack.resources.state_machines["SellerSyncStateMachine"].replace(":stateMachine:", ":execution:")
    described = stack.wait_for(f"{arn}:{body['sync_execution']['execution_name']}", 900)
    assert described["status"] == "SUCCEEDED", described.get("error")
    assert wiring.order_store().count(seller.seller_id) >= len(stack.world.orders(seller.seller_id))
    connection = api_get(stack, f"/sellers/{seller.seller_id}/connection", token).json()
    assert connection["status"] == "active"
    assert connection["days_left"] == 365
    assert connection["last_outcome"] == "succeeded"

    # And replaying the same state is refused
    assert post_callback(stack, token, params).status_code == 403
    # And another user's state is refused (and does not connect anything for them)
    other = stack.id_token("owner1@sellerflow.local")
    foreign = authorize(stack, other, seller.seller_id)
    refused = post_callback(stack, token, foreign)
    assert refused.status_code == 403
    assert refused.json()["error"] == "invalid_state"


def test_an_expired_state_is_refused(local_stack: Callable[..., LocalStack]) -> None:
    # Given a consent that came back with a genuine code, and a state of this user signed with the
    # deployment's key that expired a second ago (a state lives at most 10 minutes)
    stack = local_stack(preconnected=2)
    token = stack.id_token("owner3@sellerflow.local")
    params = authorize(stack, token, stack.world.sellers[2].seller_id)
    key = SecretsManagerStateKey(wiring.settings().connect_state_secret_name).state_key()
    stale = StateSigner(key).issue(
        stack.users["owner3@sellerflow.local"].sub,
        now=datetime.now(UTC) - timedelta(minutes=10, seconds=1),
    )
    # When the callback carries it, Then it is refused and nothing is connected
    refused = post_callback(stack, token, params | {"state": stale.value})
    assert refused.status_code == 403
    assert "expired" in refused.json()["message"]
    assert api_get(stack, "/sellers", token).json()["sellers"] == []


def test_an_expiring_seller_is_shown_as_such_and_a_lapsed_one_is_not_synced(
    local_stack: Callable[..., LocalStack],
) -> None:
    stack = local_stack(sellers=2)
    expiring, lapsed = (s.seller_id for s in stack.world.sellers)
    now = datetime.now(UTC)
    for seller_id, expires in ((expiring, now + timedelta(days=10)), (lapsed, now - timedelta(hours=1))):
        SellerRecord(seller_id=seller_id, sk="PROFILE").update(
            actions=[SellerRecord.authorization_expires_at.set(expires)]
        )
    token = stack.id_token("demo@sellerflow.local")
    shown = api_get(stack, f"/sellers/{expiring}/connection", token).json()
    assert (shown["status"], shown["days_left"]) == ("expiring", 10)
    assert api_get(stack, f"/sellers/{lapsed}/connection", token).json()["status"] == "lapsed"

    reports = stack.run_sync()

    assert [r.seller_id for r in reports] == [expiring]
    assert ConnectionStore().connection(lapsed).status is SellerStatus.LAPSED


def test_an_edited_selling_partner_id_cannot_squat_a_connected_seller(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given two connected sellers (owner1 owns the first) and owner3, who owns nothing yet
    stack = local_stack(preconnected=2, sellers=3)
    real, other, own = (s.seller_id for s in stack.world.sellers)
    owner1, squatter = stack.id_token("owner1@sellerflow.local"), stack.id_token("owner3@sellerflow.local")
    members_before = api_get(stack, f"/sellers/{real}/members", owner1).json()["members"]
    vault = wiring.credential_vault()

    # When owner3 consents as their own Amazon account and edits the callback's id to the first seller
    params = authorize(stack, squatter, own)
    refused = post_callback(stack, squatter, params | {"selling_partner_id": real})
    # Then it is refused with a clear error; owner3 gets nothing and the seller's team is unchanged
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "already_connected"
    assert api_get(stack, "/sellers", squatter).json()["sellers"] == []
    assert api_get(stack, f"/sellers/{real}/members", owner1).json()["members"] == members_before
    assert api_get(stack, f"/sellers/{real}/connection", squatter).status_code == 404

    # When an owner of the first seller consents as another Amazon account and edits the id the same way
    swapped = post_callback(stack, owner1, authorize(stack, owner1, other) | {"selling_partner_id": real})
    # Then the token cannot be swapped in: the account it reaches is not the seller
    assert swapped.status_code == 409, swapped.text
    assert swapped.json()["error"] == "seller_identity_mismatch"
    assert vault.refresh_token(real).get_secret_value() == stack.world.seller(real).refresh_token

    # And both attempts are in the seller's audit log, whose chain still verifies
    entries = api_get(stack, f"/sellers/{real}/audit", owner1, limit=20).json()["entries"]
    connects = [(e["action"], e["actor"]) for e in entries if e["action"].startswith("connection.")]
    assert connects[:2] == [
        ("connection.identity_mismatch", stack.users["owner1@sellerflow.local"].sub),
        ("connection.claim_refused", stack.users["owner3@sellerflow.local"].sub),
    ]
    # And the real owner, consenting as the real account, still reconnects
    again = post_callback(stack, owner1, authorize(stack, owner1, real))
    assert again.status_code == 201, again.text
    assert again.json()["reconnected"]
    assert api_get(stack, f"/sellers/{real}/members", owner1).json()["members"] == members_before
