"""The connect flow's boundary models: API request and responses."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sellerflow.connect.status import ConnectionStatus

SELLING_PARTNER_ID = r"^[A-Z0-9]{8,20}$"


class _Model(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class ConnectStartOut(_Model):
    """`GET /connect/amazon`: where to send the browser, and until when that link works."""

    authorize_url: str
    expires_at: datetime


class ConnectCallbackIn(_Model):
    """`POST /connect/amazon/callback`: what Amazon put on the redirect_uri's query string."""

    state: str = Field(min_length=1, max_length=512)
    selling_partner_id: str = Field(pattern=SELLING_PARTNER_ID)
    spapi_oauth_code: str = Field(min_length=1, max_length=512)


class SyncExecutionOut(_Model):
    execution_name: str
    status: Literal["started", "already_running"]


class ConnectCallbackOut(_Model):
    seller_id: str
    name: str
    marketplace_ids: list[str]
    status: ConnectionStatus
    reconnected: bool
    authorized_at: datetime
    expires_at: datetime
    sync_execution: SyncExecutionOut


class AdsConnectionOut(_Model):
    """The seller's Amazon Ads grant, as `GET /sellers/{sellerId}/connection` shows it."""

    status: Literal["connected", "not_connected"]
    connected_at: datetime | None = None
    regions: list[str] = []  # the Amazon Ads regions granted (NA, EU, FE): each is granted on its own


class ConnectionOut(_Model):
    """`GET /sellers/{sellerId}/connection`."""

    status: ConnectionStatus
    authorized_at: datetime | None
    expires_at: datetime | None
    days_left: int | None
    last_sync_at: datetime | None
    last_outcome: str | None
    consecutive_failures: int
    ads: AdsConnectionOut = AdsConnectionOut(status="not_connected")


class AdsCallbackIn(_Model):
    """`POST /sellers/{sellerId}/connect/amazon-ads/callback`: what LWA put on the redirect_uri."""

    state: str = Field(min_length=1, max_length=512)
    code: str = Field(min_length=1, max_length=512)


class AdsProfileOut(_Model):
    profile_id: str
    marketplace_id: str
    country_code: str


class AdsConnectOut(_Model):
    """The seller's advertising profiles the new grant reaches (in the seller's marketplaces of the
    grant's Amazon Ads region: NA, EU or FE; each region is granted on its own)."""

    seller_id: str
    region: str
    profiles: list[AdsProfileOut]
