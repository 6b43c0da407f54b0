"""Reports: which to ask Amazon for, and how each request goes (request → poll → ingest).

Step Functions runs one sub-flow per planned report (`seller-sync.asl.json`, ReportsMap): it waits
between polls in Wait states — no Lambda sleeps — and every step is resumable: a report still
IN_QUEUE when a run ends is polled again by the next run rather than requested twice. The hourly
Express run calls the same functions without waiting, one step per run (`sellerflow.sync.carry`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from sellerflow.calendar import local_day
from sellerflow.domain import ReportState
from sellerflow.errors import SpApiThrottled
from sellerflow.observability import logger, metrics
from sellerflow.sync.models import SELLER_ID_PATTERN

ALL_ORDERS = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
SALES_AND_TRAFFIC = "GET_SALES_AND_TRAFFIC_REPORT"
LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"
FBA_INVENTORY = "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA"
SETTLEMENT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"  # the only settlement report since 2026-11-11
# Sales and traffic past the app-wide report budget come from Data Kiosk; the report record's
# report_type is then the dataset's name (that is the recorded source).
SALES_AND_TRAFFIC_DATASET = "analytics_salesAndTraffic_2024_04_24"
QUOTA_REFUSED = "QUOTA_REFUSED"  # Amazon refused the report (app-wide quota): the day goes to Data Kiosk
Source = Literal["report", "data_kiosk"]

PENDING = ("IN_QUEUE", "IN_PROGRESS")
FINISHED_FOR_GOOD = ("INGESTED", "CANCELLED")


@dataclass(frozen=True)
class ReportPolicy:
    backfill: timedelta = timedelta(days=730)  # All Orders history: up to 2 years ...
    window: timedelta = timedelta(days=30)  # ... in 30-day windows
    # ... from where the orders sync's first run stops: it holds the last 30 days (searchOrders,
    # `OrdersPolicy.initial_history`); a day of overlap, so no order falls between the two. A first run
    # (one window per marketplace for three marketplaces) then adds days 29-59, not days it already has.
    backfill_after: timedelta = timedelta(days=29)
    # At most, per marketplace; `backfill_per_marketplace` takes fewer so that all of a run's requests
    # fit createReport's burst (15 per seller, then 1/min) and the bucket is full again by the next run
    # (15 minutes). One per run made two years of history take 25 runs: `bench/sync_efficiency_bench.py`.
    backfill_windows_per_run: int = 11
    # ... except the windows of these days, which a run always plans (past the burst, paced over
    # createReport's refill by `pace_requests`): at 180 days ("Last 90" and the 90 days before, the
    # overview's longest comparison) a seller's first run brings them whatever its number of
    # marketplaces. On in the local demo, off (0) by default until the e2e suite has run with it
    # (docs/dashboard.md, "The first sync's history"); `REPORT_COMPARISON_HISTORY_DAYS`.
    comparison_history: timedelta = timedelta(0)
    fresh: timedelta = timedelta(days=3)  # the recent All Orders window, refreshed daily
    traffic_days: int = 1  # yesterday (the day before is kept by earlier runs)
    # How long a local day must have been over before its traffic is asked for (once, for good): its
    # last orders' cancellations settle first (the simulator decides one an hour after the order).
    traffic_settle: timedelta = timedelta(hours=4)
    reuse_within: timedelta = timedelta(hours=24)
    fatal_cooldown: timedelta = timedelta(hours=24)
    first_poll_s: int = 15
    max_poll_s: int = 300
    max_polls: int = 20
    settlements_since: timedelta = timedelta(days=90)
    data_kiosk_retry: timedelta = timedelta(minutes=15)  # a FATAL query is asked again this soon


@dataclass(frozen=True)
class PlanCaps:
    """What a hosted deployment's plan lets a seller's syncs cover (Billing=on; None: everything)."""

    marketplaces: int  # the first this many of the seller's marketplaces are synced; the others wait
    history_days: int  # the history backfill goes back this far (what is stored already stays)


def within_plan(
    marketplace_ids: Sequence[str], policy: ReportPolicy, caps: PlanCaps | None
) -> tuple[list[str], ReportPolicy]:
    """The marketplaces and policy of a run under the seller's plan: a smaller plan syncs fewer
    marketplaces and a shallower history; nothing already stored is removed."""
    if caps is None:
        return list(marketplace_ids), policy
    backfill = min(policy.backfill, timedelta(days=caps.history_days))
    return list(marketplace_ids[: caps.marketplaces]), replace(policy, backfill=backfill)


class _Io(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class ReportJob(_Io):
    """One report request as the ReportsMap item (Step Functions state, no secrets, no PII)."""

    seller_id: str = Field(pattern=SELLER_ID_PATTERN)
    key: str
    report_type: str
    marketplace_id: str
    data_start: datetime | None = None
    data_end: datetime | None = None
    source: Source = "report"  # sales and traffic: the report, or Data Kiosk past the app-wide budget
    # A request past createReport's burst waits for the bucket's refill until then (the ReportsMap's
    # WaitForReportQuota state; None: ask at once).
    not_before: datetime | None = None


class ReportProgress(_Io):
    status: Literal["IN_QUEUE", "IN_PROGRESS", "DONE", "CANCELLED", "FATAL", "COOLDOWN", "TIMED_OUT"]
    report_id: str | None = None
    document_id: str | None = None
    polls: int = 0
    wait_s: int = 0
    reused: bool = False


class SettlementJob(_Io):
    seller_id: str = Field(pattern=SELLER_ID_PATTERN)
    key: str
    report_id: str
    document_id: str
    marketplace_id: str | None = None


class ReportPlan(_Io):
    reports: list[ReportJob]
    settlements: list[SettlementJob]


class ReportBook(Protocol):
    def get(self, seller_id: str, key: str) -> ReportState | None: ...
    def all(self, seller_id: str, prefix: str = "REPORT#") -> list[ReportState]: ...
    def requested(
        self,
        seller_id: str,
        key: str,
        *,
        report_type: str,
        marketplace_id: str | None,
        window: tuple[datetime, datetime] | None,
        report_id: str,
        status: str = "IN_QUEUE",
    ) -> None: ...
    def finished(
        self,
        seller_id: str,
        key: str,
        *,
        status: str,
        document_id: str | None = None,
        cooldown_until: datetime | None = None,
    ) -> None:
        """Records how the report ended; DONE leaves the same document's INGESTED as it is."""
        ...

    def ingested(
        self, seller_id: str, key: str, *, rows: int, rejected: int, errors: list[str], report_type: str
    ) -> None: ...


