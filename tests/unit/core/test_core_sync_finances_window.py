"""Where a finances run's window starts: 48 hours back once a UTC day, 15 minutes otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sellerflow.sync.finances import MAX_TRANSACTIONS_RANGE, FinancesPolicy

POLICY = FinancesPolicy()
NOW = datetime(2026, 3, 2, 10, 5, tzinfo=UTC)
END = NOW - timedelta(minutes=2)


def test_a_first_run_reads_the_initial_history() -> None:
    assert POLICY.start(None, END, NOW) == NOW - POLICY.initial_history


def test_the_hourly_runs_of_a_day_ask_only_a_little_behind_the_watermark() -> None:
    watermark = datetime(2026, 3, 2, 9, 3, tzinfo=UTC)
    assert POLICY.start(watermark, END, NOW) == watermark - timedelta(minutes=15)


def test_the_first_run_of_a_utc_day_asks_48_hours_back_for_late_postings() -> None:
    watermark = datetime(2026, 3, 1, 23, 3, tzinfo=UTC)
    assert POLICY.start(watermark, datetime(2026, 3, 2, 0, 3, tzinfo=UTC), NOW) == watermark - timedelta(
        hours=48
    )


def test_a_failed_deep_run_leaves_the_next_run_deep_too() -> None:
    # the watermark moves only when a run completes: still yesterday's, so the next run is deep
    watermark = datetime(2026, 3, 1, 23, 3, tzinfo=UTC)
    assert POLICY.start(watermark, END, NOW) == watermark - POLICY.lookback


def test_a_first_run_covers_the_compared_history_within_one_transactions_range() -> None:
    # off (0) or shorter than the default: the default 90 days
    assert FinancesPolicy.covering(timedelta(0)).initial_history == timedelta(days=90)
    assert FinancesPolicy.covering(timedelta(days=30)).initial_history == timedelta(days=90)
    # the overview's 180 compared days: as far as listTransactions answers (empty past 180 days apart)
    covering = FinancesPolicy.covering(timedelta(days=180))
    assert covering.initial_history == MAX_TRANSACTIONS_RANGE < timedelta(days=180)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert now - covering.start(None, now, now) <= timedelta(days=180)


def test_the_deployment_s_finances_policy_follows_the_comparison_history(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sellerflow import wiring
    from sellerflow.settings import Settings

    for days, expected in ((0, timedelta(days=90)), (180, MAX_TRANSACTIONS_RANGE)):
        monkeypatch.setattr(
            wiring, "settings", lambda days=days: Settings(report_comparison_history_days=days)
        )
        assert wiring.finances_policy().initial_history == expected
