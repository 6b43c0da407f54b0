"""Token buckets that enforce SP-API usage plans per seller and operation.

A bucket starts full (``burst`` tokens), every request takes one token, and tokens come back at
``rate`` per second up to ``burst`` again: Amazon's documented behaviour. The clock is a plain
callable returning seconds, so a unit test drives time by hand.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sellerflow.spapi.usage_plans import UsagePlan, plan_for

Clock = Callable[[], float]


@dataclass
class TokenBucket:
    rate_per_s: float
    burst: int
    clock: Clock = time.monotonic
    _tokens: float = field(init=False)
    _updated_at: float = field(init=False)

    def __post_init__(self) -> None:
        self._tokens = float(self.burst)
        self._updated_at = self.clock()

    def _refill(self) -> None:
        now = self.clock()
        elapsed = max(0.0, now - self._updated_at)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate_per_s)
        self._updated_at = now

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens

    def try_take(self) -> bool:
        """Take one token if there is one; False means the request is throttled."""
        self._refill()
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def seconds_until_token(self) -> float:
        """How long until a request would pass again (0 when one would pass now)."""
        missing = 1.0 - self.tokens
        if missing <= 0:
            return 0.0
        return missing / self.rate_per_s if self.rate_per_s > 0 else float("inf")


class RateLimiter:
    """One bucket per (seller, operation), sized from the usage plan and the simulator's knobs."""

    def __init__(
        self, *, rate_scale: float = 1.0, burst_override: int | None = None, clock: Clock = time.monotonic
    ):
        self.rate_scale = rate_scale
        self.burst_override = burst_override
        self.clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def reconfigure(self, *, rate_scale: float, burst_override: int | None) -> None:
        """Apply new knobs; buckets are rebuilt (full) on their next use."""
        with self._lock:
            if (rate_scale, burst_override) != (self.rate_scale, self.burst_override):
                self.rate_scale = rate_scale
                self.burst_override = burst_override
                self._buckets.clear()

    def plan(self, operation: str) -> UsagePlan:
        """The usage plan the simulator applies (before rate_scale) to `operation`."""
        return plan_for(operation)

    def try_acquire(self, seller_id: str, operation: str) -> bool:
        with self._lock:
            bucket = self._buckets.get((seller_id, operation))
            if bucket is None:
                plan = plan_for(operation)
                burst = self.burst_override if self.burst_override is not None else plan.burst
                bucket = TokenBucket(plan.rate_per_s * self.rate_scale, burst, self.clock)
                self._buckets[(seller_id, operation)] = bucket
            return bucket.try_take()


@dataclass(frozen=True)
class AppQuota:
    """A quota Amazon counts per application across all of its sellers (not per seller)."""

    min_interval: timedelta
    per_day: int


# Since 2026-04-24: GET_SALES_AND_TRAFFIC_REPORT once per 15 minutes and 96 times a day per application.
APP_QUOTAS: dict[str, AppQuota] = {
    "GET_SALES_AND_TRAFFIC_REPORT": AppQuota(min_interval=timedelta(minutes=15), per_day=96),
}


class AppWideLimiter:
    """Application-wide createReport quotas, judged on the request time (the simulated clock)."""

    def __init__(self, quotas: dict[str, AppQuota] | None = None) -> None:
        self.quotas = dict(APP_QUOTAS if quotas is None else quotas)
        self._last: dict[str, datetime] = {}
        self._days: dict[tuple[str, date], int] = {}
        self.granted: dict[str, int] = {}
        self.refused: dict[str, int] = {}
        self._lock = threading.Lock()

    def try_acquire(self, report_type: str, now: datetime) -> bool:
        quota = self.quotas.get(report_type)
        if quota is None:
            return True
        with self._lock:
            last = self._last.get(report_type)
            day = (report_type, now.astimezone(UTC).date())
            if (last is not None and now - last < quota.min_interval) or self._days.get(
                day, 0
            ) >= quota.per_day:
                self.refused[report_type] = self.refused.get(report_type, 0) + 1
                return False
            self._last[report_type] = now
            self._days[day] = self._days.get(day, 0) + 1
            self.granted[report_type] = self.granted.get(report_type, 0) + 1
            return True
