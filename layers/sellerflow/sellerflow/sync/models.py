"""Step Functions state input/output of the sync tasks (the workflow's contract with the Lambdas)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

SELLER_ID_PATTERN = r"^[A-Z0-9]{8,20}$"
WINDOW_PATTERN = r"^\d{8}T\d{4}$"
# The most sellers one fanout child starts (the template's FanoutBatchSize MaxValue; a test ties
# them): one after another in one StartSellerSync invocation, ~0.1 s each, well inside its 60 s.
MAX_FANOUT_BATCH = 200


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
    # The fanout's: the list's items are batches of this many sellers (the last one the rest), each one
    # child of its Distributed Map; None (the history archive): one item per seller.
    batch_size: int | None = Field(default=None, ge=1, le=MAX_FANOUT_BATCH)


class DueSeller(_Io):
    seller_id: str


class ListDueSellersOutput(_Io):
    sellers: list[DueSeller]
    window: str


class DueBatch(_Io):
    """One item of a fanout tick's due list: the sellers one child of its Distributed Map starts."""

    sellers: list[str]


class DueSellersObject(_Io):
    """Where a tick's due-seller list was written: the fanout's Distributed Map reads it (ItemReader)."""

    bucket: str
    key: str
    count: int  # sellers (not batches)
    window: str


class HandOver(_Io):
    """An hourly (Express) run that cannot finish within its budget hands its window to the Standard
    seller-sync: why, and the orders page it stopped at (None: the orders were done)."""

    # reports_backfill: the reports' plan holds history backfill windows (sellerflow.sync.carry)
    reason: Literal["orders_quota", "orders_pages", "finances_pages", "reports_backfill"]
    pagination_token: str | None = None


class StartSellerSyncInput(_Io):
    seller_id: str = Field(pattern=SELLER_ID_PATTERN)
    window: str = Field(pattern=WINDOW_PATTERN)
    hand_over: HandOver | None = None


class StartSellerSyncBatchInput(_Io):
    """A fanout child's batch: its sellers (`DueBatch`) and the tick's window."""

    sellers: list[Annotated[str, Field(pattern=SELLER_ID_PATTERN)]] = Field(
        min_length=1, max_length=MAX_FANOUT_BATCH
    )
    window: str = Field(pattern=WINDOW_PATTERN)


class SellerStartOutcome(_Io):
    seller_id: str
    status: Literal["started", "already_running", "not_active", "not_started"]
    machine: Literal["standard", "express"] | None = None
    error: str | None = None  # not_started: the error's class (never its message: the map's results)


class StartSellerSyncBatchOutput(_Io):
    """What a batch did, per seller and counted; small (a few KB at MAX_FANOUT_BATCH sellers): the
    map's ResultWriter keeps it in S3, never in the fanout's state."""

    window: str
    started: int
    already_running: int
    not_active: int
    not_started: int
    sellers: list[SellerStartOutcome]


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
