"""The analytics' collaborators: the fact, ads and rollup stores with the deployment's retention."""

from __future__ import annotations

from datetime import timedelta

from sellerflow.analytics.model import RollupResult
from sellerflow.analytics.rollups import recompute_dirty_days
from sellerflow.analytics.service import AnalyticsService
from sellerflow.settings import Settings
from sellerflow.store.ads import AdsStore, StoredAdTotals, StoredSkuAdSpend
from sellerflow.store.facts import FactStore
from sellerflow.store.facts_control import CogsStore, DirtyDays
from sellerflow.store.facts_rollups import RollupStore
from sellerflow.wiring import fact_store, per_settings


@per_settings
def ads_store(s: Settings) -> AdsStore:
    return AdsStore(retention=timedelta(days=s.data_retention_days))


@per_settings
def rollup_store(s: Settings) -> RollupStore:
    return RollupStore(retention=timedelta(days=s.data_retention_days))


def recompute(seller_id: str) -> RollupResult:
    """Recompute every dirty day of one seller with the deployment's stores."""
    return recompute_dirty_days(
        seller_id,
        dirty=DirtyDays(),
        facts=fact_store(),
        cogs=CogsStore(),
        rollups=rollup_store(),
        ad_spend=StoredAdTotals(ads_store()),  # one reader per recompute: its cache is this run's
        sku_ad_spend=StoredSkuAdSpend(ads_store()),
    )


def analytics_service() -> AnalyticsService:
    """The API's analytics over the stores (tables bound by `wiring.api`, which builds the API's ports)."""
    return AnalyticsService(rollups=RollupStore(), facts=FactStore(), cogs=CogsStore(), dirty=DirtyDays())
