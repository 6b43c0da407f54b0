"""Download one report document and stream it into the fact store (one Lambda invocation).

The document's pre-signed URL is fetched here and never leaves this function: it grants 5 minutes
of access to seller data (an All Orders report holds buyer addresses), so it must not sit in Step
Functions state or history. An expired URL is asked for again once here; if it expires again the
typed DocumentUrlExpired lets the workflow's Retry start over. A gzipped document is checked whole
(inflated, CRC) before any row of it is read, so a damaged transfer stores nothing; it is downloaded
once more here, and damaged twice the document is recorded FAILED and a later run reads it again.

The workflow's download and a REPORT_PROCESSING_FINISHED notification can reach the same document
at the same moment: each claims it on the report's record first (one conditional write), and only
the claimant downloads. A claim lives as long as the ingest function may run, and is given back
when the ingestion stops on an error, so a retry need not wait for it. An invocation that dies (its
runtime gone, a timeout) gives nothing back: the workflow's Retry of it is the same claimant (the
execution) and takes the claim back at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from sellerflow.errors import DocumentUrlExpired
from sellerflow.observability import logger, metrics
from sellerflow.reports.errors import DocumentCorrupt, ReportError
from sellerflow.reports.stream import checked_before_read
from sellerflow.sync.reports import (
    SALES_AND_TRAFFIC_DATASET,
    SETTLEMENT,
    ReportBook,
    ReportJob,
    SettlementJob,
)

# The ingest function's Timeout (900 s, template.yaml) and a minute: a claim outlives its holder.
INGEST_LEASE = timedelta(minutes=16)


class DocumentChunks(Protocol):
    """A download's chunks; `content_type` is the answer's Content-Type once the first one was read."""

    content_type: str | None

    def __iter__(self) -> Iterator[bytes]: ...
    def __next__(self) -> bytes: ...


class DocumentApi(Protocol):
    def get_report_document(self, seller_id: str, document_id: str) -> dict[str, Any]: ...
    def download(self, url: str, *, chunk_size: int = ...) -> DocumentChunks: ...


class DocumentBook(ReportBook, Protocol):
    """The report book as ingestion writes it: the outcome of reading one document."""

    def ingested(
        self,
        seller_id: str,
        key: str,
        *,
        rows: int,
        rejected: int,
        errors: list[str],
        report_type: str,
        undecodable: int = 0,
        encoding: str | None = None,
    ) -> None: ...
    def failed(self, seller_id: str, key: str, *, report_type: str, reason: str) -> None: ...
    def claim_ingest(
        self,
        seller_id: str,
        key: str,
        *,
        report_type: str,
        document_id: str,
        now: datetime,
        lease: timedelta,
        claimant: str | None = None,
    ) -> bool: ...
    def release_ingest(self, seller_id: str, key: str, document_id: str) -> None: ...


class KioskDocumentApi(Protocol):
    """Data Kiosk's getDocument and download (`sellerflow.spapi.data_kiosk.DataKioskClient`)."""

    def get_document(self, seller_id: str, document_id: str) -> dict[str, Any]: ...
    def download(self, url: str, *, chunk_size: int = ...) -> DocumentChunks: ...


