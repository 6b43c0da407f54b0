"""A seller brought to its steady state on the local stack without waiting for it: what the ~25 Standard
runs of a first sync's report backfill would leave (no history window left to ask for), and the day's
reports made due again for the hourly run to plan (as on the next day). Used by the hourly e2e test and
by the KMS count (`sellerflow_dev.bench.cost_count.count_kms_requests`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sellerflow import wiring
from sellerflow.domain import ReportState
from sellerflow.store.reports import ReportRecord, ReportStore
from sellerflow.sync.reports import FBA_INVENTORY, LISTINGS, ReportPolicy, is_backfill, plan_reports


def stand_in_for_the_backfill(seller_id: str) -> None:
    """What ~25 Standard runs would do for a seller of three marketplaces (3 minutes here): leave no
    history window to ask for. Each window not yet asked for is recorded FATAL, cooling down for a year
    (not INGESTED: the orders check expects the orders of ingested windows only)."""
    book, now = ReportStore(), datetime.now(UTC)
    marketplaces = wiring.seller_store().marketplaces_of(seller_id)
    while True:
        jobs = [j for j in plan_reports(seller_id, marketplaces, book=book, now=now, policy=ReportPolicy())
                if is_backfill(j)]  # fmt: skip
        if not jobs:
            return
        for job in jobs:
            assert job.data_start is not None
            assert job.data_end is not None
            book.requested(seller_id, job.key, report_type=job.report_type, marketplace_id=job.marketplace_id,
                           window=(job.data_start, job.data_end), report_id=f"STANDIN-{job.key[-10:]}")  # fmt: skip
            book.finished(seller_id, job.key, status="FATAL", cooldown_until=now + timedelta(days=365))


def make_daily_reports_due(seller_id: str) -> dict[str, ReportState]:
    """The day's listings, FBA inventory and fresh orders window due again, as on the next day (the
    earlier sync's records of them removed), and the reports last planned longer ago than their
    interval (6 hours): the next hourly run plans and asks for them. Returns the removed records."""
    book = ReportStore()
    daily = {
        s.key: s
        for s in book.all(seller_id)
        if s.report_type in (LISTINGS, FBA_INVENTORY) or "#fresh-" in s.key
    }
    for report_key in daily:
        ReportRecord(seller_id=seller_id, sk=report_key).delete()
    wiring.seller_store().record_reports_run(
        seller_id, at=datetime.now(UTC) - timedelta(hours=7), pending=False
    )
    return daily
