"""Which seller-sync state machine a start uses: the Standard `seller-sync` or the hourly Express one.

An hourly run of a seller whose history is in is a few orders pages, a finances page or two,
inventory, the reports carried from the last run (`sellerflow.sync.carry`: planned when due, asked
for, checked once, ingested when done, never waited for) and the rollups: no Wait. It runs on the
Express `seller-sync-hourly` (priced per request and duration, not per state transition). What
waits stays on Standard: the first sync and its history backfill (while a Standard run's plan was
not empty), and a run that meets a quota, more pages than an Express run's budget or a plan with
backfill windows (that one hands over, see `HandOver`).

The decision reads the seller's sync state only (no Amazon call): the orders cursor and the
`SYNC#route` item, which keeps the window last claimed (the idempotency key of an Express start,
which, unlike a Standard one, does not de-duplicate by execution name) and what the last Standard
run found about reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sellerflow.domain import SyncRoute, SyncState

Machine = Literal["standard", "express"]


@dataclass(frozen=True)
class Route:
    machine: Machine
    reason: str


def choose_machine(orders: SyncState, route: SyncRoute) -> Route:
    """Standard for the first sync (no watermark yet: the 30-day search and the report backfill) and
    while the last Standard run planned reports (polls pending, backfill windows left); Express
    otherwise, reports due or not (the hourly run carries them)."""
    if orders.watermark is None:
        return Route("standard", "first_sync")
    if route.reports_run_at is None:
        return Route("standard", "reports_never_planned")
    if route.reports_pending:
        return Route("standard", "reports_pending")
    return Route("express", "incremental")
