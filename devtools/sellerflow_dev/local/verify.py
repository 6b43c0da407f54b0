"""Comparing what Sellerflow stored with what the simulator holds (the demo's and e2e's proof)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sellerflow.domain import Order, ReportState
from sellerflow.sync.mapping import to_order
from sellerflow.sync.reports import ALL_ORDERS


@dataclass(frozen=True)
class Verification:
    seller_id: str
    stored: int
    source: int
    missing: tuple[str, ...]
    unexpected: tuple[str, ...]
    different: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.stored == self.source and not (self.missing or self.unexpected or self.different)


def verify_orders(
    seller_id: str,
    stored: list[Order],
    ground_truth: list[dict[str, Any]],
    history: Sequence[dict[str, Any]] = (),
    backfilled: Sequence[ReportState] = (),
) -> Verification:
    """Stored orders against the simulator: every searchOrders order equal field by field, plus
    exactly the history orders of the All Orders windows that were ingested (the report backfill)."""
    expected = {o.order_id: o for o in (to_order(seller_id, doc) for doc in ground_truth)}
    expected_history = backfilled_order_ids(history, backfilled)
    actual = {o.order_id: o for o in stored}
    current = {k: v for k, v in actual.items() if k in expected}
    from_history = actual.keys() - expected.keys()
    return Verification(
        seller_id=seller_id,
        stored=len(actual),
        source=len(expected) + len(expected_history),
        missing=tuple(sorted((expected.keys() - current.keys()) | (expected_history - from_history))),
        unexpected=tuple(sorted(from_history - expected_history)),
        different=tuple(sorted(k for k in current if expected[k] != current[k])),
    )


def backfilled_order_ids(history: Sequence[dict[str, Any]], backfilled: Sequence[ReportState]) -> set[str]:
    """History orders purchased inside an ingested All Orders window of their marketplace."""
    windows = [
        (state.marketplace_id, state.window_start, state.window_end)
        for state in backfilled
        if state.report_type == ALL_ORDERS
        and state.status == "INGESTED"
        and state.window_start
        and state.window_end
    ]
    found: set[str] = set()
    for doc in history:
        created = datetime.fromisoformat(str(doc["createdTime"]).replace("Z", "+00:00"))
        marketplace = doc["salesChannel"].get("marketplaceId")
        if any(m == marketplace and start <= created <= end for m, start, end in windows):
            found.add(str(doc["orderId"]))
    return found


@dataclass(frozen=True)
class PushVerification:
    """Push for one seller: what Sellerflow stored against what the simulator sent."""

    seller_id: str
    subscriptions: int  # stored by Sellerflow
    subscribed_at_amazon: int  # the simulator's subscriptions of the seller
    published: int  # notifications the simulator decided to send
    delivered: int  # messages that reached the queue (duplicates count twice)
    dropped: int
    settled: dict[str, int]  # Sellerflow's idempotency records by outcome (applied, ignored, ...)
    expected_types: int = 4

    @property
    def unique_delivered(self) -> int:
        return self.published - self.dropped

    @property
    def ok(self) -> bool:
        handled = sum(v for k, v in self.settled.items() if k in ("applied", "ignored"))
        return (
            self.subscriptions == self.subscribed_at_amazon == self.expected_types
            and handled == self.unique_delivered == sum(self.settled.values())
        )

    def line(self) -> str:
        verdict = "verified" if self.ok else "MISMATCH"
        outcomes = " ".join(f"{k}={v}" for k, v in sorted(self.settled.items()) if k != "applied")
        return (
            f"{verdict} notifications {self.seller_id} subscriptions={self.subscriptions} "
            f"delivered={self.delivered} applied={self.settled.get('applied', 0)} "
            f"unique={self.unique_delivered} dropped={self.dropped} {outcomes}"
        ).rstrip()


def verify_notifications(
    seller_id: str, *, stored_subscriptions: int, sim_stats: dict[str, Any], settled: dict[str, int]
) -> PushVerification:
    return PushVerification(
        seller_id=seller_id,
        subscriptions=stored_subscriptions,
        subscribed_at_amazon=int(sim_stats["subscriptions"]),
        published=int(sim_stats["published"]),
        delivered=int(sim_stats["delivered"]),
        dropped=int(sim_stats["dropped"]),
        settled=dict(settled),
    )
