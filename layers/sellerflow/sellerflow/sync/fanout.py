"""Fanout: which sellers are due, and starting one seller-sync execution each without doubles."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Protocol

from sellerflow.observability import logger, metrics
from sellerflow.sync.models import (
    DueSeller,
    ListDueSellersOutput,
    StartSellerSyncInput,
    StartSellerSyncOutput,
)


class DueSellerSource(Protocol):
    def active_seller_ids(self) -> list[str]: ...


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
    due = [DueSeller(seller_id=s) for s in sorted(sellers.active_seller_ids())]
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
