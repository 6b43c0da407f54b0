"""The advertising routes of the Sellerflow API (registered by `create_app`).

    GET /sellers/{sellerId}/ads/campaigns?from=&to=&marketplace=   campaigns with sums and metrics
    GET /sellers/{sellerId}/ads/daily?from=&to=&marketplace=       the daily ads series (one currency)

Thin like the other routes: authenticate, `access.require(..., ANALYTICS_READ)`, parse the query,
call `AdsService`, audit the read, shape the response. Dates are marketplace-local days; without
`from`/`to` the last 30 days up to the marketplace's today.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from chalice import Chalice, Response
from pydantic import BaseModel, ConfigDict

from sellerflow.analytics.ads import AdsService, AdTotals, CampaignSummary
from sellerflow.api import models_analytics as am
from sellerflow.api.access import AuditSink, SellerDirectory
from sellerflow.api.errors import JSON_HEADERS, http_errors
from sellerflow.api.models import single_values
from sellerflow.calendar import local_today
from sellerflow.errors import InvalidInput
from sellerflow.members.permissions import Permission
from sellerflow.principal import Principal

DEFAULT_DAYS = 30
MAX_DAYS = 400


class _Runtime(Protocol):
    @property
    def access(self) -> Any: ...

    @property
    def clock(self) -> Callable[[], Any]: ...


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class CampaignOut(_Out):
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
            acos=_s(t.acos), roas=_s(t.roas), cpc=_s(t.cpc), ctr=_s(t.ctr),
        )  # fmt: skip


class CampaignsOut(_Out):
    campaigns: list[CampaignOut]


class AdsDayOut(_Out):
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


class AdsDailyOut(_Out):
    currency: str
    days: list[AdsDayOut]


@dataclass(frozen=True)
class _Collaborators:
    ads: AdsService
    sellers: SellerDirectory
    audit: AuditSink


def _ok(model: BaseModel) -> Response:
    return Response(body=model.model_dump(mode="json"), status_code=200, headers=dict(JSON_HEADERS))


def register_ads_routes(
    app: Chalice,
    *,
    runtime: Callable[[], _Runtime],
    caller: Callable[[], Principal],
    query_params: Callable[[], dict[str, list[str]]],
    sellers: SellerDirectory | None = None,
    audit: AuditSink | None = None,
    ads: AdsService | None = None,
) -> None:
    lock = threading.Lock()
    built: list[_Collaborators] = []

    def deps() -> _Collaborators:
        runtime()  # binds the tables when the app builds its own stores
        with lock:
            if not built:
                from sellerflow.store.ads import AdsStore
                from sellerflow.store.audit import AuditLog
                from sellerflow.store.facts_rollups import RollupStore
                from sellerflow.store.sellers import SellerStore

                built.append(
                    _Collaborators(
                        ads=ads or AdsService(ads=AdsStore(), rollups=RollupStore()),
                        sellers=sellers if sellers is not None else SellerStore(),
                        audit=audit if audit is not None else AuditLog(),
                    )
                )
            return built[0]

    def window(seller_id: str) -> tuple[list[str], date, date, str]:
        values = single_values(query_params(), allowed=("from", "to", "marketplace"))
        profiles = deps().sellers.profiles([seller_id])
        mkts = list(profiles[0].marketplace_ids) if profiles else []
        only = am.parse_marketplace(values)
        if only is not None:
            mkts = [m for m in mkts if m == only]
        first, last = am.parse_days(values)
        today = local_today(mkts[0], runtime().clock()) if mkts else runtime().clock().date()
        last = last or today
        first = first or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last or (last - first).days + 1 > MAX_DAYS:
            raise InvalidInput(f"from..to must be 1 to {MAX_DAYS} days, got {first}..{last}")
        return mkts, first, last, values.get("marketplace", "all")

    @app.route("/sellers/{sellerId}/ads/campaigns", methods=["GET"])
    @http_errors
    def ads_campaigns(sellerId: str) -> Response:
        who = caller()
        runtime().access.require(who, sellerId, Permission.ANALYTICS_READ)
        mkts, first, last, shown = window(sellerId)
        found = deps().ads.campaigns(sellerId, mkts, first, last)
        deps().audit.record(
            sellerId,
            who.sub,
            "ads.campaigns.read",
            f"ads campaigns {first}..{last} marketplace={shown} returned={len(found)}",
        )
        return _ok(CampaignsOut(campaigns=[CampaignOut.of(c) for c in found]))

    @app.route("/sellers/{sellerId}/ads/daily", methods=["GET"])
    @http_errors
    def ads_daily(sellerId: str) -> Response:
        who = caller()
        runtime().access.require(who, sellerId, Permission.ANALYTICS_READ)
        mkts, first, last, shown = window(sellerId)
        series = deps().ads.daily(sellerId, mkts, first, last)
        deps().audit.record(
            sellerId,
            who.sub,
            "ads.daily.read",
            f"ads daily {first}..{last} marketplace={shown} returned={len(series.days)}",
        )
        days = [
            AdsDayOut(
                day=d.day,
                cost=str(d.totals.cost),
                ad_sales=str(d.totals.sales_14d),
                total_sales=str(d.total_sales),
                acos=_s(d.totals.acos),
                tacos=_s(d.tacos),
                roas=_s(d.totals.roas),
                cpc=_s(d.totals.cpc),
                ctr=_s(d.totals.ctr),
                impressions=d.totals.impressions,
                clicks=d.totals.clicks,
            )
            for d in series.days
        ]
        return _ok(AdsDailyOut(currency=series.currency, days=days))
