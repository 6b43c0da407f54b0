"""The seller + window claim on DynamoDB (moto, tables from template.yaml): of racing starts of one
window exactly one claims it, an older window cannot be claimed after a newer one, a released claim
can be claimed again, and a seller being erased cannot be claimed at all (one transaction)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from sellerflow.domain import SellerStatus
from sellerflow.store.sellers import SellerStore

SELLER = "A1ROUTECLAIM01"


def test_of_racing_starts_of_one_window_exactly_one_claims_it(aws: Any) -> None:
    store = SellerStore()
    store.put_profile(SELLER, name="Routes", marketplace_ids=["ATVPDKIKX0DER"])
    barrier, lock, outcomes = threading.Barrier(6), threading.Lock(), []

    def claim() -> None:
        barrier.wait()
        won = store.claim_window(SELLER, "20261205T1000")
        with lock:
            outcomes.append(won)

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False] * 5 + [True]
    assert store.sync_route(SELLER).claimed_window == "20261205T1000"


def test_an_older_window_is_refused_and_a_released_claim_is_claimed_again(aws: Any) -> None:
    store = SellerStore()
    store.put_profile(SELLER, name="Routes", marketplace_ids=["ATVPDKIKX0DER"])
    assert store.claim_window(SELLER, "20261205T0900")
    assert store.claim_window(SELLER, "20261205T1000")
    assert not store.claim_window(SELLER, "20261205T0900")
    store.release_window(SELLER, "20261205T1000", previous="20261205T0900")
    store.release_window(SELLER, "20261205T1000", previous=None)  # no longer its claim: nothing changes
    assert store.sync_route(SELLER).claimed_window == "20261205T0900"
    assert store.claim_window(SELLER, "20261205T1000")


def test_a_seller_being_erased_cannot_be_claimed(aws: Any) -> None:
    store = SellerStore()
    store.put_profile(SELLER, name="Routes", marketplace_ids=["ATVPDKIKX0DER"])
    store.set_status(SELLER, SellerStatus.ERASING)
    assert not store.claim_window(SELLER, "20261205T1000")
    assert store.sync_route(SELLER).claimed_window is None


def test_an_erased_seller_without_a_profile_cannot_be_claimed(aws: Any) -> None:
    assert not SellerStore().claim_window("A1NOPROFILE0001", "20261205T1000")


def test_a_standard_runs_reports_are_kept_for_the_next_start(aws: Any) -> None:
    store = SellerStore()
    at = datetime(2026, 12, 5, 10, 5, tzinfo=UTC)
    store.record_reports_run(SELLER, at=at, pending=True)
    route = store.sync_route(SELLER)
    assert (route.reports_run_at, route.reports_pending) == (at, True)
