"""The analytics' collaborators: the rollup store with the deployment's retention, and the API's
analytics service (the ads store is `sellerflow.wiring.ads`).

The rollups' computation is `sellerflow.wiring.rollups` (the rollups function's), and the analytics
service (its views, currency conversion, restock) is imported by its builder: the ads report's
ingestion and the economics' reconciliation import neither.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sellerflow.settings import Settings, get_settings
from sellerflow.store.facts_rollups import RollupStore
from sellerflow.wiring import history_archive, per_settings

if TYPE_CHECKING:
    from sellerflow.analytics.service import AnalyticsService


@per_settings
def rollup_store(s: Settings) -> RollupStore:
    return RollupStore(retention=timedelta(days=s.data_retention_days))


def analytics_service(settings: Settings | None = None) -> AnalyticsService:
    """The API's analytics over the stores (tables bound by `wiring.api`, which builds the API's ports)."""
    from sellerflow.analytics.service import AnalyticsService
    from sellerflow.store.facts import FactStore
    from sellerflow.store.facts_control import CogsStore, DirtyDays
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
