"""Amazon report documents and report-like API payloads → Sellerflow's typed records.

- `ingest_document` / `parse_document`: a downloaded report (bytes, maybe gzip) → Orders/facts.
- `finance_fact_from_transaction`, `inventory_fact_from_summary`: API payload mappers.
- `ads_campaigns.parse_sp_campaigns`: an Amazon Ads `spCampaigns` report (gzipped JSON) → campaign days.
- Errors: `DocumentCorrupt`, `MissingColumns`, `FormatUndecidable`, `UnsupportedReport` (bad rows are
  `facts.RowError`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each name is imported from its module when first read (PEP 562): importing one module of the
# package (`reports.errors`, `reports.finances`) does not import every report parser with it.
_MODULES = {
    "DocumentCorrupt": "errors",
    "FormatUndecidable": "errors",
    "MissingColumns": "errors",
    "ReportError": "errors",
    "UnsupportedReport": "errors",
    "finance_fact_from_transaction": "finances",
    "SUPPORTED_REPORT_TYPES": "ingest",
    "CountingSink": "ingest",
    "FactSink": "ingest",
    "IngestResult": "ingest",
    "ingest_document": "ingest",
    "parse_document": "ingest",
    "inventory_fact_from_summary": "inventory",
    "ParseLog": "stream",
    "codec_for_charset": "stream",
    "encoding_from_content_type": "stream",
}

if TYPE_CHECKING:
    from sellerflow.reports.errors import (
        DocumentCorrupt,
        FormatUndecidable,
        MissingColumns,
        ReportError,
        UnsupportedReport,
    )
    from sellerflow.reports.finances import finance_fact_from_transaction
    from sellerflow.reports.ingest import (
        SUPPORTED_REPORT_TYPES,
        CountingSink,
        FactSink,
        IngestResult,
        ingest_document,
        parse_document,
    )
    from sellerflow.reports.inventory import inventory_fact_from_summary
    from sellerflow.reports.stream import ParseLog, codec_for_charset, encoding_from_content_type


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "SUPPORTED_REPORT_TYPES",
    "CountingSink",
    "DocumentCorrupt",
    "FactSink",
    "FormatUndecidable",
    "IngestResult",
    "MissingColumns",
    "ParseLog",
    "ReportError",
    "UnsupportedReport",
    "codec_for_charset",
    "encoding_from_content_type",
    "finance_fact_from_transaction",
    "ingest_document",
    "inventory_fact_from_summary",
    "parse_document",
]
