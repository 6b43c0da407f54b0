"""Finances 2024-06-19 listTransactions, one page per call, incrementally by posted date."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from sellerflow.domain import SyncRun
from sellerflow.facts import FinanceTransactionFact
from sellerflow.observability import logger, metrics
from sellerflow.sync.models import SELLER_ID_PATTERN
from sellerflow.sync.orders import AMAZON_SETTLE_DELAY, SyncStateStore

SOURCE = "finances"
MAX_RANGE = timedelta(days=180)  # listTransactions refuses a wider postedAfter..postedBefore


class FinancesPageInput(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    seller_id: str = Field(pattern=SELLER_ID_PATTERN)
    run_id: str
    next_token: str | None = None


class FinancesPageOutput(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    next_token: str | None
    has_more: bool
    transactions: int


class TransactionsApi(Protocol):
    def list_transactions(
        self,
        seller_id: str,
        *,
        posted_after: datetime,
        posted_before: datetime | None = None,
        marketplace_id: str | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]: ...


class FactSink(Protocol):
    def write(self, batch: Sequence[object]) -> None: ...


# listTransactions answers nothing when PostedAfter and PostedBefore are more than 180 days apart
# (Finances 2024-06-19 model): a first run asks 179 at most.
MAX_TRANSACTIONS_RANGE = timedelta(days=179)


@dataclass(frozen=True)
class FinancesPolicy:
    """How far back a run asks. Transactions can be posted late (with a posted date already behind
    the watermark): the first run of each UTC day asks 48 hours back, the others only
    `recent_lookback` (a seller syncs hourly: asking 48 hours back every hour fetched each
    transaction ~48 times, a Lambda, a workflow step and a request per page each time; docs/cost.md).
    """

    lookback: timedelta = timedelta(hours=48)
    recent_lookback: timedelta = timedelta(minutes=15)
    initial_history: timedelta = timedelta(days=90)

    @classmethod
    def covering(cls, compared: timedelta) -> FinancesPolicy:
        """A first run that also brings the fees and refunds of the overview's compared days (the
        reports' `comparison_history`), within what one listTransactions range can hold."""
        return cls(initial_history=min(max(cls.initial_history, compared), MAX_TRANSACTIONS_RANGE))

    def start(self, watermark: datetime | None, end: datetime, now: datetime) -> datetime:
        """Where a new run's window starts. The watermark moves only when a run completes, so a
        day's first run that fails leaves the next run a deep one too."""
        if watermark is None:
            return now - self.initial_history
        deep = end.astimezone(UTC).date() != watermark.astimezone(UTC).date()
        return watermark - (self.lookback if deep else self.recent_lookback)


def sync_transactions_page(
    request: FinancesPageInput,
    *,
    api: TransactionsApi,
    sink: FactSink,
    state_store: SyncStateStore,
    to_fact: Callable[[str, dict[str, Any]], FinanceTransactionFact],
    policy: FinancesPolicy,
    now: datetime | None = None,
) -> FinancesPageOutput:
    now = now or datetime.now(UTC)
    state = state_store.sync_state(request.seller_id, SOURCE)
    if request.next_token is None or state.run is None or state.run.run_id != request.run_id:
        end = now - AMAZON_SETTLE_DELAY
        start = policy.start(state.watermark, end, now)
        start = max(start, end - MAX_RANGE + timedelta(minutes=1))
        run = SyncRun(run_id=request.run_id, updated_after=start, updated_before=end)
        state_store.begin_run(request.seller_id, run, SOURCE)
    else:
        run = state.run
    body = api.list_transactions(
        request.seller_id,
        posted_after=run.updated_after,
        posted_before=run.updated_before,
        next_token=request.next_token,
    )
    payload = body.get("payload") or {}
    facts: list[FinanceTransactionFact] = []
    rejected = 0
    for transaction in payload.get("transactions") or []:
        try:
            facts.append(to_fact(request.seller_id, transaction))
        except (ValueError, KeyError, TypeError) as exc:  # a malformed transaction is recorded and skipped
            rejected += 1
            logger.warning(
                "transaction rejected", extra={"seller_id": request.seller_id, "reason": type(exc).__name__}
            )
    if facts:  # the page in one write: the store batches by 25 and marks each day dirty once per page
        sink.write(facts)
    token = payload.get("nextToken") or body.get("nextToken")
    # Pages are not promised in posted order: only the last page moves the watermark (to the bound).
    watermark = state.watermark if token else max(run.updated_before, state.watermark or run.updated_before)
    state_store.commit_page(
        request.seller_id, run_id=run.run_id, watermark=watermark, orders=len(facts), source=SOURCE
    )
    metrics.add_metric(name="TransactionsUpserted", unit="Count", value=len(facts))
    return FinancesPageOutput(next_token=token, has_more=bool(token), transactions=len(facts))
