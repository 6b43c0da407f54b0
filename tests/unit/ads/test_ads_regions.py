"""Amazon Ads regions: which host serves a marketplace or a profile country, the regional port that
sends each call to its region's host with that region's grant, and the plan that lists profiles per
region and refuses a profile a host lists for another region."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from sellerflow.ads.client import AdsClient, RegionalAdsClient
from sellerflow.amazon.ads import (
    AdsProfile,
    AdsRegion,
    AdsReportStatus,
    SpCampaignsRequest,
    ads_region_of_country,
    ads_region_of_marketplace,
    ads_regions_of,
    split_by_host,
)
from sellerflow.domain import ReportState
from sellerflow.errors import AdsWrongRegion, ConfigurationError, CredentialsMissing
from sellerflow.spapi.lwa import AppCredentials, LwaClient
from sellerflow.sync.ads import AdsJob, AdsPolicy, plan_ads_reports, request_ads_report

SELLER = "A1REGIONS0001"
US, CA, GB, DE, FR, JP = (
    "ATVPDKIKX0DER",
    "A2EUQ1WTGCTBG2",
    "A1F83G8C2ARO7P",
    "A1PA6795UKMFR9",
    "A13V1IB3VIYZZH",
    "A1VC38T7YXB528",
)
NOW = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
COUNTRY = {US: "US", CA: "CA", GB: "UK", DE: "DE", FR: "FR", JP: "JP"}


def profile(marketplace_id: str, pid: int, country: str | None = None) -> AdsProfile:
    return AdsProfile.model_validate(
        {
            "profileId": pid,
            "countryCode": country or COUNTRY[marketplace_id],
            "currencyCode": "USD",
            "timezone": "America/Los_Angeles",
            "accountInfo": {"marketplaceStringId": marketplace_id, "id": SELLER, "type": "seller"},
        }
    )


# --- host resolution ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("marketplace_id", "region"), [(US, "NA"), (CA, "NA"), (GB, "EU"), (DE, "EU"), (FR, "EU"), (JP, "FE")]
)
def test_each_marketplace_is_served_by_its_regions_host(marketplace_id: str, region: str) -> None:
    assert ads_region_of_marketplace(marketplace_id) == region


@pytest.mark.parametrize(
    ("country", "region"),
    [("US", "NA"), ("MX", "NA"), ("BR", "NA"), ("UK", "EU"), ("GB", "EU"), ("de", "EU"), ("IN", "EU"),
     ("AE", "EU"), ("JP", "FE"), ("AU", "FE"), ("SG", "FE")],
)  # fmt: skip
def test_a_profiles_country_code_names_its_host_as_the_ads_api_spells_it(country: str, region: str) -> None:
    assert ads_region_of_country(country) == region
    assert profile(US, 1, country=country).region == region


def test_an_unknown_country_or_marketplace_has_no_host_and_says_so() -> None:
    with pytest.raises(AdsWrongRegion, match="country code 'XX'"):
        ads_region_of_country("XX")
    with pytest.raises(AdsWrongRegion, match="marketplace"):
        ads_region_of_marketplace("UNKNOWNMKT")
    # the seller's regions skip a marketplace Sellerflow does not know, in NA, EU, FE order
    assert ads_regions_of([JP, "UNKNOWNMKT", US, DE]) == ["NA", "EU", "FE"]
    assert ads_regions_of([JP, US]) == ["NA", "FE"]


def test_a_host_listing_another_regions_profile_is_split_out() -> None:
    us, jp, odd = profile(US, 1), profile(JP, 2), profile(US, 3, country="XX")
    assert split_by_host("NA", [us, jp, odd]) == ([us], [jp, odd])
    assert split_by_host("FE", [us, jp]) == ([jp], [us])


# --- the regional port ----------------------------------------------------------------------------
class _App:
    def app_credentials(self) -> AppCredentials:
        return AppCredentials(client_id="amzn1.application-oa2-client.x", client_secret=SecretStr("s"))


@dataclass
class _Vault:
    grants: dict[str, str] = field(default_factory=lambda: {"NA": "Atzr|na", "FE": "Atzr|fe"})

    def ads_refresh_token(self, seller_id: str, region: AdsRegion = "NA") -> SecretStr:
        if region not in self.grants:
            raise CredentialsMissing(f"no {region} grant")
        return SecretStr(self.grants[region])


HOSTS = {"NA": "ads-na.example", "EU": "ads-eu.example", "FE": "ads-fe.example"}
LWA = {"NA": "lwa-na.example", "EU": "lwa-eu.example", "FE": "lwa-fe.example"}
REQUEST = SpCampaignsRequest(name="n", start=datetime(2026, 11, 1).date(), end=datetime(2026, 11, 2).date())


def _regional(seen: list[tuple[str, str, str]], vault: _Vault | None = None) -> RegionalAdsClient:
    """Each LWA host hands out `<region>:<refresh token>`; each Ads host records what it was sent."""

    def handler(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host.startswith("lwa-"):
            refresh = dict(httpx.QueryParams(request.content.decode()))["refresh_token"]
            return httpx.Response(200, json={"access_token": f"{host}:{refresh}", "expires_in": 3600})
        seen.append((host, request.url.path, request.headers["Authorization"]))
        if request.url.path == "/v2/profiles":
            return httpx.Response(200, json=[])
        if request.method == "POST":
            return httpx.Response(200, json={"reportId": "r1"})
        return httpx.Response(200, json={"reportId": "r1", "status": "PENDING"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    tokens = vault or _Vault()
    return RegionalAdsClient(
        {
            region: AdsClient(
                endpoint=f"https://{HOSTS[region]}", client_id="amzn1.application-oa2-client.x",
                lwa=LwaClient(f"https://{LWA[region]}/auth/o2/token", _App(), http), refresh_tokens=tokens,
                http=http, region=region,
            )
            for region in ("NA", "EU", "FE")
        }
    )  # fmt: skip


def test_every_call_goes_to_its_regions_host_with_that_regions_grant_and_lwa_endpoint() -> None:
    seen: list[tuple[str, str, str]] = []
    client = _regional(seen)
    client.list_profiles(SELLER, "FE")
    client.create_report(SELLER, "FE", "77", REQUEST)
    client.get_report(SELLER, "NA", "11", "r1")
    assert seen == [
        ("ads-fe.example", "/v2/profiles", "Bearer lwa-fe.example:Atzr|fe"),
        ("ads-fe.example", "/reporting/reports", "Bearer lwa-fe.example:Atzr|fe"),
        ("ads-na.example", "/reporting/reports/r1", "Bearer lwa-na.example:Atzr|na"),
    ]
    # a region the seller never granted is CredentialsMissing, not another region's token
    with pytest.raises(CredentialsMissing):
        client.list_profiles(SELLER, "EU")


def test_a_regional_client_refuses_a_missing_or_misfiled_region() -> None:
    http = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(500)))
    na = AdsClient(
        endpoint="https://ads-na.example", client_id="x", lwa=LwaClient("https://lwa", _App(), http),
        refresh_tokens=_Vault(), http=http, region="NA",
    )  # fmt: skip
    with pytest.raises(ConfigurationError, match="configured for NA"):
        RegionalAdsClient({"FE": na})
    with pytest.raises(ConfigurationError, match="region EU"):
        RegionalAdsClient({"NA": na}).list_profiles(SELLER, "EU")


# --- the plan -------------------------------------------------------------------------------------
@dataclass
class _Book:
    states: dict[str, ReportState] = field(default_factory=dict)

    def get(self, seller_id: str, key: str) -> ReportState | None:
        return self.states.get(key)

    def all(self, seller_id: str, prefix: str = "REPORT#") -> list[ReportState]:
        return [s for k, s in self.states.items() if k.startswith(prefix)]

    def requested(self, seller_id: str, key: str, **values: Any) -> None:
        self.states[key] = ReportState(key=key, report_type=values["report_type"], status=values["status"])


@dataclass
class _Api:
    """Per region what its host lists; regions without a grant raise CredentialsMissing."""

    listed: dict[str, list[AdsProfile]]
    asked: list[str] = field(default_factory=list)
    created: list[tuple[str, str]] = field(default_factory=list)

    def list_profiles(self, seller_id: str, region: AdsRegion) -> list[AdsProfile]:
        self.asked.append(region)
        if region not in self.listed:
            raise CredentialsMissing(f"no {region} grant")
        return self.listed[region]

    def create_report(
        self, seller_id: str, region: AdsRegion, profile_id: str, request: SpCampaignsRequest
    ) -> tuple[str, bool]:
        self.created.append((region, profile_id))
        return f"rep-{profile_id}", False

    def get_report(
        self, seller_id: str, region: AdsRegion, profile_id: str, report_id: str
    ) -> AdsReportStatus:
        raise AssertionError("not polled here")

    def download(self, url: str, *, chunk_size: int = 0) -> Any:
        raise AssertionError("not downloaded here")


def test_a_us_and_japan_seller_gets_both_profiles_each_planned_for_its_own_host() -> None:
    api = _Api({"NA": [profile(US, 11)], "FE": [profile(JP, 13)]})
    plan = plan_ads_reports(SELLER, [US, JP], api=api, book=_Book(), now=NOW, policy=AdsPolicy())
    assert api.asked == ["NA", "FE"]  # only the seller's regions, each on its own host
    assert plan.regions == ["NA", "FE"]
    # one report of each kind (spCampaigns, spAdvertisedProduct) per profile, each on its own host
    assert [(j.marketplace_id, j.region) for j in plan.jobs] == [(US, "NA")] * 2 + [(JP, "FE")] * 2
    book = _Book()
    for job in plan.jobs:
        request_ads_report(job, api=api, book=book, now=NOW, policy=AdsPolicy())
    assert api.created == [("NA", "11")] * 2 + [("FE", "13")] * 2


def test_a_profile_listed_on_the_wrong_host_is_refused_and_a_region_without_grant_is_skipped() -> None:
    # the NA host (wrongly) lists the Japanese profile; the EU grant was never given
    api = _Api({"NA": [profile(US, 11), profile(JP, 13)]})
    plan = plan_ads_reports(SELLER, [US, DE, JP], api=api, book=_Book(), now=NOW, policy=AdsPolicy())
    assert api.asked == ["NA", "EU", "FE"]
    assert plan.connected
    assert plan.regions == ["NA"]
    assert [(j.profile_id, j.region) for j in plan.jobs] == [("11", "NA")] * 2  # one of each report kind
    # no grant in any of the seller's regions: not connected
    nothing = plan_ads_reports(SELLER, [DE], api=_Api({}), book=_Book(), now=NOW, policy=AdsPolicy())
    assert (nothing.connected, nothing.jobs) == (False, [])


def test_a_job_from_before_regions_takes_its_marketplaces_region() -> None:
    old = {"seller_id": SELLER, "key": "ADSREPORT#13#x", "profile_id": "13", "marketplace_id": JP,
           "start": "2026-11-01", "end": "2026-11-02"}  # fmt: skip
    assert AdsJob.model_validate(old).region == "FE"
    assert AdsJob.model_validate({**old, "region": "FE"}).region == "FE"
