"""Amazon's per-SKU economics (Data Kiosk `analytics_economics_2024_03_15`) reconciled with
Sellerflow's SKU rollups.

Per (marketplace, MSKU, marketplace-local day) three figures are compared, in the marketplace's
currency:

- fees: Amazon's Σ fees.charges.totalAmount against the rollup's `fees`;
- ad_spend: Amazon's Σ ads.charge.totalAmount against the rollup's `ad_spend`;
- net_proceeds: Amazon's netProceeds.total against the rollup's net before COGS
  (`net_profit + cogs`): Amazon subtracts only the cost a seller entered in Seller Central, which
  Sellerflow does not know, so the COGS of Sellerflow stay out of both sides.

A difference of more than one cent (|amazon − ours| > 0.01) is a `Mismatch`; a SKU-day present in
only one source is compared with zero on the other side. Nothing is adjusted: the mismatches are
returned (and counted in the `EconomicsMismatches` metric by the caller's flow), the rollups stay
as Sellerflow computed them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from sellerflow.analytics.model import RowKind, SkuRollup
from sellerflow.observability import logger, metrics
from sellerflow.reports.data_kiosk_economics import DATASET, EconomicsSkuDay, parse_economics_jsonl
from sellerflow.reports.stream import ParseLog, decode_lines
from sellerflow.sync.ingest import DocumentChunks

TOLERANCE = Decimal("0.01")
FIELDS = ("fees", "ad_spend", "net_proceeds")
ZERO = Decimal(0)

Key = tuple[str, str, date]  # (marketplace id, sku, day)


@dataclass(frozen=True)
class Mismatch:
    field: str  # fees | ad_spend | net_proceeds
    marketplace_id: str
    sku: str
    day: date
    currency: str
    amazon: Decimal
    ours: Decimal

    @property
    def difference(self) -> Decimal:
        return self.amazon - self.ours

    def as_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "marketplace_id": self.marketplace_id,
            "sku": self.sku,
            "day": self.day.isoformat(),
            "currency": self.currency,
            "amazon": str(self.amazon),
            "ours": str(self.ours),
        }


def ours_of(row: SkuRollup) -> dict[str, Decimal]:
    return {"fees": row.fees, "ad_spend": row.ad_spend, "net_proceeds": row.net_profit + row.cogs}


def amazon_of(row: EconomicsSkuDay) -> dict[str, Decimal]:
    return {"fees": row.fees, "ad_spend": row.ad_spend, "net_proceeds": row.net_proceeds}


def reconcile(amazon: Iterable[EconomicsSkuDay], ours: Iterable[SkuRollup]) -> list[Mismatch]:
    """Every figure differing by more than a cent, sorted by (day, marketplace, sku, field).

    Only SKU rows of ours count (account and unattributed-ads rows name no MSKU). Amazon's rows of
    one key are summed (the same MSKU under two ASINs is one SKU here)."""
    theirs: dict[Key, dict[str, Decimal]] = {}
    currencies: dict[Key, str] = {}
    for a in amazon:
        key = (a.marketplace_id, a.sku, a.day)
        _add(theirs, key, amazon_of(a))
        currencies[key] = a.currency
    mine: dict[Key, dict[str, Decimal]] = {}
    for r in ours:
        if r.kind is RowKind.SKU:
            key = (r.marketplace_id, r.sku, r.day)
            _add(mine, key, ours_of(r))
            currencies.setdefault(key, r.currency)
    found = [
        Mismatch(name, key[0], key[1], key[2], currencies[key], a, o)
        for key in theirs.keys() | mine.keys()
        for name, a, o in _pairs(theirs.get(key, {}), mine.get(key, {}))
        if abs(a - o) > TOLERANCE
    ]
    return sorted(found, key=lambda m: (m.day, m.marketplace_id, m.sku, m.field))


def _add(into: dict[Key, dict[str, Decimal]], key: Key, values: dict[str, Decimal]) -> None:
    row = into.setdefault(key, dict.fromkeys(FIELDS, ZERO))
    for name, value in values.items():
        row[name] += value


def _pairs(amazon: dict[str, Decimal], ours: dict[str, Decimal]) -> Iterator[tuple[str, Decimal, Decimal]]:
    for name in FIELDS:
        yield name, amazon.get(name, ZERO), ours.get(name, ZERO)


# --- the flow: query → document → parse → reconcile ---------------------------------------------------


class EconomicsKiosk(Protocol):
    """Data Kiosk as `sellerflow.spapi.data_kiosk.DataKioskClient` offers it."""

    def create_economics_query(self, seller_id: str, marketplace_id: str, start: date, end: date) -> str: ...
    def get_query(self, seller_id: str, query_id: str) -> dict[str, Any]: ...
    def get_document(self, seller_id: str, document_id: str) -> dict[str, Any]: ...
    def download(self, url: str, *, chunk_size: int = ...) -> DocumentChunks: ...


class SkuRollupReader(Protocol):
    def skus(
        self, seller_id: str, first: date, last: date, *, marketplace_id: str | None = None
    ) -> list[SkuRollup]: ...


class MismatchRecorder(Protocol):
    """Where a check's mismatches are kept (`sellerflow.store.economics.EconomicsMismatchStore`)."""

    def put(
        self,
        seller_id: str,
        marketplace_id: str,
        first: date,
        last: date,
        mismatches: Sequence[Mapping[str, str]],
        *,
        read: Mapping[str, int] | None = None,
    ) -> None: ...