class TrafficBudget(Protocol):
    """The app-wide GET_SALES_AND_TRAFFIC_REPORT budget (`sellerflow.sync.quota.QuotaBudget`)."""

    def claim(self, seller_id: str, now: datetime) -> bool: ...


class DataKioskApi(Protocol):
    def create_sales_and_traffic_query(self, seller_id: str, marketplace_id: str, day: date) -> str: ...
    def get_query(self, seller_id: str, query_id: str) -> dict[str, Any]: ...


class ReportsApi(Protocol):
    def create_report(
        self,
        seller_id: str,
        *,
        report_type: str,
        marketplace_ids: Sequence[str],
        data_start: datetime | None = None,
        data_end: datetime | None = None,
        options: Any = None,
    ) -> str: ...
    def get_report(self, seller_id: str, report_id: str) -> dict[str, Any]: ...
    def get_reports(
        self,
        seller_id: str,
        *,
        report_types: Sequence[str],
        processing_statuses: Sequence[str] = ("DONE",),
        marketplace_ids: Sequence[str] = (),
        created_since: datetime | None = None,
        page_size: int = 100,
        next_token: str | None = None,
    ) -> dict[str, Any]: ...


def report_key(report_type: str, marketplace_id: str, window_key: str) -> str:
    return f"REPORT#{report_type}#{marketplace_id}#{window_key}"


