"""The Ads API payload subsets Sellerflow reads and sends (pydantic at the port's boundary)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    marketplace_string_id: str = Field(alias="marketplaceStringId")
    id: str
    type: str


class AdsProfile(BaseModel):
    """A `GET /v2/profiles` entry: one advertiser account in one marketplace."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    profile_id: int = Field(alias="profileId")
    country_code: str = Field(alias="countryCode")
    currency_code: str = Field(alias="currencyCode")
    timezone: str
    account_info: AccountInfo = Field(alias="accountInfo")

    @property
    def marketplace_id(self) -> str:
        return self.account_info.marketplace_string_id


class AdsReportStatus(BaseModel):
    """A v3 report as `GET /reporting/reports/{reportId}` describes it (the URL is short-lived)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    report_id: str = Field(alias="reportId")
    status: Literal["PENDING", "PROCESSING", "COMPLETED", "FAILED"]
    url: str | None = None
    url_expires_at: str | None = Field(default=None, alias="urlExpiresAt")
    failure_reason: str | None = Field(default=None, alias="failureReason")


class SpCampaignsRequest(BaseModel):
    """A v3 createReport body: Sponsored Products campaigns by day, gzipped JSON."""

    model_config = ConfigDict(frozen=True, extra="forbid")

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
