"""A simulated-clock model of one hourly fanout tick in AWS: can N sellers start and finish their sync?

The local runtime runs the fanout's Distributed Map in moto (translated, see
`sellerflow_dev.local.asl_moto`) but cannot show AWS's quotas, so this model does: a discrete-event
simulation (seeded, no wall-clock waits) of the fanout and every seller-sync it starts, sharing

- the account's Lambda concurrency (1,000 by default; a throttled invoke is retried as the
  workflows' `Retry` says: 2 s, x2, 4 attempts with full jitter — past that the seller's sync fails),
- Step Functions' `StartExecution` token bucket for Standard workflows (us-east-1: 1,300 burst,
  300/s refill; a throttled start raises `WorkflowStartThrottled` once the batch's other sellers are
  started, and the fanout child retries the batch: 1 s, x2, at most 60 s, 8 attempts, full jitter —
  the started sellers are quick no-ops then; past the last attempt the rest are not started),
- Step Functions' state-transition token bucket (us-east-1: 5,000 burst, 5,000/s refill; a transition
  waits for a token, it does not fail),
- the Distributed Map's own `MaxConcurrency` (the template's FanoutMaxConcurrency) over its children,
  each a batch of `batch_size` sellers (the template's FanoutBatchSize) that one StartSellerSync
  invocation starts one after another,
- the SP-API limits that matter at this scale: the per-application `createReport` of
  `GET_SALES_AND_TRAFFIC_REPORT` (one per 15 minutes for all sellers: whoever misses it takes the Data
  Kiosk path, `docs/amazon-quotas.md`) and the per-seller usage plans of the calls a tick makes
  (orders 0.0167/s burst 20, reports 0.0167/s burst 15: a seller's own pages, not shared).

What a seller's sync does in an hourly tick (durations modelled, lognormal around the medians below,
from the local pipeline's step timings and SP-API's typical latencies): one or two order pages, the
report planner, with probability 1/24 its daily reports (Amazon takes 1-10 minutes to produce one,
polled by the workflow's Wait states) and its sales-and-traffic day (report slot or Data Kiosk,
2-15 minutes), one finances page, inventory, ads planning (daily ads reports with probability
1/24), rollups, the economics check, alerts and the sync record.
"""

from __future__ import annotations

import heapq
import inspect
import itertools
import math
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

# A process yields what it waits for; the scheduler resumes it with the outcome.
Step = tuple[str, float]
Process = Generator[Step, bool, None]
# Told of each Lambda step a seller-sync finished: (the seller's index in the tick, the step's name,
# when its function's work began and ended, seconds after the tick's start); a cold start is before it
StepRecorder = Callable[[int, str, float, float], None]


@dataclass(frozen=True)
class Quotas:
    lambda_concurrency: int = 1000
    start_execution_burst: float = 1300.0
    start_execution_per_s: float = 300.0
    transitions_burst: float = 5000.0
    transitions_per_s: float = 5000.0
    map_max_concurrency: int = 200
    app_report_interval_s: float = 15 * 60 + 60  # one slot per 15 minutes, plus the budget's margin


@dataclass(frozen=True)
class SellerProfile:
    """Medians (seconds) of the Lambda steps of one hourly seller-sync; see the module docstring."""

    # a start's invocation (0.12 s with one seller: bench/cost.py's StartSellerSyncFunction) besides
    # its sellers, and each seller's start
    batch_invocation_s: float = 0.02
    start_per_seller_s: float = 0.1  # a seller's start in a batch: two reads, the claim, StartExecution
    claimed_per_seller_s: float = 0.03  # a seller a batch's retry finds claimed: the refused claim, a read
    list_due_sellers_s_per_1k: float = 0.25  # a Query page of the active-sellers index, S3 put
    order_page_s: float = 0.9
    extra_order_page_probability: float = 0.1
    plan_s: float = 0.3
    daily_work_probability: float = 1 / 24
    reports_per_day: int = 3
    report_request_s: float = 0.4
    report_check_s: float = 0.2
    report_processing_s: tuple[float, float] = (60.0, 600.0)
    report_ingest_s: float = 2.5
    data_kiosk_processing_s: tuple[float, float] = (120.0, 900.0)
    finances_page_s: float = 1.0
    inventory_s: float = 1.0
    ads_reports_per_day: int = 2
    rollups_s: float = 1.5
    economics_s: float = 0.5
    alerts_s: float = 0.3
    record_s: float = 0.2
    cold_start_s: float = 0.8
    transition_latency_s: float = 0.03


