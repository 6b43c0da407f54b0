"""The advertising routes (Amazon Ads): campaigns and the daily series, ANALYTICS_READ.

    GET /sellers/{sellerId}/ads/campaigns?from=&to=&marketplace=   campaigns with sums and metrics
    GET /sellers/{sellerId}/ads/daily?from=&to=&marketplace=       the daily ads series (one currency)

Thin like the other routes: authenticate, `access.require(..., ANALYTICS_READ)`, parse the query,
call the ads port (`AdsService`), audit the read, shape the response. Dates are marketplace-local
days; without `from`/`to` the last 30 days up to the marketplace's today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from chalice.app import Blueprint, Response

from sellerflow.analytics.ads import AdsDay, AdTotals, CampaignSummary
from sellerflow.api import models_analytics as am
from sellerflow.api.context import ApiContext, json_response
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.api.models import ResponseModel, decimal_text
from sellerflow.api.routes_analytics import seller_marketplaces
from sellerflow.calendar import local_today
from sellerflow.errors import InvalidInput
from sellerflow.members.permissions import Permission

DEFAULT_DAYS = 30
ADS_QUERY = ("from", "to", "marketplace")
MAX_DAYS = 400


class CampaignOut(ResponseModel):
    campaign_id: str
    name: str
    marketplace_id: str
    currency: str
    impressions: int
    clicks: int
    cost: str
    sales_7d: str
    sales_14d: str
    purchases_7d: int
    purchases_14d: int
    acos: str | None
    roas: str | None
    cpc: str | None
    ctr: str | None

    @classmethod
    def of(cls, c: CampaignSummary) -> CampaignOut:
        t: AdTotals = c.totals
        return cls(
            campaign_id=c.campaign_id, name=c.name, marketplace_id=c.marketplace_id, currency=c.currency,
            impressions=t.impressions, clicks=t.clicks, cost=str(t.cost), sales_7d=str(t.sales_7d),
            sales_14d=str(t.sales_14d), purchases_7d=t.purchases_7d, purchases_14d=t.purchases_14d,
            acos=decimal_text(t.acos), roas=decimal_text(t.roas),
            cpc=decimal_text(t.cpc), ctr=decimal_text(t.ctr),
        )  # fmt: skip


class CampaignsOut(ResponseModel):
    campaigns: list[CampaignOut]


class AdsDayOut(ResponseModel):
    day: date
    cost: str
    ad_sales: str  # attributed sales, 14 days
    total_sales: str
    acos: str | None
    tacos: str | None
    roas: str | None
    cpc: str | None
    ctr: str | None
    impressions: int
    clicks: int


class AdsDailyOut(ResponseModel):
    currency: str
    days: list[AdsDayOut]


def _day(d: AdsDay) -> AdsDayOut:
    return AdsDayOut(
        day=d.day, cost=str(d.totals.cost), ad_sales=str(d.totals.sales_14d), total_sales=str(d.total_sales),
        acos=decimal_text(d.totals.acos), tacos=decimal_text(d.tacos), roas=decimal_text(d.totals.roas),
        cpc=decimal_text(d.totals.cpc), ctr=decimal_text(d.totals.ctr),
        impressions=d.totals.impressions, clicks=d.totals.clicks,
    )  # fmt: skip


@dataclass(frozen=True)
class _AdsRead:
    """One read of a seller's advertising: who, which marketplaces and days (audited once answered)."""

    ctx: ApiContext
    seller_id: str
    sub: str
    marketplaces: list[str]
    first: date
    last: date
    shown: str  # the marketplace asked for, or "all"

    def audit(self, kind: str, returned: int) -> None:
        resource = f"ads {kind} {self.first}..{self.last} marketplace={self.shown} returned={returned}"
        self.ctx.ports.audit.record(self.seller_id, self.sub, f"ads.{kind}.read", resource)


def _ads_read(ctx: ApiContext, seller_id: str) -> _AdsRead:
    """ANALYTICS_READ, then the marketplaces and days asked for (default: the last 30 up to the
    marketplace's today)."""
    who, _ = ctx.member(seller_id, Permission.ANALYTICS_READ)
    values = ctx.query(*ADS_QUERY)
    mkts = list(seller_marketplaces(ctx, seller_id))
    only = am.parse_marketplace(values)
    if only is not None:
        mkts = [m for m in mkts if m == only]
    first, last = am.parse_days(values)
    now = ctx.now()
    last = last or (local_today(mkts[0], now) if mkts else now.date())
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last or (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(f"from..to must be 1 to {MAX_DAYS} days, got {first}..{last}")
    return _AdsRead(ctx, seller_id, who.sub, mkts, first, last, values.get("marketplace", "all"))


def ads_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    @bp.get("/sellers/{sellerId}/ads/campaigns", RouteDoc(CampaignsOut, query=ADS_QUERY))
    def ads_campaigns(sellerId: str) -> Response:
        """Campaigns with sums and metrics (ANALYTICS_READ)."""
        read = _ads_read(ctx, sellerId)
        found = ctx.ports.ads.campaigns(sellerId, read.marketplaces, read.first, read.last)
        read.audit("campaigns", len(found))
        return json_response(CampaignsOut(campaigns=[CampaignOut.of(c) for c in found]))

    @bp.get("/sellers/{sellerId}/ads/daily", RouteDoc(AdsDailyOut, query=ADS_QUERY))
    def ads_daily(sellerId: str) -> Response:
        """The daily advertising series, one currency (ANALYTICS_READ)."""
        read = _ads_read(ctx, sellerId)
        series = ctx.ports.ads.daily(sellerId, read.marketplaces, read.first, read.last)
        read.audit("daily", len(series.days))
        return json_response(AdsDailyOut(currency=series.currency, days=[_day(d) for d in series.days]))

    return bp
