"""ingest_document: batching, result counts, rejected cap, unsupported types, every report when empty."""

from __future__ import annotations

import gzip

import pytest

from sellerflow.reports import (
    SUPPORTED_REPORT_TYPES,
    CountingSink,
    IngestResult,
    UnsupportedReport,
    ingest_document,
)

LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"
HEADER = "seller-sku\tasin1\tprice\tquantity\tstatus\n"


def run(
    report_type: str,
    data: bytes,
    *,
    compression: str | None = None,
    batch_size: int = 25,
    max_errors: int = 1000,
) -> tuple[IngestResult, CountingSink]:
    sink = CountingSink()
    result = ingest_document(
        report_type,
        [data],
        seller_id="S1",
        marketplace_id="ATVPDKIKX0DER",
        compression=compression,
        sink=sink,
        batch_size=batch_size,
        max_errors=max_errors,
    )
    return result, sink


def test_batches_of_the_requested_size_and_counts() -> None:
    body = "".join(f"SKU-{n}\tB0{n:08d}\t{n}.99\t{n}\tActive\n" for n in range(103))
    result, sink = run(LISTINGS, gzip.compress((HEADER + body).encode()), compression="GZIP", batch_size=10)
    assert (result.rows, result.written, result.rejected_count) == (103, 103, 0)
    assert (sink.batches, sink.written) == (11, 103)
    assert result.duration_s >= 0


def test_rejected_rows_are_capped_but_counted() -> None:
    body = "".join(f"SKU-{n}\tB0\tbad\t1\tActive\n" for n in range(30)) + "OK\tB0\t1.00\t1\tActive\n"
    result, _sink = run(LISTINGS, (HEADER + body).encode(), max_errors=5)
    assert (result.rows, result.written, result.rejected_count, len(result.rejected)) == (31, 1, 30, 5)


def test_unsupported_report_type() -> None:
    with pytest.raises(UnsupportedReport, match="GET_SOMETHING_ELSE"):
        run("GET_SOMETHING_ELSE", b"")


@pytest.mark.parametrize("report_type", SUPPORTED_REPORT_TYPES)
@pytest.mark.parametrize("compression", [None, "GZIP"])
def test_every_report_type_accepts_an_empty_document(report_type: str, compression: str | None) -> None:
    data = gzip.compress(b"") if compression else b""
    result, sink = run(report_type, data, compression=compression)
    assert (result.rows, result.written, sink.batches) == (0, 0, 0)
