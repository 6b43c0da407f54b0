"""Amazon report documents and report-like API payloads → Sellerflow's typed records.

- `ingest_document` / `parse_document`: a downloaded report (bytes, maybe gzip) → Orders/facts.
- `finance_fact_from_transaction`, `inventory_fact_from_summary`: API payload mappers.
- `ads_campaigns.parse_sp_campaigns`: an Amazon Ads `spCampaigns` report (gzipped JSON) → campaign days.
- Errors: `DocumentCorrupt`, `MissingColumns`, `FormatUndecidable`, `UnsupportedReport` (bad rows are
  `facts.RowError`).
"""

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
