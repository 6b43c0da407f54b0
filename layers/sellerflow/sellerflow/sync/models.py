"""Step Functions state input/output of the sync tasks (the workflow's contract with the Lambdas)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SELLER_ID_PATTERN = r"^[A-Z0-9]{8,20}$"


class _Io(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class OrdersPageInput(_Io):
    seller_id: str = Field(pattern=SELLER_ID_PATTERN)
    run_id: str = Field(min_length=1, max_length=80)
    pagination_token: str | None = None


class OrdersPageOutput(_Io):
    pagination_token: str | None
    has_more: bool
    pages: int
    orders_upserted: int
    orders_rejected: int = 0
    watermark: datetime | None
    # > 0: the usage plan allows the next searchOrders only this many seconds from now; nothing was
    # read, and the workflow waits exactly that long (a Wait state) before asking for the same page.
    wait_s: int = 0


class ListDueSellersInput(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True)
    tick_time: datetime
    # Every active seller, due a sync or not, paused by billing or not: the daily history archive's list.
    every_active: bool = False


class DueSeller(_Io):
    seller_id: str


class ListDueSellersOutput(_Io):
    sellers: list[DueSeller]
    window: str


class DueSellersObject(_Io):
    """Where a tick's due-seller list was written: the fanout's Distributed Map reads it (ItemReader)."""

    bucket: str
    key: str
    count: int
    window: str


class HandOver(_Io):
    """An hourly (Express) run that cannot finish within its budget hands its window to the Standard
    seller-sync: why, and the orders page it stopped at (None: the orders were done)."""

    # reports_backfill: the reports' plan holds history backfill windows (sellerflow.sync.carry)
    reason: Literal["orders_quota", "orders_pages", "finances_pages", "reports_backfill"]
    pagination_token: str | None = None


class StartSellerSyncInput(_Io):
    seller_id: str = Field(pattern=SELLER_ID_PATTERN)
    window: str = Field(pattern=r"^\d{8}T\d{4}$")
    hand_over: HandOver | None = None


class StartSellerSyncOutput(_Io):
    seller_id: str
    execution_name: str
    status: Literal["started", "already_running", "not_active"]
    machine: Literal["standard", "express"] = "standard"
    reason: str = ""


class RecordSyncResultInput(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True)
    seller_id: str = Field(pattern=SELLER_ID_PATTERN)
    run_id: str
    outcome: Literal["succeeded", "failed", "revoked"]
    error: str | None = None
    cause: str | None = None
    # which seller-sync ran (None: a definition from before the hourly Express machine), and how many
    # reports the Standard run planned: the next start's routing reads both (`sync.routing`)
    machine: Literal["standard", "express"] | None = None
    reports_planned: int | None = None


class RecordSyncResultOutput(_Io):
    seller_id: str
    outcome: str
    consecutive_failures: int
