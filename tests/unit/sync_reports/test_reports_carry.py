"""The hourly Express run's reports (sellerflow.sync.carry): carried from run to run, never waited for —
what a run plans, asks for, checks, ingests and leaves for the next hour."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from reports_fakes import NOW, SELLER, FakeBook, FakeDownload

from sellerflow.amazon.ads import AdsProfile, AdsReportStatus
from sellerflow.domain import ReportCarry, ReportState, SyncRoute
from sellerflow.errors import SpApiThrottled
from sellerflow.sync.ads import AdsPolicy
from sellerflow.sync.carry import (
    AdsReports,
    AdvanceReportsInput,
    AdvanceReportsOutput,
    Carried,
    CarryPolicy,
    SpApiReports,
    advance_reports,
    within_time_left,
)
from sellerflow.sync.reports import (
    ALL_ORDERS,
    CREATE_REPORT_BURST,
    FBA_INVENTORY,
    LISTINGS,
    SALES_AND_TRAFFIC,
    ReportPolicy,
)

US = "ATVPDKIKX0DER"
UK = "A1F83G8C2ARO7P"
# The history is in: no backfill window left to ask for (the first sync's, on Standard)
STEADY = ReportPolicy(backfill=timedelta(days=29))
DAILY = {LISTINGS, FBA_INVENTORY, SALES_AND_TRAFFIC, ALL_ORDERS}


@dataclass
class CarryBook(FakeBook):
    carried: ReportCarry | None = None
    kept: int = 0

    def carry(self, seller_id: str) -> ReportCarry | None:
        return self.carried

    def keep_carry(self, carry: ReportCarry, *, now: datetime) -> None:
        self.carried, self.kept = carry, self.kept + 1


@dataclass
class Amazon:
    """createReport / getReport per report id: each report is DONE after `ready_after` polls."""

    ready_after: int = 1
    ends: dict[str, str] = field(default_factory=dict)  # report type -> FATAL / CANCELLED at its first poll
    throttle_creates: bool = False
    settlements: list[dict[str, Any]] = field(default_factory=list)
    created: list[tuple[str, str]] = field(default_factory=list)  # (report id, type)
    polls: dict[str, int] = field(default_factory=dict)
    downloads: int = 0

    def create_report(self, seller_id: str, *, report_type: str, **_: Any) -> str:
        if self.throttle_creates:
            raise SpApiThrottled("createReport")
        report_id = f"R{len(self.created) + 1}"
        self.created.append((report_id, report_type))
        return report_id

    def get_report(self, seller_id: str, report_id: str) -> dict[str, Any]:
        self.polls[report_id] = self.polls.get(report_id, 0) + 1
        report_type = dict(self.created)[report_id]
        if report_type in self.ends:
            return {"processingStatus": self.ends[report_type]}
        if self.polls[report_id] < self.ready_after:
            return {"processingStatus": "IN_PROGRESS"}
        return {"processingStatus": "DONE", "reportDocumentId": f"DOC-{report_id}"}

    def get_reports(self, seller_id: str, **_: Any) -> dict[str, Any]:
        return {"reports": self.settlements}

    def get_report_document(self, seller_id: str, document_id: str) -> dict[str, Any]:
        return {"reportDocumentId": document_id, "url": f"https://docs.example/{document_id}"}

    def download(self, url: str, *, chunk_size: int = 65536) -> FakeDownload:
        self.downloads += 1
        return FakeDownload(iter([b"a\n", b"b\n"]), "text/plain;charset=UTF-8")


@dataclass
class Kiosk:
    """Data Kiosk: a query is DONE at its first check."""

    queries: list[str] = field(default_factory=list)  # the days asked for

    def create_sales_and_traffic_query(self, seller_id: str, marketplace_id: str, day: Any) -> str:
        self.queries.append(day.isoformat())
        return f"Q{len(self.queries)}"

    def get_query(self, seller_id: str, query_id: str) -> dict[str, Any]:
        return {"processingStatus": "DONE", "dataDocumentId": f"KDOC-{query_id}"}

    def get_document(self, seller_id: str, document_id: str) -> dict[str, Any]:
        return {"documentId": document_id, "documentUrl": f"https://kiosk.example/{document_id}"}

    def download(self, url: str, *, chunk_size: int = 65536) -> FakeDownload:
        return FakeDownload(iter([b"{}\n"]), "application/json")


@dataclass
class Summary:
    rows: int
    written: int
    rejected: tuple[()] = ()
    rejected_count: int = 0
    undecodable: int = 0
    encoding: str | None = "utf-8"


@dataclass
class Ingest:
    seen: list[tuple[str, str | None]] = field(default_factory=list)  # (report type, marketplace)

    def __call__(self, report_type: str, chunks: Iterator[bytes], **kwargs: Any) -> Summary:
        rows = sum(chunk.count(b"\n") for chunk in chunks)
        self.seen.append((report_type, kwargs["marketplace_id"]))
        return Summary(rows=rows, written=rows)


@dataclass
class Routes:
    reports_run_at: datetime | None = None

    def sync_route(self, seller_id: str) -> SyncRoute:
        return SyncRoute(seller_id=seller_id, reports_run_at=self.reports_run_at)


class Clock:
    """Seconds of the run: each download takes `per_call`."""

    def __init__(self, per_call: float = 0.0) -> None:
        self.now, self.per_call = 0.0, per_call

    def __call__(self) -> float:
        self.now += self.per_call
        return self.now


@dataclass
class Seller:
    amazon: Amazon = field(default_factory=Amazon)
    kiosk: Kiosk = field(default_factory=Kiosk)
    book: CarryBook = field(default_factory=CarryBook)
    ingest: Ingest = field(default_factory=Ingest)
    routes: Routes = field(default_factory=Routes)
    marketplaces: tuple[str, ...] = (US,)
    policy: ReportPolicy = STEADY

    def run(
        self, at: datetime, *, clock: Clock | None = None, budget_s: float = 60.0, traffic: Any = None
    ) -> AdvanceReportsOutput:
        return advance_reports(
            AdvanceReportsInput(seller_id=SELLER, claimant=f"run-{at:%H%M}"),
            self.marketplaces,
            None,
            reports=SpApiReports(
                api=self.amazon,  # type: ignore[arg-type]
                book=self.book,
                policy=self.policy,
                ingest=self.ingest,
                sink=object(),
                kiosk=self.kiosk,  # type: ignore[arg-type]
                traffic_budget=traffic,
            ),
            ads=None,
            routes=self.routes,
            now=at,
            clock=clock or Clock(),
            policy=CarryPolicy(ingest_budget_s=budget_s),
        )

    def carried(self) -> Carried:
        assert self.book.carried is not None
        return Carried.model_validate_json(self.book.carried.body)

    def status(self, report_type: str) -> str | None:
        (state,) = [s for s in self.book.states.values() if s.report_type == report_type]
        return state.status


def test_one_run_asks_for_the_daily_reports_and_the_next_checks_and_ingests_them_without_waiting() -> None:
    seller = Seller()
    first = seller.run(NOW)
    # Then the first run planned and asked for each daily report once, checked none, ingested none
    assert first.planned
    assert {t for _, t in seller.amazon.created} == DAILY
    assert (first.requested, first.checked, first.ingested, first.left) == (4, 0, 0, 4)
    assert seller.amazon.polls == {}
    assert {c.progress.status for c in seller.carried().reports if c.progress} == {"IN_QUEUE"}
    # When the next hour's run comes
    second = seller.run(NOW + timedelta(hours=1))
    # Then it planned nothing again, asked for nothing again, checked each once and ingested all four
    assert not second.planned
    assert (second.requested, second.checked, second.ingested, second.left) == (0, 4, 4, 0)
    assert len(seller.amazon.created) == 4
    assert set(seller.amazon.polls.values()) == {1}
    assert {t for t, _ in seller.ingest.seen} == DAILY
    assert all(s.status == "INGESTED" for s in seller.book.states.values())
    # And a third run within the plan interval has nothing to do and writes nothing
    kept = seller.book.kept
    third = seller.run(NOW + timedelta(hours=2))
    assert (third.planned, third.requested, third.checked, third.left) == (False, 0, 0, 0)
    assert seller.book.kept == kept


def test_a_report_not_done_yet_is_checked_once_a_run_until_it_is() -> None:
    seller = Seller(amazon=Amazon(ready_after=3))
    seller.run(NOW)
    for hour in (1, 2):
        out = seller.run(NOW + timedelta(hours=hour))
        assert (out.checked, out.ingested, out.left) == (4, 0, 4)
    done = seller.run(NOW + timedelta(hours=3))
    assert (done.checked, done.ingested, done.left) == (4, 4, 0)
    assert set(seller.amazon.polls.values()) == {3}  # one poll per run, never a wait in between


def test_reports_are_planned_again_only_when_the_plan_interval_has_passed_since_any_machine_planned() -> None:
    seller = Seller(routes=Routes(reports_run_at=NOW - timedelta(hours=1)))  # a Standard run planned
    assert not seller.run(NOW).planned
    assert seller.amazon.created == []
    seller.routes.reports_run_at = NOW - timedelta(hours=6)
    assert seller.run(NOW).planned


def test_fatal_and_cancelled_reports_leave_the_carry_recorded_as_on_standard_and_cool_down() -> None:
    seller = Seller(amazon=Amazon(ends={LISTINGS: "FATAL", FBA_INVENTORY: "CANCELLED"}))
    seller.run(NOW)
    out = seller.run(NOW + timedelta(hours=1))
    assert (out.ended, out.ingested, out.left) == (2, 2, 0)
    assert seller.status(LISTINGS) == "FATAL"
    assert seller.status(FBA_INVENTORY) == "CANCELLED"
    (fatal,) = [s for s in seller.book.states.values() if s.report_type == LISTINGS]
    assert fatal.cooldown_until == NOW + timedelta(hours=1) + STEADY.fatal_cooldown
    # The next plan (6 hours on) asks for neither again: FATAL cools down, CANCELLED is done for good
    later = seller.run(NOW + timedelta(hours=7))
    assert later.planned
    assert [t for _, t in seller.amazon.created].count(LISTINGS) == 1
    assert [t for _, t in seller.amazon.created].count(FBA_INVENTORY) == 1


def test_requests_past_create_reports_burst_wait_for_a_later_hour_never_in_the_run() -> None:
    # Five marketplaces: 20 daily reports, 15 asked at once, the rest have no createReport slot now
    seller = Seller(marketplaces=(US, UK, "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "APJ6JRA9NG5V4"))
    first = seller.run(NOW)
    assert (first.requested, first.deferred, first.left) == (CREATE_REPORT_BURST, 5, 20)
    unasked = [c for c in seller.carried().reports if c.progress is None]
    assert len(unasked) == 5
    # The next hour the bucket is full again: the five are asked, the fifteen checked and ingested
    second = seller.run(NOW + timedelta(hours=1))
    assert (second.requested, second.checked, second.ingested, second.deferred) == (5, 15, 15, 0)
    third = seller.run(NOW + timedelta(hours=2))
    assert (third.ingested, third.left) == (5, 0)
    assert len(seller.amazon.created) == 20  # each asked once


def test_a_throttled_request_stays_for_the_next_hour_and_a_refused_traffic_day_goes_to_data_kiosk() -> None:
    seller = Seller(amazon=Amazon(throttle_creates=True))
    out = seller.run(NOW)
    # as on Standard: a sales-and-traffic request Amazon refuses is recorded QUOTA_REFUSED and ends
    assert (out.requested, out.deferred, out.ended, out.left, out.failed) == (0, 3, 1, 3, 0)
    assert seller.status(SALES_AND_TRAFFIC) == "QUOTA_REFUSED"
    seller.amazon.throttle_creates = False
    assert seller.run(NOW + timedelta(hours=1)).requested == 3
    # the next plan asks Data Kiosk for that day
    later = seller.run(NOW + timedelta(hours=7))
    assert later.planned
    assert len(seller.kiosk.queries) == 1


def test_what_the_time_budget_does_not_hold_is_ingested_by_the_next_run_without_asking_again() -> None:
    seller = Seller()
    seller.run(NOW)
    # each download takes 25 s of a 60 s budget: the first three start, the fourth waits an hour
    out = seller.run(NOW + timedelta(hours=1), clock=Clock(per_call=25.0))
    assert (out.ingested, out.deferred, out.left) == (2, 2, 2)
    left = [c for c in seller.carried().reports]
    assert {c.progress.status for c in left if c.progress} == {"DONE"}
    again = seller.run(NOW + timedelta(hours=2))
    assert (again.checked, again.ingested, again.left) == (0, 2, 0)
    assert len(seller.amazon.created) == 4
    assert set(seller.amazon.polls.values()) == {1}


def test_the_sales_and_traffic_slot_is_taken_at_planning_and_without_one_the_day_goes_to_data_kiosk() -> None:
    @dataclass
    class Budget:
        grant: bool
        claims: int = 0

        def claim(self, seller_id: str, now: datetime) -> bool:
            self.claims += 1
            return self.grant

    granted = Seller()
    granted.run(NOW, traffic=Budget(grant=True))
    assert SALES_AND_TRAFFIC in {t for _, t in granted.amazon.created}
    refused, budget = Seller(), Budget(grant=False)
    refused.run(NOW, traffic=budget)
    assert budget.claims == 1
    assert SALES_AND_TRAFFIC not in {t for _, t in refused.amazon.created}
    assert len(refused.kiosk.queries) == 1
    (traffic,) = [c for c in refused.carried().reports if c.job.report_type == SALES_AND_TRAFFIC]
    assert traffic.job.source == "data_kiosk"
    # the next hour checks the query and ingests its document as the dataset it is
    refused.run(NOW + timedelta(hours=1))
    assert ("analytics_salesAndTraffic_2024_04_24", US) in refused.ingest.seen


def test_a_plan_with_history_backfill_hands_the_window_to_standard_and_asks_for_nothing() -> None:
    seller = Seller(policy=ReportPolicy())  # two years of history, none of it in yet
    out = seller.run(NOW)
    assert out.hand_over
    assert seller.amazon.created == []
    assert seller.book.carried is None


def test_settlements_are_listed_at_planning_and_ingested_once() -> None:
    settlement = {"reportId": "S1", "reportDocumentId": "SDOC-1", "marketplaceIds": [US]}
    seller = Seller(amazon=Amazon(settlements=[settlement]))
    out = seller.run(NOW)
    assert out.ingested == 1  # a listed settlement is DONE already: downloaded in the same run
    assert seller.book.states["SETTLEMENTDOC#S1"].status == "INGESTED"
    seller.run(NOW + timedelta(hours=7))  # planned again: the ingested settlement is not listed again
    assert sum(1 for t, _ in seller.ingest.seen if t.startswith("GET_V2_SETTLEMENT")) == 1


def test_a_report_the_book_already_holds_pending_is_checked_not_asked_again() -> None:
    seller = Seller()
    key = f"REPORT#{LISTINGS}#{US}#daily-{NOW:%Y-%m-%d}"
    seller.amazon.created.append(("R0", LISTINGS))
    seller.book.states[key] = ReportState(
        key=key, report_type=LISTINGS, marketplace_id=US, report_id="R0", status="IN_QUEUE", requested_at=NOW
    )
    out = seller.run(NOW)
    assert out.requested == 3
    assert out.checked == 1  # the pending one (asked for by a Standard run) was checked at once
    assert [t for _, t in seller.amazon.created].count(LISTINGS) == 1


def test_the_budget_leaves_the_last_download_room_before_the_lambda_ends() -> None:
    policy = CarryPolicy(ingest_budget_s=60.0)
    assert within_time_left(policy, 180_000).ingest_budget_s == 60.0
    assert within_time_left(policy, 120_000).ingest_budget_s == 30.0
    assert within_time_left(policy, 30_000).ingest_budget_s == 0.0


@dataclass
class Ads:
    """Amazon Ads: one seller profile in the US; a report COMPLETED at its first poll, or FAILED."""

    fail: bool = False
    created: list[str] = field(default_factory=list)  # report types
    polls: int = 0

    def list_profiles(self, seller_id: str, region: str) -> list[AdsProfile]:
        return [
            AdsProfile.model_validate(
                {"profileId": 42, "countryCode": "US", "currencyCode": "USD", "timezone": "America/Los_Angeles",
                 "accountInfo": {"marketplaceStringId": US, "id": seller_id, "type": "seller"}}
            )
        ]  # fmt: skip

    def create_report(self, seller_id: str, region: str, profile_id: str, request: Any) -> tuple[str, bool]:
        self.created.append(type(request).__name__)
        return f"AR{len(self.created)}", False

    def get_report(self, seller_id: str, region: str, profile_id: str, report_id: str) -> AdsReportStatus:
        self.polls += 1
        status = "FAILED" if self.fail else "COMPLETED"
        return AdsReportStatus(reportId=report_id, status=status, url=f"https://ads.example/{report_id}")

    def download(self, url: str, *, chunk_size: int = 65536) -> Iterator[bytes]:
        yield b"[]"


def _parse(chunks: Any, **_: Any) -> Iterator[Any]:
    list(chunks)
    yield from ()


def test_ads_reports_are_carried_like_the_others_and_a_failed_one_cools_down() -> None:
    for fail in (False, True):
        seller, ads = Seller(), Ads(fail=fail)

        def run(at: datetime, seller: Seller = seller, ads: Ads = ads) -> AdvanceReportsOutput:
            return advance_reports(
                AdvanceReportsInput(seller_id=SELLER),
                seller.marketplaces,
                None,
                reports=SpApiReports(api=seller.amazon, book=seller.book, policy=STEADY,  # type: ignore[arg-type]
                                     ingest=seller.ingest, sink=object()),
                ads=AdsReports(api=ads, policy=AdsPolicy(), parse=_parse, parse_products=_parse,  # type: ignore[arg-type]
                               sink=object()),  # type: ignore[arg-type]
                routes=seller.routes, now=at, clock=Clock(), policy=CarryPolicy(),
            )  # fmt: skip

        first = run(NOW)
        assert sorted(ads.created) == ["SpAdvertisedProductRequest", "SpCampaignsRequest"]
        assert (first.requested, ads.polls) == (4 + 2, 0)
        second = run(NOW + timedelta(hours=1))
        assert second.checked == 4 + 2
        assert ads.polls == (2 if fail else 4)  # a check each, and the download's fresh URL
        ads_states = [s for s in seller.book.states.values() if s.key.startswith("ADSREPORT#")]
        if fail:
            assert (second.ended, second.ingested) == (2, 4)
            assert all(s.status == "FAILED" and s.cooldown_until for s in ads_states)
        else:
            assert second.ingested == 4 + 2
            assert all(s.status == "INGESTED" for s in ads_states)
        assert second.left == 0
