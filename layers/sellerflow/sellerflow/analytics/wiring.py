"""The analytics' composition root: the real stores, bound to the deployment's tables (once)."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from sellerflow.analytics.model import RollupResult
from sellerflow.analytics.rollups import recompute_dirty_days
from sellerflow.analytics.service import AnalyticsService
from sellerflow.store.ads import AdsStore, StoredAdTotals
from sellerflow.store.facts import FactStore
from sellerflow.store.facts_control import CogsStore, DirtyDays
from sellerflow.store.facts_rollups import RollupStore
from sellerflow.wiring import order_store, settings


@lru_cache(maxsize=1)
def fact_store() -> FactStore:
    return FactStore(retention=timedelta(days=settings().data_retention_days), orders=order_store())


@lru_cache(maxsize=1)
def ads_store() -> AdsStore:
    return AdsStore(retention=timedelta(days=settings().data_retention_days))


@lru_cache(maxsize=1)
def rollup_store() -> RollupStore:
    return RollupStore(retention=timedelta(days=settings().data_retention_days))


def recompute(seller_id: str) -> RollupResult:
    """Recompute every dirty day of one seller with the deployment's stores."""
    return recompute_dirty_days(
        seller_id,
        dirty=DirtyDays(),
        facts=fact_store(),
        cogs=CogsStore(),
        rollups=rollup_store(),
        ad_spend=StoredAdTotals(ads_store()),  # one reader per recompute: its cache is this run's
    )


def analytics_service() -> AnalyticsService:
    """The API's analytics over the stores (the API binds the tables itself, see api.app)."""
    return AnalyticsService(rollups=RollupStore(), facts=FactStore(), cogs=CogsStore(), dirty=DirtyDays())
