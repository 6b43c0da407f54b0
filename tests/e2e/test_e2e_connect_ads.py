"""Granting Amazon Ads access end to end: through the local gateway, LWA's /ap/oa page (the
simulator's), the callback, then a seller-sync that stores the seller's campaign days with the grant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx
from e2e_helpers import api_get

from sellerflow import wiring
from sellerflow.store.credentials import ADS_CREDENTIALS
from sellerflow.store.tables import SellerRecord
from sellerflow.wiring.analytics import ads_store
from sellerflow_dev.local.stack import LocalStack


class AuthorizeForm(HTMLParser):
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


def test_an_owner_connects_amazon_ads_and_the_next_sync_stores_the_sellers_campaign_days(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given a connected seller whose Amazon Ads grant is not stored (only the demo stack stores one)
    stack = local_stack(sellers=1, seed=7)
    assert stack.gateway is not None
    seller = stack.world.sellers[0]
    SellerRecord(seller_id=seller.seller_id, sk=ADS_CREDENTIALS).delete()
    token = stack.id_token("owner1@sellerflow.local")
    auth = {"authorization": f"Bearer {token}"}
    connection = api_get(stack, f"/sellers/{seller.seller_id}/connection", token).json()
    assert connection["ads"] == {"status": "not_connected", "connected_at": None}

    # When the owner starts the grant (the dashboard asks for JSON; a plain GET is a 302)
    base = f"{stack.gateway.url}/sellers/{seller.seller_id}/connect/amazon-ads"
    as_json = httpx.get(base, headers=auth | {"accept": "application/json"}, timeout=30)
    assert as_json.status_code == 200, as_json.text
    assert set(as_json.json()) == {"authorize_url", "expires_at"}
    started = httpx.get(base, headers=auth, timeout=30)
    assert started.status_code == 302
    authorize_url = started.headers["location"]
    assert authorize_url.startswith(stack.simulator.url + "/ap/oa?")
    # And allows Sellerflow on Amazon's page, signed in as the seller's own account
    page = httpx.get(authorize_url, timeout=30)
    assert page.status_code == 200
    form = AuthorizeForm()
    form.feed(page.text)
    answer = httpx.post(
        stack.simulator.url + form.action,
        data=form.fields | {"seller": seller.seller_id, "decision": "allow"},
        timeout=30,
    )
    assert answer.status_code == 302
    landing = answer.headers["location"]
    assert landing.startswith(f"{stack.gateway.url}/connect-ads-callback.html?")
    assert httpx.get(landing, timeout=30).status_code == 200  # the web app's static callback page
    params = {k: v[0] for k, v in parse_qs(urlsplit(landing).query).items()}
    # And the callback page posts what Amazon sent back
    created = httpx.post(
        f"{base}/callback", headers=auth, json={"state": params["state"], "code": params["code"]}, timeout=60
    )

    # Then the grant is stored (encrypted, for this seller) and shown as connected
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["seller_id"] == seller.seller_id
    assert {p["marketplace_id"] for p in body["profiles"]} == set(seller.marketplace_ids)
    assert wiring.credential_vault().ads_refresh_token(seller.seller_id).get_secret_value() == (
        seller.ads_refresh_token
    )
    connection = api_get(stack, f"/sellers/{seller.seller_id}/connection", token).json()
    assert connection["ads"]["status"] == "connected"
    assert connection["ads"]["connected_at"] is not None
    # And the same callback again is refused (single-use state)
    replay = httpx.post(
        f"{base}/callback", headers=auth, json={"state": params["state"], "code": params["code"]}, timeout=60
    )
    assert (replay.status_code, replay.json()["error"]) == (403, "invalid_state")

    # And the next seller-sync stores the seller's Sponsored Products campaign days
    [report] = stack.run_sync()
    assert report.status == "SUCCEEDED"
    today = stack.world.now.date()
    first, last = today - timedelta(days=28), today - timedelta(days=1)
    facts = ads_store().for_marketplaces(seller.seller_id, seller.marketplace_ids, first, last)
    assert facts
    assert {f.marketplace_id for f in facts} == set(seller.marketplace_ids)