class IngestInput(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    kind: Literal["report", "settlement"]
    job: ReportJob | SettlementJob
    document_id: str
    # The workflow execution asking (`$$.Execution.Id`): its Retry of a task whose Lambda died part-way
    # takes back the claim that attempt left, instead of skipping the document until the lease ends.
    claimant: str | None = None


class IngestOutput(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    key: str
    rows: int
    written: int
    rejected: int
    # Another ingestion had claimed this document (or had ingested it): nothing was read here.
    skipped: bool = False


class RejectedRow(Protocol):
    @property
    def line(self) -> int: ...

    @property
    def column(self) -> str | None: ...

    @property
    def reason(self) -> str: ...


class IngestSummary(Protocol):
    @property
    def rows(self) -> int: ...

    @property
    def written(self) -> int: ...

    @property
    def rejected(self) -> Sequence[RejectedRow]: ...

    @property
    def rejected_count(self) -> int: ...

    @property
    def undecodable(self) -> int: ...

    @property
    def encoding(self) -> str | None: ...


Ingest = Callable[..., IngestSummary]


def ingest_report_document(
    request: IngestInput,
    *,
    api: DocumentApi,
    book: DocumentBook,
    ingest: Ingest,
    sink: object,
    kiosk: KioskDocumentApi | None = None,
    now: datetime | None = None,
) -> IngestOutput:
    """Ingest one document. A document the parser refuses as a whole (a ReportError: its layout, its
    number format, a damaged stream) is recorded as FAILED with the error's message (it names the
    report, line and column, never a value) and raised again, so the workflow shows it failed."""
    job = request.job
    from_kiosk = isinstance(job, ReportJob) and job.source == "data_kiosk"
    report_type = SETTLEMENT if isinstance(job, SettlementJob) else job.report_type
    if from_kiosk:
        report_type = SALES_AND_TRAFFIC_DATASET
    claimed = book.claim_ingest(
        job.seller_id,
        job.key,
        report_type=report_type,
        document_id=request.document_id,
        now=now or datetime.now(UTC),
        lease=INGEST_LEASE,
        claimant=request.claimant,
    )
    if not claimed:
        logger.info("report document ingested or being ingested already", extra={"report_type": report_type})
        return IngestOutput(key=job.key, rows=0, written=0, rejected=0, skipped=True)
    # A settlement's listed marketplace is only a hint: the document decides its own format.
    marketplace_id = job.marketplace_id

    def document_url() -> tuple[str, str | None]:
        if from_kiosk:
            if kiosk is None:
                raise ValueError(f"{job.key}: a Data Kiosk job needs a Data Kiosk port")
            document = kiosk.get_document(job.seller_id, request.document_id)
            return str(document["documentUrl"]), None
        document = api.get_report_document(job.seller_id, request.document_id)
        return str(document["url"]), document.get("compressionAlgorithm")

    def attempt() -> IngestSummary:
        url, compression = document_url()
        download = kiosk.download(url) if from_kiosk and kiosk is not None else api.download(url)
        first = next(download, None)  # sends the request: the Content-Type is known from here
        whole = chain(() if first is None else (first,), download)
        return ingest(
            report_type,
            checked_before_read(whole, compression, report_type=report_type),
            seller_id=job.seller_id,
            marketplace_id=marketplace_id,
            compression=compression,
            content_type=download.content_type,
            sink=sink,
        )

    try:
        result = _read_again_once(attempt, report_type)
    except ReportError as exc:
        book.failed(job.seller_id, job.key, report_type=report_type, reason=str(exc)[:500])  # claim ends
        metrics.add_metric(name="ReportDocumentsUnreadable", unit="Count", value=1)
        logger.warning("report document unreadable", extra={"report_type": report_type, "reason": str(exc)})
        raise
    except BaseException:
        book.release_ingest(job.seller_id, job.key, request.document_id)
        raise
    _record(job, report_type, result, book)
    return IngestOutput(key=job.key, rows=result.rows, written=result.written, rejected=result.rejected_count)


def _read_again_once(attempt: Callable[[], IngestSummary], report_type: str) -> IngestSummary:
    """Read the document; an expired URL and a damaged download are each met again once here (a
    fresh URL, a new download), in whichever order they come; a third fault is raised."""
    expired = damaged = False
    while True:
        try:
            return attempt()
        except DocumentUrlExpired:
            if expired:
                raise
            expired = True
            logger.info(
                "report document URL expired; asking for a fresh one", extra={"report_type": report_type}
            )
        except DocumentCorrupt as exc:  # a transfer cut short or damaged: the next one may be whole
            if damaged:
                raise
            damaged = True
            logger.info(
                "report document damaged; downloading it once more",
                extra={"report_type": report_type, "reason": str(exc)},
            )
            metrics.add_metric(name="ReportDocumentsDownloadedAgain", unit="Count", value=1)


def _record(
    job: ReportJob | SettlementJob, report_type: str, result: IngestSummary, book: DocumentBook
) -> None:
    errors = [f"line {e.line}, column {e.column or '-'}: {e.reason}" for e in list(result.rejected)[:20]]
    book.ingested(
        job.seller_id,
        job.key,
        rows=result.rows,
        rejected=result.rejected_count,
        errors=errors,
        report_type=report_type,
        undecodable=result.undecodable,
        encoding=result.encoding,
    )
    metrics.add_metric(name="ReportRowsIngested", unit="Count", value=result.written)
    if result.rejected_count:
        metrics.add_metric(name="ReportRowsRejected", unit="Count", value=result.rejected_count)
    if result.undecodable:
        # Rows whose bytes the charset cannot read: the document's encoding is not the one used.
        metrics.add_metric(name="ReportRowsUndecodable", unit="Count", value=result.undecodable)
        logger.warning(
            "report rows not valid in the document's encoding",
            extra={"report_type": report_type, "encoding": result.encoding, "rows": result.undecodable},
        )
