"""The analytics' collaborators: the fact, ads and rollup stores with the deployment's retention."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sellerflow.analytics.model import RollupResult
from sellerflow.analytics.rollups import recompute_dirty_days
from sellerflow.analytics.service import AnalyticsService
from sellerflow.analytics.sku_windows import refresh_sku_windows
from sellerflow.settings import Settings
from sellerflow.store.ads import AdsStore, StoredAdTotals, StoredSkuAdSpend
from sellerflow.store.facts import FactStore
from sellerflow.store.facts_control import CogsStore, DirtyDays
from sellerflow.store.facts_rollups import RollupStore
from sellerflow.store.fx import FxRateStore
from sellerflow.store.restock import RestockStore
from sellerflow.wiring import fact_store, per_settings, seller_store


@per_settings
def ads_store(s: Settings) -> AdsStore:
    return AdsStore(retention=timedelta(days=s.data_retention_days))


@per_settings
def rollup_store(s: Settings) -> RollupStore:
    return RollupStore(retention=timedelta(days=s.data_retention_days))


def recompute(seller_id: str, *, time_left_ms: Callable[[], int] | None = None) -> RollupResult:
    """Recompute every dirty day of one seller with the deployment's stores (those the run's time
    allows, `time_left_ms`), then the trailing SKU windows that no longer match them."""
    result = recompute_dirty_days(
        seller_id,
        dirty=DirtyDays(),
        facts=fact_store(),
        cogs=CogsStore(),
        rollups=rollup_store(),
        ad_spend=StoredAdTotals(ads_store()),  # one reader per recompute: its cache is this run's
        sku_ad_spend=StoredSkuAdSpend(ads_store()),
        time_left_ms=time_left_ms,
    )
    rebuilt = refresh_sku_windows(
        seller_id, seller_store().marketplaces_of(seller_id), store=rollup_store(), now=datetime.now(UTC)
    )
    return result.model_copy(update={"windows_rebuilt": len(rebuilt)})


def analytics_service() -> AnalyticsService:
    """The API's analytics over the stores (tables bound by `wiring.api`, which builds the API's ports)."""
    return AnalyticsService(
        sku_windows=RollupStore(),
        rollups=RollupStore(),
        facts=FactStore(),
        cogs=CogsStore(),
        dirty=DirtyDays(),
        restock=RestockStore(),
        fx=FxRateStore(),
    )
