"""A full seller sync with every fault the simulator can inject, until it converges to the truth.

The local stack runs the real workflows (Step Functions on moto, the Lambdas in process) against the
simulator with, at once: 429s (a burst of 3 per operation), 500s and 503s, slowed calls, calls that
hang past the client's timeout, LWA outages, damaged documents (cut short or corrupt gzip), the first
URL of every document already expired, FATAL and CANCELLED reports and FATAL Data Kiosk queries,
Lambda invocations that die part way through their work and invocations delivered twice
(`LambdaFaults`), SQS notifications delivered twice or late, and the schedule's event delivered
twice. A run that fails
is followed by the next scheduled run (a new execution in a new window), as the schedule would; the
campaign stops when every check holds or after `max_runs`.

`verify_seller` counts what the stores hold against the simulator: orders (field by field, the
report backfill included), settlements and their lines, sales-and-traffic days, and the SKU
rollups against Amazon's economics (to the cent) and against the stored daily series.
"""

from __future__ import annotations

import copy
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sellerflow_dev.local.stack import LocalStack, LocalStackConfig
from sellerflow_dev.simulator import SimConfig

# Small pages (more calls, more faults met); SP-API and Ads calls given up after 5 s (the default is
# 20), so that a hung call (`hang_s`, 6 s) times out in the client, which retries it, without the
# campaign waiting 20 s each time; less than 5 s and plain calls time out on a loaded machine too.
CAMPAIGN_ENV = {"ORDERS_PAGE_SIZE": "20", "SPAPI_TIMEOUT_S": "5", "ADS_TIMEOUT_S": "5"}


def chaos_config(*, forced_outcomes: bool) -> SimConfig:
    """Every fault at once; `forced_outcomes` adds reports that end FATAL or CANCELLED."""
    outcomes: dict[str, Any] = (
        {
            "GET_MERCHANT_LISTINGS_ALL_DATA": "FATAL",
            "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA": "CANCELLED",
            "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL": "FATAL",
        }
        if forced_outcomes
        else {}
    )
    return SimConfig(
        rate_scale=100.0,
        burst_override=3,
        fault_rate_500=0.04,
        fault_rate_503=0.04,
        slow_rate=0.05,
        slow_ms=300,
        hang_rate=0.01,
        hang_s=6.0,
        lwa_fault_rate=0.1,
        token_ttl_s=30,
        document_fault_rate=0.25,
        expire_first_document_urls=True,
        report_processing_s=0.5,
        data_kiosk_processing_s=0.5,
        data_kiosk_fatal_rate=0.2,
        report_outcomes=outcomes,
    )


class InvocationDied(SystemExit):
    """The Lambda runtime went away part-way through an invocation: no handler can catch it (not an
    `Exception`), and the local runtime reports it as Lambda does, a `Runtime.ExitError`."""


