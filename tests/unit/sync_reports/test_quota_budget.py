"""The app-wide GET_SALES_AND_TRAFFIC_REPORT budget: spacing and daily cap, one winner under
contention, least-recently-served first, and the planner never asking twice for a day it holds."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from reports_fakes import NOW, SELLER, FakeBook

from sellerflow.domain import QuotaSlot, QuotaWaiting, ReportState
from sellerflow.sync.quota import SALES_AND_TRAFFIC_QUOTA, AppQuota, QuotaBudget, next_in_line, slot_is_free
from sellerflow.sync.reports import (
    SALES_AND_TRAFFIC,
    SALES_AND_TRAFFIC_DATASET,
    ReportPolicy,
    check_report,
    plan_reports,
    request_report,
)

QUOTA = SALES_AND_TRAFFIC_QUOTA
MARKETPLACE = "ATVPDKIKX0DER"


@dataclass
class MemoryLedger:
    """The ledger's contract in memory: `take_slot` checks and writes under one lock (as DynamoDB's
    conditional write does), so the rule is the domain's `slot_is_free`."""

    line_items: dict[str, QuotaWaiting] = field(default_factory=dict)
    last_granted: datetime | None = None
    day: str | None = None
    day_count: int = 0
    granted: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def slot(self, quota: str) -> QuotaSlot:
        with self._lock:
            return QuotaSlot(last_granted=self.last_granted, day=self.day, day_count=self.day_count)

    def want(self, quota: str, seller_id: str, now: datetime) -> None:
        with self._lock:
            old = self.line_items.get(seller_id) or QuotaWaiting(seller_id=seller_id)
            update = {"wanted_since": old.wanted_since or now, "asked_at": now}
            self.line_items[seller_id] = old.model_copy(update=update)

    def line(self, quota: str) -> list[QuotaWaiting]:
        with self._lock:
            return list(self.line_items.values())

    def take_slot(
        self, quota: str, seller_id: str, now: datetime, *, spacing: timedelta, per_day: int
    ) -> bool:
        rule = AppQuota(name=quota, min_interval=spacing, per_day=per_day, skew_margin=timedelta(0))
        with self._lock:
            if not slot_is_free(self.last_granted, self.day_count, self.day, rule, now):
                return False
            today = now.strftime("%Y-%m-%d")
            self.day_count = self.day_count + 1 if self.day == today else 1
            self.day, self.last_granted = today, now
            self.granted.append(seller_id)
            return True

    def served(self, quota: str, seller_id: str, now: datetime) -> None:
        with self._lock:
            self.line_items[seller_id] = QuotaWaiting(seller_id=seller_id, last_served=now)

    def withdraw(self, quota: str, seller_id: str) -> None:
        with self._lock:
            old = self.line_items[seller_id]
            self.line_items[seller_id] = old.model_copy(update={"wanted_since": None})


def test_one_slot_per_fifteen_minutes_plus_the_skew_margin() -> None:
    budget = QuotaBudget(QUOTA, MemoryLedger())
    assert budget.claim("A", NOW)
    assert not budget.claim("B", NOW + timedelta(minutes=15))  # the margin: never a second early
    assert budget.claim("B", NOW + QUOTA.spacing)


def test_the_daily_cap_holds_even_with_spacing_respected() -> None:
    quota = AppQuota(name="X", min_interval=timedelta(minutes=1), per_day=3, skew_margin=timedelta(0))
    budget = QuotaBudget(quota, MemoryLedger())
    start = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    granted = [budget.claim(f"S{i}", start + timedelta(minutes=2 * i)) for i in range(5)]
    assert granted == [True, True, True, False, False]
    assert budget.claim("S9", start + timedelta(days=1))  # a new UTC day, a new count


