"""The fleet's table-load model: per-second units from the fanout simulation, and the capacity rules."""

from __future__ import annotations

import pytest

from sellerflow_dev.bench.fanout_model import Quotas
from sellerflow_dev.bench.table_load_model import (
    Fleet,
    RunUnits,
    TargetTracking,
    autoscaled,
    busy_share,
    due_at_ticks,
    fixed_capacity,
    run_units,
    seller_ids,
    simulate_fleet,
    spread_units,
    throttled_units,
)

UNITS = RunUnits(wru=120.0, rru=40.0, report_wru=300.0, report_rru=5.0)
QUOTAS = Quotas(map_max_concurrency=7)  # the template's default, without reading the template


def small_fleet(**changes: float) -> Fleet:
    return Fleet(**{"sellers": 200, **changes})  # type: ignore[arg-type]


def test_a_flat_load_keeps_a_fixed_capacity_fully_busy() -> None:
    load = [50.0] * 900
    assert busy_share(load) == pytest.approx(1.0)
    assert busy_share(load, burst_s=0) == pytest.approx(1.0)


def test_a_load_in_one_second_a_tick_is_busy_1_in_900_without_burst_and_301_in_900_with_it() -> None:
    # Given all of a tick's units in its first second, the tick repeating
    units, tick_s, burst_s = 9_000.0, 900, 300.0
    load = [units] + [0.0] * (tick_s - 1)
    # Then without burst capacity the busiest second sizes it
    assert busy_share(load, burst_s=0) == pytest.approx(1 / tick_s)
    # and with it, the bucket (refilled in the 899 quiet seconds) holds burst_s seconds of capacity,
    # so capacity x (1 + burst_s) covers the second
    assert fixed_capacity(load, burst_s) == pytest.approx(units / (1 + burst_s), rel=1e-5)
    assert busy_share(load, burst_s) == pytest.approx((1 + burst_s) / tick_s, rel=1e-5)


def test_the_fixed_capacity_is_the_least_that_throttles_nothing() -> None:
    load = [0.0] * 600 + [400.0] * 60 + [10.0] * 240
    capacity = fixed_capacity(load)
    assert throttled_units(load, capacity) == pytest.approx(0.0, abs=1e-6 * sum(load))
    assert throttled_units(load, capacity * 0.99) > 0
    # a bucket refilled for longer than the burst window holds no more than it
    assert throttled_units(load, capacity, burst_s=100) > 0


def test_units_spread_over_a_span_are_all_counted_and_wrap_past_the_end() -> None:
    series = [0.0] * 10
    spread_units(series, 8.5, 11.5, 30.0)
    spread_units(series, 3.0, 3.0, 2.0)
    assert sum(series) == pytest.approx(32.0)
    assert series[8] == pytest.approx(5.0)
    assert series[9] == pytest.approx(10.0)
    assert series[0] == pytest.approx(10.0)
    assert series[1] == pytest.approx(5.0)
    assert series[3] == pytest.approx(2.0)


def test_an_hourly_seller_is_due_at_one_tick_of_four_as_the_production_schedule_says() -> None:
    ids = seller_ids(400)
    hourly = due_at_ticks(ids, 4, every_minutes=60)
    assert sorted(s for tick in hourly for s in tick) == sorted(ids)
    assert all(60 <= len(tick) <= 140 for tick in hourly)  # spread by a hash of the seller id
    every_tick = due_at_ticks(ids, 4, every_minutes=15)
    assert all(tick == sorted(ids) for tick in every_tick)
    # with 5-minute windows (SyncIntervalMinutes 5) an hourly seller is due at one tick of twelve
    short = due_at_ticks(ids, 12, every_minutes=60, window_minutes=5)
    assert sorted(s for tick in short for s in tick) == sorted(ids)
    assert max(len(tick) for tick in short) < 2 * 400 / 12