class EconomicsQueryFailed(RuntimeError):
    """The query ended FATAL or CANCELLED, or did not finish in time (no figure was compared)."""


@dataclass
class EconomicsCheck:
    seller_id: str
    marketplace_id: str
    first: date
    last: date
    amazon_rows: int = 0
    our_rows: int = 0
    rejected: int = 0
    skus: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)


class MismatchBook(MismatchRecorder, Protocol):
    def last_checked(self, seller_id: str, marketplace_id: str) -> datetime | None: ...


class ReconcileEconomicsInput(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    seller_id: str


class ReconcileEconomicsOutput(BaseModel):
    """One sync's reconciliation: marketplaces checked, skipped (checked recently) and unfinished."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    checked: int = 0
    skipped: int = 0
    unfinished: int = 0
    mismatches: int = 0


@dataclass(frozen=True)
class EconomicsSchedule:
    """How often and over what a seller's economics are reconciled (`ECONOMICS_*` settings)."""

    every: timedelta  # zero: never (reconciliation off)
    days: int  # the last settled marketplace-local days compared
    wait_s: float  # how long one sync waits for Amazon's queries
    # How long after a local day ends it is compared: Amazon refreshes the dataset daily and keeps
    # adding to a day that just ended (orders seen late, fees posted), so a younger day would be
    # compared against figures that still move.
    settle: timedelta


def reconcile_due_economics(
    seller_id: str,
    marketplace_ids: Sequence[str],
    *,
    kiosk: EconomicsKiosk,
    rollups: SkuRollupReader,
    book: MismatchBook,
    schedule: EconomicsSchedule,
    now: datetime,
    local_date: Callable[[str, datetime], date],
    sleep: Callable[[float], None] = time.sleep,
) -> ReconcileEconomicsOutput:
    """The seller-sync step after the rollups: each marketplace not checked within `schedule.every`
    is checked over its last `schedule.days` local days that ended `schedule.settle` ago or more. A
    query that fails or does not finish in time is counted unfinished (the next sync asks again); it
    never fails the sync."""
    if schedule.every <= timedelta(0):
        return ReconcileEconomicsOutput(skipped=len(marketplace_ids))
    checked = skipped = unfinished = mismatches = 0
    for marketplace_id in marketplace_ids:
        last_checked = book.last_checked(seller_id, marketplace_id)
        if last_checked is not None and now - last_checked < schedule.every:
            skipped += 1
            continue
        # the last local day that ended at least `settle` ago
        last = local_date(marketplace_id, now - schedule.settle) - timedelta(days=1)
        try:
            check = check_economics(
                kiosk, rollups, seller_id=seller_id, marketplace_id=marketplace_id,
                first=last - timedelta(days=schedule.days - 1), last=last,
                timeout_s=schedule.wait_s, sleep=sleep, recorder=book,
            )  # fmt: skip
        except EconomicsQueryFailed as exc:
            unfinished += 1
            logger.warning(
                "economics not reconciled",
                extra={"seller_id": seller_id, "marketplace_id": marketplace_id, "reason": str(exc)},
            )
            continue
        checked += 1
        mismatches += len(check.mismatches)
    return ReconcileEconomicsOutput(
        checked=checked, skipped=skipped, unfinished=unfinished, mismatches=mismatches
    )


def check_economics(
    kiosk: EconomicsKiosk,
    rollups: SkuRollupReader,
    *,
    seller_id: str,
    marketplace_id: str,
    first: date,
    last: date,
    timeout_s: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
    recorder: MismatchRecorder | None = None,
) -> EconomicsCheck:
    """One marketplace's [first, last] checked; the mismatches are returned, counted in the metric
    and, given a `recorder`, stored (the record of the range is replaced even when there are none)."""
    query_id = kiosk.create_economics_query(seller_id, marketplace_id, first, last)
    query = _wait(kiosk, seller_id, query_id, timeout_s, sleep)
    amazon: list[EconomicsSkuDay] = []
    log = ParseLog()
    document_id = query.get("dataDocumentId")
    if document_id:  # DONE without a document: Amazon has no economics for the range
        url = kiosk.get_document(seller_id, str(document_id))["documentUrl"]
        lines = decode_lines(kiosk.download(url), report_type=DATASET, encoding="utf-8")
        amazon = list(
            parse_economics_jsonl(lines, seller_id=seller_id, marketplace_id=marketplace_id, log=log)
        )
    ours = rollups.skus(seller_id, first, last, marketplace_id=marketplace_id)
    check = EconomicsCheck(
        seller_id,
        marketplace_id,
        first,
        last,
        amazon_rows=len(amazon),
        our_rows=sum(1 for r in ours if r.kind is RowKind.SKU),
        rejected=log.rejected_count,
        skus=len({a.sku for a in amazon} | {r.sku for r in ours if r.kind is RowKind.SKU}),
        mismatches=reconcile(amazon, ours),
    )
    metrics.add_metric(name="EconomicsMismatches", unit="Count", value=len(check.mismatches))
    if recorder is not None:
        read = {
            "amazon_rows": check.amazon_rows, "our_rows": check.our_rows,
            "skus": check.skus, "rejected": check.rejected,
        }  # fmt: skip
        recorder.put(
            seller_id, marketplace_id, first, last, [m.as_dict() for m in check.mismatches], read=read
        )
    return check


def _wait(
    kiosk: EconomicsKiosk, seller_id: str, query_id: str, timeout_s: float, sleep: Callable[[float], None]
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    pause = 0.05
    while True:
        query = kiosk.get_query(seller_id, query_id)
        status = query.get("processingStatus")
        if status == "DONE":
            return query
        if status not in {"IN_QUEUE", "IN_PROGRESS"}:
            raise EconomicsQueryFailed(f"economics query {query_id} ended {status}")
        if time.monotonic() >= deadline:
            raise EconomicsQueryFailed(f"economics query {query_id} did not finish in {timeout_s:.0f} s")
        sleep(pause)
        pause = min(pause * 2, 30.0)


def mismatch_lines(mismatches: Sequence[Mismatch]) -> list[str]:
    return [
        f"{m.field} sku={m.sku} day={m.day.isoformat()} amazon={m.amazon} ours={m.ours} {m.currency}"
        for m in mismatches
    ]
