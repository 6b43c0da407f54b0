"""Trailing SKU windows: per-SKU totals of a marketplace's last complete days, kept by the rollup job
so that the SKU table and the inventory's velocity read a few summary items, not every SKU row of
every day of their window (a 30-day window of 800 SKUs is ~24,000 rows; its summary is one item).

A summary of `k` complete days ends yesterday (the marketplace's local day). The windows it serves:

    last n days, today included (LAST7/30/90)   = summary of n-1 days + today's rows
    n complete days (the inventory's velocity)  = summary of n-1 days + the day before it
    n-1 complete days                            = the summary alone

A summary that ends elsewhere (the rollup job has not run since midnight) is not used: the caller
reads the rows, so a window is never answered from a stale summary of the wrong days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from sellerflow.analytics.model import SKU_ADDITIVE, SkuRollup
from sellerflow.analytics.ranges import DayRange
from sellerflow.calendar import local_today

# The complete days each summary holds: LAST7, LAST30 (and the 30-day velocity), LAST90.
SUMMARY_DAYS: tuple[int, ...] = (6, 29, 89)
LONGEST = max(SUMMARY_DAYS)


@dataclass(frozen=True)
class WindowPlan:
    """How to answer a window: the summary of `summary_days` days ending `as_of`, plus `extra_days`."""

    summary_days: int
    as_of: date
    extra_days: tuple[date, ...]


def plan_window(window: DayRange, today: date) -> WindowPlan | None:
    """The summary (and extra day) that make `window` exactly, or None (read the rows)."""
    yesterday = today - timedelta(days=1)
    for k in SUMMARY_DAYS:
        first = yesterday - timedelta(days=k - 1)
        if window == DayRange(first, today):
            return WindowPlan(k, yesterday, (today,))
        if window == DayRange(first - timedelta(days=1), yesterday):
            return WindowPlan(k, yesterday, (first - timedelta(days=1),))
        if window == DayRange(first, yesterday):
            return WindowPlan(k, yesterday, ())
    return None


def summary_span(days: int, as_of: date) -> DayRange:
    return DayRange(as_of - timedelta(days=days - 1), as_of)


def summarize(
    rows: Iterable[SkuRollup], as_of: date, lengths: Sequence[int] = SUMMARY_DAYS
) -> dict[int, list[SkuRollup]]:
    """Each length's per-row totals over its days ending `as_of`: one `SkuRollup` per (row, currency),
    dated `as_of`, its amounts the sums and `cogs_complete` true only if every day's was."""
    totals: dict[int, dict[tuple[str, str], SkuRollup]] = {k: {} for k in lengths}
    spans = {k: summary_span(k, as_of) for k in lengths}
    for row in rows:
        for k, span in spans.items():
            if row.day not in span:
                continue
            key = (row.row_id, row.currency)
            held = totals[k].get(key)
            totals[k][key] = replace(row, day=as_of) if held is None else add(held, row)
    return {k: [totals[k][key] for key in sorted(totals[k])] for k in lengths}


def add(a: SkuRollup, b: SkuRollup) -> SkuRollup:
    """The sum of two rows of the same SKU (and currency), dated as `a`."""
    summed = {name: getattr(a, name) + getattr(b, name) for name in SKU_ADDITIVE}
    return replace(a, **summed, cogs_complete=a.cogs_complete and b.cogs_complete)


# --- the rollup job keeps them: data access through this port ----------------------------------------
class SkuWindowStore(Protocol):
    def newest_day_computed_at(
        self, seller_id: str, marketplace_id: str, first: date, last: date
    ) -> datetime | None: ...

    def sku_window_heads(self, seller_id: str, marketplace_id: str) -> Mapping[int, SkuWindowHeadLike]: ...

    def skus(
        self, seller_id: str, first: date, last: date, *, marketplace_id: str | None = None
    ) -> list[SkuRollup]: ...

    def replace_sku_windows(
        self,
        seller_id: str,
        marketplace_id: str,
        *,
        as_of: date,
        built_from: datetime,
        windows: Mapping[int, Sequence[SkuRollup]],
    ) -> None: ...


class SkuWindowHeadLike(Protocol):
    @property
    def as_of(self) -> date: ...

    @property
    def built_from(self) -> datetime: ...


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def refresh_sku_windows(
    seller_id: str, marketplaces: Iterable[str], *, store: SkuWindowStore, now: datetime
) -> list[str]:
    """Rebuild the windows of each marketplace whose stored ones do not end yesterday or predate a
    day rollup of their days (the state decides, not this run's markers: a run that died after its
    rollups and before this is caught up by the next). Returns the marketplaces rebuilt."""
    rebuilt = []
    for marketplace_id in marketplaces:
        yesterday = local_today(marketplace_id, now) - timedelta(days=1)
        span = summary_span(LONGEST, yesterday)
        newest = store.newest_day_computed_at(seller_id, marketplace_id, span.first, span.last)
        heads = store.sku_window_heads(seller_id, marketplace_id)
        if newest is None and not heads:
            continue  # nothing rolled up, nothing stored
        source = newest or EPOCH
        if all(
            k in heads and heads[k].as_of == yesterday and heads[k].built_from >= source for k in SUMMARY_DAYS
        ):
            continue
        rows = store.skus(seller_id, span.first, span.last, marketplace_id=marketplace_id)
        store.replace_sku_windows(
            seller_id, marketplace_id, as_of=yesterday, built_from=source, windows=summarize(rows, yesterday)
        )
        rebuilt.append(marketplace_id)
    return rebuilt
