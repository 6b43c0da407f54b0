"""The economics reconciliation's collaborators: Data Kiosk, the SKU rollups, the mismatch records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sellerflow import wiring
from sellerflow.marketplaces import MARKETPLACES
from sellerflow.reports.formats import local_date
from sellerflow.store.economics import EconomicsMismatchStore
from sellerflow.sync.economics import EconomicsSchedule, ReconcileEconomicsOutput, reconcile_due_economics
from sellerflow.wiring.analytics import rollup_store


def reconcile_economics(seller_id: str) -> ReconcileEconomicsOutput:
    """The seller-sync step: the seller's marketplaces due a check, with the deployment's settings."""
    s = wiring.settings()
    return reconcile_due_economics(
        seller_id,
        wiring.seller_store().marketplaces_of(seller_id),
        kiosk=wiring.data_kiosk_client(),
        rollups=rollup_store(),
        book=EconomicsMismatchStore(),
        schedule=EconomicsSchedule(
            every=timedelta(hours=s.economics_check_hours),
            days=s.economics_check_days,
            wait_s=s.economics_wait_s,
            settle=timedelta(hours=s.economics_settle_hours),
        ),
        now=datetime.now(UTC),
        local_date=lambda marketplace_id, now: local_date(now, MARKETPLACES[marketplace_id]),
    )
