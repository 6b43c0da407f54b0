"""Which order to ask a review for, and when: pure functions of the stored order, the refunds
Sellerflow has seen, the seller's delay and the time.

Sellerflow does not learn the delivery time of an order (the Orders API gives no delivery event for
FBA orders). It estimates it as Amazon's latest promised delivery (`deliverByWindow.latestDateTime`):
delivery is due by then, so `estimate + delay` is at least `delay` days after the real delivery,
and the 5-day lower bound of Amazon's window holds for any delay the seller may choose. Without a
promised date the estimate is the purchase plus `FALLBACK_TRANSIT`. Amazon's answer to
getSolicitationActionsForOrder stays the authority: the service asks it before every create.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sellerflow.domain import Order
from sellerflow.solicitations.model import (
    WINDOW_CLOSES_DAYS,
    ReviewRequestSettings,
    SkipReason,
)

FALLBACK_TRANSIT = timedelta(days=7)
CANCELLED_STATUSES = frozenset({"CANCELLED", "UNFULFILLABLE"})
# How far back a run looks for orders: the latest purchase whose window may still be open.
LOOKBACK = timedelta(days=WINDOW_CLOSES_DAYS) + FALLBACK_TRANSIT + timedelta(days=7)
WINDOW = timedelta(days=WINDOW_CLOSES_DAYS)


class Verdict(enum.StrEnum):
    ASK = "ask"
    WAIT = "wait"  # not yet (not shipped, or the delay has not elapsed): nothing is recorded
    SKIP = "skip"  # never: recorded with the reason


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: SkipReason | None = None


def delivery_estimate(order: Order) -> datetime | None:
    """When the order is taken as delivered (None: not shipped yet)."""
    if order.status != "SHIPPED":
        return None
    return order.deliver_by or order.created_time + FALLBACK_TRANSIT


def due_at(order: Order, settings: ReviewRequestSettings) -> datetime | None:
    """When the seller's delay after the (estimated) delivery elapses."""
    delivered = delivery_estimate(order)
    return delivered + timedelta(days=settings.delay_days) if delivered else None


def decide(order: Order, settings: ReviewRequestSettings, *, refunded: bool, now: datetime) -> Decision:
    """Ask, wait or skip this order now (first match wins: cancelled, refunded, not shipped, window)."""
    if order.status in CANCELLED_STATUSES:
        return Decision(Verdict.SKIP, SkipReason.CANCELLED)
    if refunded:
        return Decision(Verdict.SKIP, SkipReason.REFUNDED)
    delivered = delivery_estimate(order)
    if delivered is None:
        return Decision(Verdict.WAIT)
    if now > delivered + WINDOW:
        return Decision(Verdict.SKIP, SkipReason.WINDOW_PASSED)
    if now < delivered + timedelta(days=settings.delay_days):
        return Decision(Verdict.WAIT)
    return Decision(Verdict.ASK)


def window_closed(order: Order, now: datetime) -> bool:
    """Whether Amazon's window has closed by `now` (on the estimate); unknown delivery: not closed."""
    delivered = delivery_estimate(order)
    return delivered is not None and now > delivered + WINDOW
