"""Claiming a report document for ingestion on DynamoDB (moto, tables from template.yaml): of racing
ingestions one reads the document, an ingested document is never claimed again, DONE never undoes
INGESTED, and a claim is freed by its release or by its lease running out."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sellerflow.store.reports import ReportStore

SELLER = "A1CLAIMTEST01"
KEY = "REPORT#GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL#ATVPDKIKX0DER#2026-11-30"
TYPE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=16)


def _requested(store: ReportStore) -> None:
    store.requested(
        SELLER, KEY, report_type=TYPE, marketplace_id="ATVPDKIKX0DER", window=None, report_id="R1"
    )
    store.finished(SELLER, KEY, status="DONE", document_id="DOC-1")


def _claim(
    store: ReportStore, document_id: str = "DOC-1", now: datetime = NOW, claimant: str | None = None
) -> bool:
    return store.claim_ingest(
        SELLER, KEY, report_type=TYPE, document_id=document_id, now=now, lease=LEASE, claimant=claimant
    )


def test_of_racing_ingestions_exactly_one_claims_the_document(aws: Any) -> None:
    store = ReportStore()
    _requested(store)
    barrier = threading.Barrier(8)
    outcomes: list[bool] = []
    lock = threading.Lock()

    def claim() -> None:
        barrier.wait()
        won = _claim(store)
        with lock:
            outcomes.append(won)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(True) == 1


def test_an_ingested_document_is_never_claimed_again_and_done_does_not_undo_it(aws: Any) -> None:
    store = ReportStore()
    _requested(store)
    assert _claim(store)
    store.ingested(SELLER, KEY, rows=3, rejected=0, errors=[], report_type=TYPE)
    # A late REPORT_PROCESSING_FINISHED marks it DONE again: the record stays INGESTED
    store.finished(SELLER, KEY, status="DONE", document_id="DOC-1")
    state = store.get(SELLER, KEY)
    assert state is not None
    assert (state.status, state.rows) == ("INGESTED", 3)
    assert not _claim(store, now=NOW + timedelta(days=1))
    # A new document for the same window (the report asked for again) is read
    store.finished(SELLER, KEY, status="DONE", document_id="DOC-2")
    assert _claim(store, "DOC-2", now=NOW + timedelta(days=1))


def test_a_claim_is_freed_by_its_release_or_when_its_lease_runs_out(aws: Any) -> None:
    store = ReportStore()
    _requested(store)
    assert _claim(store)
    assert not _claim(store, now=NOW + LEASE - timedelta(seconds=1))
    assert _claim(store, now=NOW + LEASE)  # its holder died: the next one takes it over
    store.release_ingest(SELLER, KEY, "DOC-1")
    assert _claim(store, now=NOW + LEASE)
    store.release_ingest(SELLER, KEY, "DOC-OTHER")  # another document's release frees nothing
    assert not _claim(store, now=NOW + LEASE)


def test_a_workflow_execution_takes_back_its_own_claim_and_no_one_elses(aws: Any) -> None:
    store = ReportStore()
    _requested(store)
    assert _claim(store, claimant="exec-1")  # then its Lambda died: nothing gave the claim back
    assert not _claim(store, now=NOW + timedelta(seconds=5))  # a notification waits for the lease
    assert not _claim(store, now=NOW + timedelta(seconds=5), claimant="exec-2")
    assert _claim(store, now=NOW + timedelta(seconds=5), claimant="exec-1")  # its Retry reads it now
    # A claim taken without a claimant (a notification) is the lease's only
    store.release_ingest(SELLER, KEY, "DOC-1")
    assert _claim(store)
    assert not _claim(store, now=NOW + timedelta(seconds=5), claimant="exec-1")


def test_a_listed_settlement_without_a_record_is_created_whole_by_its_claim(aws: Any) -> None:
    store = ReportStore()
    key = "SETTLEMENTDOC#123"
    assert store.claim_ingest(
        SELLER,
        key,
        report_type="GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
        document_id="D",
        now=NOW,
        lease=LEASE,
    )
    state = store.get(SELLER, key)
    assert state is not None
    assert state.report_type == "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
