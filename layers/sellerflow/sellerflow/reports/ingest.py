"""A report download → typed facts → batched writes: `parse_document` and `ingest_document`.

decompress (zlib, streaming) → decode (BOM / encoding) → rows (csv, tab-separated) → the report's
parser → batches of `batch_size` (25 = one DynamoDB BatchWriteItem) to a FactSink. Nothing holds
the whole document; a 1,000,000-row All Orders backfill runs in constant memory. The exception:
by-ASIN traffic rows (`HELD_TO_THE_END`) go to the sink in one batch after the document's last row,
since the store replaces a day's rows with those of one write (the sales-and-traffic document is
read whole anyway: it is one JSON object).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Protocol

from sellerflow.facts import RowError, TrafficByAsinFact
from sellerflow.reports import data_kiosk, inventory, listings, orders, settlement, traffic
from sellerflow.reports.errors import DocumentCorrupt, UnsupportedReport
from sellerflow.reports.stream import ParseLog, Table, TextLines, decode_lines, encoding_from_content_type


class FactSink(Protocol):
    """Where parsed objects go (the DynamoDB fact store implements it); one call per batch."""

    def write(self, batch: Sequence[object]) -> None: ...


@dataclass
class CountingSink:
    """A sink that keeps nothing: counts batches and objects (tests, the benchmark)."""

    batches: int = 0
    written: int = 0
    keep: bool = False
    items: list[object] = field(default_factory=list)

    def write(self, batch: Sequence[object]) -> None:
        self.batches += 1
        self.written += len(batch)
        if self.keep:
            self.items.extend(batch)


@dataclass(frozen=True)
class IngestResult:
    rows: int  # data rows read (JSON: array items), rejected ones included
    written: int  # objects handed to the sink
    rejected: list[RowError]  # the first `max_errors` rejected rows
    rejected_count: int
    duration_s: float
    undecodable: int = 0  # rejected rows whose bytes are not valid in `encoding`
    encoding: str | None = None  # the codec the document was read with


@dataclass(frozen=True)
class _Context:
    report_type: str
    seller_id: str
    marketplace_id: str | None  # a settlement's listed marketplace, at most a hint (see settlement.py)
    as_of: datetime

    @property
    def marketplace(self) -> str:
        if self.marketplace_id is None:
            raise UnsupportedReport(self.report_type, "this report type needs its marketplace id")
        return self.marketplace_id


# Fact types the sink stores a (marketplace, day) of in one item that a write replaces.
HELD_TO_THE_END: tuple[type, ...] = (TrafficByAsinFact,)

_FlatParser = Callable[[Table, _Context], Iterator[object]]

_FLAT: dict[str, _FlatParser] = {
    orders.REPORT_TYPE: lambda t, c: orders.parse_all_orders(
        t, seller_id=c.seller_id, marketplace_id=c.marketplace
    ),
    settlement.REPORT_TYPE: lambda t, c: settlement.parse_settlement(
        t, seller_id=c.seller_id, marketplace_hint=c.marketplace_id
    ),
    listings.REPORT_TYPE: lambda t, c: listings.parse_listings(
        t, seller_id=c.seller_id, marketplace_id=c.marketplace
    ),
    inventory.REPORT_TYPE: lambda t, c: inventory.parse_myi_inventory(
        t, seller_id=c.seller_id, marketplace_id=c.marketplace, as_of=c.as_of
    ),
}
SUPPORTED_REPORT_TYPES = (*_FLAT, traffic.REPORT_TYPE, data_kiosk.REPORT_TYPE)


def parse_document(
    report_type: str,
    chunks: Iterable[bytes],
    *,
    seller_id: str,
    marketplace_id: str | None,
    compression: str | None = None,
    encoding: str | None = None,
    log: ParseLog | None = None,
    as_of: datetime | None = None,
) -> Iterator[object]:
    """Yield the objects of one report document (Orders or facts, per report type), lazily: a
    flat file's header is read when this is called (DocumentCorrupt then), the rows as it is iterated.

    `compression` is the document's compressionAlgorithm (GZIP or None); `encoding` (a Python codec,
    see `stream.codec_for_charset`) overrides the marketplace default (UTF-8; cp932 for JP; a UTF-8
    or UTF-16 BOM always wins); bad rows go to `log`; `as_of` stamps snapshot reports that carry no
    time (inventory), default now. `marketplace_id` is required, except for settlements (a hint there).
    """
    if report_type in settlement.REMOVED_REPORT_TYPES:
        raise UnsupportedReport(
            report_type,
            f"Amazon removed this report type on 2026-11-11; settlements are {settlement.REPORT_TYPE}",
        )
    if report_type not in SUPPORTED_REPORT_TYPES:
        raise UnsupportedReport(report_type, "no parser for this report type")
    log = log if log is not None else ParseLog()
    context = _Context(report_type, seller_id, marketplace_id, as_of or datetime.now(UTC))
    if report_type == traffic.REPORT_TYPE:
        return _parse_json(chunks, context, compression, encoding, log)
    if report_type == data_kiosk.REPORT_TYPE:  # JSONL, read line by line
        if context.marketplace_id is None:
            raise UnsupportedReport(report_type, "a Data Kiosk document is read for one marketplace")
        text = decode_lines(
            chunks, report_type=report_type, compression=compression, encoding=encoding or "utf-8"
        )
        return data_kiosk.parse_sales_and_traffic_jsonl(
            text, seller_id=seller_id, marketplace_id=context.marketplace_id, log=log
        )
    lines: TextLines = decode_lines(
        chunks,
        report_type=report_type,
        compression=compression,
        encoding=encoding,
        marketplace_id=context.marketplace_id,
    )
    table = Table(lines, report_type=report_type, log=log)  # reads the header now
    log.encoding = lines.encoding
    return _FLAT[report_type](table, context)


def _parse_json(
    chunks: Iterable[bytes], context: _Context, compression: str | None, encoding: str | None, log: ParseLog
) -> Iterator[object]:
    text = decode_lines(
        chunks, report_type=context.report_type, compression=compression, encoding=encoding or "utf-8"
    )
    document = traffic.load_document(text, context.report_type)
    log.encoding = text.encoding
    yield from traffic.parse_sales_and_traffic(
        document, seller_id=context.seller_id, marketplace_id=context.marketplace, log=log
    )


def ingest_document(
    report_type: str,
    chunks: Iterable[bytes],
    *,
    seller_id: str,
    marketplace_id: str | None,
    compression: str | None,
    sink: FactSink,
    batch_size: int = 25,
    encoding: str | None = None,
    content_type: str | None = None,
    as_of: datetime | None = None,
    max_errors: int = 1000,
) -> IngestResult:
    """Parse a document and write its objects to `sink` in batches of `batch_size`.

    The encoding is `encoding` if given, else the charset of the download's `content_type` (Java
    names, `Cp1252`, `windows-31j`, ...; see `stream.JAVA_CHARSETS`), else the marketplace's default.

    A document-level failure (DocumentCorrupt, MissingColumns, FormatUndecidable) propagates; on DocumentCorrupt every
    object parsed before the damage has been written first, and the error's `written` says how many.
    """
    started = time.perf_counter()
    log = ParseLog(cap=max_errors)
    objects = parse_document(
        report_type,
        chunks,
        seller_id=seller_id,
        marketplace_id=marketplace_id,
        compression=compression,
        encoding=encoding or encoding_from_content_type(content_type),
        log=log,
        as_of=as_of,
    )
    failure: list[DocumentCorrupt] = []

    def guarded() -> Iterator[object]:
        try:
            yield from objects
        except DocumentCorrupt as exc:
            failure.append(exc)

    written = 0
    source = guarded()
    held: list[object] = []
    while batch := list(islice(source, batch_size)):
        now = [o for o in batch if not isinstance(o, HELD_TO_THE_END)]
        held += [o for o in batch if isinstance(o, HELD_TO_THE_END)]
        if now:
            sink.write(now)
            written += len(now)
    if failure:  # a day's rows cut short must not replace the whole day stored before
        failure[0].written = written
        raise failure[0]
    if held:
        sink.write(held)
        written += len(held)
    return IngestResult(
        rows=log.rows,
        written=written,
        rejected=list(log.rejected),
        rejected_count=log.rejected_count,
        duration_s=time.perf_counter() - started,
        undecodable=log.undecodable,
        encoding=log.encoding,
    )