class LambdaFaults:
    """Lambda invocations as they fail in AWS, seeded:

    - a share of them die part-way through their work: the chosen invocation may make a random number
      of outbound calls (DynamoDB, S3, KMS, SP-API, ...), then the process is gone: that call and every
      later one of the invocation fail (no `finally` or `except` of the handler gets anything done), what
      it wrote before stays written;
    - a share of them are delivered twice (Lambda, SQS and Step Functions deliver at least once: a
      retried invoke whose first attempt did run): the handler runs twice on the same event, and the
      caller gets the second answer.
    """

    def __init__(self, stack: LocalStack, seed: int, death_rate: float, duplicate_rate: float = 0.0) -> None:
        self.rng = random.Random(f"{seed}:lambda-deaths")
        self.rate = death_rate
        self.duplicate_rate = duplicate_rate
        self.deaths = 0
        self.duplicated = 0
        self._budget = threading.local()
        self._stack = stack
        self._lock = threading.Lock()

    def _check(self) -> None:
        left = getattr(self._budget, "calls", None)
        if left is None:
            return
        if left <= 0:
            if left == 0:
                self._budget.calls = -1  # dead: every later call of this invocation fails too
                with self._lock:
                    self.deaths += 1
            raise InvocationDied(1)
        self._budget.calls = left - 1

    @contextmanager
    def installed(self) -> Iterator[LambdaFaults]:
        import botocore.endpoint
        import httpx

        dispatcher = self._stack.dispatcher
        assert dispatcher is not None
        original_invoke = dispatcher.invoke
        original_request = botocore.endpoint.Endpoint.make_request
        original_send = httpx.Client.send
        faults = self

        def invoke(function_name: str, event: Any) -> tuple[str, bool]:
            with faults._lock:
                twice = faults.rng.random() < faults.duplicate_rate
                dies = faults.rng.random() < faults.rate
                budget = faults.rng.randint(0, 6) if dies else None
                faults.duplicated += twice
            outer = getattr(faults._budget, "calls", None)  # an invocation may invoke another in-thread
            try:
                if twice:  # the first delivery's answer never reaches the caller
                    faults._budget.calls = None
                    original_invoke(function_name, copy.deepcopy(event))
                faults._budget.calls = budget
                return original_invoke(function_name, event)
            finally:
                faults._budget.calls = outer

        def make_request(endpoint: Any, *args: Any, **kwargs: Any) -> Any:
            faults._check()
            return original_request(endpoint, *args, **kwargs)

        def send(client: httpx.Client, *args: Any, **kwargs: Any) -> httpx.Response:
            faults._check()
            return original_send(client, *args, **kwargs)

        dispatcher.invoke = invoke  # type: ignore[method-assign]
        botocore.endpoint.Endpoint.make_request = make_request  # type: ignore[method-assign,assignment]
        httpx.Client.send = send  # type: ignore[method-assign,assignment]
        try:
            yield self
        finally:
            dispatcher.invoke = original_invoke  # type: ignore[method-assign]
            botocore.endpoint.Endpoint.make_request = original_request  # type: ignore[method-assign]
            httpx.Client.send = original_send  # type: ignore[method-assign]


@dataclass
class SellerCheck:
    seller_id: str
    lost: int = 0  # rows of the truth missing or stored different (short amounts count here)
    duplicates: int = 0  # rows stored that the truth does not have (amounts counted twice count here)
    failures: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # what each check found, for the log
    notes: list[str] = field(default_factory=list)  # what the stores say about the rows lost, for the log

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicates or self.failures)

    def add(self, what: str, *, lost: int = 0, duplicates: int = 0) -> None:
        self.lost += lost
        self.duplicates += duplicates
        if lost or duplicates:
            self.counts[what] = self.counts.get(what, 0) + lost + duplicates


@dataclass
class SeedResult:
    seed: int
    runs: int = 0
    converged: bool = False
    checks: list[SellerCheck] = field(default_factory=list)
    faults: int = 0
    throttled: int = 0
    deaths: int = 0
    hangs: int = 0  # SP-API / Ads calls that hung past the client's timeout
    duplicated_invokes: int = 0  # Lambda invocations delivered twice
    duplicated_notifications: int = 0  # SQS notifications delivered twice
    seconds: float = 0.0

    @property
    def lost(self) -> int:
        return sum(c.lost for c in self.checks)

    @property
    def duplicates(self) -> int:
        return sum(c.duplicates for c in self.checks)