def _day(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _candidates(
    seller_id: str, marketplace_id: str, now: datetime, policy: ReportPolicy
) -> Iterator[ReportJob]:
    today = _day(now)
    stamp = today.strftime("%Y-%m-%d")
    end = now - timedelta(minutes=5)

    def job(report_type: str, window_key: str, start: datetime | None, stop: datetime | None) -> ReportJob:
        return ReportJob(
            seller_id=seller_id,
            key=report_key(report_type, marketplace_id, window_key),
            report_type=report_type,
            marketplace_id=marketplace_id,
            data_start=start,
            data_end=stop,
        )

    yield job(LISTINGS, f"daily-{stamp}", None, None)
    yield job(FBA_INVENTORY, f"daily-{stamp}", None, None)
    # By-ASIN traffic has no date of its own: one report per day gives per-day ASIN facts. The days
    # are the marketplace's own days, over for `traffic_settle`: between 00:00 UTC and its midnight
    # (8 hours a day for the US) the UTC "yesterday" is its today, still selling, and a day asked
    # for once is never asked again.
    settled = local_day(marketplace_id, now - policy.traffic_settle)
    settled_day = datetime.combine(settled, time(0), tzinfo=UTC)
    for days_back in range(1, policy.traffic_days + 1):
        day = settled_day - timedelta(days=days_back)
        yield job(SALES_AND_TRAFFIC, f"day-{day:%Y-%m-%d}", day, day + timedelta(days=1))
    yield job(ALL_ORDERS, f"fresh-{stamp}", end - policy.fresh, end)
    # History backfill: fixed 30-day windows counted back from where the orders sync's history ends,
    # newest first.
    window_end = today - policy.backfill_after
    oldest = today - policy.backfill
    while window_end > oldest:
        window_start = max(oldest, window_end - policy.window)
        yield job(ALL_ORDERS, f"backfill-{window_start:%Y-%m-%d}", window_start, window_end)
        window_end = window_start


def plan_reports(
    seller_id: str,
    marketplace_ids: Iterable[str],
    *,
    book: ReportBook,
    now: datetime,
    policy: ReportPolicy,
    traffic_budget: TrafficBudget | None = None,
) -> list[ReportJob]:
    """The reports this run should ask for (or keep polling), honouring FATAL cool-downs.

    A sales-and-traffic day the seller already holds (INGESTED, from either source) is never asked
    for again; a new one takes a slot of the app-wide budget, or goes to Data Kiosk."""
    known = {state.key: state for state in book.all(seller_id)}
    jobs: list[ReportJob] = []
    comparison: list[ReportJob] = []  # backfill windows of the compared days past the burst's room
    marketplace_ids = list(marketplace_ids)
    per_marketplace = backfill_per_marketplace(len(marketplace_ids), policy)
    compared_from = _day(now) - policy.comparison_history  # 0: today, so no window is compared
    for marketplace_id in marketplace_ids:
        backfills = 0
        for job, state in _open_jobs(seller_id, marketplace_id, known, now, policy):
            if is_backfill(job):
                if backfills >= per_marketplace:
                    if job.data_end is not None and job.data_end > compared_from:
                        comparison.append(job)
                    continue
                backfills += 1
            if job.report_type == SALES_AND_TRAFFIC:
                job = job.model_copy(update={"source": traffic_source(state, seller_id, now, traffic_budget)})
            jobs.append(job)
    # The newest compared windows of every marketplace first: each is asked a refill later than the last.
    comparison.sort(key=lambda job: job.data_end or now, reverse=True)
    jobs = pace_requests([*jobs, *comparison], known, now, policy)
    metrics.add_metric(name="ReportsPlanned", unit="Count", value=len(jobs))
    return jobs


def _open_jobs(
    seller_id: str, marketplace_id: str, known: dict[str, ReportState], now: datetime, policy: ReportPolicy
) -> Iterator[tuple[ReportJob, ReportState | None]]:
    """A marketplace's candidate reports that are neither done for good nor cooling down."""
    for job in _candidates(seller_id, marketplace_id, now, policy):
        state = known.get(job.key)
        if state is not None and state.status in FINISHED_FOR_GOOD:
            continue
        if state is not None and state.cooldown_until and state.cooldown_until > now:
            continue
        yield job, state


def is_backfill(job: ReportJob) -> bool:
    """An All Orders window of the history backfill (not the fresh daily one)."""
    return job.key.split("#")[-1].startswith("backfill-")


def backfill_open(
    seller_id: str,
    marketplace_ids: Iterable[str],
    *,
    known: dict[str, ReportState],
    now: datetime,
    policy: ReportPolicy,
) -> bool:
    """Whether a plan now would hold history backfill windows (a new marketplace, a deeper plan, the
    first sync's history not finished). Claims nothing: the hourly run asks before it plans."""
    return any(
        is_backfill(job)
        for marketplace_id in marketplace_ids
        for job, _ in _open_jobs(seller_id, marketplace_id, known, now, policy)
    )


def plan_run(
    seller_id: str,
    marketplace_ids: Sequence[str],
    caps: PlanCaps | None,
    *,
    api: ReportsApi,
    book: ReportBook,
    now: datetime,
    policy: ReportPolicy,
    traffic_budget: TrafficBudget | None = None,
) -> ReportPlan:
    """A run's plan under the seller's plan caps: the reports to ask for (or resume) and the new
    settlement documents (PlanReports on Standard, AdvanceReports on the hourly Express run)."""
    marketplaces, policy = within_plan(marketplace_ids, policy, caps)
    return ReportPlan(
        reports=plan_reports(
            seller_id, marketplaces, book=book, now=now, policy=policy, traffic_budget=traffic_budget
        ),
        settlements=plan_settlements(seller_id, api=api, book=book, now=now, policy=policy),
    )


def pace_requests(
    jobs: list[ReportJob], known: dict[str, ReportState], now: datetime, policy: ReportPolicy
) -> list[ReportJob]:
    """Jobs that will call createReport past its burst get `not_before`: one more a refill interval
    later each (Amazon's token bucket, full at the start of a run, is the seller's for every
    marketplace). A job polled again, reused or sent to Data Kiosk takes no token."""
    asks = 0
    start = now.astimezone(UTC).replace(microsecond=0)
    paced: list[ReportJob] = []
    for job in jobs:
        if job.source == "report" and _reuse(known.get(job.key), now, policy) is None:
            asks += 1
            if asks > CREATE_REPORT_BURST:
                later = timedelta(seconds=(asks - CREATE_REPORT_BURST) * CREATE_REPORT_REFILL_S)
                job = job.model_copy(update={"not_before": start + later})
        paced.append(job)
    if asks > CREATE_REPORT_BURST:
        metrics.add_metric(name="ReportsPaced", unit="Count", value=asks - CREATE_REPORT_BURST)
    return paced


CREATE_REPORT_BURST = 15  # createReport's usage plan (sellerflow.spapi.usage_plans; a test keeps them equal)
CREATE_REPORT_REFILL_S = 60  # ... and its rate, 0.0167 per second: a token a minute
DAILY_REPORTS = 4  # listings, FBA inventory, yesterday's sales and traffic, the fresh All Orders window


def backfill_per_marketplace(marketplaces: int, policy: ReportPolicy) -> int:
    """Backfill windows a run asks for per marketplace: what createReport's burst holds beside the
    daily reports of every marketplace (createReport's bucket is the seller's, not a marketplace's),
    at least one so the history always moves."""
    room = (CREATE_REPORT_BURST - DAILY_REPORTS * marketplaces) // max(1, marketplaces)
    return max(1, min(policy.backfill_windows_per_run, room))


def traffic_source(
    state: ReportState | None, seller_id: str, now: datetime, budget: TrafficBudget | None
) -> Source:
    """Where a sales-and-traffic day comes from: a request under way keeps its source; a new one
    asks the app-wide budget (no budget wired: the report, as before the quota)."""
    if state is not None and state.status == QUOTA_REFUSED:
        return "data_kiosk"
    if state is not None and state.report_id and state.status in (*PENDING, "DONE"):
        return "data_kiosk" if state.report_type == SALES_AND_TRAFFIC_DATASET else "report"
    if budget is None or budget.claim(seller_id, now):
        return "report"
    return "data_kiosk"


def recorded_source(state: ReportState) -> Source:
    """The source a stored sales-and-traffic day came from (the dashboard's facts do not say)."""
    return "data_kiosk" if state.report_type == SALES_AND_TRAFFIC_DATASET else "report"


def next_wait_s(polls: int, policy: ReportPolicy) -> int:
    return int(min(policy.max_poll_s, policy.first_poll_s * 2**polls))


def request_report(
    job: ReportJob,
    *,
    api: ReportsApi,
    book: ReportBook,
    now: datetime,
    policy: ReportPolicy,
    kiosk: DataKioskApi | None = None,
) -> ReportProgress:
    """Ask for the report — unless one of the same type and window is already known:
    a recent DONE one is reused, a pending one is polled again, a FATAL one cools down."""
    state = book.get(job.seller_id, job.key)
    reused = _reuse(state, now, policy)
    if reused is not None:
        return reused
    if job.source == "data_kiosk":
        return _create_query(job, kiosk=kiosk, book=book, policy=policy)
    try:
        report_id = api.create_report(
            job.seller_id,
            report_type=job.report_type,
            marketplace_ids=[job.marketplace_id],
            data_start=job.data_start,
            data_end=job.data_end,
            options={"dateGranularity": "DAY", "asinGranularity": "CHILD"}
            if job.report_type == SALES_AND_TRAFFIC
            else None,
        )
    except SpApiThrottled:
        if job.report_type != SALES_AND_TRAFFIC:
            raise
        # Refused despite the budget (another app instance, clock skew): this day goes to Data Kiosk.
        _record_request(job, book, report_id="", status=QUOTA_REFUSED, report_type=job.report_type)
        metrics.add_metric(name="AppQuotaRefused", unit="Count", value=1)
        return ReportProgress(status="COOLDOWN")
    _record_request(job, book, report_id=report_id, status="IN_QUEUE", report_type=job.report_type)
    metrics.add_metric(name="ReportsRequested", unit="Count", value=1)
    return ReportProgress(status="IN_QUEUE", report_id=report_id, wait_s=policy.first_poll_s)


def _record_request(
    job: ReportJob, book: ReportBook, *, report_id: str, status: str, report_type: str
) -> None:
    window = (job.data_start, job.data_end) if job.data_start and job.data_end else None
    book.requested(
        job.seller_id,
        job.key,
        report_type=report_type,
        marketplace_id=job.marketplace_id,
        window=window,
        report_id=report_id,
        status=status,
    )


def _create_query(
    job: ReportJob, *, kiosk: DataKioskApi | None, book: ReportBook, policy: ReportPolicy
) -> ReportProgress:
    """Data Kiosk: one query per day (by-ASIN rows aggregate the query's whole range)."""
    if kiosk is None or job.data_start is None:
        raise ValueError(f"{job.key}: a Data Kiosk job needs a Data Kiosk port and a day")
    query_id = kiosk.create_sales_and_traffic_query(
        job.seller_id, job.marketplace_id, job.data_start.astimezone(UTC).date()
    )
    _record_request(job, book, report_id=query_id, status="IN_QUEUE", report_type=SALES_AND_TRAFFIC_DATASET)
    metrics.add_metric(name="DataKioskQueriesCreated", unit="Count", value=1)
    return ReportProgress(status="IN_QUEUE", report_id=query_id, wait_s=policy.first_poll_s)


def _reuse(state: ReportState | None, now: datetime, policy: ReportPolicy) -> ReportProgress | None:
    if state is not None and state.report_id:
        recent = state.requested_at is not None and now - state.requested_at <= policy.reuse_within
        if state.status == "DONE" and state.document_id and recent:
            return ReportProgress(
                status="DONE", report_id=state.report_id, document_id=state.document_id, reused=True
            )
        if state.status in PENDING:
            return ReportProgress(
                status="IN_QUEUE", report_id=state.report_id, wait_s=policy.first_poll_s, reused=True
            )
        if state.status == "FATAL" and state.cooldown_until and state.cooldown_until > now:
            return ReportProgress(status="COOLDOWN", report_id=state.report_id)
    return None


def check_report(
    job: ReportJob,
    progress: ReportProgress,
    *,
    api: ReportsApi,
    book: ReportBook,
    now: datetime,
    policy: ReportPolicy,
    kiosk: DataKioskApi | None = None,
) -> ReportProgress:
    """One poll of getReport (or getQuery); the next wait grows exponentially up to a cap, and so
    does patience."""
    assert progress.report_id is not None
    if job.source == "data_kiosk":
        if kiosk is None:
            raise ValueError(f"{job.key}: a Data Kiosk job needs a Data Kiosk port")
        report = _query_as_report(kiosk.get_query(job.seller_id, progress.report_id))
    else:
        report = api.get_report(job.seller_id, progress.report_id)
    status = str(report.get("processingStatus"))
    polls = progress.polls + 1
    if status == "DONE":
        document_id = str(report["reportDocumentId"])
        # The book never turns this document's INGESTED (e.g. by a notification) back into DONE.
        book.finished(job.seller_id, job.key, status="DONE", document_id=document_id)
        return ReportProgress(
            status="DONE", report_id=progress.report_id, document_id=document_id, polls=polls
        )
    if status == "CANCELLED":
        # Amazon cancels a report that has no data: nothing to ingest, nothing failed.
        book.finished(job.seller_id, job.key, status="CANCELLED")
        return ReportProgress(status="CANCELLED", report_id=progress.report_id, polls=polls)
    if status == "FATAL":
        cooldown = policy.data_kiosk_retry if job.source == "data_kiosk" else policy.fatal_cooldown
        book.finished(job.seller_id, job.key, status="FATAL", cooldown_until=now + cooldown)
        metrics.add_metric(name="ReportsFatal", unit="Count", value=1)
        logger.warning(
            "report FATAL",
            extra={
                "seller_id": job.seller_id,
                "report_type": job.report_type,
                "source": job.source,
                "error_document_id": report.get("errorDocumentId"),
            },
        )
        return ReportProgress(status="FATAL", report_id=progress.report_id, polls=polls)
    if polls >= policy.max_polls:
        # Still pending: stop this run's polling; the next run resumes it (the record stays pending).
        logger.info(
            "report still pending", extra={"seller_id": job.seller_id, "report_type": job.report_type}
        )
        return ReportProgress(status="TIMED_OUT", report_id=progress.report_id, polls=polls)
    pending: Literal["IN_QUEUE", "IN_PROGRESS"] = "IN_PROGRESS" if status == "IN_PROGRESS" else "IN_QUEUE"
    return ReportProgress(
        status=pending, report_id=progress.report_id, polls=polls, wait_s=next_wait_s(polls, policy)
    )


def _query_as_report(query: dict[str, Any]) -> dict[str, Any]:
    """A Data Kiosk query read as a report: DONE without a data document had no data (CANCELLED)."""
    status = str(query.get("processingStatus"))
    if status == "DONE" and not query.get("dataDocumentId"):
        return {"processingStatus": "CANCELLED"}
    report = {"processingStatus": status, "errorDocumentId": query.get("errorDocumentId")}
    if status == "DONE":
        report["reportDocumentId"] = query["dataDocumentId"]
    return report


def plan_settlements(
    seller_id: str, *, api: ReportsApi, book: ReportBook, now: datetime, policy: ReportPolicy
) -> list[SettlementJob]:
    """Settlement reports are listed, never requested: Amazon creates them every settlement period."""
    known = {
        state.key for state in book.all(seller_id, prefix="SETTLEMENTDOC#") if state.status == "INGESTED"
    }
    jobs: list[SettlementJob] = []
    token: str | None = None
    while True:
        page = api.get_reports(
            seller_id,
            report_types=[SETTLEMENT],
            processing_statuses=["DONE"],
            created_since=now - policy.settlements_since,
            next_token=token,
        )
        for report in page.get("reports") or []:
            key = f"SETTLEMENTDOC#{report['reportId']}"
            if key in known or not report.get("reportDocumentId"):
                continue
            jobs.append(
                SettlementJob(
                    seller_id=seller_id,
                    key=key,
                    report_id=str(report["reportId"]),
                    document_id=str(report["reportDocumentId"]),
                    marketplace_id=(report.get("marketplaceIds") or [None])[0],
                )
            )
        token = page.get("nextToken")
        if not token:
            return jobs


class PlanReportsInput(_Io):
    seller_id: str = Field(pattern=SELLER_ID_PATTERN)


class RequestReportInput(_Io):
    job: ReportJob


class CheckReportInput(_Io):
    job: ReportJob
    progress: ReportProgress
