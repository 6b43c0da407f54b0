"""Fanout: which sellers are due, and starting one seller-sync execution each without doubles.

A seller is due at a tick when it is active, its authorization has not lapsed, and its own schedule
(`sellerflow.sync.schedule`) has a sync in this window. An active seller whose authorization ran
out (a year after consent) is not synced: it is marked lapsed here and leaves the due index until
an owner reconnects it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Protocol

from sellerflow.domain import ScheduledSeller
from sellerflow.observability import logger, metrics
from sellerflow.sync.models import (
    DueSeller,
    ListDueSellersOutput,
    StartSellerSyncInput,
    StartSellerSyncOutput,
)
from sellerflow.sync.schedule import LAPSED_REASON, is_due, is_lapsed


class DueSellerSource(Protocol):
    def scheduled_sellers(self) -> list[ScheduledSeller]: ...

    def mark_lapsed(self, seller_id: str, *, now: datetime, reason: str) -> bool: ...


class WorkflowStarter(Protocol):
    def start(self, *, name: str, payload: str) -> bool:
        """Start an execution; False when one of that name exists already."""
        ...


def sync_window(tick: datetime, minutes: int) -> str:
    """The schedule window a tick belongs to; ticks in the same window share execution names."""
    epoch_minutes = int(tick.timestamp()) // 60
    floored = datetime.fromtimestamp((epoch_minutes - epoch_minutes % minutes) * 60, UTC)
    return floored.strftime("%Y%m%dT%H%M")


def list_due_sellers(
    tick: datetime, *, sellers: DueSellerSource, window_minutes: int
) -> ListDueSellersOutput:
    due: list[DueSeller] = []
    for seller in sorted(sellers.scheduled_sellers(), key=lambda s: s.seller_id):
        if is_lapsed(seller.authorization_expires_at, tick):
            if sellers.mark_lapsed(seller.seller_id, now=tick, reason=LAPSED_REASON):
                logger.warning("seller authorization lapsed", extra={"seller_id": seller.seller_id})
                metrics.add_metric(name="SellersLapsed", unit="Count", value=1)
            continue
        if is_due(seller, tick, window_minutes):
            due.append(DueSeller(seller_id=seller.seller_id))
    metrics.add_metric(name="SellersDue", unit="Count", value=len(due))
    return ListDueSellersOutput(sellers=due, window=sync_window(tick, window_minutes))


def execution_name(seller_id: str, window: str) -> str:
    return f"{seller_id}-{window}"


def start_seller_sync(request: StartSellerSyncInput, *, starter: WorkflowStarter) -> StartSellerSyncOutput:
    name = execution_name(request.seller_id, request.window)
    payload = json.dumps(
        {"seller_id": request.seller_id, "window": request.window, "orders": {"pagination_token": None}}
    )
    started = starter.start(name=name, payload=payload)
    if not started:
        logger.info(
            "seller sync already running", extra={"seller_id": request.seller_id, "window": request.window}
        )
    return StartSellerSyncOutput(
        seller_id=request.seller_id, execution_name=name, status="started" if started else "already_running"
    )
