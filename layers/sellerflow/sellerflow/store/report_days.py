"""Daily report rows packed by (kind, marketplace, day): one item (a few for a very large day) per day.

A sales-and-traffic ASIN row, an Amazon Ads campaign day or advertised-product day was one item each
(~1 WRU a row). Now a report's rows of one (marketplace, day) are one `ReportDayRecord` under the
day's own key prefix, the rows as gzip JSON lines (the history archive's codec):

    <the day's prefix>*<part:02d>      e.g. TRAFFIC#ASIN#2026-03-01#ATVPDKIKX0DER#*00
                                            ADS#ATVPDKIKX0DER#2026-03-01#*00
                                            ADSSKU#ATVPDKIKX0DER#2026-03-01#*00

`*` sorts before any ASIN or Ads id, so a day's parts come first in its key range, beside the legacy
one-row items (`<the day's prefix><id>`) of deployed versions, which one Query reads with them. A
day whose encoded rows would pass `MAX_PART_BYTES` (far below DynamoDB's 400 KB item limit) is split
in parts of about equal row counts; every part carries the day's content hash (`version`) and the
number of parts, so a reader takes the parts of one version only.

A write replaces the day: its rows are the day's rows (an ASIN or campaign the report no longer has is
gone), parts the new version no longer needs are deleted, and a day whose stored version is the same
(read first: one BatchGetItem of the days' first parts, half a unit per 4 KB) is not written again
unless it was written more than `rewrite_after` ago (its TTL counts from the write). So a report's
rows of a day must reach one write together (`sellerflow.reports.ingest`, `sync.ads` hold them to
the end of the document). A read of a day takes its packed rows when it has parts, else its legacy
items (they expire with their TTL; nothing migrates them).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from pydantic import TypeAdapter
from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.pagination import ResultIterator

from sellerflow.store.history import decode_lines, encode_lines
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.tables import AmazonFactItem, table

if TYPE_CHECKING:
    from boto3.dynamodb.types import TypeDeserializer

PACK_MARK = "*"  # before 0-9 and A-Z: a day's parts sort ahead of its legacy items
MAX_PART_BYTES = 300_000  # encoded rows per item; DynamoDB refuses items over 400 KB


@table("seller_data")
class ReportDayRecord(AmazonFactItem):
    """<the day's prefix>*<part:02d>: one part of a (kind, marketplace, day)'s report rows, as gzip
    JSON lines (`store.history.encode_lines`)."""

    payload = BinaryAttribute(legacy_encoding=False)
    rows = NumberAttribute()  # in this part
    parts = NumberAttribute()  # of this version of the day
    version = UnicodeAttribute()  # content hash of the day's rows, the same in every part


class DayRow(Protocol):
    @property
    def seller_id(self) -> str: ...
    @property
    def marketplace_id(self) -> str: ...
    @property
    def day(self) -> date: ...


F = TypeVar("F", bound=DayRow)


@dataclass(frozen=True)
class ReportDayKind(Generic[F]):
    """One kind of report row: its fact type, its legacy one-row item's mapping (whose sort key is the
    row's key within the day), and the key prefix of a (marketplace, day)."""

    mapping: RecordMapping[F, Any]
    row_key: Callable[[F], str]  # the legacy item's sort key: `<the day's prefix><id>`
    day_prefix: Callable[[str, date], str]  # (marketplace, day) -> "<...>#", ending in '#'
    kind_prefix: str  # every key of the kind starts with it

    @property
    def codec(self) -> TypeAdapter[F]:
        return _codec(self.mapping.domain)


@cache
def _codec(domain: type[Any]) -> TypeAdapter[Any]:
    return TypeAdapter(domain)


def part_key(day_prefix: str, part: int) -> str:
    return f"{day_prefix}{PACK_MARK}{part:02d}"


def day_prefix_of(sk: str) -> str:
    """The day's prefix of a part's or a legacy row's key (ids hold no '#')."""
    return sk[: sk.rindex("#") + 1]


def is_part_key(sk: str) -> bool:
    return sk[len(day_prefix_of(sk)) :].startswith(PACK_MARK)


def split_rows(
    codec: TypeAdapter[F], rows: Sequence[F], limit: int = MAX_PART_BYTES
) -> list[tuple[bytes, int]]:
    """The rows encoded in as few parts as keep each at most `limit` bytes, about equal row counts:
    (payload, rows) each."""
    whole = encode_lines(codec, rows)
    parts = math.ceil(len(whole) / limit)
    while parts > 1:
        size = math.ceil(len(rows) / parts)
        slices = [rows[first : first + size] for first in range(0, len(rows), size)]
        payloads = [(encode_lines(codec, part), len(part)) for part in slices]
        if all(len(p) <= limit for p, _ in payloads):
            return payloads
        if size == 1:
            raise ValueError(f"one report row encodes to more than {limit} bytes")
        parts += 1
    return [(whole, len(rows))]


@dataclass(frozen=True)
class DayWrite:
    """What writing a batch of rows comes to: the items to put and the keys to delete, and the
    (seller, marketplace, day)s whose rows changed."""

    puts: list[ReportDayRecord]
    deletes: list[tuple[str, str]]
    changed: list[tuple[str, str, date]]


