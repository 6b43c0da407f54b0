"""Sync efficiency: how close a large seller's first pull comes to what the usage plans allow.

`BENCH sync_efficiency` = lower bound / actual, both in simulated seconds (no real sleeping):

- **actual**: the real sync code — `sync_orders_page`, `plan_reports` / `request_report` /
  `check_report`, `sync_transactions_page`, the real `SpApiClient` with its `Pacer` — runs on a
  simulated clock against an in-process Amazon that enforces the simulator's usage plans
  (`sellerflow_dev.simulator.ratelimit`: a token bucket per seller × operation, and the app-wide
  GET_SALES_AND_TRAFFIC_REPORT quota). Step Functions is played by `Workflow`, read from
  `statemachines/seller-sync.asl.json`: the order of the phases, the ReportsMap's MaxConcurrency,
  the Retry policy on `SpApiThrottled` (interval, backoff, cap, attempts, full jitter, seeded), the
  Wait states, and a new run every `seller_sync_every_minutes` when a run ends without finishing.
- **bound**: per operation, the time its usage plan forces for the calls the pull needs,
  max(0, (calls − burst) / rate); the slowest chain (reports: createReport's chain plus the report's
  processing, the simulator's IN_QUEUE → IN_PROGRESS → DONE) is the bound.

The pull is done when every order of the seller's first window is stored, every All Orders window of
two years was requested and downloaded, and the first finances run is through.
"""

# The in-memory stores implement the sync's protocols, whose arguments they do not all need.
# ruff: noqa: ARG001, ARG002

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import math
import random
import sys
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic import SecretStr

from sellerflow.domain import Order, ReportState, SyncRun, SyncState
from sellerflow.errors import SpApiThrottled
from sellerflow.observability import logger
from sellerflow.settings import Settings
from sellerflow.spapi.client import SpApiClient
from sellerflow.spapi.http import AccessTokenCache
from sellerflow.spapi.lwa import AppCredentials, LwaClient
from sellerflow.spapi.pacing import Pacer
from sellerflow.spapi.usage_plans import plan_for
from sellerflow.sync.finances import (
    FinancesPageInput,
    FinancesPageOutput,
    FinancesPolicy,
    sync_transactions_page,
)
from sellerflow.sync.models import OrdersPageInput, OrdersPageOutput
from sellerflow.sync.orders import OrdersSyncPolicy, sync_orders_page
from sellerflow.sync.reports import (
    ReportJob,
    ReportPolicy,
    ReportProgress,
    check_report,
    plan_reports,
    request_report,
)
from sellerflow_dev.simulator.ratelimit import AppWideLimiter, RateLimiter
from sellerflow_dev.simulator.world import SimWorld

ROOT = Path(__file__).resolve().parents[3]
ASL = ROOT / "statemachines" / "seller-sync.asl.json"
ENDPOINT = "https://sellingpartnerapi-na.amazon.com"
LWA = "https://api.amazon.com/auth/o2/token"
DOWNLOADS = "https://documents.example/"
START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
SELLER = "A1BENCHSELLER1"
MARKETPLACE = "ATVPDKIKX0DER"


@dataclass(frozen=True)
class Seller:
    orders: int = 50_000
    finance_pages: int = 300  # listTransactions pages of the first 90 days
    report_processing_s: float = 120.0  # createReport to DONE (a quarter of it IN_QUEUE)


