"""The ads store with the deployment's retention: what the ads report's ingestion (its own function and
the hourly `advance_reports`) writes on every invocation, so imported with it.

Apart from `sellerflow.wiring.analytics` (the rollup store, the API's analytics): the economics'
reconciliation reads rollups and never loads the ads store and the fact store under it, and the ads
ingestion never loads the rollups' model.
"""

from __future__ import annotations

from datetime import timedelta

from sellerflow.settings import Settings
from sellerflow.store.ads import AdsStore
from sellerflow.wiring import per_settings


@per_settings
def ads_store(s: Settings) -> AdsStore:
    return AdsStore(retention=timedelta(days=s.data_retention_days))
