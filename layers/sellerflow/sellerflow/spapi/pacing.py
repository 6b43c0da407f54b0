"""Client-side pacing by the usage plans: a token bucket per seller × operation.

Amazon enforces the same buckets; pacing on our side means a sync slows down instead of collecting
429s. A bucket lives in the warm Lambda's memory, so it is a best effort across containers: 429s are
still expected and handled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sellerflow.spapi.usage_plans import UsagePlan, plan_for


@dataclass
class TokenBucket:
    plan: UsagePlan
    tokens: float
    updated_at: float

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated_at)
        self.tokens = min(float(self.plan.burst), self.tokens + elapsed * self.plan.rate_per_s)
        self.updated_at = now

    def take(self, now: float) -> float:
        """Take one token if there is one; otherwise return how long until one is due."""
        self.refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.plan.rate_per_s

    def drain(self, now: float) -> None:
        """Amazon said 429: our estimate was optimistic, start again from empty."""
        self.refill(now)
        self.tokens = 0.0


class Pacer:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def _bucket(self, seller_id: str, operation: str) -> TokenBucket:
        key = (seller_id, operation)
        bucket = self._buckets.get(key)
        if bucket is None:
            plan = plan_for(operation)
            bucket = TokenBucket(plan=plan, tokens=float(plan.burst), updated_at=self._clock())
            self._buckets[key] = bucket
        return bucket

    def reserve(self, seller_id: str, operation: str) -> float:
        """Seconds to wait before calling (0 = call now; a token was taken)."""
        with self._lock:
            return self._bucket(seller_id, operation).take(self._clock())

    def observe_rate(self, seller_id: str, operation: str, rate_per_s: float) -> None:
        """Amazon tells the rate it applies (`x-amzn-RateLimit-Limit`); sellers with a raised usage
        plan get it, and we pace by it from then on."""
        if rate_per_s <= 0:
            return
        with self._lock:
            bucket = self._bucket(seller_id, operation)
            if bucket.plan.rate_per_s != rate_per_s:
                bucket.refill(self._clock())
                bucket.plan = UsagePlan(rate_per_s=rate_per_s, burst=bucket.plan.burst)

    def next_wait(self, seller_id: str, operation: str) -> float:
        """Seconds until a token is due, without taking one."""
        with self._lock:
            bucket = self._bucket(seller_id, operation)
            bucket.refill(self._clock())
            return 0.0 if bucket.tokens >= 1.0 else (1.0 - bucket.tokens) / bucket.plan.rate_per_s

    def throttled(self, seller_id: str, operation: str) -> None:
        with self._lock:
            self._bucket(seller_id, operation).drain(self._clock())
