"""Many sellers' sales and traffic through the app-wide report budget and Data Kiosk, in process.

The sync's own flows (`plan_reports` with the DynamoDB budget, `request_report`, `check_report`,
`ingest_report_document`) run against the simulator over real HTTP and the real stores (moto, or
whatever the tables are bound to); the Step Functions around them are left out. The simulated clock
moves `step` per seller, so the budget's quarter-hours pass as they would across a day of syncs.

`run_campaign` returns what was stored against the simulator's truth: the days present (by-date
facts equal to the world's sessions, units and sales), the source of each, and every refused (429)
request the simulator counted.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from sellerflow.calendar import local_day
from sellerflow.reports.ingest import ingest_document
from sellerflow.spapi.client import SpApiClient
from sellerflow.spapi.data_kiosk import DataKioskClient
from sellerflow.spapi.lwa import AppCredentials, LwaClient
from sellerflow.store.facts import FactStore
from sellerflow.store.quota import QuotaStore
from sellerflow.store.reports import ReportStore
from sellerflow.sync.ingest import IngestInput, ingest_report_document
from sellerflow.sync.quota import SALES_AND_TRAFFIC_QUOTA, QuotaBudget
from sellerflow.sync.reports import (
    PENDING,
    SALES_AND_TRAFFIC,
    ReportJob,
    ReportPolicy,
    ReportProgress,
    check_report,
    plan_reports,
    recorded_source,
    request_report,
)
from sellerflow_dev.simulator import SimServer, SimWorld


@dataclass
class SimClock:
    """The one clock of a campaign: the product's `now` and the simulator's request time."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class CampaignResult:
    sellers: int = 0
    days_expected: int = 0
    days_present: int = 0
    sources: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    app_quota_refused: int = 0
    missing: list[str] = field(default_factory=list)
    rounds: int = 0
    seconds: float = 0.0

    @property
    def sellers_served(self) -> int:
        return self.sellers - len({m.split(" ")[0] for m in self.missing})


@dataclass(frozen=True)
class _Credentials:
    client_id: str
    client_secret: str

    def app_credentials(self) -> AppCredentials:
        return AppCredentials(client_id=self.client_id, client_secret=SecretStr(self.client_secret))


@dataclass(frozen=True)
class _RefreshTokens:
    world: SimWorld

    def refresh_token(self, seller_id: str) -> SecretStr:
        return SecretStr(self.world.seller(seller_id).refresh_token)


def spapi_port(world: SimWorld, sim: SimServer, http: httpx.Client) -> SpApiClient:
    lwa = LwaClient(sim.lwa_endpoint, _Credentials(world.client_id, world.client_secret), http)
    return SpApiClient(endpoint=sim.api_endpoint, lwa=lwa, refresh_tokens=_RefreshTokens(world), http=http)


@dataclass
class _Flows:
    port: SpApiClient
    kiosk: DataKioskClient
    clock: SimClock
    policy: ReportPolicy
    book: ReportStore = field(default_factory=ReportStore)
    facts: FactStore = field(default_factory=FactStore)
    budget: QuotaBudget = field(default_factory=lambda: QuotaBudget(SALES_AND_TRAFFIC_QUOTA, QuotaStore()))

    def start(self, seller_id: str, marketplaces: list[str]) -> Iterator[tuple[ReportJob, ReportProgress]]:
        jobs = plan_reports(
            seller_id,
            marketplaces,
            book=self.book,
            now=self.clock.now,
            policy=self.policy,
            traffic_budget=self.budget,
        )
        for job in jobs:
            if job.report_type == SALES_AND_TRAFFIC:
                progress = request_report(
                    job,
                    api=self.port,
                    book=self.book,
                    now=self.clock.now,
                    policy=self.policy,
                    kiosk=self.kiosk,
                )
                yield job, progress

    def poll(self, job: ReportJob, progress: ReportProgress) -> ReportProgress:
        return check_report(
            job,
            progress,
            api=self.port,
            book=self.book,
            now=self.clock.now,
            policy=self.policy,
            kiosk=self.kiosk,
        )

    def ingest(self, job: ReportJob, document_id: str) -> None:
        ingest_report_document(
            IngestInput(kind="report", job=job, document_id=document_id),
            api=self.port,
            book=self.book,
            ingest=ingest_document,
            sink=self.facts,
            kiosk=self.kiosk,
        )