def verify_seller(stack: LocalStack, seller_id: str, sync_started: datetime) -> SellerCheck:
    """What the stores hold for one seller against the simulator's truth, counted in rows."""
    from sellerflow import wiring
    from sellerflow.store.reports import ReportStore
    from sellerflow_dev.local.demo import _verify_sku_profit
    from sellerflow_dev.local.verify import verify_orders, verify_sales_traffic, verify_settlements

    check = SellerCheck(seller_id)
    world = stack.world
    states = ReportStore().all(seller_id)
    orders = verify_orders(
        seller_id,
        list(wiring.order_store().all_for_seller(seller_id)),
        world.orders(seller_id),
        history=world.history_orders(seller_id),
        backfilled=states,
    )
    check.add("orders_missing", lost=len(orders.missing))
    check.add("orders_different", lost=len(orders.different))
    check.add("orders_unexpected", duplicates=len(orders.unexpected))
    if orders.unexpected:
        history = {str(doc["orderId"]): doc for doc in world.history_orders(seller_id)}
        windows = [
            f"{s.key[-40:]}:{s.status}:{(s.errors or [''])[0][:60]}"
            for s in states
            if "ALL_ORDERS" in s.key and s.status != "INGESTED"
        ]
        check.notes.append(
            f"orders unexpected {[(o, o in history) for o in orders.unexpected[:5]]} windows not ingested {windows[:5]}"
        )
    facts = wiring.fact_store()
    settled = facts.settlements(seller_id)
    lines = {s.settlement_id: facts.settlement_lines(seller_id, s.settlement_id) for s in settled}
    from sellerflow.sync.reports import ReportPolicy

    since = sync_started - ReportPolicy().settlements_since + timedelta(hours=1)
    settlements = verify_settlements(seller_id, settled, lines, world.settlements(seller_id), since)
    check.add("settlements_missing", lost=len(settlements.missing))
    check.add("settlements_different", lost=len(settlements.different))
    check.add("settlements_unexpected", duplicates=len(settlements.unexpected))
    if settlements.missing or settlements.different:
        check.notes.append(_settlement_notes(seller_id, settlements.missing + settlements.different))
    today = world.now.date()
    traffic = verify_sales_traffic(
        seller_id,
        states,
        facts.traffic_by_date(seller_id, today - timedelta(days=60), today),
        partial(world.traffic, seller_id),
    )
    check.add("traffic_days", lost=len(traffic.missing))
    if traffic.days == 0:
        check.failures.append("sales_traffic: no day ingested")
    profit = _verify_sku_profit(seller_id, world.now)
    check.add("sku_profit", lost=len(profit.mismatches))
    _count_economics(stack, seller_id, check)
    if check.counts.get("economics_short") or check.counts.get("economics_over"):
        ads = ReportStore().all(seller_id, prefix="ADSREPORT#")
        check.notes.append(
            "ads reports "
            + str(
                [
                    f"{a.key[-36:]}:{a.status}:{a.window_start and a.window_start.date()}..{a.window_end and a.window_end.date()}:rows={a.rows}:cool={a.cooldown_until}:{(a.errors or ('',))[0][:60]}"
                    for a in ads
                ]
            )
        )
    return check


def _settlement_notes(seller_id: str, settlement_ids: tuple[str, ...]) -> str:
    """The report book's records of the settlement documents, for the log of a seed that lost some."""
    from sellerflow.store.reports import ReportRecord

    records = ReportRecord.query(seller_id, ReportRecord.sk.startswith("SETTLEMENTDOC#"))
    described = [
        f"{r.sk}:{r.status}:rows={r.rows}:claim={r.ingest_claim is not None}:{(r.errors or [''])[0][:80]}"
        for r in records
    ]
    return f"settlements {list(settlement_ids)} of {len(described)} documents {described}"


