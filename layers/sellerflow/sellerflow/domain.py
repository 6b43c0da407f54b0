"""Sellerflow's own types: what the business rules and the API speak (never a stored item as it is)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class SellerStatus(enum.StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    DISCONNECTED = "disconnected"
    ERASING = "erasing"  # the erase-seller workflow is deleting everything of this seller
    LAPSED = "lapsed"  # the year-long SP-API authorization ran out; reconnecting re-activates


class Role(enum.StrEnum):
    OWNER = "owner"
    ANALYST = "analyst"
    SUPPORT = "support"


class OrderLine(_Frozen):
    order_item_id: str
    asin: str | None = None
    seller_sku: str | None = None
    title: str | None = None
    quantity_ordered: int
    quantity_shipped: int = 0
    unit_price: Decimal | None = None
    item_price: Decimal | None = None
    shipping_price: Decimal | None = None
    promotion_discount: Decimal | None = None
    proceeds_total: Decimal | None = None
    promotion_ids: tuple[str, ...] = ()


class Order(_Frozen):
    """An order as Sellerflow keeps it: everything a seller's analytics need, no buyer PII."""

    seller_id: str
    order_id: str
    marketplace_id: str
    created_time: datetime
    last_updated_time: datetime
    local_date: date  # the marketplace's calendar day of the purchase
    status: str
    fulfilled_by: str | None = None
    fulfillment_service_level: str | None = None
    ship_by: datetime | None = None  # fulfillment.shipByWindow.latestDateTime (merchant-fulfilled orders)
    # fulfillment.deliverByWindow.latestDateTime: Amazon's latest promised delivery (review requests)
    deliver_by: datetime | None = None
    currency: str | None = None
    order_total: Decimal | None = None
    programs: tuple[str, ...] = ()
    lines: tuple[OrderLine, ...] = Field(default=())


class SellerProfile(_Frozen):
    seller_id: str
    name: str
    status: SellerStatus
    marketplace_ids: tuple[str, ...]
    status_reason: str | None = None
    home_currency: str | None = None  # the currency of the one total (None: the main marketplace's)


class Membership(_Frozen):
    seller_id: str
    user_sub: str
    role: Role
    # An admin's time-limited break-glass access (not a membership): read-only, audited as such.
    break_glass: bool = False


class SyncRun(_Frozen):
    """The orders query a sync run is paging through (kept between pages, not in Step Functions)."""

    run_id: str
    updated_after: datetime
    updated_before: datetime
    pages: int = 0
    orders: int = 0
    # The token of the next page not yet stored: a run whose workflow vanished resumes from it.
    next_token: str | None = None


class SyncState(_Frozen):
    seller_id: str
    watermark: datetime | None = None
    run: SyncRun | None = None
    last_outcome: str | None = None
    last_error: str | None = None
    last_run_at: datetime | None = None
    consecutive_failures: int = 0


class SyncRoute(_Frozen):
    """The routing half of a seller's sync state (the `SYNC#route` item, `sellerflow.sync.routing`)."""

    seller_id: str
    claimed_window: str | None = None  # the last window a start claimed (seller + window: one run)
    reports_run_at: datetime | None = None  # when the last Standard run (the one with reports) finished
    reports_pending: bool = False  # that run planned reports: its polls or the backfill may go on


class ReportCarry(_Frozen):
    """The reports an hourly (Express) seller-sync carries to its next run instead of waiting for them
    (the REPORTCARRY item, `sellerflow.sync.carry`): when they were last planned, and the jobs still
    to ask for, to check or to ingest, as JSON that `sellerflow.sync.carry` reads and writes."""

    seller_id: str
    planned_at: datetime | None = None
    body: str = "{}"


class ReportState(_Frozen):
    """What Sellerflow knows about one report request (or one listed settlement document)."""

    key: str
    report_type: str
    marketplace_id: str | None = None
    report_id: str | None = None
    status: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    requested_at: datetime | None = None
    document_id: str | None = None
    ingested_at: datetime | None = None
    cooldown_until: datetime | None = None
    rows: int = 0
    rejected: int = 0
    errors: tuple[str, ...] = ()
    undecodable: int = 0  # rejected rows whose bytes were not valid in `encoding` (a wrong charset)
    encoding: str | None = None


class QuotaSlot(_Frozen):
    """An application-wide quota's last slot granted and its UTC day's count (`sellerflow.sync.quota`)."""

    last_granted: datetime | None = None
    day: str | None = None  # YYYY-MM-DD (UTC) that day_count counts
    day_count: int = 0


class QuotaWaiting(_Frozen):
    """A seller in line for an application-wide quota slot (see `sellerflow.sync.quota`)."""

    seller_id: str
    wanted_since: datetime | None = None  # None: not waiting (withdrew or was served)
    asked_at: datetime | None = None  # the latest wish: a seller whose sync stopped asking goes stale
    last_served: datetime | None = None  # None: never served


class SellerConnection(_Frozen):
    """The seller's Amazon authorization as Sellerflow knows it (see `sellerflow.connect`).

    `authorization_expires_at` is None for sellers connected before authorizations were dated."""

    seller_id: str
    status: SellerStatus
    authorized_at: datetime | None = None
    authorization_expires_at: datetime | None = None
    sync_every_minutes: int | None = None


class AdsAuthorization(_Frozen):
    """The seller's Amazon Ads grant (a separate LWA authorization of the advertising scope):
    `connected` while a refresh token of any Amazon Ads region is stored, `regions` the regions
    (NA, EU, FE) granted; `connected_at` when an owner last granted one (None for grants stored
    before that was recorded)."""

    seller_id: str
    connected: bool
    connected_at: datetime | None = None
    regions: tuple[str, ...] = ()


class ScheduledSeller(_Frozen):
    """An active seller as the fanout sees it: its sync cadence and when its authorization ends."""

    seller_id: str
    sync_every_minutes: int | None = None  # None: every schedule tick
    authorization_expires_at: datetime | None = None
