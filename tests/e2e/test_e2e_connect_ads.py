"""Granting Amazon Ads access end to end: through the local gateway, each Amazon Ads region's LWA
/ap/oa page (the simulator's), the callback, then a seller-sync that stores the seller's campaign days
of every region (US from the NA host, Germany from EU, Japan from FE) with the region's grant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx
from e2e_helpers import api_get

from sellerflow import wiring
from sellerflow.amazon.ads import ADS_REGIONS, ads_region_of_marketplace
from sellerflow.store.credentials import ads_credentials_key
from sellerflow.store.tables import SellerRecord
from sellerflow.wiring.ads import ads_store
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
    # Given a connected seller (US, Germany, Japan) whose Amazon Ads grants are not stored
    stack = local_stack(sellers=1, seed=7)
    assert stack.gateway is not None
    seller = stack.world.sellers[0]
    regions = [ads_region_of_marketplace(m) for m in seller.marketplace_ids]
    assert set(regions) == {"NA", "EU", "FE"}
    for region in ADS_REGIONS:
        SellerRecord(seller_id=seller.seller_id, sk=ads_credentials_key(region)).delete()
    token = stack.id_token("owner1@sellerflow.local")
    auth = {"authorization": f"Bearer {token}"}
    connection = api_get(stack, f"/sellers/{seller.seller_id}/connection", token).json()
    assert connection["ads"] == {"status": "not_connected", "connected_at": None, "regions": []}
    base = f"{stack.gateway.url}/sellers/{seller.seller_id}/connect/amazon-ads"

    # When the owner starts the grant (the dashboard asks for JSON; a plain GET is a 302)
    as_json = httpx.get(base, headers=auth | {"accept": "application/json"}, timeout=30)
    assert as_json.status_code == 200, as_json.text
    assert set(as_json.json()) == {"authorize_url", "expires_at"}
    assert as_json.json()["authorize_url"].startswith(stack.simulator.ads_authorize_url_of("NA") + "?")
    # And grants each region on that region's own Login with Amazon page
    for region in ("NA", "EU", "FE"):
        params = _allow_on_amazon(stack, base, auth, region, seller.seller_id)
        created = httpx.post(
            f"{base}/callback",
            headers=auth,
            json={"state": params["state"], "code": params["code"]},
            timeout=60,
        )
        # Then each region's grant is stored (encrypted, for this seller and region) with its profiles
        assert created.status_code == 201, created.text
        body = created.json()
        assert (body["seller_id"], body["region"]) == (seller.seller_id, region)
        assert {p["marketplace_id"] for p in body["profiles"]} == {
            m for m, r in zip(seller.marketplace_ids, regions, strict=True) if r == region
        }
        stored = wiring.credential_vault().ads_refresh_token(seller.seller_id, region).get_secret_value()
        assert stored == seller.ads_refresh_tokens[region]
        # And the same callback again is refused (single-use state)
        replay = httpx.post(
            f"{base}/callback",
            headers=auth,
            json={"state": params["state"], "code": params["code"]},
            timeout=60,
        )
        assert (replay.status_code, replay.json()["error"]) == (403, "invalid_state")
    connection = api_get(stack, f"/sellers/{seller.seller_id}/connection", token).json()
    assert connection["ads"]["status"] == "connected"
    assert connection["ads"]["connected_at"] is not None
    assert connection["ads"]["regions"] == ["NA", "EU", "FE"]

    # And the next seller-sync stores the Sponsored Products campaign days of every region
    [report] = stack.run_sync()
    assert report.status == "SUCCEEDED"
    today = stack.world.now.date()
    first, last = today - timedelta(days=28), today - timedelta(days=1)
    facts = ads_store().for_marketplaces(seller.seller_id, seller.marketplace_ids, first, last)
    assert facts
    assert {f.marketplace_id for f in facts} == set(seller.marketplace_ids)
    for marketplace_id in seller.marketplace_ids:
        truth = stack.world.ad_days(seller.seller_id, marketplace_id, first, last)
        assert {f.campaign_id for f in facts if f.marketplace_id == marketplace_id} == {
            t.campaign_id for t in truth
        }


def _allow_on_amazon(
    stack: LocalStack, base: str, auth: dict[str, str], region: str, seller_id: str
) -> dict[str, str]:
    """The owner's browser: the region's authorize page, Allow as the seller, back on the callback page."""
    started = httpx.get(base, params={"region": region}, headers=auth, timeout=30)
    assert started.status_code == 302, started.text
    authorize_url = started.headers["location"]
    assert authorize_url.startswith(stack.simulator.ads_authorize_url_of(region) + "?")
    page = httpx.get(authorize_url, timeout=30)
    assert page.status_code == 200
    form = AuthorizeForm()
    form.feed(page.text)
    answer = httpx.post(
        stack.simulator.url + form.action,
        data=form.fields | {"seller": seller_id, "decision": "allow"},
        timeout=30,
    )
    assert answer.status_code == 302
    landing = answer.headers["location"]
    assert stack.gateway is not None
    assert landing.startswith(f"{stack.gateway.url}/connect-ads-callback.html?")
    assert httpx.get(landing, timeout=30).status_code == 200  # the web app's static callback page
    return {k: v[0] for k, v in parse_qs(urlsplit(landing).query).items()}