def _count_economics(stack: LocalStack, seller_id: str, check: SellerCheck) -> None:
    """The stored SKU rollups against Amazon's economics (Data Kiosk, read with the product's own
    check, faults off) over the reconciliation's days, to the cent: a cost (fees, ad spend) smaller
    than Amazon's is lost, one larger was counted twice; a net proceeds mismatch follows its SKU-day's
    cost mismatch (an ad spend missing raises the net: a loss, not a duplicate), else the revenue's. (The sync's own stored check may predate the run
    that completed the rollups: it runs once per ECONOMICS_CHECK_HOURS.)"""
    from decimal import Decimal

    from sellerflow import wiring
    from sellerflow.marketplaces import MARKETPLACES
    from sellerflow.reports.formats import local_date
    from sellerflow.sync.economics import check_economics
    from sellerflow.wiring.analytics import rollup_store

    days = wiring.settings().economics_check_days
    for marketplace_id in stack.world.seller(seller_id).marketplace_ids:
        last = local_date(datetime.now(UTC), MARKETPLACES[marketplace_id]) - timedelta(days=1)
        first = last - timedelta(days=days - 1)
        economics = check_economics(
            wiring.data_kiosk_client(), rollup_store(), seller_id=seller_id,
            marketplace_id=marketplace_id, first=first, last=last, timeout_s=60,
        )  # fmt: skip
        truth_rows = len(stack.world.economics(seller_id, marketplace_id, first, last))
        if economics.amazon_rows != truth_rows or economics.rejected:
            check.failures.append(f"economics {marketplace_id}: read {economics.amazon_rows}/{truth_rows}")
        costs: dict[tuple[str, object], bool] = {}  # (sku, day) -> a cost of it is over Amazon's
        for mismatch in economics.mismatches:
            if mismatch.field != "net_proceeds":
                over = abs(Decimal(mismatch.ours)) > abs(Decimal(mismatch.amazon))
                costs[(mismatch.sku, mismatch.day)] = costs.get((mismatch.sku, mismatch.day), False) or over
        for mismatch in economics.mismatches:
            if mismatch.field != "net_proceeds":
                over = abs(Decimal(mismatch.ours)) > abs(Decimal(mismatch.amazon))
            elif (mismatch.sku, mismatch.day) in costs:  # it follows from that cost's mismatch
                over = costs[(mismatch.sku, mismatch.day)]
            else:  # the costs agree: the proceeds differ by revenue
                over = Decimal(mismatch.ours) > Decimal(mismatch.amazon)
            check.add(
                "economics_over" if over else "economics_short", duplicates=int(over), lost=int(not over)
            )
            if len(check.failures) < 3:
                check.failures.append(f"economics {mismatch}")


@contextmanager
def calm(stack: LocalStack) -> Iterator[None]:
    """No faults while the campaign itself reads the truth (the verification is not under test)."""
    chaotic = stack.simulator.config
    stack.simulator.update_config(SimConfig(rate_scale=100.0, report_processing_s=0.5).model_dump())
    try:
        yield
    finally:
        stack.simulator.update_config(chaotic.model_dump())


def _start_run(stack: LocalStack, seller_id: str, window: str) -> str:
    """What the fanout starts for a seller at a later tick: the seller-sync of a new window."""
    assert stack.resources is not None
    sync_arn = stack.resources.state_machines["SellerSyncStateMachine"]
    payload = {"seller_id": seller_id, "window": window, "orders": {"pagination_token": None}}
    started = stack.session.client("stepfunctions").start_execution(
        stateMachineArn=sync_arn, name=f"{seller_id}-{window}", input=json.dumps(payload)
    )
    return str(started["executionArn"])


def _first_run(stack: LocalStack) -> list[str]:
    """The schedule's tick delivered twice (EventBridge delivers at least once): two fanouts of the
    same window, whose executions share names, then every seller-sync to its end; returns how each
    execution ended."""
    stack.fire_schedule()
    try:
        return [f"{r.status} {r.error or ''}".strip() for r in stack.run_sync()]
    except RuntimeError as exc:  # a fanout whose Lambda died: the next run covers it
        return [f"fanout {exc}"[:200]]


def _later_run(stack: LocalStack, run: int, day: datetime) -> list[str]:
    window = f"{day:%Y%m%d}T{run:04d}"
    ended = []
    for seller in stack.world.sellers:
        arn = _start_run(stack, seller.seller_id, window)
        described = stack.wait_for(arn)
        ended.append(
            f"{described['status']} {described.get('error') or ''} {described.get('cause') or ''}"[:300]
            + f" tasks failed: {_task_failures(stack, arn)}"
        )
    return ended


