"""Ask Amazon to request a review and seller feedback, once per eligible order.

One run (a step of the seller's sync) reads the orders purchased in the last `LOOKBACK`, the refunds
Sellerflow has stored, and the outcomes already recorded; for each order it asks, waits or skips
(`rules.decide`). Asking is: claim the order (a conditional put of a `pending` outcome: two runs never
both ask), getSolicitationActionsForOrder, then createProductReviewAndSellerFeedbackSolicitation when
Amazon offers it, then record the outcome. A run that crashed between the claim and the record leaves
a `pending` claim; after `STALE_CLAIM` a later run asks Amazon again, which no longer offers the action
for an order already asked, so an order is asked at most once. Throttling stops the run (the rest
waits for the next sync), and at most `MAX_ASKS` orders are asked per run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from sellerflow.domain import Order
from sellerflow.errors import SpApiBadRequest, SpApiError, SpApiThrottled
from sellerflow.observability import logger, metrics
from sellerflow.solicitations.model import (
    FINAL,
    RUN_EVERY,
    STALE_CLAIM,
    Outcome,
    ReviewRequest,
    ReviewRequestCounts,
    ReviewRequestSettings,
    RunMarker,
    RunResult,
    SkipReason,
)
from sellerflow.solicitations.rules import LOOKBACK, Decision, Verdict, decide, window_closed
from sellerflow.sync.models import SELLER_ID_PATTERN

ACTION = "productReviewAndSellerFeedback"
MAX_ASKS = 25  # orders asked per run: two calls each at 1 request/s (burst 5) is under a minute
RETRY_AFTER = timedelta(hours=12)  # a failed or not-yet-offered order is asked again after this


class RequestReviewsInput(BaseModel):
    """The seller-sync step's input."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    seller_id: str = Field(pattern=SELLER_ID_PATTERN)


class SolicitationsApi(Protocol):
    def get_solicitation_actions(
        self, seller_id: str, order_id: str, *, marketplace_id: str
    ) -> dict[str, Any]: ...

    def create_review_solicitation(self, seller_id: str, order_id: str, *, marketplace_id: str) -> None: ...


class ReviewRequestStore(Protocol):
    def settings(self, seller_id: str) -> ReviewRequestSettings: ...

    def put_settings(self, seller_id: str, settings: ReviewRequestSettings) -> None: ...

    def requests(self, seller_id: str) -> list[ReviewRequest]: ...

    def claim(self, request: ReviewRequest, previous: ReviewRequest | None) -> bool:
        """Write `request` only if the stored item is still `previous` (None: absent)."""
        ...

    def save(self, request: ReviewRequest) -> None: ...

    def last_run(self, seller_id: str) -> RunMarker | None: ...

    def record_run(self, marker: RunMarker) -> None: ...


class OrderSource(Protocol):
    def orders_purchased_since(self, seller_id: str, since: datetime) -> Iterable[Order]: ...


class RefundSource(Protocol):
    def refunded_order_ids(self, seller_id: str, since: datetime) -> set[str]: ...


def offered(body: Mapping[str, Any]) -> bool:
    """Whether a getSolicitationActionsForOrder answer offers the review request (HAL `_links`)."""
    links = body.get("_links") or {}
    return any((link or {}).get("name") == ACTION for link in links.get("actions") or ())


def counts(requests: Iterable[ReviewRequest]) -> ReviewRequestCounts:
    requested = pending = 0
    skipped: dict[str, int] = {}
    for request in requests:
        if request.outcome is Outcome.REQUESTED:
            requested += 1
        elif request.outcome is Outcome.SKIPPED:
            key = (request.reason or SkipReason.REJECTED).value
            skipped[key] = skipped.get(key, 0) + 1
        else:
            pending += 1
    return ReviewRequestCounts(requested=requested, skipped=dict(sorted(skipped.items())), pending=pending)


