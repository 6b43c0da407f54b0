"""Download one report document and stream it into the fact store (one Lambda invocation).

The document's pre-signed URL is fetched here and never leaves this function: it grants 5 minutes
of access to seller data (an All Orders report holds buyer addresses), so it must not sit in Step
Functions state or history. An expired URL is asked for again once here; if it expires again the
typed DocumentUrlExpired lets the workflow's Retry start over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from sellerflow.errors import DocumentUrlExpired
from sellerflow.observability import logger, metrics
from sellerflow.sync.reports import (
    SALES_AND_TRAFFIC_DATASET,
    SETTLEMENT,
    ReportBook,
    ReportJob,
    SettlementJob,
)


class DocumentApi(Protocol):
    def get_report_document(self, seller_id: str, document_id: str) -> dict[str, Any]: ...
    def download(self, url: str, *, chunk_size: int = ...) -> Iterator[bytes]: ...


class KioskDocumentApi(Protocol):
    """Data Kiosk's getDocument and download (`sellerflow.spapi.data_kiosk.DataKioskClient`)."""

    def get_document(self, seller_id: str, document_id: str) -> dict[str, Any]: ...
    def download(self, url: str, *, chunk_size: int = ...) -> Iterator[bytes]: ...


class IngestInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["report", "settlement"]
    job: ReportJob | SettlementJob
    document_id: str


class IngestOutput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    rows: int
    written: int
    rejected: int


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


Ingest = Callable[..., IngestSummary]
DEFAULT_MARKETPLACE = "ATVPDKIKX0DER"


def ingest_report_document(
    request: IngestInput,
    *,
    api: DocumentApi,
    book: ReportBook,
    ingest: Ingest,
    sink: object,
    kiosk: KioskDocumentApi | None = None,
) -> IngestOutput:
    job = request.job
    from_kiosk = isinstance(job, ReportJob) and job.source == "data_kiosk"
    report_type = SETTLEMENT if isinstance(job, SettlementJob) else job.report_type
    if from_kiosk:
        report_type = SALES_AND_TRAFFIC_DATASET
    # A settlement lists its marketplace; its number and date formats depend on it.
    marketplace_id = job.marketplace_id or DEFAULT_MARKETPLACE

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
        chunks: Iterable[bytes] = (kiosk or api).download(url) if from_kiosk else api.download(url)
        return ingest(
            report_type,
            chunks,
            seller_id=job.seller_id,
            marketplace_id=marketplace_id,
            compression=compression,
            sink=sink,
        )

    try:
        result = attempt()
    except DocumentUrlExpired:
        logger.info("report document URL expired; asking for a fresh one", extra={"report_type": report_type})
        result = attempt()
    errors = [f"line {e.line}, column {e.column or '-'}: {e.reason}" for e in list(result.rejected)[:20]]
    book.ingested(
        job.seller_id,
        job.key,
        rows=result.rows,
        rejected=result.rejected_count,
        errors=errors,
        report_type=report_type,
    )
    metrics.add_metric(name="ReportRowsIngested", unit="Count", value=result.written)
    if result.rejected_count:
        metrics.add_metric(name="ReportRowsRejected", unit="Count", value=result.rejected_count)
    return IngestOutput(key=job.key, rows=result.rows, written=result.written, rejected=result.rejected_count)