def test_shorter_ticks_put_the_same_units_on_the_table_in_smaller_bursts() -> None:
    quarter = simulate_fleet(small_fleet(), UNITS, quotas=QUOTAS, batch_size=50)
    twelfth = simulate_fleet(small_fleet(tick_s=300), UNITS, quotas=QUOTAS, batch_size=50)
    assert sum(twelfth.due) == twelfth.runs == 200
    assert sum(twelfth.wru) == pytest.approx(twelfth.units_given[0])
    assert max(twelfth.wru) < max(quarter.wru)


def test_the_fleet_puts_on_the_table_every_unit_its_runs_were_given() -> None:
    load = simulate_fleet(small_fleet(), UNITS, quotas=QUOTAS, batch_size=50)
    assert load.runs == sum(load.due) == 200
    assert sum(load.wru) == pytest.approx(load.units_given[0])
    assert sum(load.rru) == pytest.approx(load.units_given[1])
    # every run its base units, the runs that ingested reports their rows besides
    assert load.units_given[0] >= 200 * UNITS.wru
    assert (load.units_given[0] - 200 * UNITS.wru) % UNITS.report_wru == pytest.approx(0.0, abs=1e-6)


def test_the_fleet_simulation_is_deterministic_for_a_seed() -> None:
    first = simulate_fleet(small_fleet(), UNITS, quotas=QUOTAS, batch_size=50)
    again = simulate_fleet(small_fleet(), UNITS, quotas=QUOTAS, batch_size=50)
    other = simulate_fleet(small_fleet(seed=8), UNITS, quotas=QUOTAS, batch_size=50)
    assert first.wru == again.wru
    assert first.rru == again.rru
    assert first.wru != other.wru


def test_the_fanouts_starts_come_in_bursts_that_spreading_them_flattens() -> None:
    bursts = simulate_fleet(small_fleet(), UNITS, quotas=QUOTAS, batch_size=50)
    spread = simulate_fleet(small_fleet(start_spread_s=840), UNITS, quotas=QUOTAS, batch_size=50)
    # Then as the fanout starts them, most of a tick's units fall in its first minute
    first_minutes = sum(sum(bursts.wru[tick * 900 : tick * 900 + 60]) for tick in range(4))
    assert first_minutes > 0.5 * sum(bursts.wru)
    # and a fixed capacity keeps busier when the starts are spread
    assert busy_share(spread.wru, burst_s=0) > 2 * busy_share(bursts.wru, burst_s=0)
    assert busy_share(spread.wru) > busy_share(bursts.wru)


def test_target_tracking_misses_a_one_minute_spike_and_follows_a_sustained_rise() -> None:
    # Given a minute at 20x the rest every 15 minutes: one datapoint above target, never two in a row
    spike = ([10.0] * 840 + [200.0] * 60) * 4
    missed = autoscaled(spike)
    assert missed.scalings == 0
    assert missed.throttled_share > 0
    # Given a load that doubles for 10 minutes an hour: two minutes above target scale it out
    rise = [10.0] * 3000 + [20.0] * 600
    followed = autoscaled(rise, TargetTracking(reaction_s=60))
    assert followed.scalings > 0
    assert followed.mean_capacity > autoscaled([10.0] * 3600).mean_capacity
    with pytest.raises(ValueError, match="whole minutes"):
        autoscaled([1.0] * 90)


def test_a_runs_units_are_the_months_per_run_and_the_report_rows_per_report_ingested() -> None:
    from sellerflow_dev.bench.cost import DAYS, Assumptions, month, report_rows_per_day
    from sellerflow_dev.bench.fanout_model import SellerProfile

    a, profile = Assumptions(), SellerProfile()
    units = run_units(100, a, profile)
    m = month(100, a)
    reports_a_day = (
        a.syncs_per_day
        * profile.daily_work_probability
        * (profile.reports_per_day + 1 + profile.ads_reports_per_day)
    )
    runs = a.syncs_per_day * DAYS
    assert runs * units.wru + DAYS * reports_a_day * units.report_wru == pytest.approx(
        m.operations["ddb_wru"]
    )
    assert runs * units.rru + DAYS * reports_a_day * units.report_rru == pytest.approx(
        m.operations["ddb_rru"]
    )
    assert units.report_wru * reports_a_day == pytest.approx(report_rows_per_day(100, a)[0])