class SimClock:
    """Seconds since START; `sleep` moves time on instead of waiting."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        # A real sleep always moves the clock; a wait of 1e-12 s added to a large `t` would not.
        self.t += max(1e-6, seconds)

    def datetime(self) -> datetime:
        return START + timedelta(seconds=self.t)


class Amazon:
    """Just enough SP-API for a pull, throttled as the simulator throttles; counts every call."""

    def __init__(self, clock: SimClock, seller: Seller, order_template: dict[str, Any]) -> None:
        self.clock = clock
        self.seller = seller
        self.limiter = RateLimiter(clock=clock.now)
        self.app_quota = AppWideLimiter()
        self.template = order_template
        self.reports: dict[str, float] = {}  # report id -> created at
        self.calls: dict[str, int] = {}
        self.throttled: dict[str, int] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url.startswith(LWA):
            return httpx.Response(200, json={"access_token": "Atza|bench", "expires_in": 3600})
        if url.startswith(DOWNLOADS):
            return httpx.Response(200, content=b"order-id\tpurchase-date\n")
        operation, answer = self._route(request)
        self.calls[operation] = self.calls.get(operation, 0) + 1
        if not self.limiter.try_acquire(SELLER, operation) or not self._app_quota(operation, request):
            self.throttled[operation] = self.throttled.get(operation, 0) + 1
            return httpx.Response(429, json={"errors": [{"code": "QuotaExceeded", "message": "quota"}]})
        rate = {"x-amzn-RateLimit-Limit": plan_for(operation).header_value}
        return httpx.Response(200, json=answer(), headers=rate)

    def _app_quota(self, operation: str, request: httpx.Request) -> bool:
        if operation != "createReport":
            return True
        report_type = json.loads(request.content).get("reportType", "")
        return self.app_quota.try_acquire(report_type, self.clock.datetime())

    def _route(self, request: httpx.Request) -> tuple[str, Callable[[], dict[str, Any]]]:
        path = urlsplit(str(request.url)).path
        query = {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}
        if path == "/orders/2026-01-01/orders":
            return "searchOrders", lambda: self._orders(query)
        if path == "/reports/2021-06-30/reports" and request.method == "POST":
            return "createReport", self._create_report
        if path.startswith("/reports/2021-06-30/reports/"):
            return "getReport", lambda: self._report(path.rsplit("/", 1)[1])
        if path.startswith("/reports/2021-06-30/documents/"):
            document = path.rsplit("/", 1)[1]
            return "getReportDocument", lambda: {"reportDocumentId": document, "url": DOWNLOADS + document}
        if path == "/finances/2024-06-19/transactions":
            return "listTransactions", lambda: self._transactions(query)
        raise AssertionError(f"the bench's Amazon does not serve {request.method} {path}")

    def _orders(self, query: dict[str, str]) -> dict[str, Any]:
        """Every order was last updated a day before the pull starts: a later window is empty."""
        updated = START - timedelta(days=1)
        if datetime.fromisoformat(query["lastUpdatedAfter"]) > updated:
            return {"orders": [], "pagination": {}}
        offset = int(query.get("paginationToken") or 0)
        stop = min(self.seller.orders, offset + 100)
        orders = [{**self.template, "orderId": f"111-{n:07d}-0000000"} for n in range(offset, stop)]
        pagination = {"nextToken": str(stop)} if stop < self.seller.orders else {}
        return {"orders": orders, "pagination": pagination}

    def _create_report(self) -> dict[str, Any]:
        report_id = str(len(self.reports) + 1)
        self.reports[report_id] = self.clock.now()
        return {"reportId": report_id}

    def _report(self, report_id: str) -> dict[str, Any]:
        elapsed = self.clock.now() - self.reports[report_id]
        processing = self.seller.report_processing_s
        if elapsed >= processing:
            return {"reportId": report_id, "processingStatus": "DONE", "reportDocumentId": f"doc-{report_id}"}
        return {
            "reportId": report_id,
            "processingStatus": "IN_QUEUE" if elapsed < processing / 4 else "IN_PROGRESS",
        }

    def _transactions(self, query: dict[str, str]) -> dict[str, Any]:
        """The first run's 90 days hold `finance_pages` pages; a later run's two days, one."""
        if datetime.fromisoformat(query["postedAfter"]) > START - timedelta(days=3):
            return {"payload": {"transactions": []}}
        page = int(query.get("nextToken") or 0) + 1
        more = {"nextToken": str(page)} if page < self.seller.finance_pages else {}
        return {"payload": {"transactions": [], **more}}


# --- in-memory stores (the protocols the sync code writes through) -------------------------------
class SyncStates:
    def __init__(self) -> None:
        self.states: dict[str, SyncState] = {}

    def sync_state(self, seller_id: str, source: str = "orders") -> SyncState:
        return self.states.get(source) or SyncState(seller_id=seller_id)

    def begin_run(self, seller_id: str, run: SyncRun, source: str = "orders") -> None:
        self.states[source] = self.sync_state(seller_id, source).model_copy(update={"run": run})

    def commit_page(
        self,
        seller_id: str,
        *,
        run_id: str,
        watermark: datetime | None,
        orders: int,
        next_token: str | None = None,
        source: str = "orders",
    ) -> None:
        state = self.sync_state(seller_id, source)
        assert state.run is not None
        assert state.run.run_id == run_id
        run = state.run.model_copy(
            update={
                "pages": state.run.pages + 1,
                "orders": state.run.orders + orders,
                "next_token": next_token,
            }
        )
        self.states[source] = state.model_copy(update={"run": run, "watermark": watermark})


class Orders:
    def __init__(self) -> None:
        self.ids: set[str] = set()

    def upsert(self, orders: Sequence[Order], *, now: datetime | None = None) -> int:
        self.ids.update(order.order_id for order in orders)
        return len(orders)


class Book:
    def get(self, seller_id: str, key: str) -> ReportState | None:
        return self.states.get(key)

    def all(self, seller_id: str, prefix: str = "REPORT#") -> list[ReportState]:
        return [s for k, s in self.states.items() if k.startswith(prefix)]

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.states: dict[str, ReportState] = {}

    def requested(self, seller_id: str, key: str, **fields: Any) -> None:
        window = fields.get("window")
        self.states[key] = ReportState(
            key=key,
            report_type=fields["report_type"],
            marketplace_id=fields["marketplace_id"],
            report_id=fields["report_id"],
            status=fields.get("status", "IN_QUEUE"),
            window_start=window[0] if window else None,
            window_end=window[1] if window else None,
            requested_at=self.clock.datetime(),
        )

    def finished(self, seller_id: str, key: str, **fields: Any) -> None:
        self.states[key] = self.states[key].model_copy(
            update={k: v for k, v in fields.items() if k in ("status", "document_id", "cooldown_until")}
        )

    def ingested(self, seller_id: str, key: str, **_: Any) -> None:
        self.states[key] = self.states[key].model_copy(update={"status": "INGESTED"})


# --- Step Functions, as the state machine says -------------------------------------------------
class TaskFailed(Exception):
    """A task ran out of Retry attempts: the run ends (RecordSyncFailure) or the map item fails."""


Wait = Generator[float, None, Any]


@dataclass
class Workflow:
    clock: SimClock
    rng: random.Random = field(default_factory=lambda: random.Random(13))
    asl: dict[str, Any] = field(default_factory=lambda: json.loads(ASL.read_text(encoding="utf-8")))
    invocations: int = 0

    def retry_policy(self, state: str) -> dict[str, Any]:
        states = self.asl["States"]
        task = states.get(state) or states["ReportsMap"]["ItemProcessor"]["States"][state]
        return next(r for r in task["Retry"] if "SpApiThrottled" in r["ErrorEquals"])

    @property
    def map_concurrency(self) -> int:
        return int(self.asl["States"]["ReportsMap"].get("MaxConcurrency") or 40)

    def task(self, state: str, call: Callable[[], Any]) -> Wait:
        """One Lambda task with the state's Retry on SpApiThrottled (full jitter, capped)."""
        policy = self.retry_policy(state)
        for attempt in range(int(policy["MaxAttempts"]) + 1):
            self.invocations += 1
            try:
                return call()
            except SpApiThrottled:
                if attempt == int(policy["MaxAttempts"]):
                    break
                ceiling = float(policy["IntervalSeconds"]) * float(policy.get("BackoffRate", 2)) ** attempt
                ceiling = min(ceiling, float(policy.get("MaxDelaySeconds", ceiling)))
                yield self.rng.uniform(0, ceiling) if policy.get("JitterStrategy") == "FULL" else ceiling
        raise TaskFailed(state)

    def parallel(self, branches: list[Wait], limit: int) -> Wait:
        """A Map state: up to `limit` branches at a time, each with its own waits; failures are caught."""
        pending: Iterator[Wait] = iter(branches)
        active: list[tuple[float, int, Wait]] = []
        serial = 0
        while True:
            while len(active) < limit and (branch := next(pending, None)) is not None:
                serial += 1
                active.append((self.clock.now(), serial, branch))
            if not active:
                return None
            active.sort(key=lambda item: item[:2])
            wake, number, branch = active.pop(0)
            if wake > self.clock.now():
                yield wake - self.clock.now()
            try:
                delay = next(branch)
            except (StopIteration, TaskFailed):
                continue
            active.append((self.clock.now() + delay, number, branch))


