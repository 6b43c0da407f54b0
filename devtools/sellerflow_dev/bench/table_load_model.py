"""A model of a fleet's DynamoDB load, second by second, and how busy provisioned capacity would be.

This is a model, not a measurement on AWS. It joins two models the repository already has:

- *when* the work happens: the fanout's simulation (`fanout_model.TickSimulation`: the Map's
  MaxConcurrency and batches, the starts one after another, each seller-sync's Lambda steps with
  lognormal durations, the reports' waits), one simulation per 15-minute tick of the simulated hours.
  The sellers due at a tick come from the production schedule (`sellerflow.sync.schedule.is_due`: an
  hourly seller syncs in the window its seller id hashes to, so about a quarter of the fleet a tick);
- *how much*: the cost model's request units of a seller-month (`cost.month`, `ddb_wru`/`ddb_rru`:
  the sync's tables, capacity-seconds as `provisioned_requests_cost` counts them) divided by its runs,
  the daily report rows (`cost.report_rows_per_day`) apart: they go to the runs that ingest reports.

A run's units (besides the report rows) are spread over its DynamoDB steps in proportion to their
time: the orders and finances pages (the order and transaction writes, the markers), the two plans
(the carry and route reads), inventory, rollups (the dirty days' reads), economics, alerts and the
sync record. The report requests and checks only call Amazon. A report's rows are spread over its
ingest. Where in a 10-second run a unit falls moves it by seconds; the tick's starts span more.

From the per-second load (folded over the simulated hours, as if they repeated), `fixed_capacity` is
the least provisioned capacity that throttles nothing given DynamoDB's burst capacity (unused
capacity kept up to 300 s; AWS calls it best effort), `autoscaled` what target tracking would keep.
docs/cost.md (*What dominates now*, item 1) has the figures and the rules' sources.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sellerflow_dev.bench.cost import (
    DAYS,
    FANOUT_TICKS_PER_DAY,
    Assumptions,
    Month,
    fanout_batch_size,
    month,
    on_demand_requests_cost,
    provisioned_requests_cost,
    report_rows_per_day,
    template_parameter_default,
)
from sellerflow_dev.bench.fanout_model import Quotas, SellerProfile, StepRecorder, TickSimulation

TICK_S = 24 * 3600 // FANOUT_TICKS_PER_DAY  # FanoutSchedule: rate(15 minutes)
BURST_S = 300.0  # DynamoDB keeps up to 5 minutes of unused read and write capacity for bursts
# the seller-sync's Lambda steps that read or write the tables (the model's step names)
DYNAMODB_STEPS = frozenset(
    {"orders_page", "plan_reports", "finances_page", "inventory", "plan_ads", "rollups", "economics",
     "alerts", "record"}
)  # fmt: skip
REPORT_INGEST = "report_ingest"
_EPOCH = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday 00:00: the first simulated tick


@dataclass(frozen=True)
class RunUnits:
    """DynamoDB request units (capacity-seconds) of one seller-sync run."""

    wru: float  # besides the report rows, over the run's DYNAMODB_STEPS
    rru: float
    report_wru: float  # per report ingested
    report_rru: float


def run_units(
    orders_per_day: int, a: Assumptions | None = None, profile: SellerProfile | None = None
) -> RunUnits:
    """A seller-month's units (`month`) per run; the report rows per report the simulation ingests
    (its profile: the daily reports and the sales-and-traffic day, and the Ads reports, each with the
    daily-work probability a run), so a simulated day holds the month's day of them on average."""
    a = a or Assumptions()
    profile = profile or SellerProfile()
    operations = month(orders_per_day, a).operations
    runs = a.syncs_per_day * DAYS
    report_wru, report_rru, _ = report_rows_per_day(orders_per_day, a)
    reports_a_run = profile.daily_work_probability * (
        profile.reports_per_day + 1 + profile.ads_reports_per_day
    )
    ingests_a_day = a.syncs_per_day * reports_a_run
    return RunUnits(
        wru=(operations["ddb_wru"] - DAYS * report_wru) / runs,
        rru=(operations["ddb_rru"] - DAYS * report_rru) / runs,
        report_wru=report_wru / ingests_a_day,
        report_rru=report_rru / ingests_a_day,
    )


@dataclass(frozen=True)
class Fleet:
    sellers: int = 1_000
    orders_per_day: int = 1_000  # each
    hours: int = 1
    syncs_per_day: int = 24  # each seller's cadence (hourly: push notifications on)
    start_spread_s: float = 0.0  # a what-if: each seller-sync begins up to this long after its start
    tick_s: int = TICK_S  # the template's SyncIntervalMinutes, in seconds (5 minutes at the least)
    seed: int = 7