class ReviewRequester:
    def __init__(
        self,
        *,
        api: SolicitationsApi,
        store: ReviewRequestStore,
        orders: OrderSource,
        refunds: RefundSource,
        max_asks: int = MAX_ASKS,
    ) -> None:
        self._api = api
        self._store = store
        self._orders = orders
        self._refunds = refunds
        self._max_asks = max_asks

    def run(self, seller_id: str, now: datetime) -> RunResult:
        settings = self._store.settings(seller_id)
        if not settings.enabled or not self._due(seller_id, now):
            return RunResult()
        since = now - LOOKBACK
        known = {r.order_id: r for r in self._store.requests(seller_id)}
        refunded = self._refunds.refunded_order_ids(seller_id, since)
        tally = _Tally()
        for order in sorted(
            self._orders.orders_purchased_since(seller_id, since), key=lambda o: o.created_time
        ):
            previous = known.get(order.order_id)
            if not _open(previous, now):
                continue
            decision = decide(order, settings, refunded=order.order_id in refunded, now=now)
            if decision.verdict is Verdict.WAIT or (
                decision.verdict is Verdict.ASK and tally.full(self._max_asks)
            ):
                tally.waiting += 1
                continue
            if decision.verdict is Verdict.SKIP:
                self._skip(order, decision, previous, now, tally)
                continue
            tally.asked += 1
            if not self._ask(order, previous, now, tally):
                break  # throttled: the rest waits for the next run
        result = tally.result()
        left_work = result.throttled or tally.full(self._max_asks)
        self._store.record_run(RunMarker(seller_id=seller_id, finished_at=now, left_work=left_work))
        for name, value in (("ReviewRequestsSent", result.requested), ("ReviewRequestsSkipped", result.skipped),
                            ("ReviewRequestsFailed", result.failed)):  # fmt: skip
            metrics.add_metric(name=name, unit="Count", value=value)
        return result

    def _due(self, seller_id: str, now: datetime) -> bool:
        """Once a day, or at once when the last run left work (a full batch, throttling)."""
        last = self._store.last_run(seller_id)
        return last is None or last.left_work or now - last.finished_at >= RUN_EVERY

    def _skip(
        self, order: Order, decision: Decision, previous: ReviewRequest | None, now: datetime, tally: _Tally
    ) -> None:
        skip = _request(order, Outcome.SKIPPED, now, previous, reason=decision.reason)
        if self._store.claim(skip, previous):
            tally.skipped += 1

    def _ask(self, order: Order, previous: ReviewRequest | None, now: datetime, tally: _Tally) -> bool:
        """Claim, ask, record; False when Amazon throttled (the run stops)."""
        claim = _request(order, Outcome.PENDING, now, previous)
        if not self._store.claim(claim, previous):
            return True  # another run holds it
        seller_id, order_id, marketplace_id = order.seller_id, order.order_id, order.marketplace_id
        try:
            body = self._api.get_solicitation_actions(seller_id, order_id, marketplace_id=marketplace_id)
            if not offered(body):
                self._not_offered(order, claim, now, tally)
                return True
            self._api.create_review_solicitation(seller_id, order_id, marketplace_id=marketplace_id)
        except SpApiThrottled as exc:
            retry = now + timedelta(seconds=max(exc.retry_after_s, 60.0))
            self._store.save(replace(claim, outcome=Outcome.FAILED, retry_after=retry))
            tally.failed += 1
            tally.throttled = True
            return False
        except SpApiBadRequest as exc:
            logger.warning("review request rejected", extra={"order_id": order_id, "status": exc.status})
            self._store.save(replace(claim, outcome=Outcome.SKIPPED, reason=SkipReason.REJECTED))
            tally.skipped += 1
            return True
        except SpApiError as exc:
            logger.warning("review request failed", extra={"order_id": order_id, "status": exc.status})
            self._store.save(replace(claim, outcome=Outcome.FAILED, retry_after=now + RETRY_AFTER))
            tally.failed += 1
            return True
        self._store.save(replace(claim, outcome=Outcome.REQUESTED, requested_at=now))
        tally.requested += 1
        return True

    def _not_offered(self, order: Order, claim: ReviewRequest, now: datetime, tally: _Tally) -> None:
        """Amazon does not offer it (yet): retry later until the window closes, then skip for good."""
        if window_closed(order, now + RETRY_AFTER):
            self._store.save(replace(claim, outcome=Outcome.SKIPPED, reason=SkipReason.NOT_OFFERED))
            tally.skipped += 1
        else:
            self._store.save(replace(claim, outcome=Outcome.FAILED, retry_after=now + RETRY_AFTER))
            tally.waiting += 1


class _Tally:
    def __init__(self) -> None:
        self.asked = self.requested = self.skipped = self.failed = self.waiting = 0
        self.throttled = False

    def full(self, limit: int) -> bool:
        return self.asked >= limit

    def result(self) -> RunResult:
        return RunResult(requested=self.requested, skipped=self.skipped, failed=self.failed,
                         waiting=self.waiting, throttled=self.throttled)  # fmt: skip


def _open(previous: ReviewRequest | None, now: datetime) -> bool:
    """Whether the order may be looked at now (no outcome yet, a due retry, or a crashed run's claim)."""
    if previous is None:
        return True
    if previous.outcome in FINAL:
        return False
    if previous.outcome is Outcome.PENDING:
        return now - previous.updated_at >= STALE_CLAIM
    return previous.retry_after is None or now >= previous.retry_after


def _request(
    order: Order,
    outcome: Outcome,
    now: datetime,
    previous: ReviewRequest | None,
    *,
    reason: SkipReason | None = None,
) -> ReviewRequest:
    return ReviewRequest(
        seller_id=order.seller_id,
        order_id=order.order_id,
        marketplace_id=order.marketplace_id,
        outcome=outcome,
        updated_at=now,
        reason=reason,
        attempts=(previous.attempts if previous else 0) + (1 if outcome is Outcome.PENDING else 0),
    )
