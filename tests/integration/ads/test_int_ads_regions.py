"""Amazon Ads' three regional hosts against the simulator over HTTP: a US + Japan seller's profiles
come from two hosts, each with its own grant and LWA endpoint, a report is created, polled and
downloaded on each, and a token or profile of another region is refused as Amazon refuses it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import SecretStr

from sellerflow.ads.client import AdsClient, RegionalAdsClient
from sellerflow.amazon.ads import ADS_REGIONS, AdsRegion, SpCampaignsRequest
from sellerflow.errors import AdsAccessDenied, CredentialsMissing
from sellerflow.facts import RowError
from sellerflow.reports.ads_campaigns import parse_sp_campaigns
from sellerflow.spapi.lwa import AppCredentials, LwaClient
from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld

US, JP = "ATVPDKIKX0DER", "A1VC38T7YXB528"


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = SimServer(SimWorld.generate(sellers=1, seed=7), SimConfig(report_processing_s=0.2))
    server.start()
    yield server
    server.stop()


class _Grants:
    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = tokens

    def ads_refresh_token(self, seller_id: str, region: AdsRegion = "NA") -> SecretStr:
        if region not in self.tokens:
            raise CredentialsMissing(f"no {region} grant")
        return SecretStr(self.tokens[region])


def _regional(
    sim: SimServer, tokens: dict[str, str], *, lwa_of: dict[str, str] | None = None
) -> RegionalAdsClient:
    class App:
        def app_credentials(self) -> AppCredentials:
            return AppCredentials(
                client_id=sim.world.client_id, client_secret=SecretStr(sim.world.client_secret)
            )

    http = httpx.Client(timeout=10)
    grants = _Grants(tokens)
    return RegionalAdsClient(
        {
            region: AdsClient(
                endpoint=sim.ads_endpoint(region), client_id=sim.world.client_id,
                lwa=LwaClient((lwa_of or {}).get(region) or sim.ads_lwa_endpoint(region), App(), http),
                refresh_tokens=grants, http=http, region=region, max_attempts=1,
            )
            for region in ADS_REGIONS
        }
    )  # fmt: skip


def test_a_us_and_japan_seller_gets_profiles_and_reports_from_each_regions_host(sim: SimServer) -> None:
    seller = sim.world.sellers[0]
    assert {US, JP} <= set(seller.marketplace_ids)
    client = _regional(sim, seller.ads_refresh_tokens)
    na, fe = client.list_profiles(seller.seller_id, "NA"), client.list_profiles(seller.seller_id, "FE")
    assert [p.marketplace_id for p in na] == [US]
    assert [(p.marketplace_id, p.country_code, p.region) for p in fe] == [(JP, "JP", "FE")]
    for region, profile in (("NA", na[0]), ("FE", fe[0])):
        today = sim.world.now.astimezone(ZoneInfo(profile.timezone)).date()
        request = SpCampaignsRequest(name="t", start=today - timedelta(days=6), end=today - timedelta(days=1))
        pid = str(profile.profile_id)
        report_id, reused = client.create_report(seller.seller_id, region, pid, request)
        assert not reused
        deadline = time.monotonic() + 5
        status = client.get_report(seller.seller_id, region, pid, report_id)
        while status.status != "COMPLETED" and time.monotonic() < deadline:
            time.sleep(0.05)
            status = client.get_report(seller.seller_id, region, pid, report_id)
        assert status.url
        errors: list[RowError] = []
        facts = list(
            parse_sp_campaigns(
                client.download(status.url), seller_id=seller.seller_id, marketplace_id=profile.marketplace_id,
                profile_id=pid, currency=profile.currency_code, errors=errors,
            )
        )  # fmt: skip
        truth = sim.world.ad_days(seller.seller_id, profile.marketplace_id, request.start, request.end)
        assert not errors
        assert [(f.day, f.campaign_id, f.cost) for f in facts] == [
            (t.day, t.campaign_id, t.cost) for t in truth
        ]
        assert facts


def test_a_profile_or_grant_of_another_region_is_refused_like_amazon_does(sim: SimServer) -> None:
    seller = sim.world.sellers[0]
    tokens = seller.ads_refresh_tokens
    client = _regional(sim, tokens)
    [jp] = client.list_profiles(seller.seller_id, "FE")
    # the Japanese profile asked on the NA host (with the NA grant): not an advertiser it can reach
    with pytest.raises(AdsAccessDenied, match=r"NA host.*401"):
        client.get_report(seller.seller_id, "NA", str(jp.profile_id), "any")
    # the NA grant used on the FE host: its access token is refused there
    crossed = _regional(sim, {"FE": tokens["NA"]}, lwa_of={"FE": sim.ads_lwa_endpoint("NA")})
    with pytest.raises(AdsAccessDenied, match=r"FE host.*401"):
        crossed.list_profiles(seller.seller_id, "FE")
    # the FE grant refreshed at NA's LWA endpoint: invalid_grant
    wrong_lwa = _regional(sim, {"FE": tokens["FE"]}, lwa_of={"FE": sim.ads_lwa_endpoint("NA")})
    with pytest.raises(AdsAccessDenied, match="invalid_grant"):
        wrong_lwa.list_profiles(seller.seller_id, "FE")
    # the EU host lists only Germany (the seller's EU marketplace), never the NA or FE profiles
    assert {p.region for p in client.list_profiles(seller.seller_id, "EU")} == {"EU"}