def test_under_contention_exactly_one_of_many_sellers_gets_the_slot() -> None:
    # Given 40 sellers' syncs claiming at the same instant, on many threads
    ledger = MemoryLedger()
    budget = QuotaBudget(QUOTA, ledger)
    barrier = threading.Barrier(40)
    results: dict[str, bool] = {}

    def claim(seller_id: str) -> None:
        barrier.wait()
        results[seller_id] = budget.claim(seller_id, NOW)

    threads = [threading.Thread(target=claim, args=(f"S{i:02d}",)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then one slot was granted, once; every other seller takes the fallback
    assert sum(results.values()) == 1
    assert len(ledger.granted) == 1


def test_least_recently_served_goes_first() -> None:
    now = NOW
    line = [
        QuotaWaiting(seller_id="recent", wanted_since=now, last_served=now - timedelta(hours=1)),
        QuotaWaiting(seller_id="long-ago", wanted_since=now, last_served=now - timedelta(days=2)),
        QuotaWaiting(seller_id="stale-wish", wanted_since=now - timedelta(hours=3)),  # its sync ended
        QuotaWaiting(seller_id="not-waiting", last_served=None),
    ]
    assert next_in_line(line, QUOTA, now) == "long-ago"
    line.append(QuotaWaiting(seller_id="never", wanted_since=now))
    assert next_in_line(line, QUOTA, now) == "never"


def test_slots_rotate_between_sellers_who_keep_asking() -> None:
    # Given three sellers whose syncs all ask at every quarter hour (plus the margin)
    ledger = MemoryLedger()
    budget = QuotaBudget(QUOTA, ledger)
    sellers = ["A", "B", "C"]
    for round_number in range(6):
        now = NOW + round_number * QUOTA.spacing
        for seller_id in sellers:  # everyone registers its wish first (concurrent syncs) ...
            ledger.want(QUOTA.name, seller_id, now)
        for seller_id in sellers:  # ... then claims
            budget.claim(seller_id, now)
            ledger.want(QUOTA.name, seller_id, now)  # still wants more days (stays in line)

    # Then each got every third slot: nobody was served twice before the others once
    assert ledger.granted == ["A", "B", "C", "A", "B", "C"]


@dataclass
class CountingBudget:
    answer: bool
    claims: list[str] = field(default_factory=list)

    def claim(self, seller_id: str, now: datetime) -> bool:
        self.claims.append(seller_id)
        return self.answer


def _traffic_key(day: datetime) -> str:
    return f"REPORT#{SALES_AND_TRAFFIC}#{MARKETPLACE}#day-{day:%Y-%m-%d}"


def test_a_day_already_held_is_never_asked_for_again_from_either_source() -> None:
    yesterday = NOW.replace(hour=0, minute=0) - timedelta(days=1)
    for report_type in (SALES_AND_TRAFFIC, SALES_AND_TRAFFIC_DATASET):
        book = FakeBook()
        key = _traffic_key(yesterday)
        book.states[key] = ReportState(key=key, report_type=report_type, status="INGESTED", report_id="1")
        budget = CountingBudget(answer=True)
        jobs = plan_reports(
            SELLER, [MARKETPLACE], book=book, now=NOW, policy=ReportPolicy(), traffic_budget=budget
        )
        assert not [job for job in jobs if job.report_type == SALES_AND_TRAFFIC]
        assert budget.claims == []


def test_a_request_under_way_keeps_its_source_without_claiming_again() -> None:
    yesterday = NOW.replace(hour=0, minute=0) - timedelta(days=1)
    book = FakeBook()
    key = _traffic_key(yesterday)
    book.states[key] = ReportState(
        key=key, report_type=SALES_AND_TRAFFIC_DATASET, status="IN_PROGRESS", report_id="q1"
    )
    budget = CountingBudget(answer=True)
    jobs = plan_reports(
        SELLER, [MARKETPLACE], book=book, now=NOW, policy=ReportPolicy(), traffic_budget=budget
    )
    assert [job.source for job in jobs if job.report_type == SALES_AND_TRAFFIC] == ["data_kiosk"]
    assert budget.claims == []


def test_over_budget_a_new_day_goes_to_data_kiosk() -> None:
    book = FakeBook()
    jobs = plan_reports(
        SELLER, [MARKETPLACE], book=book, now=NOW, policy=ReportPolicy(), traffic_budget=CountingBudget(False)
    )
    traffic = [job for job in jobs if job.report_type == SALES_AND_TRAFFIC]
    assert [job.source for job in traffic] == ["data_kiosk"]
    others = [job for job in jobs if job.report_type != SALES_AND_TRAFFIC]
    assert {job.source for job in others} == {"report"}


@dataclass
class FakeKiosk:
    statuses: list[dict[str, Any]]
    created: list[tuple[str, str, Any]] = field(default_factory=list)

    def create_sales_and_traffic_query(self, seller_id: str, marketplace_id: str, day: Any) -> str:
        self.created.append((seller_id, marketplace_id, day))
        return "q-1"

    def get_query(self, seller_id: str, query_id: str) -> dict[str, Any]:
        return self.statuses.pop(0)


class NoReports:
    def create_report(self, *args: Any, **kwargs: Any) -> str:
        raise AssertionError("a Data Kiosk job must not ask for the report")

    def get_report(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise AssertionError("a Data Kiosk job must not poll getReport")

    def get_reports(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise AssertionError


def _kiosk_job(book: FakeBook) -> Any:
    jobs = plan_reports(
        SELLER, [MARKETPLACE], book=book, now=NOW, policy=ReportPolicy(), traffic_budget=CountingBudget(False)
    )
    return next(job for job in jobs if job.report_type == SALES_AND_TRAFFIC)


def test_a_data_kiosk_day_is_queried_polled_and_recorded_with_its_source() -> None:
    book, policy = FakeBook(), ReportPolicy()
    job = _kiosk_job(book)
    kiosk = FakeKiosk(
        [{"processingStatus": "IN_PROGRESS"}, {"processingStatus": "DONE", "dataDocumentId": "d-1"}]
    )

    progress = request_report(job, api=NoReports(), book=book, now=NOW, policy=policy, kiosk=kiosk)
    progress = check_report(job, progress, api=NoReports(), book=book, now=NOW, policy=policy, kiosk=kiosk)
    assert progress.status == "IN_PROGRESS"
    progress = check_report(job, progress, api=NoReports(), book=book, now=NOW, policy=policy, kiosk=kiosk)

    assert progress.status == "DONE"
    assert progress.document_id == "d-1"
    assert kiosk.created == [(SELLER, MARKETPLACE, (NOW - timedelta(days=1)).date())]
    assert book.states[job.key].report_type == SALES_AND_TRAFFIC_DATASET


def test_a_query_without_data_is_finished_and_a_fatal_one_is_retried_soon() -> None:
    policy = ReportPolicy()
    book = FakeBook()
    job = _kiosk_job(book)
    kiosk = FakeKiosk([{"processingStatus": "DONE"}])
    progress = request_report(job, api=NoReports(), book=book, now=NOW, policy=policy, kiosk=kiosk)
    assert check_report(
        job, progress, api=NoReports(), book=book, now=NOW, policy=policy, kiosk=kiosk
    ).status == ("CANCELLED")

    book = FakeBook()
    job = _kiosk_job(book)
    kiosk = FakeKiosk([{"processingStatus": "FATAL", "errorDocumentId": "e-1"}])
    progress = request_report(job, api=NoReports(), book=book, now=NOW, policy=policy, kiosk=kiosk)
    fatal = check_report(job, progress, api=NoReports(), book=book, now=NOW, policy=policy, kiosk=kiosk)
    assert fatal.status == "FATAL"
    assert book.states[job.key].cooldown_until == NOW + policy.data_kiosk_retry


def test_traffic_days_are_each_marketplaces_local_days_over_for_the_settle_time() -> None:
    """At 00:30 UTC the US is still selling on the UTC "yesterday" (16:30 the day before in Los
    Angeles): its newest traffic day is the one before; Germany's 4 December ended 30 minutes ago,
    not yet settled (a last order's cancellation can still change it): 3 December; Japan (09:30 the
    next morning) ended 4 December 9.5 hours ago. A day is asked for once and kept."""
    now = datetime(2026, 12, 5, 0, 30, tzinfo=UTC)
    us, de, jp = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528"
    policy = ReportPolicy()
    assert policy.traffic_settle == timedelta(hours=4)
    jobs = plan_reports(
        SELLER,
        [us, de, jp],
        book=FakeBook(),
        now=now,
        policy=policy,
        traffic_budget=CountingBudget(answer=True),
    )
    newest = {
        marketplace: max(
            job.key.rsplit("#day-", 1)[1]
            for job in jobs
            if job.key.startswith(f"REPORT#{SALES_AND_TRAFFIC}#{marketplace}#")
        )
        for marketplace in (us, de, jp)
    }
    assert newest == {us: "2026-12-03", de: "2026-12-03", jp: "2026-12-04"}
    # Five hours later Germany's 4 December has settled; the US's has not begun to end.
    later = plan_reports(
        SELLER,
        [us, de],
        book=FakeBook(),
        now=now + timedelta(hours=5),
        policy=policy,
        traffic_budget=CountingBudget(answer=True),
    )
    assert sorted(job.key.rsplit("#", 1)[1] for job in later if job.report_type == SALES_AND_TRAFFIC) == [
        "day-2026-12-03",
        "day-2026-12-04",
    ]