def _finish(
    flows: _Flows, started: list[tuple[ReportJob, ReportProgress]], sleep: Callable[[float], None]
) -> set[str]:
    """Poll every request to its end (a sweep, then a short pause) and ingest what is DONE; returns
    the sellers with a day that ended otherwise (FATAL, refused), for the next run."""
    pending = [(job, progress) for job, progress in started if progress.status in PENDING]
    unfinished = {job.seller_id for job, progress in started if progress.status in ("FATAL", "COOLDOWN")}
    for job, progress in started:
        if progress.status == "DONE" and progress.document_id:
            flows.ingest(job, progress.document_id)
    while pending:
        sleep(0.05)
        still: list[tuple[ReportJob, ReportProgress]] = []
        for job, progress in pending:
            polled = flows.poll(job, progress.model_copy(update={"polls": 0}))
            if polled.status in PENDING:
                still.append((job, polled))
            elif polled.status == "DONE" and polled.document_id:
                flows.ingest(job, polled.document_id)
            elif polled.status != "CANCELLED":
                unfinished.add(job.seller_id)
        pending = still
    return unfinished


def run_campaign(
    world: SimWorld,
    sim: SimServer,
    clock: SimClock,
    *,
    traffic_days: int = 1,
    step: timedelta = timedelta(minutes=1),
    max_rounds: int = 4,
    sleep: Callable[[float], None] = time.sleep,
) -> CampaignResult:
    """Every seller's sales and traffic for the last `traffic_days` days, then the check against truth.

    A round visits every seller (the clock moving `step` each); FATAL queries are asked again in the
    next round, after the policy's Data Kiosk retry delay."""
    started_at = time.perf_counter()
    campaign_start = clock.now  # each marketplace's newest settled day, as the planner counts it
    policy = ReportPolicy(traffic_days=traffic_days, first_poll_s=0)
    result = CampaignResult(sellers=len(world.sellers))
    with httpx.Client(timeout=30) as http:
        port = spapi_port(world, sim, http)
        flows = _Flows(port=port, kiosk=DataKioskClient(port), clock=clock, policy=policy)
        due = list(world.sellers)
        for _ in range(max_rounds):
            result.rounds += 1
            started: list[tuple[ReportJob, ReportProgress]] = []
            for seller in due:
                started.extend(flows.start(seller.seller_id, list(seller.marketplace_ids)))
                clock.now += step
            if not started:
                break
            unfinished = _finish(flows, started, sleep)
            # The next run matters only to sellers with a day left (a FATAL query, a refused report).
            due = [seller for seller in due if seller.seller_id in unfinished]
            clock.now += policy.data_kiosk_retry
        _verify(world, flows, campaign_start - policy.traffic_settle, traffic_days, result)
    result.refused = sum(sum(sim.stats(s.seller_id)["throttled"].values()) for s in world.sellers)
    result.app_quota_refused = sum(sim.app_quotas.refused.values())
    result.seconds = time.perf_counter() - started_at
    return result


def _verify(
    world: SimWorld, flows: _Flows, settled: datetime, traffic_days: int, result: CampaignResult
) -> None:
    """Every (seller, marketplace, day) asked for is stored and equals the simulator's truth: the
    marketplace's local days up to the one before `settled` (`ReportPolicy.traffic_settle`)."""
    for seller in world.sellers:
        asked = {
            marketplace_id: [
                local_day(marketplace_id, settled) - timedelta(days=back)
                for back in range(1, traffic_days + 1)
            ]
            for marketplace_id in seller.marketplace_ids
        }
        every_day = [day for days in asked.values() for day in days]
        facts = {
            (f.marketplace_id, f.day): f
            for f in flows.facts.traffic_by_date(seller.seller_id, min(every_day), max(every_day))
        }
        for marketplace_id, days in asked.items():
            for day in days:
                result.days_expected += 1
                key = f"REPORT#{SALES_AND_TRAFFIC}#{marketplace_id}#day-{day:%Y-%m-%d}"
                state = flows.book.get(seller.seller_id, key)
                truth = world.traffic(seller.seller_id, marketplace_id, day)
                stored = facts.get((marketplace_id, day))
                if state is None or truth is None or stored is None or not _same(stored, truth):
                    result.missing.append(f"{seller.seller_id} {marketplace_id} {day}")
                    continue
                result.days_present += 1
                result.sources[recorded_source(state)] += 1


def _same(stored: Any, truth: Any) -> bool:
    return bool(
        stored.sessions == truth.sessions
        and stored.units_ordered == truth.units_ordered
        and stored.ordered_product_sales == truth.ordered_product_sales
    )