@dataclass
class TableLoad:
    """Units a second over the simulated hours; what ran past their end is counted from their start
    (the hours repeat)."""

    wru: list[float]
    rru: list[float]
    units_given: tuple[float, float] = (0.0, 0.0)  # (WRU, RRU) the runs were given
    due: list[int] = field(default_factory=list)  # sellers due at each tick
    runs: int = 0


def seller_ids(count: int) -> list[str]:
    return [f"A{index:013d}" for index in range(count)]


def due_at_ticks(
    ids: Sequence[str], ticks: int, every_minutes: int, window_minutes: int = TICK_S // 60
) -> list[list[str]]:
    """The sellers due at each tick, as `list_due_sellers` finds them (sorted, the production rule)."""
    from sellerflow.domain import ScheduledSeller
    from sellerflow.sync.schedule import is_due

    window = window_minutes
    sellers = [ScheduledSeller(seller_id=i, sync_every_minutes=every_minutes) for i in sorted(ids)]
    at = [_EPOCH + timedelta(minutes=window * k) for k in range(ticks)]
    return [[s.seller_id for s in sellers if is_due(s, tick, window)] for tick in at]


def spread_units(series: list[float], start: float, end: float, units: float) -> None:
    """Add `units` to `series` evenly over [start, end) seconds, wrapping past its end."""
    horizon = len(series)
    if end <= start:
        series[math.floor(start) % horizon] += units
        return
    rate = units / (end - start)
    second = math.floor(start)
    while second < end:
        overlap = min(end, second + 1) - max(start, second)
        series[second % horizon] += rate * overlap
        second += 1


Spans = dict[int, list[tuple[str, float, float]]]  # per seller of a tick, its steps (name, start, end)


def _record_into(steps: Spans) -> StepRecorder:
    def record(seller: int, step: str, start: float, end: float) -> None:
        steps.setdefault(seller, []).append((step, start, end))

    return record


