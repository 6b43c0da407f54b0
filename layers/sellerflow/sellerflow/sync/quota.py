"""Application-wide quotas: one budget shared by every seller, and whose turn a free slot is.

Since 2026-04-24 Amazon lets an application request `GET_SALES_AND_TRAFFIC_REPORT` once per 15
minutes and 96 times a day, counted across all of its sellers. Each seller's sync runs on its own, so
the budget lives in DynamoDB (`QuotaLedger`, conditional writes: two syncs can never take one slot)
and the rules live here:

- a slot is granted only `min_interval` after the previous one (plus a margin for clock skew between
  Lambda and Amazon) and at most `per_day` times a UTC day;
- fairness: of the sellers waiting now, the least recently served goes first (never served before
  anyone served; ties: who waited longest, then seller id); the others are not refused, they take
  the fallback (Data Kiosk) at once rather than wait a quarter of an hour per seller in line;
- a seller that falls back withdraws from the line, so a slot is never held for someone who left.

`claim` never asks Amazon anything: the planner calls it only for a day the seller does not hold yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sellerflow.domain import QuotaSlot as SlotState
from sellerflow.domain import QuotaWaiting as Waiting
from sellerflow.observability import metrics


@dataclass(frozen=True)
class AppQuota:
    name: str
    min_interval: timedelta
    per_day: int
    skew_margin: timedelta = timedelta(seconds=60)  # our clock vs Amazon's: never ask a second early
    demand_ttl: timedelta = timedelta(minutes=15)  # a wish older than this is stale (its sync ended)

    @property
    def spacing(self) -> timedelta:
        return self.min_interval + self.skew_margin


SALES_AND_TRAFFIC_QUOTA = AppQuota(
    name="GET_SALES_AND_TRAFFIC_REPORT", min_interval=timedelta(minutes=15), per_day=96
)


class QuotaLedger(Protocol):
    """The durable budget (store adapter), per quota name. `take_slot` is one atomic conditional
    write of the rule `slot_is_free` states."""

    def slot(self, quota: str) -> SlotState: ...
    def want(self, quota: str, seller_id: str, now: datetime) -> None: ...
    def line(self, quota: str) -> list[Waiting]: ...
    def take_slot(
        self, quota: str, seller_id: str, now: datetime, *, spacing: timedelta, per_day: int
    ) -> bool: ...
    def served(self, quota: str, seller_id: str, now: datetime) -> None: ...
    def withdraw(self, quota: str, seller_id: str) -> None: ...


def next_in_line(line: list[Waiting], quota: AppQuota, now: datetime) -> str | None:
    """The waiting seller a free slot goes to: least recently served first."""
    fresh = [
        w
        for w in line
        if w.wanted_since is not None and now - (w.asked_at or w.wanted_since) <= quota.demand_ttl
    ]
    if not fresh:
        return None
    never = datetime.min.replace(tzinfo=now.tzinfo)
    first = min(fresh, key=lambda w: (w.last_served or never, w.wanted_since or never, w.seller_id))
    return first.seller_id


def slot_is_free(
    last_granted: datetime | None, day_count: int, day: str | None, quota: AppQuota, now: datetime
) -> bool:
    """The rule the ledger's conditional write enforces (kept here to say it once, and for tests)."""
    if last_granted is not None and now - last_granted < quota.spacing:
        return False
    return day != day_key(now) or day_count < quota.per_day


def day_key(now: datetime) -> str:
    """The UTC day a daily quota counts (the ledger stores the same text)."""
    return now.astimezone(UTC).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class QuotaBudget:
    quota: AppQuota
    ledger: QuotaLedger

    def claim(self, seller_id: str, now: datetime) -> bool:
        """True: this seller may ask Amazon now (a slot is taken). False: use the fallback."""
        name = self.quota.name
        slot = self.ledger.slot(name)
        if not slot_is_free(slot.last_granted, slot.day_count, slot.day, self.quota, now):
            # Taken: nobody can have it now, so there is no line to join (one read, no write).
            metrics.add_metric(name="AppQuotaFallbacks", unit="Count", value=1)
            return False
        self.ledger.want(name, seller_id, now)
        my_turn = next_in_line(self.ledger.line(name), self.quota, now) == seller_id
        if my_turn and self.ledger.take_slot(
            name, seller_id, now, spacing=self.quota.spacing, per_day=self.quota.per_day
        ):
            self.ledger.served(name, seller_id, now)
            metrics.add_metric(name="AppQuotaSlotsTaken", unit="Count", value=1)
            return True
        self.ledger.withdraw(name, seller_id)
        metrics.add_metric(name="AppQuotaFallbacks", unit="Count", value=1)
        return False