def _task_failures(stack: LocalStack, execution_arn: str) -> dict[str, int]:
    """How many task attempts of the execution failed, by error (what the Retry and Catch met), and
    how each Ads job ended (the run's output keeps neither)."""
    sfn = stack.session.client("stepfunctions")
    failures: dict[str, int] = {}
    token: str | None = None
    while True:
        page = (
            sfn.get_execution_history(executionArn=execution_arn, maxResults=1000, nextToken=token)
            if token
            else sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)
        )
        for event in page["events"]:
            details = event.get("taskFailedEventDetails")
            if details:
                error = f"{details.get('error')}: {str(details.get('cause') or '')[:80]}"
                failures[error] = failures.get(error, 0) + 1
            exited: dict[str, Any] = dict(event.get("stateExitedEventDetails") or {})
            if exited.get("name") == "AdsMap":  # how each Ads job of the run ended
                ads = json.loads(exited.get("output") or "{}").get("ads") or []
                for job in ads:
                    outcome = (
                        f"ads {str(job.get('key', ''))[-24:]} {job.get('outcome')} {job.get('error') or ''}"
                    )
                    failures[outcome] = failures.get(outcome, 0) + 1
        token = page.get("nextToken")
        if not token:
            return failures


def run_seed(
    seed: int,
    *,
    sellers: int = 1,
    max_runs: int = 6,
    death_rate: float = 0.05,
    duplicate_rate: float = 0.05,
    faults: bool = True,
    say: Callable[[str], None] = lambda _line: None,
) -> SeedResult:
    """One seed's campaign: a fresh local stack and world, every fault on, runs until converged."""
    started = time.perf_counter()
    result = SeedResult(seed)
    config = LocalStackConfig(
        sellers=sellers,
        seed=seed,
        sim_config=SimConfig(rate_scale=100.0, report_processing_s=0.5),  # connecting is not under test
        extra_env=CAMPAIGN_ENV,
    )
    stack = LocalStack(config)
    stack.start()
    try:
        stack.connect_demo_sellers()
        sync_started = datetime.now(UTC)
        if faults:
            stack.simulator.update_config(chaos_config(forced_outcomes=True).model_dump())
        if faults:  # SQS delivers at least once: a share of the notifications arrive twice, some late
            from sellerflow_dev.simulator.notifications_api import DeliveryFaults

            stack.simulator.notifications.faults = DeliveryFaults(duplicate_rate=0.3, late_rate=0.2)
        lambdas = LambdaFaults(stack, seed, death_rate if faults else 0.0, duplicate_rate if faults else 0.0)
        with lambdas.installed():
            for run in range(1, max_runs + 1):
                result.runs = run
                ended = _first_run(stack) if run == 1 else _later_run(stack, run, sync_started)
                say(f"seed {seed} run {run} ended: {ended}")
                if (
                    run == 1 and faults
                ):  # a report's FATAL or CANCELLED is its final word for that request only
                    stack.simulator.update_config({"report_outcomes": {}})
                stack.wait_for_notifications(timeout_s=60)  # what the run's notifications changed
                with calm(stack):
                    result.checks = [
                        verify_seller(stack, s.seller_id, sync_started) for s in stack.world.sellers
                    ]
                say(
                    f"seed {seed} run {run}: lost={result.lost} duplicates={result.duplicates} "
                    f"{'; '.join(f for c in result.checks for f in c.failures)} "
                    f"{[c.counts for c in result.checks]} {[n for c in result.checks for n in c.notes]}"
                )
                if all(c.ok for c in result.checks):
                    result.converged = True
                    break
        result.deaths = lambdas.deaths
        result.duplicated_invokes = lambdas.duplicated
        result.hangs = stack.simulator.faults.hangs
        for seller in stack.world.sellers:
            stats = stack.simulator.stats(seller.seller_id)
            result.duplicated_notifications += stack.simulator.notifications.stats(seller.seller_id)[
                "duplicated"
            ]
            result.faults += stats["faults"]
            result.throttled += sum(stats["throttled"].values())
    finally:
        stack.stop()
    result.seconds = time.perf_counter() - started
    return result
