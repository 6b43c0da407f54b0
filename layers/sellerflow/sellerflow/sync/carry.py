"""Reports on the hourly Express seller-sync: carried from one run to the next instead of waited for.

The Standard seller-sync asks for a report, waits (Wait states), polls and ingests it in one run. An
Express run may not wait (290 s, billed by duration), so each hourly run moves the seller's reports
one step and keeps the rest for the next run, in one item per seller (`REPORTCARRY`,
`ReportBook.carry`, with `expires_at`):

1. plan, when the last plan (this machine's or a Standard run's) is `plan_every` old: the same plan
   as Standard's PlanReports (`plan_run`: reuse windows, traffic settle time, the sales-and-traffic
   budget, FATAL cool-downs, settlements) and PlanAdsReports (`plan_ads_reports`). A plan that would
   hold history backfill windows (a new marketplace, a deeper plan) is Standard's: the run hands
   over (`hand_over`) and plans nothing;
2. check once each report an earlier run asked for (`check_report`, `check_ads_report`);
3. ask for what is due (`request_report`, `request_ads_report`); a request past createReport's
   burst (`pace_requests`: no slot now) is left for a later hour, never slept on;
4. download and ingest what is DONE (`ingest_report_document`, `ingest_ads_report`), settlements too,
   while the run's time budget lasts; the rest waits for the next hour.

A report that ends FATAL, CANCELLED, FAILED at Amazon or cooling down leaves the carry as it leaves a
Standard run: the report record says so and the next plan applies the same policy. A throttled call,
a server error or an expired URL leaves the job where it was for the next hour. Every step is the
Standard sub-flows' own function; this module only decides which step each job takes this run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from sellerflow.domain import ReportCarry, ReportState, SyncRoute
from sellerflow.errors import (
    AdsApiError,
    AdsReportUrlExpired,
    AdsServerError,
    AdsThrottled,
    CredentialsMissing,
    DocumentUrlExpired,
    SpApiAuthorizationRevoked,
    SpApiServerError,
    SpApiThrottled,
)
from sellerflow.observability import logger, metrics
from sellerflow.sync.ads import (
    AdsApi,
    AdsJob,
    AdsParser,
    AdsPolicy,
    AdsProgress,
    AdsSink,
    IngestAdsInput,
    check_ads_report,
    ingest_ads_report,
    plan_ads_reports,
    request_ads_report,
)
from sellerflow.sync.ingest import DocumentApi, DocumentBook, Ingest, IngestInput, KioskDocumentApi
from sellerflow.sync.ingest import ingest_report_document as ingest_document
from sellerflow.sync.models import SELLER_ID_PATTERN
from sellerflow.sync.reports import (
    PENDING,
    DataKioskApi,
    PlanCaps,
    ReportJob,
    ReportPolicy,
    ReportProgress,
    ReportsApi,
    SettlementJob,
    TrafficBudget,
    backfill_open,
    check_report,
    pace_requests,
    plan_run,
    request_report,
    within_plan,
)

# Worth another try next hour, as the Standard sub-flows' Retry would (without sleeping here).
TRANSIENT: tuple[type[Exception], ...] = (
    SpApiThrottled,
    SpApiServerError,
    DocumentUrlExpired,
    AdsThrottled,
    AdsServerError,
    AdsReportUrlExpired,
)


@dataclass(frozen=True)
class CarryPolicy:
    # How often the reports are planned (SYNC_REPORTS_EVERY_MINUTES, as RoutePolicy.reports_every was):
    # the daily reports are asked once a day and a day's traffic 4 hours after it ends.
    plan_every: timedelta = timedelta(hours=6)
    # The time a run may start downloads in (the Express run's 290 s also hold the orders and
    # finances pages, the rollups and the rest): a document not started by then waits an hour.
    ingest_budget_s: float = 60.0


# What an ingestion started at the budget's end may still take, before the Lambda's own timeout.
INGEST_RESERVE_S = 90.0


def within_time_left(policy: CarryPolicy, time_left_ms: int) -> CarryPolicy:
    """The policy with a budget that leaves the last download started room before the Lambda's end."""
    budget = max(0.0, min(policy.ingest_budget_s, time_left_ms / 1000 - INGEST_RESERVE_S))
    return replace(policy, ingest_budget_s=budget)


