"""Review requests (Solicitations API): the seller's setting and what was done per order.

None of these types holds anything of the buyer: an order id, a marketplace, an outcome and times.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

# Amazon offers the solicitation from 5 to 30 days after the order's delivery.
WINDOW_OPENS_DAYS = 5
WINDOW_CLOSES_DAYS = 30
DEFAULT_DELAY_DAYS = 7


class ReviewRequestSettings(BaseModel):
    """Per seller: whether Sellerflow asks Amazon to request reviews, and how many days after delivery.

    Off until an owner turns it on (a message goes to the seller's buyers in the seller's name)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    enabled: bool = False
    delay_days: int = Field(default=DEFAULT_DELAY_DAYS, ge=WINDOW_OPENS_DAYS, le=WINDOW_CLOSES_DAYS)


class Outcome(enum.StrEnum):
    PENDING = "pending"  # claimed by a run, Amazon's answer not recorded yet
    REQUESTED = "requested"  # Amazon accepted the solicitation (final)
    SKIPPED = "skipped"  # never asked, for `reason` (final)
    FAILED = "failed"  # not asked yet for a passing reason; retried at `retry_after`


class SkipReason(enum.StrEnum):
    CANCELLED = "cancelled"  # the order was cancelled or could not be fulfilled
    REFUNDED = "refunded"  # a refund (a return, or a refund without return) was posted for the order
    WINDOW_PASSED = "window_passed"  # more than 30 days after the (estimated) delivery
    NOT_OFFERED = "not_offered"  # Amazon did not offer the action until the window closed
    REJECTED = "rejected"  # Amazon refused the create (e.g. already asked outside Sellerflow)


FINAL = frozenset({Outcome.REQUESTED, Outcome.SKIPPED})


@dataclass(frozen=True)
class ReviewRequest:
    """One order's review request, as stored (`REVIEWREQ#<orderId>`)."""

    seller_id: str
    order_id: str
    marketplace_id: str
    outcome: Outcome
    updated_at: datetime
    reason: SkipReason | None = None
    attempts: int = 0
    retry_after: datetime | None = None
    requested_at: datetime | None = None


@dataclass(frozen=True)
class ReviewRequestCounts:
    requested: int
    skipped: dict[str, int]  # per SkipReason value
    pending: int  # claimed or failed-and-retried: will be asked by a later run

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


class RunResult(BaseModel):
    """What one run did (the step's output)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    requested: int = 0
    skipped: int = 0
    failed: int = 0
    waiting: int = 0  # eligible later (delay not elapsed, or left for the next run's batch)
    throttled: bool = False


STALE_CLAIM = timedelta(minutes=15)  # a pending claim older than this is a crashed run's
# A run reads every order of the last weeks: once a day is enough for a delay counted in days. A run
# that left work (its batch was full, or Amazon throttled) lets the next sync go on at once.
RUN_EVERY = timedelta(hours=20)


@dataclass(frozen=True)
class RunMarker:
    """When the seller's last run finished, and whether it left orders for the next one."""

    seller_id: str
    finished_at: datetime
    left_work: bool