@dataclass
class Outcome:
    seconds: float
    runs: int
    invocations: int
    calls: dict[str, int]
    throttled: dict[str, int]
    orders: int
    reports: int


class Pull:
    """Seller-sync executions, one after another, until the seller's history is in."""

    def __init__(self, seller: Seller) -> None:
        self.seller = seller
        self.clock = clock = SimClock()
        world = SimWorld.generate(1, seed=7, now=START)
        sim_seller = world.sellers[0].seller_id
        template = world.order_document(
            sim_seller, world.order_states(sim_seller)[0].order_id, ("PROCEEDS", "FULFILLMENT", "PROMOTION")
        )
        updated = (START - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.amazon = Amazon(clock, seller, {**template, "lastUpdatedTime": updated})
        http = httpx.Client(transport=httpx.MockTransport(self.amazon))
        self.settings = Settings()
        self.client = SpApiClient(
            endpoint=ENDPOINT,
            lwa=LwaClient(LWA, _Credentials(), http, monotonic=clock.now),
            refresh_tokens=_Credentials(),
            http=http,
            token_cache=AccessTokenCache(clock=clock.now),
            pacer=Pacer(clock=clock.now),
            max_attempts=self.settings.spapi_max_attempts,
            max_inline_wait_s=self.settings.spapi_max_inline_wait_s,
            sleep=clock.sleep,
            rng=random.Random(5),
        )
        self.flow = Workflow(clock)
        self.states, self.orders, self.book = SyncStates(), Orders(), Book(clock)
        self.policy, self.report_policy = OrdersSyncPolicy(), ReportPolicy()
        self.backfill_keys: set[str] = set()

    def finished(self) -> bool:
        downloaded = {k for k, s in self.book.states.items() if s.status == "INGESTED"}
        policy = self.report_policy  # the windows from where the orders sync's history ends, two years back
        windows = math.ceil((policy.backfill - policy.backfill_after) / policy.window)
        return (
            len(self.orders.ids) == self.seller.orders
            and self.states.sync_state(SELLER).watermark is not None
            and len(self.backfill_keys & downloaded) >= windows
            and self.states.sync_state(SELLER, "finances").watermark is not None
        )

    def __call__(self) -> Outcome:
        every = timedelta(minutes=self.settings.seller_sync_every_minutes).total_seconds()
        runs = 0
        while not self.finished():
            runs += 1
            try:
                for delay in self.run(f"run-{runs}"):
                    self.clock.sleep(delay)
            except TaskFailed:
                pass  # RecordSyncFailure: the next tick starts a run that resumes
            if not self.finished():  # the next scheduled tick starts the next run
                self.clock.sleep(every - self.clock.now() % every)
        return Outcome(
            seconds=self.clock.now(),
            runs=runs,
            invocations=self.flow.invocations,
            calls=dict(self.amazon.calls),
            throttled=dict(self.amazon.throttled),
            orders=len(self.orders.ids),
            reports=len(self.backfill_keys),
        )

    def run(self, run_id: str) -> Wait:
        """One execution: the orders loop, the ReportsMap, the finances loop (the ASL's order)."""
        yield from self.orders_loop(run_id)
        jobs = plan_reports(
            SELLER, [MARKETPLACE], book=self.book, now=self.clock.datetime(), policy=self.report_policy
        )
        self.backfill_keys.update(job.key for job in jobs if "#backfill-" in job.key)
        yield from self.flow.parallel([self.report(job) for job in jobs], self.flow.map_concurrency)
        with contextlib.suppress(TaskFailed):  # the finances Catch goes on to SyncInventory
            yield from self.finances_loop(run_id)

    def orders_loop(self, run_id: str) -> Wait:
        """SyncOrdersPage, MoreOrderPages, WaitForOrdersQuota (a failed task ends the run)."""
        token: str | None = None
        while True:
            request = OrdersPageInput(seller_id=SELLER, run_id=run_id, pagination_token=token)
            page = yield from self.flow.task("SyncOrdersPage", functools.partial(self.orders_page, request))
            if page.wait_s:
                yield page.wait_s
                continue
            if not page.has_more:
                return
            token = page.pagination_token

    def orders_page(self, request: OrdersPageInput) -> OrdersPageOutput:
        return sync_orders_page(
            request,
            source=self.client,
            sink=self.orders,
            state_store=self.states,
            marketplace_ids=[MARKETPLACE],
            policy=self.policy,
            now=self.clock.datetime(),
        )

    def report(self, job: ReportJob) -> Wait:
        """WaitForReportQuota, RequestReport, WaitForReport, CheckReport, DownloadAndIngest (the
        ReportsMap's item)."""
        if job.not_before is not None:
            yield max(0.0, (job.not_before - self.clock.datetime()).total_seconds())
        progress = yield from self.flow.task("RequestReport", functools.partial(self.request, job))
        while progress.status in ("IN_QUEUE", "IN_PROGRESS"):
            yield progress.wait_s
            progress = yield from self.flow.task("CheckReport", functools.partial(self.check, job, progress))
        if progress.status == "DONE" and progress.document_id:
            download = functools.partial(_download, self.client, progress.document_id)
            yield from self.flow.task("DownloadAndIngest", download)
            self.book.ingested(SELLER, job.key)

    def request(self, job: ReportJob) -> ReportProgress:
        now = self.clock.datetime()
        return request_report(job, api=self.client, book=self.book, now=now, policy=self.report_policy)

    def check(self, job: ReportJob, progress: ReportProgress) -> ReportProgress:
        now = self.clock.datetime()
        return check_report(
            job, progress, api=self.client, book=self.book, now=now, policy=self.report_policy
        )

    def finances_loop(self, run_id: str) -> Wait:
        """SyncTransactionsPage and MoreTransactionPages."""
        next_token: str | None = None
        while True:
            request = FinancesPageInput(seller_id=SELLER, run_id=run_id, next_token=next_token)
            page = yield from self.flow.task(
                "SyncTransactionsPage", functools.partial(self.finances_page, request)
            )
            if not page.has_more:
                return
            next_token = page.next_token

    def finances_page(self, request: FinancesPageInput) -> FinancesPageOutput:
        return sync_transactions_page(
            request,
            api=self.client,
            sink=_Discard(),
            state_store=self.states,
            to_fact=_no_fact,
            policy=FinancesPolicy(),
            now=self.clock.datetime(),
        )


def lower_bound(seller: Seller, reports: int) -> dict[str, float]:
    """Seconds each operation's usage plan forces for the calls the pull needs (and the bound)."""
    needed = {
        "searchOrders": math.ceil(seller.orders / OrdersSyncPolicy().page_size),
        "createReport": reports,
        "getReportDocument": reports,
        "listTransactions": seller.finance_pages,
    }
    chains = {op: max(0.0, (n - plan_for(op).burst) / plan_for(op).rate_per_s) for op, n in needed.items()}
    chains["reports"] = max(chains["createReport"], chains["getReportDocument"]) + seller.report_processing_s
    chains["bound"] = max(chains.values())
    return chains


def _download(client: SpApiClient, document_id: str) -> None:
    document = client.get_report_document(SELLER, document_id)
    for _chunk in client.download(str(document["url"])):
        pass


class _Credentials:
    def app_credentials(self) -> AppCredentials:
        return AppCredentials(client_id="bench", client_secret=SecretStr("bench"))

    def refresh_token(self, seller_id: str) -> SecretStr:
        return SecretStr("Atzr|bench")


class _Discard:
    def write(self, batch: object) -> None:
        pass


def _no_fact(seller_id: str, transaction: dict[str, Any]) -> Any:
    raise AssertionError("the bench serves no transactions")


def measure(seller: Seller) -> tuple[float, Outcome, dict[str, float]]:
    """(efficiency, what the pull took, the bound per chain); the sync's logs and metrics are muted."""
    level = logger.log_level
    logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # Powertools prints metrics every 100 values
            outcome = Pull(seller)()
    finally:
        logger.setLevel(level)
    bound = lower_bound(seller, outcome.reports + 4)  # backfill windows + listings, inventory, traffic, fresh
    return bound["bound"] / outcome.seconds, outcome, bound


def main() -> int:
    seller = Seller()
    efficiency, outcome, bound = measure(seller)
    for name, seconds in bound.items():
        print(f"bound {name}: {seconds:.0f} s", file=sys.stderr)
    print(
        f"actual: {outcome.seconds:.0f} s over {outcome.runs} runs, {outcome.invocations} task invocations; "
        f"calls {outcome.calls}; throttled {outcome.throttled}",
        file=sys.stderr,
    )
    print(f"BENCH sync_efficiency_bound_s {bound['bound']:.0f} s")
    print(f"BENCH sync_efficiency_actual_s {outcome.seconds:.0f} s")
    print(f"BENCH sync_efficiency {efficiency:.3f} ratio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