def simulate_fleet(
    fleet: Fleet,
    units: RunUnits,
    *,
    quotas: Quotas | None = None,
    batch_size: int | None = None,
    profile: SellerProfile | None = None,
) -> TableLoad:
    """The fleet's seller-syncs over `fleet.hours`, tick by tick, and the units they put on the table.
    Each tick is simulated on its own (its fanout, its syncs); ticks overlap only through their
    reports' waits, and share no Lambda concurrency in the model (the peak is far from the quota)."""
    quotas = quotas or Quotas(map_max_concurrency=template_parameter_default("FanoutMaxConcurrency"))
    batch_size = batch_size or fanout_batch_size()
    horizon = fleet.hours * 3600
    load = TableLoad(wru=[0.0] * horizon, rru=[0.0] * horizon)
    given_wru = given_rru = 0.0
    ticks = horizon // fleet.tick_s
    every = 1440 // fleet.syncs_per_day
    for tick, due in enumerate(due_at_ticks(seller_ids(fleet.sellers), ticks, every, fleet.tick_s // 60)):
        steps: Spans = {}
        TickSimulation(
            len(due),
            quotas=quotas,
            profile=profile,
            seed=fleet.seed * 1_000 + tick,
            batch_size=batch_size,
            recorder=_record_into(steps),
            start_spread_s=fleet.start_spread_s,
        ).run()
        offset = tick * fleet.tick_s
        for spans in steps.values():
            data = [(start, end) for step, start, end in spans if step in DYNAMODB_STEPS]
            busy_s = sum(end - start for start, end in data)
            for start, end in data:
                share = (end - start) / busy_s
                spread_units(load.wru, offset + start, offset + end, units.wru * share)
                spread_units(load.rru, offset + start, offset + end, units.rru * share)
            given_wru += units.wru if data else 0.0
            given_rru += units.rru if data else 0.0
            for step, start, end in spans:
                if step == REPORT_INGEST:
                    spread_units(load.wru, offset + start, offset + end, units.report_wru)
                    spread_units(load.rru, offset + start, offset + end, units.report_rru)
                    given_wru += units.report_wru
                    given_rru += units.report_rru
        load.due.append(len(due))
        load.runs += len(steps)
    load.units_given = (given_wru, given_rru)
    return load


# --- provisioned capacity -------------------------------------------------------------------------
def _second(bucket: float, capacity: float, ceiling: float, units: float) -> tuple[float, float]:
    """One second of `units` on `capacity`: the burst bucket after it (a second's unused capacity goes
    in, up to `ceiling`; a second over capacity draws on it) and the units neither could serve."""
    spare = capacity - units
    if spare >= 0:
        return min(ceiling, bucket + spare), 0.0
    drawn = min(bucket, -spare)
    return bucket - drawn, -spare - drawn


def throttled_units(load: Sequence[float], capacity: float, burst_s: float = BURST_S) -> float:
    """Units over `capacity` and its burst capacity in one period of `load` repeated, once the burst
    bucket's state at the period's start repeats (from empty); the bucket holds up to `burst_s`
    seconds of capacity (`_second`)."""
    ceiling = burst_s * capacity
    bucket = 0.0
    for _ in range(100):
        at_start, throttled = bucket, 0.0
        for units in load:
            bucket, over = _second(bucket, capacity, ceiling, units)
            throttled += over
        if abs(bucket - at_start) <= 1e-9 * max(1.0, ceiling):
            break
    return throttled


def fixed_capacity(load: Sequence[float], burst_s: float = BURST_S) -> float:
    """The least capacity (units a second) that throttles nothing while `load` repeats, counting on
    the burst capacity (`burst_s` 0: the busiest second)."""
    peak = max(load, default=0.0)
    if peak <= 0 or burst_s <= 0:
        return peak
    total = sum(load)
    allowed = 1e-9 * total
    low, high = total / len(load), peak  # below the mean the bucket runs dry; the peak never throttles
    if throttled_units(load, low, burst_s) <= allowed:
        return low
    while high - low > 1e-6 * high:
        middle = (low + high) / 2
        if throttled_units(load, middle, burst_s) <= allowed:
            high = middle
        else:
            low = middle
    return high


def busy_share(load: Sequence[float], burst_s: float = BURST_S) -> float:
    """How busy a fixed capacity sized by `fixed_capacity` would be on average (mean / capacity)."""
    capacity = fixed_capacity(load, burst_s)
    return sum(load) / len(load) / capacity if capacity else 0.0


@dataclass(frozen=True)
class TargetTracking:
    """DynamoDB auto scaling as its documentation describes it: the consumed capacity is a datapoint a
    minute; above `target` for `scale_out_minutes` datapoints in a row it scales out to the latest
    minute's rate / target, below `scale_in_below` x target for `scale_in_minutes` in a row it scales
    in to their mean rate / target; the new capacity applies `reaction_s` later (the alarm's delay
    and UpdateTable: "a few minutes", modelled). The daily quota on decreases is not modelled."""

    target: float = 0.7
    scale_out_minutes: int = 2
    scale_in_minutes: int = 15
    scale_in_below: float = 0.8
    reaction_s: float = 300.0
    min_capacity: float = 1.0


@dataclass(frozen=True)
class Autoscaled:
    mean_capacity: float  # over the measured periods
    busy: float  # mean load / mean capacity
    throttled_share: float  # of the load's units, throttled even with the burst capacity
    scalings: int


def autoscaled(
    load: Sequence[float],
    policy: TargetTracking | None = None,
    *,
    burst_s: float = BURST_S,
) -> Autoscaled:
    """`load` (a second each, whole minutes) repeated over a day under target tracking, from the
    capacity a steady load of the same mean would get (mean / target); measured over the second half
    of the day (`scalings`: over all of it)."""
    policy = policy or TargetTracking()
    if len(load) % 60:
        raise ValueError(f"the load must be whole minutes, got {len(load)} seconds")
    periods = max(2, 86_400 // len(load))
    mean = sum(load) / len(load)
    capacity = max(policy.min_capacity, mean / policy.target)
    bucket, minute_units = 0.0, 0.0
    minutes: list[tuple[float, float]] = []  # (rate, capacity) since the last scaling
    pending: tuple[float, float] | None = None  # (when, capacity)
    measured_capacity = measured_units = throttled = 0.0
    scalings = 0
    for period in range(periods):
        measuring = period >= periods // 2
        for second, units in enumerate(load):
            now = period * len(load) + second
            if pending is not None and now >= pending[0]:
                capacity, pending, minutes = pending[1], None, []
                bucket = min(bucket, burst_s * capacity)
                scalings += 1
            bucket, over = _second(bucket, capacity, burst_s * capacity, units)
            if measuring:
                measured_capacity += capacity
                measured_units += units
                throttled += over
            minute_units += units
            if (second + 1) % 60:
                continue
            minutes.append((minute_units / 60, capacity))
            minute_units = 0.0
            if pending is not None:
                continue
            recent = minutes[-policy.scale_out_minutes :]
            quiet = minutes[-policy.scale_in_minutes :]
            if len(recent) == policy.scale_out_minutes and all(r > policy.target * c for r, c in recent):
                pending = (now + 1 + policy.reaction_s, max(capacity, recent[-1][0] / policy.target))
            elif len(quiet) == policy.scale_in_minutes and all(
                r < policy.scale_in_below * policy.target * c for r, c in quiet
            ):
                lower = max(policy.min_capacity, sum(r for r, _ in quiet) / len(quiet) / policy.target)
                if lower < capacity:
                    pending = (now + 1 + policy.reaction_s, lower)
    seconds = (periods - periods // 2) * len(load)
    mean_capacity = measured_capacity / seconds
    return Autoscaled(
        mean_capacity=mean_capacity,
        busy=measured_units / seconds / mean_capacity,
        throttled_share=throttled / measured_units if measured_units else 0.0,
        scalings=scalings,
    )


# --- a fleet measured ------------------------------------------------------------------------------
@dataclass(frozen=True)
class FleetBusy:
    """How busy the sync's tables' provisioned capacity would keep for a fleet (reads and writes)."""

    fleet: Fleet
    due: list[int]  # sellers due at each tick
    write: float  # a fixed capacity that throttles nothing, counting on the burst capacity
    read: float
    write_no_burst: float  # the same sized for the busiest second (the burst is best effort)
    read_no_burst: float
    write_autoscaled: Autoscaled  # target tracking at 70 %
    read_autoscaled: Autoscaled

    def provisioned_cost(self, m: Month) -> float:
        """A seller-month's request units on the fixed capacity, at the busy shares measured."""
        return provisioned_requests_cost(m, self.write, self.read)

    def share(self, m: Month) -> float:
        """The one busy share that prices `m`'s units as the write and read shares together do."""
        return provisioned_requests_cost(m, 1.0) / self.provisioned_cost(m)


def measure(fleet: Fleet, a: Assumptions | None = None) -> FleetBusy:
    """The fleet simulated with a seller-month's units of `a` (the cadence is `a`'s)."""
    a = a or Assumptions()
    fleet = replace(fleet, syncs_per_day=a.syncs_per_day)
    load = simulate_fleet(fleet, run_units(fleet.orders_per_day, a))
    return FleetBusy(
        fleet=fleet,
        due=load.due,
        write=busy_share(load.wru),
        read=busy_share(load.rru),
        write_no_burst=busy_share(load.wru, burst_s=0),
        read_no_burst=busy_share(load.rru, burst_s=0),
        write_autoscaled=autoscaled(load.wru),
        read_autoscaled=autoscaled(load.rru),
    )


SPREAD_S = float(TICK_S)  # the what-if: each tick's syncs begin anywhere in its 15 minutes
SHORTEST_TICK_S = 300  # the template's least SyncIntervalMinutes (5)


def fleet_lines(
    orders_per_day: int, a: Assumptions, sellers: int = 1_000, *, what_ifs: bool = True
) -> list[str]:
    """`make cost`'s lines: the fleet's busy shares and what they make of the month's request units
    on provisioned capacity, as the fanout starts the syncs; `what_ifs`: with the starts spread over
    the tick, and with the template's shortest tick (neither is what the deployment does)."""
    m = month(orders_per_day, a)
    on_demand = on_demand_requests_cost(m)
    fleet = Fleet(sellers=sellers, orders_per_day=orders_per_day)

    def priced(cost: float) -> str:
        return f"$ {cost:.4f} (total $ {m.total - on_demand + cost:.4f})"

    def described(busy: FleetBusy) -> str:
        w, r = busy.write_autoscaled, busy.read_autoscaled
        fixed = (
            f"fixed capacity with the {BURST_S:.0f} s burst {busy.write:.0%} busy for writes, {busy.read:.0%} "
            f"for reads ({busy.write_no_burst:.1%} / {busy.read_no_burst:.1%} without the burst), "
            f"provisioned {priced(busy.provisioned_cost(m))}; auto scaling at {TargetTracking().target:.0%} "
            f"({w.scalings} / {r.scalings} changes a day)"
        )
        if max(w.throttled_share, r.throttled_share) > 0.001:  # the units it throttles are not served
            return f"{fixed} throttles {w.throttled_share:.0%} / {r.throttled_share:.0%} of the units"
        return f"{fixed} {w.busy:.0%} / {r.busy:.0%} busy, provisioned {priced(provisioned_requests_cost(m, w.busy, r.busy))}"

    head = f"{orders_per_day:>6} orders/day, modelled fleet of {sellers:,} sellers"
    now = measure(fleet, a)
    lines = [
        f"{head} ({now.fleet.hours} h of the fanout model, {'/'.join(map(str, now.due))} due a tick): "
        f"{described(now)}"
    ]
    if what_ifs:
        spread = measure(replace(fleet, start_spread_s=SPREAD_S), a)
        short = measure(replace(fleet, tick_s=SHORTEST_TICK_S), a)
        lines += [
            f"{head}, what-if: starts spread over the {TICK_S // 60} minutes: {described(spread)}",
            f"{head}, what-if: SyncIntervalMinutes {SHORTEST_TICK_S // 60}: {described(short)}",
        ]
    return lines
