"""The quota ledger on DynamoDB (moto, tables from template.yaml): the conditional write lets one
claim through per slot, counts the UTC day, and keeps the line (who waits, who was served when)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sellerflow.store.quota import QuotaStore
from sellerflow.sync.quota import AppQuota, QuotaBudget

NOW = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
QUOTA = AppQuota(name="GET_SALES_AND_TRAFFIC_REPORT", min_interval=timedelta(minutes=15), per_day=96)


def test_racing_claims_get_one_slot_through_the_conditional_write(aws: Any) -> None:
    # Given 12 syncs taking the slot at the same instant, on threads
    ledger = QuotaStore()
    barrier = threading.Barrier(12)
    outcomes: list[bool] = []
    lock = threading.Lock()

    def take(seller_id: str) -> None:
        barrier.wait()
        won = ledger.take_slot(QUOTA.name, seller_id, NOW, spacing=QUOTA.spacing, per_day=QUOTA.per_day)
        with lock:
            outcomes.append(won)

    threads = [threading.Thread(target=take, args=(f"A{i:02d}SELLER",)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly one won; the next slot opens only after the spacing
    assert outcomes.count(True) == 1
    later = NOW + QUOTA.spacing - timedelta(seconds=1)
    assert not ledger.take_slot(QUOTA.name, "B", later, spacing=QUOTA.spacing, per_day=QUOTA.per_day)
    assert ledger.take_slot(
        QUOTA.name, "B", NOW + QUOTA.spacing, spacing=QUOTA.spacing, per_day=QUOTA.per_day
    )


def test_the_day_count_caps_and_a_new_utc_day_starts_again(aws: Any) -> None:
    ledger = QuotaStore()
    spacing = timedelta(minutes=1)
    start = datetime(2026, 11, 23, 23, 50, tzinfo=UTC)
    taken = [
        ledger.take_slot("X", "S", start + timedelta(minutes=2 * i), spacing=spacing, per_day=3)
        for i in range(4)
    ]
    assert taken == [True, True, True, False]
    assert ledger.take_slot("X", "S", datetime(2026, 11, 24, 0, 5, tzinfo=UTC), spacing=spacing, per_day=3)


def test_the_budget_on_dynamodb_serves_the_least_recently_served_first(aws: Any) -> None:
    ledger = QuotaStore()
    budget = QuotaBudget(QUOTA, ledger)
    assert budget.claim("SELLER-A", NOW)  # A served now
    later = NOW + QUOTA.spacing
    ledger.want(QUOTA.name, "SELLER-A", later)
    ledger.want(QUOTA.name, "SELLER-B", later)  # B never served

    assert not budget.claim("SELLER-A", later)  # B's turn: A falls back (and leaves the line)
    assert budget.claim("SELLER-B", later)
    line = {w.seller_id: w for w in ledger.line(QUOTA.name)}
    assert line["SELLER-A"].wanted_since is None
    assert line["SELLER-B"].last_served == later
