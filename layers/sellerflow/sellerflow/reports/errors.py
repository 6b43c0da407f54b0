"""Errors of report ingestion: a document that cannot be read at all (as opposed to a bad row).

A bad row is not an exception: it becomes a `sellerflow.facts.RowError`, is recorded and skipped.
Messages name the report type, the line and the column; never a cell's value (it may be buyer PII).
"""

from __future__ import annotations

from collections.abc import Sequence

from sellerflow.errors import SellerflowError


class ReportError(SellerflowError):
    """A report document could not be ingested."""

    def __init__(self, report_type: str, message: str, *, line: int | None = None) -> None:
        where = f" at line {line}" if line is not None else ""
        super().__init__(f"{report_type}{where}: {message}")
        self.report_type = report_type
        self.line = line


class DocumentCorrupt(ReportError):
    """The document is truncated or unreadable (bad gzip, bad quoting, undecodable header).

    Every good row before the damage has already been delivered; `written` is set by
    `ingest_document` to how many objects reached the sink before the error.
    """

    written: int = 0


class MissingColumns(ReportError):
    """The header lacks columns this report's parser needs (the document layout is not the expected one)."""

    def __init__(self, report_type: str, columns: Sequence[str]) -> None:
        self.columns = tuple(columns)
        super().__init__(report_type, f"missing required column(s): {', '.join(self.columns)}", line=1)


class UnsupportedReport(ReportError):
    """No parser for this report type, or an unknown compression algorithm."""


class FormatUndecidable(ReportError):
    """The document does not say how its numbers and dates are written (a settlement without a known
    currency or marketplace, or whose currency and marketplace disagree): nothing is read from it,
    rather than amounts read in a guessed format."""
