"""The rollups function's collaborators: a seller's dirty days recomputed with the deployment's stores."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sellerflow.analytics.model import RollupResult
from sellerflow.analytics.rollups import recompute_dirty_days
from sellerflow.analytics.sku_windows import refresh_sku_windows
from sellerflow.store.ads import StoredAdTotals, StoredSkuAdSpend
from sellerflow.store.facts_control import CogsStore, DirtyDays
from sellerflow.wiring import fact_store, seller_store
from sellerflow.wiring.ads import ads_store
from sellerflow.wiring.analytics import rollup_store


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
