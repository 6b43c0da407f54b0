"""In-memory stand-ins for the report book and the Reports API (no sockets, no AWS)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sellerflow.domain import ReportState
from sellerflow.errors import DocumentUrlExpired

SELLER = "A1SFTEST0001XY"
NOW = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)


@dataclass
class FakeBook:
    states: dict[str, ReportState] = field(default_factory=dict)
    ingests: list[tuple[str, int, int]] = field(default_factory=list)
    claims: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # key -> (document, until)
    claimants: dict[str, str | None] = field(default_factory=dict)  # key -> the claim's claimant

    def get(self, seller_id: str, key: str) -> ReportState | None:
        return self.states.get(key)

    def all(self, seller_id: str, prefix: str = "REPORT#") -> list[ReportState]:
        return [s for k, s in self.states.items() if k.startswith(prefix)]

    def requested(
        self,
        seller_id: str,
        key: str,
        *,
        report_type: str,
        marketplace_id: str | None,
        window: Any,
        report_id: str,
        status: str = "IN_QUEUE",
    ) -> None:
        self.states[key] = ReportState(
            key=key,
            report_type=report_type,
            marketplace_id=marketplace_id,
            report_id=report_id,
            status=status,
            requested_at=NOW,
        )

    def finished(
        self,
        seller_id: str,
        key: str,
        *,
        status: str,
        document_id: str | None = None,
        cooldown_until: datetime | None = None,
    ) -> None:
        old = self.states[key]
        if status == "DONE" and old.status == "INGESTED" and old.document_id == document_id:
            return  # as ReportStore's conditional write: DONE never undoes the same document INGESTED
        self.states[key] = old.model_copy(
            update={
                "status": status,
                "document_id": document_id or old.document_id,
                "cooldown_until": cooldown_until,
            }
        )

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
    ) -> None:
        self.ingests.append((key, rows, rejected))
        self.claims.pop(key, None)
        old = self.states.get(key) or ReportState(key=key, report_type=report_type)
        self.states[key] = old.model_copy(
            update={
                "status": "INGESTED",
                "rows": rows,
                "rejected": rejected,
                "undecodable": undecodable,
                "encoding": encoding,
            }
        )

    def failed(self, seller_id: str, key: str, *, report_type: str, reason: str) -> None:
        self.claims.pop(key, None)
        old = self.states.get(key) or ReportState(key=key, report_type=report_type)
        self.states[key] = old.model_copy(update={"status": "FAILED", "errors": (reason,)})

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
    ) -> bool:
        """As ReportStore's conditional write: not when ingested, nor while another holds the lease
        (a claimant gets back a claim of its own)."""
        state = self.states.get(key)
        if state is not None and state.status == "INGESTED" and state.document_id == document_id:
            return False
        held = self.claims.get(key)
        own = claimant is not None and self.claimants.get(key) == claimant
        if held is not None and held[0] == document_id and held[1] > now and not own:
            return False
        self.claims[key] = (document_id, now + lease)
        self.claimants[key] = claimant
        return True

    def release_ingest(self, seller_id: str, key: str, document_id: str) -> None:
        if self.claims.get(key, ("",))[0] == document_id:
            del self.claims[key]


class FakeDownload:
    """A download whose Content-Type is known once the first chunk is read (like the SP-API port's)."""

    def __init__(self, chunks: Iterator[bytes], content_type: str | None) -> None:
        self._chunks = chunks
        self._answer = content_type
        self.content_type: str | None = None

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        self.content_type = self._answer
        return next(self._chunks)


@dataclass
class FakeReportsApi:
    statuses: list[str] = field(default_factory=lambda: ["IN_QUEUE", "IN_PROGRESS", "DONE"])
    created: list[dict[str, Any]] = field(default_factory=list)
    polls: int = 0
    settlement_pages: list[dict[str, Any]] = field(default_factory=list)
    expired_urls: int = 0
    damaged_downloads: int = 0  # the next downloads served cut in half (a transfer cut short)
    documents_issued: int = 0
    document: bytes = field(default_factory=lambda: gzip.compress(b"row\n"))  # as `compression` says
    content_type: str | None = "text/plain;charset=UTF-8"
    compression: str | None = "GZIP"

    def create_report(
        self,
        seller_id: str,
        *,
        report_type: str,
        marketplace_ids: Sequence[str],
        data_start: datetime | None = None,
        data_end: datetime | None = None,
        options: Any = None,
    ) -> str:
        self.created.append(
            {
                "type": report_type,
                "marketplaces": list(marketplace_ids),
                "start": data_start,
                "end": data_end,
                "options": options,
            }
        )
        return f"R{len(self.created)}"

    def get_report(self, seller_id: str, report_id: str) -> dict[str, Any]:
        status = self.statuses[min(self.polls, len(self.statuses) - 1)]
        self.polls += 1
        body: dict[str, Any] = {"reportId": report_id, "processingStatus": status}
        if status == "DONE":
            body["reportDocumentId"] = f"DOC-{report_id}"
        return body

    def get_reports(self, seller_id: str, **kwargs: Any) -> dict[str, Any]:
        index = 0 if not kwargs.get("next_token") else int(kwargs["next_token"])
        return self.settlement_pages[index]

    def get_report_document(self, seller_id: str, document_id: str) -> dict[str, Any]:
        self.documents_issued += 1
        body = {"reportDocumentId": document_id, "url": f"https://docs.example/{self.documents_issued}"}
        if self.compression:
            body["compressionAlgorithm"] = self.compression
        return body

    def download(self, url: str, *, chunk_size: int = 65536) -> FakeDownload:
        return FakeDownload(self._chunks(), self.content_type)

    def _chunks(self) -> Iterator[bytes]:
        if self.expired_urls:
            self.expired_urls -= 1
            raise DocumentUrlExpired("expired")
        if self.damaged_downloads:
            self.damaged_downloads -= 1
            yield self.document[: len(self.document) // 2]
            return
        yield self.document
