"""Which seller-sync state machine a start uses: the Standard `seller-sync` or the hourly Express one.

An hourly run of a seller whose history is in and whose reports are not due is a few orders pages,
a finances page or two, inventory and the rollups: a minute of work, no Wait. It runs on the Express
`seller-sync-hourly` (priced per request and duration, not per state transition). Everything that
waits stays on Standard: the first sync and its backfill, the reports (request, poll, ingest) and a
run that meets a quota or more pages than an Express run's budget (that one hands over, see
`HandOver`).

The decision reads the seller's sync state only (no Amazon call): the orders cursor and the
`SYNC#route` item, which keeps the window last claimed (the idempotency key of an Express start,
which, unlike a Standard one, does not de-duplicate by execution name) and what the last Standard
run found about reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sellerflow.domain import SyncRoute, SyncState

Machine = Literal["standard", "express"]


@dataclass(frozen=True)
class RoutePolicy:
    # How often a Standard run plans the reports when the last one found nothing to do. The daily
    # reports are asked once a day (`ReportPolicy.reuse_within`) and a marketplace's traffic day 4 hours
    # after it ends (`traffic_settle`): every 6 hours a day's reports are at most 6 hours late.
    reports_every: timedelta = timedelta(hours=6)


@dataclass(frozen=True)
class Route:
    machine: Machine
    reason: str


def choose_machine(orders: SyncState, route: SyncRoute, now: datetime, policy: RoutePolicy) -> Route:
    """Standard for the first sync (no watermark yet: the 30-day search and the report backfill), while
    the last Standard run planned reports (polls pending, backfill windows left), and when reports were
    last planned `reports_every` ago or more; Express otherwise."""
    if orders.watermark is None:
        return Route("standard", "first_sync")
    if route.reports_run_at is None:
        return Route("standard", "reports_never_planned")
    if route.reports_pending:
        return Route("standard", "reports_pending")
    if now - route.reports_run_at >= policy.reports_every:
        return Route("standard", "reports_due")
    return Route("express", "incremental")
