"""The Ads API payload subsets Sellerflow reads and sends (pydantic at the port's boundary)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sellerflow.errors import AdsWrongRegion
from sellerflow.marketplaces import MARKETPLACES

# The Amazon Ads API has three regional hosts (NA advertising-api.amazon.com, EU advertising-api-eu,
# FE advertising-api-fe); each serves only its own marketplaces' profiles, and an authorization grant
# (refresh token) is given in one region and reaches only that region's host.
AdsRegion = Literal["NA", "EU", "FE"]
ADS_REGIONS: tuple[AdsRegion, ...] = ("NA", "EU", "FE")
# Profile country codes as the Ads API spells them (the United Kingdom is "UK", not "GB").
_REGION_OF_COUNTRY: dict[str, AdsRegion] = {
    **dict.fromkeys(("US", "CA", "MX", "BR"), "NA"),
    **dict.fromkeys(
        ("UK", "GB", "DE", "FR", "IT", "ES", "NL", "SE", "PL", "BE", "TR", "AE", "SA", "EG", "IN", "IE"),
        "EU",
    ),
    **dict.fromkeys(("JP", "AU", "SG"), "FE"),
}


def ads_region_of_country(country_code: str) -> AdsRegion:
    """The Ads region whose host serves profiles of `country_code`; AdsWrongRegion when none does."""
    try:
        return _REGION_OF_COUNTRY[country_code.strip().upper()]
    except KeyError:
        raise AdsWrongRegion(f"no Amazon Ads region serves country code {country_code[:8]!r}") from None


def ads_region_of_marketplace(marketplace_id: str) -> AdsRegion:
    market = MARKETPLACES.get(marketplace_id)
    if market is None:
        raise AdsWrongRegion(f"no Amazon Ads region is known for marketplace {marketplace_id[:20]!r}")
    return ads_region_of_country(market.country_code)


def ads_regions_of(marketplace_ids: Iterable[str]) -> list[AdsRegion]:
    """The Ads regions of the known marketplaces among `marketplace_ids`, in ADS_REGIONS order."""
    found = {ads_region_or_none(m) for m in marketplace_ids}
    return [region for region in ADS_REGIONS if region in found]


SP_CAMPAIGN_COLUMNS = (
    "date",
    "campaignId",
    "campaignName",
    "impressions",
    "clicks",
    "cost",
    "purchases7d",
    "purchases14d",
    "sales7d",
    "sales14d",
)

# spAdvertisedProduct (groupBy advertiser): one row per ad (= advertised SKU) per campaign per day
SP_ADVERTISED_PRODUCT_COLUMNS = (
    "date",
    "campaignId",
    "adGroupId",
    "adId",
    "advertisedSku",
    "advertisedAsin",
    "impressions",
    "clicks",
    "cost",
    "sales14d",
)


class AccountInfo(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", populate_by_name=True)

    marketplace_string_id: str = Field(alias="marketplaceStringId")
    id: str
    type: str


class AdsProfile(BaseModel):
    """A `GET /v2/profiles` entry: one advertiser account in one marketplace."""

    model_config = ConfigDict(defer_build=True, extra="ignore", populate_by_name=True)

    profile_id: int = Field(alias="profileId")
    country_code: str = Field(alias="countryCode")
    currency_code: str = Field(alias="currencyCode")
    timezone: str
    account_info: AccountInfo = Field(alias="accountInfo")

    @property
    def marketplace_id(self) -> str:
        return self.account_info.marketplace_string_id

    @property
    def region(self) -> AdsRegion:
        """The region whose host serves this profile (from its country code)."""
        return ads_region_of_country(self.country_code)


def split_by_host(
    region: AdsRegion, profiles: Iterable[AdsProfile]
) -> tuple[list[AdsProfile], list[AdsProfile]]:
    """(the profiles `region`'s host serves, the ones it listed for another region's country): a
    profile is only ever asked on its own host, so the second list is refused by the callers."""
    served: list[AdsProfile] = []
    foreign: list[AdsProfile] = []
    for profile in profiles:
        (
            served if _REGION_OF_COUNTRY.get(profile.country_code.strip().upper()) == region else foreign
        ).append(profile)
    return served, foreign


def ads_region_or_none(marketplace_id: str) -> AdsRegion | None:
    market = MARKETPLACES.get(marketplace_id)
    return None if market is None else _REGION_OF_COUNTRY.get(market.country_code)


class AdsReportStatus(BaseModel):
    """A v3 report as `GET /reporting/reports/{reportId}` describes it (the URL is short-lived)."""

    model_config = ConfigDict(defer_build=True, extra="ignore", populate_by_name=True)

    report_id: str = Field(alias="reportId")
    status: Literal["PENDING", "PROCESSING", "COMPLETED", "FAILED"]
    url: str | None = None
    url_expires_at: str | None = Field(default=None, alias="urlExpiresAt")
    failure_reason: str | None = Field(default=None, alias="failureReason")


class SpCampaignsRequest(BaseModel):
    """A v3 createReport body: Sponsored Products campaigns by day, gzipped JSON."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    name: str
    start: date
    end: date
    columns: tuple[str, ...] = SP_CAMPAIGN_COLUMNS

    def body(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "startDate": self.start.isoformat(),
            "endDate": self.end.isoformat(),
            "configuration": {
                "adProduct": "SPONSORED_PRODUCTS",
                "groupBy": ["campaign"],
                "columns": list(self.columns),
                "reportTypeId": "spCampaigns",
                "timeUnit": "DAILY",
                "format": "GZIP_JSON",
            },
        }


class SpAdvertisedProductRequest(SpCampaignsRequest):
    """A v3 createReport body: Sponsored Products advertised products (the SKU of each ad) by day."""

    columns: tuple[str, ...] = SP_ADVERTISED_PRODUCT_COLUMNS

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["configuration"].update(groupBy=["advertiser"], reportTypeId="spAdvertisedProduct")
        return body