class TokenBucket:
    def __init__(self, burst: float, per_s: float) -> None:
        self.burst = burst
        self.per_s = per_s
        self.tokens = burst
        self.at = 0.0

    def take(self, now: float) -> float:
        """0 when a token was taken now; else how long until one will be there (none taken)."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_s)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.per_s


@dataclass
class TickResult:
    sellers: int
    started: int = 0
    not_started: int = 0
    completed: int = 0
    failed: int = 0
    last_start_s: float = 0.0
    completion_s: list[float] = field(default_factory=list)
    peak_lambda_concurrency: int = 0
    lambda_throttles: int = 0
    start_throttles: int = 0
    transitions: int = 0
    app_report_slots: int = 0
    data_kiosk_days: int = 0

    @property
    def last_done_s(self) -> float:
        return max(self.completion_s, default=0.0)

    def percentile_done_s(self, q: float) -> float:
        ordered = sorted(self.completion_s)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    def done_within(self, seconds: float) -> int:
        return sum(1 for t in self.completion_s if t <= seconds)


class TickSimulation:
    """One tick: the fanout execution, its map children, and each seller-sync they start."""

    def __init__(
        self,
        sellers: int,
        *,
        quotas: Quotas | None = None,
        profile: SellerProfile | None = None,
        seed: int = 7,
        batch_size: int = 1,
        recorder: StepRecorder | None = None,
        start_spread_s: float = 0.0,
    ) -> None:
        """`start_spread_s`: each seller-sync begins a uniform random delay (up to this) after its
        start, as if the starts were spread over the tick (not what the fanout does: a what-if)."""
        self.batch_size = batch_size
        self.recorder = recorder
        self.start_spread_s = start_spread_s
        # its own stream, so a spread leaves the rest of the tick's draws as they were
        self._spread = random.Random(f"{seed}-start-spread")
        self.quotas = quotas or Quotas()
        self.profile = profile or SellerProfile()
        self.random = random.Random(seed)
        self.now = 0.0
        self.result = TickResult(sellers=sellers)
        self._queue: list[tuple[float, int, Process, bool]] = []
        self._order = itertools.count()
        self._lambda_busy = 0
        self._warm = 0  # warm execution environments (all functions pooled: a simplification)
        self._starts = TokenBucket(self.quotas.start_execution_burst, self.quotas.start_execution_per_s)
        self._transitions = TokenBucket(self.quotas.transitions_burst, self.quotas.transitions_per_s)
        self._map_slots = self.quotas.map_max_concurrency
        self._map_waiting: list[str] = []
        self._next_app_slot = 0.0

    # --- the scheduler --------------------------------------------------------------------------------
    def run(self) -> TickResult:
        self._spawn(self._fanout(), 0.0)
        while self._queue:
            self.now, _, process, outcome = heapq.heappop(self._queue)
            self._step(process, outcome)
        return self.result

    def _spawn(self, process: Process, delay: float) -> None:
        heapq.heappush(self._queue, (self.now + delay, next(self._order), process, True))

    def _step(self, process: Process, outcome: bool) -> None:
        fresh = inspect.getgeneratorstate(process) == inspect.GEN_CREATED
        try:
            kind, amount = next(process) if fresh else process.send(outcome)
        except StopIteration:
            return
        if kind == "sleep":
            heapq.heappush(self._queue, (self.now + amount, next(self._order), process, True))
        elif kind == "lambda":
            self._invoke(process, amount, attempt=0)
        elif kind == "lambda_begin":  # an invocation the process itself ends ("lambda_end")
            self._invoke(process, None, attempt=0)
        elif kind == "lambda_end":
            self._lambda_busy -= 1
            heapq.heappush(self._queue, (self.now, next(self._order), process, True))
        elif kind == "transition":
            wait = self._transitions.take(self.now)
            self.result.transitions += 1
            if wait:  # Step Functions delays a transition over its quota; it does not fail it
                self._transitions.tokens -= 1.0
            delay = wait + self.profile.transition_latency_s
            heapq.heappush(self._queue, (self.now + delay, next(self._order), process, True))
        elif kind == "start_execution":
            ok = self._starts.take(self.now) == 0.0
            if not ok:
                self.result.start_throttles += 1
            heapq.heappush(self._queue, (self.now, next(self._order), process, ok))

    def _invoke(self, process: Process, duration: float | None, attempt: int) -> None:
        """`duration` None: the process resumes once the function runs (after a cold start) and says
        itself when it ends."""
        if self._lambda_busy >= self.quotas.lambda_concurrency:
            self.result.lambda_throttles += 1
            if attempt >= 4:  # Retry: Lambda.TooManyRequestsException, MaxAttempts 4
                heapq.heappush(self._queue, (self.now, next(self._order), process, False))
                return
            backoff = self.random.uniform(0, 2.0 * 2**attempt)
            heapq.heappush(
                self._queue,
                (self.now + backoff, next(self._order), self._retry(process, duration, attempt + 1), True),
            )
            return
        self._lambda_busy += 1
        self.result.peak_lambda_concurrency = max(self.result.peak_lambda_concurrency, self._lambda_busy)
        cold = 0.0
        if self._lambda_busy > self._warm:
            self._warm = self._lambda_busy
            cold = self.profile.cold_start_s
        if duration is None:
            heapq.heappush(self._queue, (self.now + cold, next(self._order), process, True))
            return
        heapq.heappush(
            self._queue, (self.now + duration + cold, next(self._order), self._release(process), True)
        )

    def _retry(self, process: Process, duration: float | None, attempt: int) -> Process:
        yield ("sleep", 0.0)
        self._invoke(process, duration, attempt)

    def _release(self, process: Process) -> Process:
        yield ("sleep", 0.0)
        self._lambda_busy -= 1
        heapq.heappush(self._queue, (self.now, next(self._order), process, True))

    # --- the workflows ----------------------------------------------------------------------------
    def _duration(self, median: float) -> float:
        return median * math.exp(self.random.gauss(0.0, 0.35))

    def _fanout(self) -> Process:
        p = self.profile
        yield ("transition", 1)
        yield ("lambda", self._duration(0.4 + p.list_due_sellers_s_per_1k * self.result.sellers / 1000))
        yield ("transition", 1)  # the Choice
        yield ("transition", 1)  # the map run
        sellers = list(range(self.result.sellers))
        for at in range(0, len(sellers), self.batch_size):
            while self._map_slots == 0:
                yield ("sleep", 0.05)
            self._map_slots -= 1
            self._spawn(self._map_child(sellers[at : at + self.batch_size]), 0.0)
        # (the map run ends when its children have; the tick's figures come from the seller syncs)

    def _map_child(self, batch: list[int]) -> Process:
        """One child: its batch's StartSellerSync, the sellers one after another; a throttled start is
        left for the Retry, which runs the batch again after its backoff (started sellers: no-ops)."""
        p = self.profile
        started: set[int] = set()
        for attempt in range(9):  # the first try and Retry's 8 attempts
            ok = yield ("lambda_begin", 0.0)
            if not ok:
                continue  # Lambda throttled past its retries: the next attempt (then Catch)
            yield ("sleep", self._duration(p.batch_invocation_s))
            throttled = False
            for index in batch:
                if index in started:
                    yield ("sleep", self._duration(p.claimed_per_seller_s))
                    continue
                yield ("sleep", self._duration(p.start_per_seller_s))
                if (yield ("start_execution", 1)):
                    started.add(index)
                    self.result.started += 1
                    self.result.last_start_s = max(self.result.last_start_s, self.now)
                    delay = self._spread.uniform(0, self.start_spread_s) if self.start_spread_s else 0.0
                    self._spawn(self._seller_sync(index), delay)
                else:
                    throttled = True
            yield ("lambda_end", 0.0)
            if not throttled:
                break
            if attempt < 8:
                yield ("sleep", self.random.uniform(0, min(60.0, 1.0 * 2**attempt)))
        self._map_slots += 1
        self.result.not_started += len(batch) - len(started)

    def _task(self, median: float, step: str = "", seller: int = -1) -> Generator[Step, bool, bool]:
        yield ("transition", 1)
        duration = self._duration(median)
        ok = yield ("lambda", duration)
        if ok and self.recorder is not None:
            self.recorder(seller, step, self.now - duration, self.now)
        return ok

    def _seller_sync(self, index: int) -> Process:
        p = self.profile
        pages = 1 + (self.random.random() < p.extra_order_page_probability)
        steps = [("orders_page", p.order_page_s)] * pages + [("plan_reports", p.plan_s)]
        for step, median in steps:
            if not (yield from self._task(median, step, index)):
                return self._fail()
        if self.random.random() < p.daily_work_probability:
            yield from self._daily_reports(index)
        for step, median in (
            ("finances_page", p.finances_page_s), ("inventory", p.inventory_s), ("plan_ads", p.plan_s)
        ):  # fmt: skip
            if not (yield from self._task(median, step, index)):
                return self._fail()
        if self.random.random() < p.daily_work_probability:
            yield from self._reports(p.ads_reports_per_day, p.report_processing_s, index)
        for step, median in (
            ("rollups", p.rollups_s), ("economics", p.economics_s), ("alerts", p.alerts_s), ("record", p.record_s)
        ):  # fmt: skip
            if not (yield from self._task(median, step, index)):
                return self._fail()
        yield ("transition", 1)
        self.result.completed += 1
        self.result.completion_s.append(self.now)
        return None

    def _fail(self) -> None:
        self.result.failed += 1

    def _daily_reports(self, seller: int) -> Generator[Step, bool, None]:
        p = self.profile
        yield from self._reports(p.reports_per_day, p.report_processing_s, seller)
        if self.now >= self._next_app_slot:  # the app-wide sales-and-traffic report slot is free
            self._next_app_slot = self.now + self.quotas.app_report_interval_s
            self.result.app_report_slots += 1
            yield from self._reports(1, p.report_processing_s, seller)
        else:  # everyone else: Data Kiosk, per seller
            self.result.data_kiosk_days += 1
            yield from self._reports(1, p.data_kiosk_processing_s, seller)

    def _reports(
        self, count: int, processing: tuple[float, float], seller: int
    ) -> Generator[Step, bool, None]:
        """`count` reports in the workflow's Map: request, Wait/poll until Amazon is done, ingest.
        The branches run side by side; the model walks the slowest one (what the sync waits for)."""
        p = self.profile
        ready_in = max(self.random.uniform(*processing) for _ in range(count))
        yield from self._task(p.report_request_s, "report_request", seller)
        waited, wait = 0.0, 15.0
        while waited < ready_in:
            yield ("transition", 1)
            yield ("sleep", wait)
            waited += wait
            wait = min(wait * 2, 120.0)
            yield from self._task(p.report_check_s, "report_check", seller)
        for _ in range(count):
            yield from self._task(p.report_ingest_s, "report_ingest", seller)


def sellers_done_in_tick(
    sellers: int,
    *,
    tick_s: float = 3600.0,
    seed: int = 7,
    quotas: Quotas | None = None,
    batch_size: int = 1,
) -> tuple[TickResult, bool]:
    result = TickSimulation(sellers, quotas=quotas, seed=seed, batch_size=batch_size).run()
    all_done = result.not_started == 0 and result.failed == 0 and result.last_done_s <= tick_s
    return result, all_done


def capacity(known: int, limit: int, *, step: int, fits: Callable[[int], bool]) -> int:
    """From `known` (a count that fits), the largest count up to `limit`, in `step`s, that still fits."""
    best = known
    while best + step <= limit and fits(best + step):
        best += step
    return best
