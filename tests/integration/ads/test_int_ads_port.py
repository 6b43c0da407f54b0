"""The Ads port against the simulator over HTTP: profiles, create/poll/download, 425 reuse,
429 with Retry-After, and the refusal of a token without the advertising scope."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import SecretStr

from sellerflow.ads.client import AdsClient
from sellerflow.amazon.ads import SpCampaignsRequest
from sellerflow.errors import AdsAccessDenied, AdsServerError, AdsThrottled
from sellerflow.facts import RowError
from sellerflow.reports.ads_campaigns import parse_sp_campaigns
from sellerflow.spapi.lwa import AppCredentials, LwaClient
from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld
from sellerflow_dev.simulator.ads_api import region_of


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = SimServer(SimWorld.generate(sellers=1, seed=7), SimConfig(report_processing_s=0.2))
    server.start()
    yield server
    server.stop()


def _client(sim: SimServer, token: str, **kwargs: object) -> AdsClient:
    class App:
        def app_credentials(self) -> AppCredentials:
            return AppCredentials(
                client_id=sim.world.client_id, client_secret=SecretStr(sim.world.client_secret)
            )

    class Vault:
        def ads_refresh_token(self, seller_id: str, region: str = "NA") -> SecretStr:
            return SecretStr(token)

    http = httpx.Client(timeout=10)
    return AdsClient(
        endpoint=sim.api_endpoint, client_id=sim.world.client_id, lwa=LwaClient(sim.lwa_endpoint, App(), http),
        refresh_tokens=Vault(), http=http, **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


def test_profiles_create_poll_download_and_425_reuse(sim: SimServer) -> None:
    seller = sim.world.sellers[0]
    client = _client(sim, seller.ads_refresh_token)
    profiles = client.list_profiles(seller.seller_id)  # the NA host: the seller's NA profiles only
    assert {p.marketplace_id for p in profiles} == {m for m in seller.marketplace_ids if region_of(m) == "NA"}
    profile = profiles[0]
    today = sim.world.now.astimezone(ZoneInfo(profile.timezone)).date()
    request = SpCampaignsRequest(name="t", start=today - timedelta(days=10), end=today - timedelta(days=1))
    report_id, reused = client.create_report(seller.seller_id, str(profile.profile_id), request)
    assert not reused
    again, reused = client.create_report(seller.seller_id, str(profile.profile_id), request)
    assert (again, reused) == (report_id, True)
    assert sim.ads.created_count(seller.seller_id) == 1
    deadline = time.monotonic() + 5
    status = client.get_report(seller.seller_id, str(profile.profile_id), report_id)
    while status.status != "COMPLETED" and time.monotonic() < deadline:
        time.sleep(0.05)
        status = client.get_report(seller.seller_id, str(profile.profile_id), report_id)
    assert status.status == "COMPLETED"
    assert status.url
    errors: list[RowError] = []
    facts = list(
        parse_sp_campaigns(
            client.download(status.url), seller_id=seller.seller_id, marketplace_id=profile.marketplace_id,
            profile_id=str(profile.profile_id), currency=profile.currency_code, errors=errors,
        )
    )  # fmt: skip
    truth = sim.world.ad_days(seller.seller_id, profile.marketplace_id, request.start, request.end)
    assert not errors
    assert [(f.day, f.campaign_id, f.cost, f.sales_14d) for f in facts] == [
        (t.day, t.campaign_id, t.cost, t.sales_14d) for t in truth
    ]


def test_429_carries_retry_after_and_a_spapi_token_is_refused(sim: SimServer) -> None:
    seller = sim.world.sellers[0]
    sim.update_config({"burst_override": 1, "rate_scale": 0.001})
    client = _client(sim, seller.ads_refresh_token, max_attempts=1)
    client.list_profiles(seller.seller_id)
    with pytest.raises(AdsThrottled) as raised:
        client.list_profiles(seller.seller_id)
    assert raised.value.retry_after_s >= 1
    sim.update_config({"burst_override": None, "rate_scale": 1.0})
    with pytest.raises(AdsAccessDenied):
        _client(sim, seller.refresh_token).list_profiles(seller.seller_id)


def test_an_lwa_outage_is_an_ads_server_error_the_ads_tasks_retry(sim: SimServer) -> None:
    # Given LWA down (503) when the Ads client needs a token
    seller = sim.world.sellers[0]
    sim.update_config({"lwa_fault_rate": 1.0})
    client = _client(sim, seller.ads_refresh_token, max_attempts=1)
    # Then the error is the Ads port's server error (in the Ads tasks' Retry), not the SP-API's (in
    # none of them: an LWA outage used to drop the Ads part of the run)
    with pytest.raises(AdsServerError) as raised:
        client.list_profiles(seller.seller_id)
    assert raised.value.status == 503
    # And once LWA is back the same client works
    sim.update_config({"lwa_fault_rate": 0.0})
    assert client.list_profiles(seller.seller_id)