def plan_days(
    kind: ReportDayKind[F],
    facts: Iterable[F],
    *,
    at: datetime,
    expires_at: int,
    rewrite_after: timedelta,
    limit: int = MAX_PART_BYTES,
) -> DayWrite:
    """The items replacing each (seller, marketplace, day) of `facts` with its rows there (the last
    version of a row's key wins), against the days' stored first parts (one BatchGetItem per 100)."""
    days: dict[tuple[str, str], dict[str, F]] = {}
    where: dict[tuple[str, str], tuple[str, date]] = {}
    for fact in facts:
        key = (fact.seller_id, kind.day_prefix(fact.marketplace_id, fact.day))
        days.setdefault(key, {})[kind.row_key(fact)] = fact
        where[key] = (fact.marketplace_id, fact.day)
    if not days:
        return DayWrite([], [], [])
    found = ReportDayRecord.batch_get([(seller, part_key(prefix, 0)) for seller, prefix in days])
    stored = {(r.seller_id, day_prefix_of(r.sk)): r for r in found}
    plan = DayWrite([], [], [])
    for (seller_id, prefix), by_key in sorted(days.items()):
        rows = [by_key[k] for k in sorted(by_key)]  # the legacy Query's order
        payloads = split_rows(kind.codec, rows, limit)
        version = hashlib.sha256(b"".join(p for p, _ in payloads)).hexdigest()[:24]
        held = stored.get((seller_id, prefix))
        if held is not None and held.version == version and held.written_at >= at - rewrite_after:
            continue
        for part, (payload, count) in enumerate(payloads):
            plan.puts.append(
                ReportDayRecord(
                    seller_id,
                    part_key(prefix, part),
                    payload=payload,
                    rows=count,
                    parts=len(payloads),
                    version=version,
                    written_at=at,
                    expires_at=expires_at,
                )
            )
        old_parts = int(held.parts) if held is not None else 0
        plan.deletes.extend((seller_id, part_key(prefix, p)) for p in range(len(payloads), old_parts))
        marketplace_id, day = where[(seller_id, prefix)]
        plan.changed.append((seller_id, marketplace_id, day))
    return plan


def write_days(plan: DayWrite) -> list[tuple[str, str, date]]:
    """Write a plan (`plan_days`); the days that changed. The parts go before the deletions: a reader
    meanwhile takes the newest version."""
    with ReportDayRecord.batch_write() as batch:
        for record in plan.puts:
            batch.save(record)
    with ReportDayRecord.batch_write() as batch:
        for seller_id, sk in plan.deletes:
            batch.delete(ReportDayRecord(seller_id, sk))
    return plan.changed


def _day_rows(kind: ReportDayKind[F], items: Sequence[dict[str, Any]]) -> list[F]:
    """One day's items (its parts and legacy items) as its rows: the newest version's parts when it has
    parts, else the legacy items."""
    parts = [ReportDayRecord.from_raw_data(i) for i in items if "payload" in i]
    if not parts:
        return [kind.mapping.to_domain(kind.mapping.record.from_raw_data(i)) for i in items]
    newest = max(parts, key=lambda p: (p.written_at, p.version))
    rows: list[F] = []
    for part in sorted((p for p in parts if p.version == newest.version), key=lambda p: p.sk):
        rows += decode_lines(kind.codec, part.payload)
    return rows


def read_days(kind: ReportDayKind[F], seller_id: str, lower: str, upper: str) -> list[F]:
    """The rows of the days whose keys lie in [lower, upper], in key order (one Query for the packed
    and the legacy items; a day's items sort together)."""
    connection = ReportDayRecord._get_connection()  # noqa: SLF001 - Model.query maps to one class
    kwargs: dict[str, Any] = {"range_key_condition": ReportDayRecord.sk.between(lower, upper)}
    items: Iterable[dict[str, Any]] = ResultIterator(
        connection.query, (seller_id,), kwargs, map_fn=lambda item: item
    )
    rows: list[F] = []
    day: list[dict[str, Any]] = []
    for item in items:
        if day and day_prefix_of(item["sk"]["S"]) != day_prefix_of(day[0]["sk"]["S"]):
            rows += _day_rows(kind, day)
            day = []
        day.append(item)
    if day:
        rows += _day_rows(kind, day)
    return rows


@cache
def _plain() -> TypeDeserializer:
    from boto3.dynamodb.types import TypeDeserializer  # the export's only: not at a cold start

    return TypeDeserializer()


def export_rows(
    kinds: Sequence[ReportDayKind[Any]], items: Iterable[Mapping[str, Any]]
) -> Iterator[Mapping[str, Any]]:
    """A seller-data partition's items (plain values, in key order) for the export: each part of a
    packed day as one row per report row, with the legacy item's columns (its key as `sk`); a legacy
    item of a day that has parts is left out (the parts replaced it); other items as they are."""
    packed: set[str] = set()
    for item in items:
        sk = str(item.get("sk", ""))
        kind = next((k for k in kinds if sk.startswith(k.kind_prefix)), None)
        if kind is None or "#" not in sk:
            yield item
            continue
        if "payload" not in item or not is_part_key(sk):
            if day_prefix_of(sk) not in packed:
                yield item
            continue
        packed.add(day_prefix_of(sk))
        body = item["payload"]
        body = body.value if hasattr(body, "value") else body  # boto3's Binary
        written_at = UTCDateTimeAttribute().deserialize(str(item["written_at"]))
        for fact in decode_lines(kind.codec, bytes(body)):
            record = kind.mapping.to_record(fact, written_at=written_at, expires_at=int(item["expires_at"]))
            yield {name: _plain().deserialize(value) for name, value in record.serialize().items()}