class _Io(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class CarriedReport(_Io):
    job: ReportJob
    progress: ReportProgress | None = None  # None: not asked for yet


class CarriedAds(_Io):
    job: AdsJob
    progress: AdsProgress | None = None


class Carried(_Io):
    """The REPORTCARRY item's body: report ids, document ids and statuses, never a URL or a row."""

    reports: list[CarriedReport] = []
    settlements: list[SettlementJob] = []
    ads: list[CarriedAds] = []

    @property
    def size(self) -> int:
        return len(self.reports) + len(self.settlements) + len(self.ads)


class AdvanceReportsInput(_Io):
    seller_id: str = Field(pattern=SELLER_ID_PATTERN)
    # The execution (`$$.Execution.Id`): the claimant of the documents it ingests (`IngestInput`).
    claimant: str | None = None


class AdvanceReportsOutput(_Io):
    seller_id: str
    planned: bool = False
    hand_over: bool = False  # the plan holds history backfill: the Standard seller-sync's work
    requested: int = 0
    checked: int = 0
    ingested: int = 0
    rows: int = 0
    ended: int = 0  # FATAL, CANCELLED, FAILED at Amazon, cooling down, polled too long: recorded, dropped
    failed: int = 0  # an error this run (recorded in the log); the next plan asks again
    deferred: int = 0  # no createReport slot, a throttled call, out of time: the next hour goes on
    left: int = 0  # jobs carried to the next run


class ReportsPort(ReportsApi, DocumentApi, Protocol):
    """The SP-API client: reports and their documents."""


class KioskPort(DataKioskApi, KioskDocumentApi, Protocol):
    """Data Kiosk: queries and their documents."""


class CarryBook(DocumentBook, Protocol):
    def carry(self, seller_id: str) -> ReportCarry | None: ...
    def keep_carry(self, carry: ReportCarry, *, now: datetime) -> None: ...


class RouteReader(Protocol):
    def sync_route(self, seller_id: str) -> SyncRoute: ...


@dataclass(frozen=True)
class SpApiReports:
    api: ReportsPort
    book: CarryBook
    policy: ReportPolicy
    ingest: Ingest
    sink: object
    kiosk: KioskPort | None = None
    traffic_budget: TrafficBudget | None = None


@dataclass(frozen=True)
class AdsReports:
    api: AdsApi
    policy: AdsPolicy
    parse: AdsParser
    parse_products: AdsParser
    sink: AdsSink


@dataclass
class _Tally:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, value: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + value


@dataclass(frozen=True)
class _Steps:
    """One kind of job's steps: the Standard sub-flow's functions, and which statuses mean what."""

    request: Callable[[Any], Any]
    check: Callable[[Any, Any], Any]
    ingest: Callable[[Any, Any], int]  # the rows read
    ready: str
    pending: tuple[str, ...]
    not_yet: Callable[[Any], bool] = lambda _job: False  # no slot for its request this hour


def advance_reports(
    request: AdvanceReportsInput,
    marketplace_ids: Sequence[str],
    caps: PlanCaps | None,
    *,
    reports: SpApiReports,
    ads: AdsReports | None,
    routes: RouteReader,
    now: datetime,
    clock: Callable[[], float],
    policy: CarryPolicy,
) -> AdvanceReportsOutput:
    """Move the seller's reports one step each (see the module), within `policy.ingest_budget_s` of
    `clock` for the downloads; the carry is kept for the next run."""
    seller_id = request.seller_id
    stored = reports.book.carry(seller_id)
    carried = Carried.model_validate_json(stored.body) if stored else Carried()
    planned_at = stored.planned_at if stored else None
    last = max((t for t in (planned_at, routes.sync_route(seller_id).reports_run_at) if t), default=None)
    known: dict[str, ReportState] | None = None
    planned = False
    if last is None or now - last >= policy.plan_every:
        known = {state.key: state for state in reports.book.all(seller_id)}
        marketplaces, report_policy = within_plan(marketplace_ids, reports.policy, caps)
        if backfill_open(seller_id, marketplaces, known=known, now=now, policy=report_policy):
            metrics.add_metric(name="ReportsHandedOver", unit="Count", value=1)
            return AdvanceReportsOutput(seller_id=seller_id, hand_over=True, left=carried.size)
        fresh = _plan(seller_id, marketplace_ids, caps, reports=reports, ads=ads, now=now)
        if fresh is not None:
            carried, planned_at, planned = _merged(carried, fresh), now, True
    deadline = clock() + policy.ingest_budget_s
    tally = _Tally()
    paced = _paced(carried, reports, known, now)
    sp = _Steps(
        request=lambda job: request_report(
            job, api=reports.api, book=reports.book, now=now, policy=reports.policy, kiosk=reports.kiosk
        ),
        check=lambda job, progress: check_report(
            job,
            progress,
            api=reports.api,
            book=reports.book,
            now=now,
            policy=reports.policy,
            kiosk=reports.kiosk,
        ),
        ingest=lambda job, progress: _ingest_document(request, job, progress.document_id, reports),
        ready="DONE",
        pending=PENDING,
        not_yet=lambda job: (slot := paced.get(job.key)) is not None and slot > now,
    )
    settlement = _Steps(
        request=lambda job: ReportProgress(
            status="DONE", report_id=job.report_id, document_id=job.document_id, reused=True
        ),
        check=lambda _job, progress: progress,
        ingest=lambda job, _progress: _ingest_document(request, job, job.document_id, reports),
        ready="DONE",
        pending=(),
    )
    kept_reports = _advance([(c.job, c.progress) for c in carried.reports], sp, deadline, clock, tally)
    kept_settlements = _advance([(s, None) for s in carried.settlements], settlement, deadline, clock, tally)
    kept_ads: list[tuple[Any, Any]] = []
    if ads is not None:
        ads_steps = _Steps(
            request=lambda job: request_ads_report(
                job, api=ads.api, book=reports.book, now=now, policy=ads.policy
            ),
            check=lambda job, progress: check_ads_report(
                job, progress, api=ads.api, book=reports.book, now=now, policy=ads.policy
            ),
            ingest=lambda job, progress: (
                ingest_ads_report(
                    IngestAdsInput(job=job, report_id=progress.report_id),
                    api=ads.api,
                    book=reports.book,
                    parse=ads.parse,
                    parse_products=ads.parse_products,
                    sink=ads.sink,
                ).rows
            ),
            ready="COMPLETED",
            pending=("PENDING", "PROCESSING"),
        )
        kept_ads = _advance([(c.job, c.progress) for c in carried.ads], ads_steps, deadline, clock, tally)
    left = Carried(
        reports=[CarriedReport(job=j, progress=p) for j, p in kept_reports],
        settlements=[job for job, _ in kept_settlements],
        ads=[CarriedAds(job=j, progress=p) for j, p in kept_ads],
    )
    body = left.model_dump_json(exclude_defaults=True)
    if planned or (stored is not None and stored.body != body):
        reports.book.keep_carry(ReportCarry(seller_id=seller_id, planned_at=planned_at, body=body), now=now)
    counts = tally.counts
    for name in ("requested", "ingested", "deferred"):
        if counts.get(name):
            metrics.add_metric(name=f"CarriedReports{name.capitalize()}", unit="Count", value=counts[name])
    return AdvanceReportsOutput.model_validate(
        {"seller_id": seller_id, "planned": planned, "left": left.size, **counts}
    )


def _plan(
    seller_id: str,
    marketplace_ids: Sequence[str],
    caps: PlanCaps | None,
    *,
    reports: SpApiReports,
    ads: AdsReports | None,
    now: datetime,
) -> Carried | None:
    """This run's plan, as Standard's PlanReports and PlanAdsReports make it; None when Amazon throttled
    the settlements' listing (the next hour plans)."""
    try:
        plan = plan_run(
            seller_id,
            marketplace_ids,
            caps,
            api=reports.api,
            book=reports.book,
            now=now,
            policy=reports.policy,
            traffic_budget=reports.traffic_budget,
        )
    except TRANSIENT:
        logger.info("reports not planned this hour: Amazon throttled", extra={"seller_id": seller_id})
        return None
    ads_jobs: list[AdsJob] = []
    if ads is not None:
        try:  # as on Standard, an Ads failure never fails the sync: its reports wait for the next plan
            ads_jobs = plan_ads_reports(
                seller_id, marketplace_ids, api=ads.api, book=reports.book, now=now, policy=ads.policy
            ).jobs
        except (AdsApiError, CredentialsMissing) as exc:
            logger.warning(
                "ads reports not planned", extra={"seller_id": seller_id, "error": type(exc).__name__}
            )
    return Carried(
        reports=[CarriedReport(job=job) for job in plan.reports],
        settlements=plan.settlements,
        ads=[CarriedAds(job=job) for job in ads_jobs],
    )


def _merged(carried: Carried, fresh: Carried) -> Carried:
    """The new plan, each job already carried keeping its progress (a pending report is the same one)."""
    reports = {c.job.key: c for c in carried.reports}
    ads = {c.job.key: c for c in carried.ads}
    settlements = {s.key: s for s in carried.settlements}
    return Carried(
        reports=[reports.pop(c.job.key, c) for c in fresh.reports] + list(reports.values()),
        settlements=[settlements.pop(s.key, s) for s in fresh.settlements] + list(settlements.values()),
        ads=[ads.pop(c.job.key, c) for c in fresh.ads] + list(ads.values()),
    )


def _paced(
    carried: Carried, reports: SpApiReports, known: dict[str, ReportState] | None, now: datetime
) -> dict[str, datetime | None]:
    """When each report not asked for yet may be asked (createReport's burst, full at the start of a
    run: the bucket refills within the hour between two runs)."""
    unasked = [c.job.model_copy(update={"not_before": None}) for c in carried.reports if c.progress is None]
    if not unasked:
        return {}
    if known is None:
        known = {state.key: state for state in reports.book.all(carried.reports[0].job.seller_id)}
    return {job.key: job.not_before for job in pace_requests(unasked, known, now, reports.policy)}


def _advance(
    entries: list[tuple[Any, Any]], steps: _Steps, deadline: float, clock: Callable[[], float], tally: _Tally
) -> list[tuple[Any, Any]]:
    """One step for each job, then the downloads of those ready while time lasts; returns the jobs to
    carry to the next run."""
    kept: list[tuple[Any, Any]] = []
    ready: list[tuple[Any, Any]] = []
    for job, progress in entries:
        moved = _step(job, progress, steps, tally)
        if moved is None:
            continue
        if moved is _NOT_ASKED:
            kept.append((job, None))
        elif moved.status == steps.ready:
            ready.append((job, moved))
        elif moved.status in steps.pending:
            kept.append((job, moved))
        else:
            tally.add("ended")
    for job, progress in ready:
        if clock() >= deadline:
            tally.add("deferred")
            kept.append((job, progress))
            continue
        try:
            tally.add("rows", steps.ingest(job, progress))
            tally.add("ingested")
        except SpApiAuthorizationRevoked:
            raise
        except TRANSIENT:
            tally.add("deferred")
            kept.append((job, progress))
        except Exception as exc:  # as the sub-flow's Catch: this report failed, the run goes on
            _failed(job, exc, tally)
    return kept


_NOT_ASKED = ReportProgress(status="IN_QUEUE")  # a job left unasked this run (compared by identity)


def _step(job: Any, progress: Any, steps: _Steps, tally: _Tally) -> Any:
    """Ask for the job, or check it once; the progress to carry (`progress` itself: left as it was, or
    `_NOT_ASKED`), or None when it failed."""
    if progress is None and steps.not_yet(job):
        tally.add("deferred")
        return _NOT_ASKED
    try:
        if progress is None:
            moved = steps.request(job)
            tally.add("requested", int(not moved.reused and moved.status in steps.pending))
            if moved.reused and moved.status in steps.pending:  # asked for by an earlier run
                moved = steps.check(job, moved)
                tally.add("checked")
            return moved
        if progress.status in steps.pending:
            tally.add("checked")
            return steps.check(job, progress)
        return progress
    except SpApiAuthorizationRevoked:
        raise
    except TRANSIENT:
        tally.add("deferred")
        return _NOT_ASKED if progress is None else progress
    except Exception as exc:  # as the sub-flow's Catch: this report failed, the run goes on
        _failed(job, exc, tally)
        return None


def _failed(job: Any, exc: Exception, tally: _Tally) -> None:
    tally.add("failed")
    metrics.add_metric(name="CarriedReportsFailed", unit="Count", value=1)
    logger.warning(
        "carried report failed",
        extra={"seller_id": job.seller_id, "report_type": getattr(job, "report_type", "settlement"),
               "error": type(exc).__name__},
    )  # fmt: skip


def _ingest_document(
    request: AdvanceReportsInput,
    job: ReportJob | SettlementJob,
    document_id: str | None,
    reports: SpApiReports,
) -> int:
    assert document_id is not None
    result = ingest_document(
        IngestInput(
            kind="settlement" if isinstance(job, SettlementJob) else "report",
            job=job,
            document_id=document_id,
            claimant=request.claimant,
        ),
        api=reports.api,
        book=reports.book,
        ingest=reports.ingest,
        sink=reports.sink,
        kiosk=reports.kiosk,
    )
    return result.rows
