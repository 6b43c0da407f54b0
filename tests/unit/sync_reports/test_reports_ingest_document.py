"""Ingesting one document: the download's charset reaches the decoder, undecodable rows and unreadable
documents are recorded on the report record, and a settlement's marketplace is never guessed."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from reports_fakes import SELLER, FakeBook, FakeReportsApi

from sellerflow.errors import DocumentUrlExpired
from sellerflow.reports import FormatUndecidable, ingest_document
from sellerflow.reports.errors import DocumentCorrupt
from sellerflow.sync.ingest import INGEST_LEASE, IngestInput, ingest_report_document
from sellerflow.sync.reports import SETTLEMENT, ReportJob, SettlementJob

FILES = Path(__file__).parents[2] / "fixtures" / "amazon_reports"
JP = "A1VC38T7YXB528"


def settle(api: FakeReportsApi, book: FakeBook, job: SettlementJob | None = None) -> Any:
    job = job or SettlementJob(seller_id=SELLER, key="SETTLEMENTDOC#1", report_id="1", document_id="D1")
    return ingest_report_document(
        IngestInput(kind="settlement", job=job, document_id=job.document_id),
        api=api,
        book=book,
        ingest=ingest_document,
        sink=_Sink(),
    )


class _Sink:
    def __init__(self) -> None:
        self.items: list[object] = []

    def write(self, batch: Any) -> None:
        self.items.extend(batch)


def test_the_only_settlement_type_is_v2() -> None:
    assert SETTLEMENT == "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"


def test_the_content_type_charset_reaches_the_decoder_and_the_record() -> None:
    data = (FILES / "settlement_v2_de_cp1252.txt").read_bytes()
    api = FakeReportsApi(document=data, content_type="text/plain;charset=Cp1252", compression=None)
    book = FakeBook()
    out = settle(api, book)
    assert (out.rows, out.written, out.rejected) == (5, 5, 0)
    state = book.states["SETTLEMENTDOC#1"]
    assert (state.status, state.encoding, state.undecodable) == ("INGESTED", "cp1252", 0)


def test_rows_the_charset_cannot_read_are_flagged_on_the_record() -> None:
    data = (FILES / "settlement_v2_de_cp1252.txt").read_bytes()
    api = FakeReportsApi(document=data, content_type="text/plain;charset=UTF-8", compression=None)
    book = FakeBook()
    out = settle(api, book)
    assert out.rejected == 1
    state = book.states["SETTLEMENTDOC#1"]
    assert (state.status, state.encoding, state.undecodable) == ("INGESTED", "utf-8", 1)


def test_a_settlement_whose_format_cannot_be_decided_is_recorded_failed_with_the_reason() -> None:
    data = (FILES / "settlement_v2_no_currency.tsv").read_bytes()
    api = FakeReportsApi(document=data, content_type=None, compression=None)
    book = FakeBook()
    with pytest.raises(FormatUndecidable):
        settle(api, book)
    state = book.states["SETTLEMENTDOC#1"]
    assert state.status == "FAILED"
    assert "cannot be decided" in state.errors[0]
    assert state.report_type == SETTLEMENT


def test_without_a_charset_a_jp_report_is_read_as_cp932() -> None:
    data = (FILES / "listings_jp_localized_cp932.txt").read_bytes()
    api = FakeReportsApi(document=data, content_type="text/plain", compression=None)
    book = FakeBook()
    job = ReportJob(
        seller_id=SELLER,
        key="REPORT#L#JP#daily",
        report_type="GET_MERCHANT_LISTINGS_ALL_DATA",
        marketplace_id=JP,
    )
    out = ingest_report_document(
        IngestInput(kind="report", job=job, document_id="D1"),
        api=api,
        book=book,
        ingest=ingest_document,
        sink=_Sink(),
    )
    assert (out.written, out.rejected) == (2, 0)
    assert book.states[job.key].encoding == "cp932"


def test_a_document_another_ingestion_holds_is_not_downloaded_twice() -> None:
    # Given the workflow and a REPORT_PROCESSING_FINISHED notification reaching one document
    data = (FILES / "settlement_v2_de_cp1252.txt").read_bytes()
    api = FakeReportsApi(document=data, content_type="text/plain;charset=Cp1252", compression=None)
    book = FakeBook()
    job = SettlementJob(seller_id=SELLER, key="SETTLEMENTDOC#1", report_id="1", document_id="D1")
    assert book.claim_ingest(
        SELLER, job.key, report_type=SETTLEMENT, document_id="D1", now=datetime.now(UTC), lease=INGEST_LEASE
    )  # the other path got there first and is still reading
    # When this one arrives, it reads nothing
    out = settle(api, book, job)
    assert out.skipped
    assert (out.rows, api.documents_issued) == (0, 0)
    # And once the other has ingested it, the same document is never read again
    book.ingested(SELLER, job.key, rows=5, rejected=0, errors=[], report_type=SETTLEMENT)
    book.states[job.key] = book.states[job.key].model_copy(update={"document_id": "D1"})
    assert settle(api, book, job).skipped
    assert api.documents_issued == 0


def test_an_ingestion_stopped_by_an_error_gives_its_claim_back_for_the_retry() -> None:
    # Given a download that fails (the URL expires twice: the workflow's Retry starts over)
    data = (FILES / "settlement_v2_de_cp1252.txt").read_bytes()
    api = FakeReportsApi(document=data, content_type="text/plain;charset=Cp1252", compression=None)
    api.expired_urls = 2
    book = FakeBook()
    with pytest.raises(DocumentUrlExpired):
        settle(api, book)
    assert book.claims == {}
    # When the retry comes at once, it claims the document and reads it
    out = settle(api, book)
    assert not out.skipped
    assert out.rows == 5
    assert book.states["SETTLEMENTDOC#1"].status == "INGESTED"


def test_a_damaged_download_is_read_once_more_and_twice_damaged_is_recorded_failed() -> None:
    # Given a gzipped settlement whose first download is cut short mid-stream
    data = gzip.compress((FILES / "settlement_v2_de_cp1252.txt").read_bytes())
    api = FakeReportsApi(document=data, content_type="text/plain;charset=Cp1252", compression="GZIP")
    api.damaged_downloads = 1
    book = FakeBook()
    # When it is ingested, a fresh URL is asked for and the whole document is read
    out = settle(api, book)
    assert (out.rows, api.documents_issued) == (5, 2)
    # Also when its first URL had expired already (each fault is met again once, in any order)
    api.expired_urls, api.damaged_downloads, api.documents_issued = 1, 1, 0
    out = settle(api, FakeBook())
    assert (out.rows, api.documents_issued) == (5, 3)
    assert book.states["SETTLEMENTDOC#1"].status == "INGESTED"
    # And a document damaged twice is recorded FAILED (a later run reads it again), its claim given back,
    # and not a row of it stored: a gzip is checked whole before it is read
    api.damaged_downloads = 2
    book = FakeBook()
    sink = _Sink()
    job = SettlementJob(seller_id=SELLER, key="SETTLEMENTDOC#1", report_id="1", document_id="D1")
    with pytest.raises(DocumentCorrupt):
        ingest_report_document(
            IngestInput(kind="settlement", job=job, document_id="D1"),
            api=api, book=book, ingest=ingest_document, sink=sink,
        )  # fmt: skip
    assert sink.items == []
    assert book.states["SETTLEMENTDOC#1"].status == "FAILED"
    assert book.claims == {}


def test_a_retry_of_an_ingestion_that_died_takes_its_own_claim_back_at_once() -> None:
    # Given a workflow execution whose ingestion died after claiming the document (a runtime that exits
    # gives nothing back: the claim stays with its lease)
    data = (FILES / "settlement_v2_de_cp1252.txt").read_bytes()
    api = FakeReportsApi(document=data, content_type="text/plain;charset=Cp1252", compression=None)
    book = FakeBook()
    job = SettlementJob(seller_id=SELLER, key="SETTLEMENTDOC#1", report_id="1", document_id="D1")
    execution = "arn:aws:states:us-east-1:1:execution:seller-sync:A1-20261204T0100"
    now = datetime.now(UTC)
    assert book.claim_ingest(
        SELLER,
        job.key,
        report_type=SETTLEMENT,
        document_id="D1",
        now=now,
        lease=INGEST_LEASE,
        claimant=execution,
    )

    def ingest(claimant: str | None) -> Any:
        return ingest_report_document(
            IngestInput(kind="settlement", job=job, document_id="D1", claimant=claimant),
            api=api, book=book, ingest=ingest_document, sink=_Sink(),
        )  # fmt: skip

    # When another execution (or a notification) reaches it, it still waits for the lease
    assert ingest("arn:aws:states:us-east-1:1:execution:seller-sync:A1-other").skipped
    assert ingest(None).skipped
    # But the workflow's Retry of the task that died, the same execution, reads it now
    out = ingest(execution)
    assert not out.skipped
    assert out.rows == 5
    assert book.states[job.key].status == "INGESTED"
