"""The report sub-flow's rules: what is asked for, reused, resumed, cooled down, and ingested."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from reports_fakes import NOW, SELLER, FakeBook, FakeReportsApi

from sellerflow.domain import ReportState
from sellerflow.errors import DocumentUrlExpired
from sellerflow.spapi.usage_plans import plan_for
from sellerflow.sync.ingest import IngestInput, ingest_report_document
from sellerflow.sync.reports import (
    ALL_ORDERS,
    CREATE_REPORT_REFILL_S,
    FBA_INVENTORY,
    LISTINGS,
    SALES_AND_TRAFFIC,
    ReportJob,
    ReportPolicy,
    ReportProgress,
    SettlementJob,
    check_report,
    next_wait_s,
    plan_reports,
    plan_settlements,
    request_report,
)

POLICY = ReportPolicy()
COMPARED = ReportPolicy(comparison_history=timedelta(days=180))  # REPORT_COMPARISON_HISTORY_DAYS=180
US = "ATVPDKIKX0DER"


def _job(report_type: str = LISTINGS, key: str = "REPORT#X#US#daily-2026-11-23") -> ReportJob:
    return ReportJob(seller_id=SELLER, key=key, report_type=report_type, marketplace_id=US)


def test_a_first_run_asks_for_every_daily_report_and_the_backfill_windows_create_reports_burst_holds() -> (
    None
):
    jobs = plan_reports(SELLER, [US, "A1PA6795UKMFR9"], book=FakeBook(), now=NOW, policy=POLICY)
    per_marketplace = [j for j in jobs if j.marketplace_id == US]
    types = sorted(j.report_type for j in per_marketplace)
    backfill = [j for j in per_marketplace if "backfill-" in j.key]
    # Two marketplaces: 8 daily reports, and (15 - 8) // 2 backfill windows each fit the burst of 15.
    assert len(backfill) == 3
    assert len(jobs) <= plan_for("createReport").burst
    assert all(j.not_before is None for j in jobs)  # nothing past the burst: nothing paced
    assert types == sorted([LISTINGS, FBA_INVENTORY, SALES_AND_TRAFFIC, ALL_ORDERS] + [ALL_ORDERS] * 3)
    # The newest 30-day window first, ending where the orders sync's 30 days of history start (with a
    # day of overlap): a first run adds history, not the days searchOrders brings
    backfill.sort(key=lambda j: j.key, reverse=True)
    assert backfill[0].data_end is not None
    assert backfill[0].data_start is not None
    assert backfill[0].data_end - backfill[0].data_start == timedelta(days=30)
    midnight = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    assert backfill[0].data_end == midnight - timedelta(days=29)
    assert len(jobs) == 2 * len(per_marketplace)


@pytest.mark.parametrize("marketplaces", [1, 2, 3, 4])
def test_a_first_run_brings_the_compared_180_days_pacing_requests_past_the_burst(marketplaces: int) -> None:
    ids = [US, "A1PA6795UKMFR9", "A1VC38T7YXB528", "A1F83G8C2ARO7P"][:marketplaces]
    jobs = plan_reports(SELLER, ids, book=FakeBook(), now=NOW, policy=COMPARED)
    midnight = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    for marketplace_id in ids:
        windows = [j for j in jobs if j.marketplace_id == marketplace_id and "backfill-" in j.key]
        starts = [j.data_start for j in windows if j.data_start]
        # "Last 90 vs previous 90": every day back to 180 days ago is in a window of this run
        assert min(starts) <= midnight - COMPARED.comparison_history
        days = {(midnight - s).days for s in starts}
        assert {COMPARED.backfill_after.days + 30 * n for n in range(1, 7)} <= days
    # The daily reports and the windows the burst holds are asked at once, in the plan's first places;
    # every request past the burst a refill (a minute) after the one before, the newest windows first.
    first_paced = next((n for n, j in enumerate(jobs) if j.not_before), len(jobs))
    assert all(j.not_before is None for j in jobs[:first_paced])
    assert first_paced == min(len(jobs), plan_for("createReport").burst)
    paced = [j.not_before for j in jobs[first_paced:]]
    assert all(p is not None for p in paced)
    start = NOW.replace(microsecond=0)
    assert paced == [start + timedelta(seconds=CREATE_REPORT_REFILL_S * n) for n in range(1, len(paced) + 1)]
    assert CREATE_REPORT_REFILL_S * plan_for("createReport").rate_per_s == pytest.approx(1, abs=0.01)
    ends = [j.data_end for j in jobs[first_paced:] if j.data_end and "backfill-" in j.key]
    assert ends == sorted(ends, reverse=True)


def test_once_the_compared_days_are_in_a_run_asks_only_what_the_burst_holds() -> None:
    ids = [US, "A1PA6795UKMFR9", "A1VC38T7YXB528"]
    book = FakeBook()
    for job in plan_reports(SELLER, ids, book=book, now=NOW, policy=COMPARED):
        book.states[job.key] = ReportState(key=job.key, report_type=job.report_type, status="INGESTED")
    later = NOW + timedelta(minutes=15)
    jobs = plan_reports(SELLER, ids, book=book, now=later, policy=COMPARED)
    assert all(j.not_before is None for j in jobs)
    assert [j for j in jobs if "backfill-" in j.key]
    assert all(
        j.data_start is not None and later - j.data_start > COMPARED.comparison_history
        for j in jobs
        if "backfill-" in j.key
    )
    # a window still in progress is polled again, not asked again: it takes no token
    pending = ReportJob(seller_id=SELLER, key="REPORT#pending", report_type=ALL_ORDERS, marketplace_id=US)
    from sellerflow.sync.reports import pace_requests

    known = {
        "REPORT#pending": ReportState(
            key="REPORT#pending", report_type=ALL_ORDERS, status="IN_QUEUE", report_id="R1"
        )
    }
    assert pace_requests([pending] * 20, known, NOW, COMPARED)[-1].not_before is None


def test_backfill_walks_back_two_years_in_30_day_windows_as_windows_are_ingested() -> None:
    book = FakeBook()
    seen: list[ReportJob] = []
    for _ in range(40):
        jobs = [
            j for j in plan_reports(SELLER, [US], book=book, now=NOW, policy=POLICY) if "backfill-" in j.key
        ]
        if not jobs:
            break
        seen += jobs
        for job in jobs:
            book.states[job.key] = ReportState(key=job.key, report_type=ALL_ORDERS, status="INGESTED")
    assert len(seen) == 24  # (730 - 29) days / 30 (the last window shorter)
    oldest = min(j.data_start for j in seen if j.data_start)
    assert NOW - oldest <= timedelta(days=731)
    starts = sorted(j.data_start for j in seen if j.data_start)
    assert all(b - a <= timedelta(days=30) for a, b in itertools.pairwise(starts))


def test_a_fatal_report_cools_down_before_it_is_asked_for_again() -> None:
    book = FakeBook()
    job = next(
        j for j in plan_reports(SELLER, [US], book=book, now=NOW, policy=POLICY) if j.report_type == LISTINGS
    )
    book.states[job.key] = ReportState(
        key=job.key,
        report_type=LISTINGS,
        status="FATAL",
        report_id="R9",
        cooldown_until=NOW + timedelta(hours=3),
    )
    assert job.key not in {j.key for j in plan_reports(SELLER, [US], book=book, now=NOW, policy=POLICY)}
    later = NOW + timedelta(hours=4)
    assert job.key in {j.key for j in plan_reports(SELLER, [US], book=book, now=later, policy=POLICY)}


def test_a_recent_done_report_of_the_same_type_and_window_is_reused() -> None:
    book, api = FakeBook(), FakeReportsApi()
    job = _job()
    book.states[job.key] = ReportState(
        key=job.key, report_type=LISTINGS, status="DONE", report_id="R7", document_id="D7", requested_at=NOW
    )
    progress = request_report(job, api=api, book=book, now=NOW + timedelta(hours=1), policy=POLICY)
    assert (progress.status, progress.document_id, progress.reused) == ("DONE", "D7", True)
    assert api.created == []


def test_a_done_report_older_than_the_reuse_window_is_requested_anew() -> None:
    book, api = FakeBook(), FakeReportsApi()
    job = _job()
    book.states[job.key] = ReportState(
        key=job.key, report_type=LISTINGS, status="DONE", report_id="R7", document_id="D7", requested_at=NOW
    )
    progress = request_report(job, api=api, book=book, now=NOW + timedelta(days=2), policy=POLICY)
    assert progress.status == "IN_QUEUE"
    assert len(api.created) == 1


def test_a_pending_report_left_by_an_earlier_run_is_polled_not_requested_again() -> None:
    book, api = FakeBook(), FakeReportsApi()
    job = _job()
    book.states[job.key] = ReportState(
        key=job.key, report_type=LISTINGS, status="IN_PROGRESS", report_id="R3"
    )
    progress = request_report(job, api=api, book=book, now=NOW, policy=POLICY)
    assert (progress.status, progress.report_id) == ("IN_QUEUE", "R3")
    assert api.created == []


def test_sales_and_traffic_is_asked_by_day_and_child_asin() -> None:
    api = FakeReportsApi()
    request_report(_job(SALES_AND_TRAFFIC), api=api, book=FakeBook(), now=NOW, policy=POLICY)
    assert api.created[0]["options"] == {"dateGranularity": "DAY", "asinGranularity": "CHILD"}


@pytest.mark.parametrize(
    ("status", "expected"),
    [("DONE", "DONE"), ("CANCELLED", "CANCELLED"), ("FATAL", "FATAL"), ("IN_PROGRESS", "IN_PROGRESS")],
)
def test_a_poll_reports_the_processing_status(status: str, expected: str) -> None:
    book, api = FakeBook(), FakeReportsApi(statuses=[status])
    job = _job()
    book.requested(SELLER, job.key, report_type=LISTINGS, marketplace_id=US, window=None, report_id="R1")
    progress = check_report(
        job, ReportProgress(status="IN_QUEUE", report_id="R1"), api=api, book=book, now=NOW, policy=POLICY
    )
    assert progress.status == expected
    if expected == "DONE":
        assert progress.document_id == "DOC-R1"
        assert book.states[job.key].document_id == "DOC-R1"
    if expected == "FATAL":
        cooldown = book.states[job.key].cooldown_until
        assert cooldown is not None
        assert cooldown - NOW == POLICY.fatal_cooldown
    if expected == "CANCELLED":
        assert book.states[job.key].status == "CANCELLED"  # "no data" is an outcome, not a failure


def test_polling_backs_off_exponentially_up_to_a_cap_and_then_stops_for_this_run() -> None:
    assert [next_wait_s(n, POLICY) for n in range(6)] == [15, 30, 60, 120, 240, 300]
    book, api = FakeBook(), FakeReportsApi(statuses=["IN_QUEUE"])
    job = _job()
    book.requested(SELLER, job.key, report_type=LISTINGS, marketplace_id=US, window=None, report_id="R1")
    progress = ReportProgress(status="IN_QUEUE", report_id="R1")
    for _ in range(POLICY.max_polls):
        progress = check_report(job, progress, api=api, book=book, now=NOW, policy=POLICY)
    assert progress.status == "TIMED_OUT"
    assert book.states[job.key].status == "IN_QUEUE"  # still pending: the next run resumes it


def test_settlement_reports_are_listed_across_pages_and_never_ingested_twice() -> None:
    api = FakeReportsApi(
        settlement_pages=[
            {
                "reports": [{"reportId": "S1", "reportDocumentId": "D1", "marketplaceIds": [US]}],
                "nextToken": "1",
            },
            {"reports": [{"reportId": "S2", "reportDocumentId": "D2"}, {"reportId": "S3"}]},
        ]
    )
    book = FakeBook()
    book.states["SETTLEMENTDOC#S1"] = ReportState(key="SETTLEMENTDOC#S1", report_type="S", status="INGESTED")
    jobs = plan_settlements(SELLER, api=api, book=book, now=NOW, policy=POLICY)
    assert [(j.report_id, j.document_id) for j in jobs] == [("S2", "D2")]
    assert api.created == []  # listed, never requested


class _Row:
    line, column, reason = 3, "price", "not a number"


class _Summary:
    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.written = rows
        self.rejected = [_Row()]
        self.rejected_count = 1
        self.undecodable = 0
        self.encoding = "utf-8"


def test_an_expired_document_url_is_fetched_again_and_the_document_ingested() -> None:
    api, book = FakeReportsApi(expired_urls=1), FakeBook()
    calls: list[dict[str, Any]] = []

    def ingest(report_type: str, chunks: Any, **kwargs: Any) -> _Summary:
        calls.append({"type": report_type, "body": b"".join(chunks), **kwargs})
        return _Summary(rows=1)

    job = _job(ALL_ORDERS)
    out = ingest_report_document(
        IngestInput(kind="report", job=job, document_id="D1"),
        api=api,
        book=book,
        ingest=ingest,
        sink=object(),
    )
    assert api.documents_issued == 2
    assert (out.rows, out.rejected) == (1, 1)
    assert calls[-1]["compression"] == "GZIP"
    assert book.ingests == [(job.key, 1, 1)]


def test_a_url_that_expires_twice_surfaces_for_the_workflow_to_retry() -> None:
    api = FakeReportsApi(expired_urls=2)
    with pytest.raises(DocumentUrlExpired):
        ingest_report_document(
            IngestInput(kind="report", job=_job(), document_id="D1"),
            api=api,
            book=FakeBook(),
            ingest=lambda report_type, chunks, **kw: _Summary(len(b"".join(chunks))),
            sink=object(),
        )


def test_a_settlement_document_is_ingested_as_a_settlement_report() -> None:
    seen: list[str] = []

    def ingest(report_type: str, chunks: Any, **kwargs: Any) -> _Summary:
        seen.append(report_type)
        list(chunks)
        return _Summary(rows=5)

    job = SettlementJob(seller_id=SELLER, key="SETTLEMENTDOC#S9", report_id="S9", document_id="D9")
    ingest_report_document(
        IngestInput(kind="settlement", job=job, document_id="D9"),
        api=FakeReportsApi(),
        book=FakeBook(),
        ingest=ingest,
        sink=object(),
    )
    assert seen == ["GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"]


def test_the_backfill_budget_uses_create_reports_usage_plan() -> None:
    from sellerflow.sync.reports import CREATE_REPORT_BURST, backfill_per_marketplace

    assert plan_for("createReport").burst == CREATE_REPORT_BURST
    assert [backfill_per_marketplace(n, POLICY) for n in (1, 2, 3, 4)] == [11, 3, 1, 1]
