"""Comparing what Sellerflow stored with what the simulator holds (the demo's and e2e's proof)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sellerflow.domain import Order, ReportState
from sellerflow.facts import TrafficByDateFact
from sellerflow.sync.mapping import to_order
from sellerflow.sync.reports import ALL_ORDERS, SALES_AND_TRAFFIC, recorded_source


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
class TrafficVerification:
    """A seller's stored sales-and-traffic days against the simulator, and where they came from."""

    seller_id: str
    sources: tuple[str, ...]  # "report", "data_kiosk" (the recorded source of each day's request)
    days: int  # days the sync ingested
    matching: int  # of those, days whose stored by-date facts equal the simulator's
    missing: tuple[str, ...]  # "<marketplace> <day>" asked for but not stored, or stored wrong

    @property
    def ok(self) -> bool:
        return self.days > 0 and self.matching == self.days and not self.missing


def verify_sales_traffic(
    seller_id: str,
    states: Sequence[ReportState],
    stored: Sequence[TrafficByDateFact],
    truth: Callable[[str, date], Any],
) -> TrafficVerification:
    """Each sales-and-traffic day the sync ingested (from the report or Data Kiosk) against
    `truth(marketplace_id, day)` (the simulator's SimDayTraffic): sessions, page views, units, sales."""
    facts = {(f.marketplace_id, f.day): f for f in stored}
    days = [s for s in states if s.key.startswith(f"REPORT#{SALES_AND_TRAFFIC}#") and s.status == "INGESTED"]
    missing: list[str] = []
    for state in days:
        marketplace_id, window = state.key.split("#")[2:4]
        day = date.fromisoformat(window.removeprefix("day-"))
        fact, expected = facts.get((marketplace_id, day)), truth(marketplace_id, day)
        same = (
            fact is not None
            and expected is not None
            and (fact.sessions, fact.page_views, fact.units_ordered, fact.ordered_product_sales)
            == (
                expected.sessions,
                expected.page_views,
                expected.units_ordered,
                expected.ordered_product_sales,
            )
        )
        if not same:
            missing.append(f"{marketplace_id} {day}")
    return TrafficVerification(
        seller_id=seller_id,
        sources=tuple(sorted({recorded_source(state) for state in days})),
        days=len(days),
        matching=len(days) - len(missing),
        missing=tuple(missing),
    )
