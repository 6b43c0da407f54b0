"""150 demo sellers' sales and traffic through the app-wide report budget and Data Kiosk: not one
refused (429) request, and every day present with the simulator's numbers.

The sync's flows run in process against the simulator over HTTP and the stores on moto; the
simulator enforces GET_SALES_AND_TRAFFIC_REPORT's app-wide cap (1 per 15 min, 96 a day) and the
usage plans at their real rates, its queries queue for a while and some end FATAL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sellerflow_dev.bench.traffic_campaign import SimClock, run_campaign
from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_150_sellers_get_every_day_through_the_budget_and_data_kiosk_without_a_429(aws: Any) -> None:
    # Given 150 sellers, the real usage plans, and the app-wide cap on the simulated clock
    world = SimWorld.generate(sellers=150, seed=5, now=START)
    clock = SimClock(START)
    config = SimConfig(report_processing_s=0.3, data_kiosk_processing_s=0.3, data_kiosk_fatal_rate=0.03)
    with SimServer(world, config=config, wall_clock=clock) as sim:
        # When every seller's sync runs, one a minute, for yesterday's sales and traffic
        result = run_campaign(world, sim, clock, traffic_days=1, step=timedelta(minutes=1))

    # Then nothing was refused, every day is stored with the truth's numbers, and both sources served
    assert result.refused == 0
    assert result.app_quota_refused == 0
    assert result.missing == []
    assert result.days_present == result.days_expected > 150
    assert result.sources["report"] >= 9  # ~150 simulated minutes: one report slot per 16 minutes
    assert result.sources["data_kiosk"] > result.sources["report"]
