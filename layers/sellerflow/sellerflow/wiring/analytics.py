"""The analytics' collaborators: the ads and rollup stores with the deployment's retention, and the
API's analytics service.

The rollups' computation is `sellerflow.wiring.rollups` (the rollups function's), and the analytics
service (its views, currency conversion, restock) is imported by its builder: the ads report's
ingestion and the economics' reconciliation import neither. Each store is imported by its builder
too: the ads report's ingestion never loads the rollups' model, and the economics' reconciliation
(which reads rollups only) never loads the ads store and the fact store under it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sellerflow.settings import Settings, get_settings
from sellerflow.wiring import history_archive, per_settings

if TYPE_CHECKING:
    from sellerflow.analytics.service import AnalyticsService
    from sellerflow.store.ads import AdsStore
    from sellerflow.store.facts_rollups import RollupStore


@per_settings
def ads_store(s: Settings) -> AdsStore:
    from sellerflow.store.ads import AdsStore

    return AdsStore(retention=timedelta(days=s.data_retention_days))


@per_settings
def rollup_store(s: Settings) -> RollupStore:
    from sellerflow.store.facts_rollups import RollupStore

    return RollupStore(retention=timedelta(days=s.data_retention_days))


def analytics_service(settings: Settings | None = None) -> AnalyticsService:
    """The API's analytics over the stores (tables bound by `wiring.api`, which builds the API's ports)."""
    from sellerflow.analytics.service import AnalyticsService
    from sellerflow.store.facts import FactStore
    from sellerflow.store.facts_control import CogsStore, DirtyDays
    from sellerflow.store.facts_rollups import RollupStore
    from sellerflow.store.fx import FxRateStore
    from sellerflow.store.restock import RestockStore

    return AnalyticsService(
        sku_windows=RollupStore(),
        rollups=RollupStore(),
        facts=FactStore(history=history_archive(settings or get_settings())),
        cogs=CogsStore(),
        dirty=DirtyDays(),
        restock=RestockStore(),
        fx=FxRateStore(),
    )
