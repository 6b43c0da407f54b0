"""Report documents over real HTTP: the download's Content-Type (a Java charset name) reaches the
decoder through the SP-API port and the ingest step; settlements are V2 only and read in their own
currency's format, whatever marketplace they are listed under."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from int_core_support import Port

from sellerflow.facts import ListingFact, SettlementLineFact, SettlementSummary
from sellerflow.reports import CountingSink, ingest_document
from sellerflow.sync.ingest import IngestInput, ingest_report_document
from sellerflow.sync.reports import LISTINGS, SETTLEMENT, ReportJob, SettlementJob
from sellerflow_dev.simulator import SimServer, SimWorld

MakePort = Callable[..., Port]
DE, JP = "A1PA6795UKMFR9", "A1VC38T7YXB528"


class _Book:
    def __init__(self) -> None:
        self.outcomes: dict[str, dict[str, Any]] = {}

    def get(self, seller_id: str, key: str) -> None:
        return None  # nothing ingested before: each document is read for the first time

    def ingested(self, seller_id: str, key: str, **fields: Any) -> None:
        self.outcomes[key] = {"status": "INGESTED", **fields}

    def failed(self, seller_id: str, key: str, **fields: Any) -> None:
        self.outcomes[key] = {"status": "FAILED", **fields}

    def claim_ingest(self, seller_id: str, key: str, **fields: Any) -> bool:
        return key not in self.outcomes  # each document is read once

    def release_ingest(self, seller_id: str, key: str, document_id: str) -> None:
        return None


def _seller_in(world: SimWorld, marketplace_id: str) -> str:
    return next(s.seller_id for s in world.sellers if marketplace_id in s.marketplace_ids)


def test_settlements_are_listed_as_v2_downloaded_with_their_charset_and_read_in_their_currency(
    sim: SimServer, world: SimWorld, make_port: MakePort
) -> None:
    port = make_port(sim)
    seller_id = _seller_in(world, DE)
    listed = port.client.get_reports(
        seller_id, report_types=[SETTLEMENT], created_since=datetime.now(UTC) - timedelta(days=90)
    )["reports"]
    assert listed
    report = next(r for r in listed if r["marketplaceIds"] == [DE])
    job = SettlementJob(
        seller_id=seller_id,
        key=f"SETTLEMENTDOC#{report['reportId']}",
        report_id=report["reportId"],
        document_id=report["reportDocumentId"],
        marketplace_id=None,  # as if Amazon had listed it under no marketplace
    )
    book, sink = _Book(), CountingSink(keep=True)
    out = ingest_report_document(
        IngestInput(kind="settlement", job=job, document_id=job.document_id),
        api=port.client,
        book=book,  # type: ignore[arg-type]
        ingest=ingest_document,
        sink=sink,
    )
    outcome = book.outcomes[job.key]
    assert (outcome["status"], outcome["encoding"], outcome["undecodable"]) == ("INGESTED", "cp1252", 0)
    assert out.rejected == 0
    summary = sink.items[0]
    assert isinstance(summary, SettlementSummary)
    assert summary.currency == "EUR"
    truth = next(s for s in world.settlements(seller_id) if s.settlement_id == summary.settlement_id)
    assert summary.total == truth.total
    lines = [item for item in sink.items if isinstance(item, SettlementLineFact)]
    assert [line.amount for line in lines] == [line.amount for line in truth.lines]


def test_jp_listings_served_as_windows_31j_with_japanese_headers_are_read_whole(
    sim: SimServer, world: SimWorld, make_port: MakePort
) -> None:
    port = make_port(sim)
    seller_id = _seller_in(world, JP)
    report_id = port.client.create_report(seller_id, report_type=LISTINGS, marketplace_ids=[JP])
    deadline = datetime.now(UTC) + timedelta(seconds=30)
    report = port.client.get_report(seller_id, report_id)
    while report["processingStatus"] != "DONE" and datetime.now(UTC) < deadline:
        report = port.client.get_report(seller_id, report_id)
    document = port.client.get_report_document(seller_id, report["reportDocumentId"])
    download = port.client.download(str(document["url"]))
    body = b"".join(download)
    assert download.content_type == "text/plain;charset=windows-31j"
    job = ReportJob(seller_id=seller_id, key="REPORT#L#JP#x", report_type=LISTINGS, marketplace_id=JP)
    book, sink = _Book(), CountingSink(keep=True)
    ingest_report_document(
        IngestInput(kind="report", job=job, document_id=report["reportDocumentId"]),
        api=port.client,
        book=book,  # type: ignore[arg-type]
        ingest=ingest_document,
        sink=sink,
    )
    listings = [item for item in sink.items if isinstance(item, ListingFact)]
    expected = [x for x in world.listings(seller_id) if x.marketplace_id == JP]
    assert len(listings) == len(expected)
    assert book.outcomes[job.key]["rejected"] == 0
    assert {x.sku for x in listings} == {x.sku for x in expected}
    assert "①".encode("cp932") in body
