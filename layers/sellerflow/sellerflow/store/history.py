"""The history archive: orders and finance transactions older than the hot window, out of DynamoDB.

One gzip JSON-lines object per seller, marketplace and local day (the day an order was purchased or a
transaction posted, in the marketplace's time zone):

    <history_prefix><sellerId>/<marketplaceId>/<yyyy-mm-dd>.jsonl.gz

each line `{"type": "order" | "finance", "record": {...}}`, the record as the domain model dumps it
(no buyer PII: `Order` and `FinanceTransactionFact` have no field for it). Objects are written with
SSE-KMS under the data key and expire with the retention (docs/compliance.md). Beside them, under
`<sellerId>/index/`, the order-id index that finds an archived order's day from its id alone
(`store/history_index.py`).

`HistoryObjects` is the S3 adapter; `HistoryArchive` is what the readers (`OrderStore.list`,
`FactStore.orders_purchased` and `finance_page`, the export) use: the archived records of the days a
read reaches past the hot window. DynamoDB is read first and wins: an order updated after it was
archived is back in DynamoDB, newer, until the next archive run merges it into its day's object.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import TypeAdapter

from sellerflow.calendar import days_between, iso_z, local_day, maybe_archived
from sellerflow.domain import Order
from sellerflow.facts import FinanceTransactionFact
from sellerflow.store.history_index import OrderIndex
from sellerflow.store.privacy import restricted_order_ids
from sellerflow.store.s3 import sigv4_s3_client

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ORDER = "order"
FINANCE = "finance"
SUFFIX = ".jsonl.gz"
T = TypeVar("T")


@cache
def _finance_codec() -> TypeAdapter[FinanceTransactionFact]:
    return TypeAdapter(FinanceTransactionFact)


def encode_lines(codec: TypeAdapter[T], records: Iterable[T]) -> bytes:
    """Records as gzip JSON lines, each as `codec` dumps it; the same records in the same order give
    the same bytes (mtime=0). The archive's lines, the finance chunks and the report-day packs."""
    lines = [json.dumps(codec.dump_python(r, mode="json"), separators=(",", ":")) for r in records]
    return gzip.compress("\n".join(lines).encode(), mtime=0)


def decode_lines(codec: TypeAdapter[T], body: bytes) -> list[T]:
    return [codec.validate_json(line) for line in gzip.decompress(body).splitlines() if line.strip()]


def encode_transactions(facts: Iterable[FinanceTransactionFact]) -> bytes:
    """Transactions as gzip JSON lines, one record each as the archive's lines hold it (the fact
    store's finance chunks keep them so); the same transactions in the same order give the same bytes."""
    return encode_lines(_finance_codec(), facts)


def decode_transactions(body: bytes) -> list[FinanceTransactionFact]:
    return decode_lines(_finance_codec(), body)


@cache
def _order_codec() -> TypeAdapter[Order]:
    return TypeAdapter(Order)


def encode_orders(orders: Iterable[Order]) -> bytes:
    """Orders as gzip JSON lines, one record each as the archive's lines hold it (the order store's
    chunks keep them so); the same orders in the same order give the same bytes."""
    return encode_lines(_order_codec(), orders)


def decode_orders(body: bytes) -> list[Order]:
    return decode_lines(_order_codec(), body)


@dataclass
class HistoryDay:
    """The archived records of one (seller, marketplace, local day)."""

    seller_id: str
    marketplace_id: str
    day: date
    orders: dict[str, Order] = field(default_factory=dict)  # by order id
    transactions: dict[str, FinanceTransactionFact] = field(default_factory=dict)  # by finance sk

    def encode(self) -> bytes:
        lines = [
            json.dumps({"type": ORDER, "record": o.model_dump(mode="json")}, separators=(",", ":"))
            for _, o in sorted(self.orders.items())
        ]
        codec = _finance_codec()
        lines += [
            json.dumps({"type": FINANCE, "record": codec.dump_python(t, mode="json")}, separators=(",", ":"))
            for _, t in sorted(self.transactions.items())
        ]
        # mtime=0: the same records give the same bytes (a rerun writes an identical object)
        return gzip.compress(("\n".join(lines) + "\n").encode() if lines else b"", mtime=0)

    @classmethod
    def decode(cls, seller_id: str, marketplace_id: str, day: date, body: bytes) -> HistoryDay:
        found = cls(seller_id, marketplace_id, day)
        codec = _finance_codec()
        for line in gzip.decompress(body).splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            if entry["type"] == ORDER:
                order = Order.model_validate(entry["record"])
                found.orders[order.order_id] = order
            elif entry["type"] == FINANCE:
                fact = codec.validate_python(entry["record"])
                # the transaction's sort key in DynamoDB (store/facts.py `finance_key`: facts imports this module)
                found.transactions[f"FIN#{iso_z(fact.posted_at)}#{fact.transaction_id}"] = fact
        return found

    @property
    def size(self) -> int:
        return len(self.orders) + len(self.transactions)


def history_key(prefix: str, seller_id: str, marketplace_id: str, day: date) -> str:
    return f"{prefix}{seller_id}/{marketplace_id}/{day.isoformat()}{SUFFIX}"


def parse_history_key(prefix: str, key: str) -> tuple[str, str, date] | None:
    """(seller, marketplace, day) of an archive object's key, None for anything else."""
    if not key.startswith(prefix) or not key.endswith(SUFFIX):
        return None
    parts = key[len(prefix) : -len(SUFFIX)].split("/")
    if len(parts) != 3:
        return None
    try:
        return parts[0], parts[1], date.fromisoformat(parts[2])
    except ValueError:
        return None


class HistoryObjects:
    """The archive's objects in S3 (the raw-documents bucket, under `prefix`), SSE-KMS with the data key."""

    def __init__(
        self, bucket: str, *, kms_key_id: str, prefix: str = "history/", client: S3Client | None = None
    ) -> None:
        self._bucket = bucket
        self._kms_key_id = kms_key_id
        self.prefix = prefix
        self._client = client

    @property
    def client(self) -> S3Client:
        if self._client is None:
            self._client = sigv4_s3_client()
        return self._client

    def put_bytes(self, key: str, body: bytes, content_type: str, *, encoding: str = "identity") -> None:
        """An object of the archive (a day, an index shard), SSE-KMS with the data key."""
        self.client.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            ContentEncoding=encoding,
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=self._kms_key_id,
        )

    def get_bytes(self, key: str) -> bytes | None:
        """An object's bytes, None when there is no such object."""
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound", "NoSuchBucket"):
                return None  # no bucket: nothing was archived (the job writes into it, or fails)
            raise

    def keys(self, prefix: str) -> list[str]:
        """Every object key under `prefix` (one List request per 1,000 objects)."""
        found: list[str] = []
        kwargs: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix}
        from botocore.exceptions import ClientError

        while True:
            try:
                page = self.client.list_objects_v2(**kwargs)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "NoSuchBucket":
                    return []  # no bucket: nothing was archived
                raise
            found += [entry["Key"] for entry in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return found
            kwargs["ContinuationToken"] = page["NextContinuationToken"]

    def delete_keys(self, keys: Sequence[str]) -> int:
        """Delete these objects (1,000 a request); how many."""
        for first in range(0, len(keys), 1000):
            chunk = keys[first : first + 1000]
            answer = self.client.delete_objects(
                Bucket=self._bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
            )
            if answer.get("Errors"):
                raise RuntimeError(f"S3 refused to delete {len(answer['Errors'])} history objects")
        return len(keys)

    def put(self, history: HistoryDay) -> str:
        key = history_key(self.prefix, history.seller_id, history.marketplace_id, history.day)
        self.put_bytes(key, history.encode(), "application/x-ndjson", encoding="gzip")
        return key

    def get(self, seller_id: str, marketplace_id: str, day: date) -> HistoryDay | None:
        """The archived day, None when it has no object."""
        body = self.get_bytes(history_key(self.prefix, seller_id, marketplace_id, day))
        return HistoryDay.decode(seller_id, marketplace_id, day, body) if body is not None else None

    def days(self, seller_id: str) -> list[tuple[str, date]]:
        """Every archived (marketplace, day) of the seller (its index's objects are not days)."""
        found: list[tuple[str, date]] = []
        for key in self.keys(f"{self.prefix}{seller_id}/"):
            parsed = parse_history_key(self.prefix, key)
            if parsed is not None and parsed[0] == seller_id:
                found.append((parsed[1], parsed[2]))
        return sorted(found)

    def delete(self, seller_id: str, days: Sequence[tuple[str, date]]) -> int:
        """Delete these (marketplace, day) objects (the ones past the retention); how many."""
        return self.delete_keys([history_key(self.prefix, seller_id, m, d) for m, d in days])

    def erase_order(self, seller_id: str, order_id: str) -> list[tuple[str, date]]:
        """A buyer's deletion request: the order's id out of the index (`store/history_index.py`), and
        every archived day of the seller holding the order or a transaction of it rewritten without
        them (deleted when nothing is left); those days. Reads every object of the seller (a
        transaction's day is not the order's): rare, and bounded by the retention."""
        OrderIndex(self).remove(seller_id, order_id)
        changed: list[tuple[str, date]] = []
        for marketplace_id, day in self.days(seller_id):
            found = self.get(seller_id, marketplace_id, day)
            if found is None:
                continue
            orders = {k: o for k, o in found.orders.items() if o.order_id != order_id}
            transactions = {k: t for k, t in found.transactions.items() if t.order_id != order_id}
            if len(orders) == len(found.orders) and len(transactions) == len(found.transactions):
                continue
            if orders or transactions:
                self.put(HistoryDay(seller_id, marketplace_id, day, orders, transactions))
            else:
                self.delete(seller_id, [(marketplace_id, day)])
            changed.append((marketplace_id, day))
        return changed


class HistoryArchive:
    """What readers see of the archive: the archived records of the days a read reaches past the hot
    window, without the orders a buyer asked to delete. The few objects read last are kept for
    `CACHE_SECONDS` (a listing's UTC day touches each local day twice); a day without an object is
    never kept: the job may write it any moment, and delete its items from DynamoDB right after."""

    CACHE_SECONDS = 5.0
    CACHE_OBJECTS = 16

    def __init__(
        self, objects: HistoryObjects, *, hot_days: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.objects = objects
        self.hot_days = hot_days
        self._clock = clock
        self._read: dict[tuple[str, str, date], tuple[float, HistoryDay]] = {}
        self._restricted: dict[str, tuple[float, set[str]]] = {}

    def reaches(self, day: date, now: datetime) -> bool:
        return maybe_archived(day, now, self.hot_days)

    def days_reached(self, marketplace_id: str, first: datetime, last: datetime, now: datetime) -> list[date]:
        """The marketplace's local days from `first`'s to `last`'s that may be archived."""
        days = days_between(local_day(marketplace_id, first), local_day(marketplace_id, last))
        return [d for d in days if self.reaches(d, now)]

    def day(self, seller_id: str, marketplace_id: str, day: date) -> HistoryDay | None:
        at = self._clock()
        key = (seller_id, marketplace_id, day)
        cached = self._read.get(key)
        if cached is None or at - cached[0] > self.CACHE_SECONDS:
            read = self.objects.get(seller_id, marketplace_id, day)
            if read is None:
                return None
            if len(self._read) >= self.CACHE_OBJECTS:
                self._read.clear()
            cached = (at, read)
            self._read[key] = cached
        found = cached[1]
        restricted = self._restricted.get(seller_id)
        if restricted is None or at - restricted[0] > self.CACHE_SECONDS:
            restricted = (at, restricted_order_ids(seller_id))
            self._restricted[seller_id] = restricted
        if not restricted[1]:
            return found
        return HistoryDay(
            seller_id,
            marketplace_id,
            day,
            orders={k: o for k, o in found.orders.items() if o.order_id not in restricted[1]},
            transactions={k: t for k, t in found.transactions.items() if t.order_id not in restricted[1]},
        )

    def locate(self, seller_id: str, order_id: str) -> tuple[str, date] | None:
        """(marketplace, local day) of an archived order, through the archive's order-id index."""
        return OrderIndex(self.objects).locate(seller_id, order_id)

    def marketplaces(self, seller_id: str) -> list[str]:
        return sorted({m for m, _ in self.objects.days(seller_id)})

    def orders(self, seller_id: str, marketplace_id: str, days: Iterable[date]) -> Iterator[Order]:
        for day in days:
            found = self.day(seller_id, marketplace_id, day)
            if found is not None:
                yield from found.orders.values()

    def transactions(
        self, seller_id: str, marketplace_id: str, days: Iterable[date]
    ) -> Iterator[tuple[str, FinanceTransactionFact]]:
        for day in days:
            found = self.day(seller_id, marketplace_id, day)
            if found is not None:
                yield from found.transactions.items()

    def export_rows(self, seller_id: str, *, only: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        """("orders" | "finance_transactions", row) of every archived record (`only` one of them), for the
        seller's export; one object in memory at a time."""
        codec = _finance_codec()
        for marketplace_id, day in self.objects.days(seller_id):
            found = self.objects.get(seller_id, marketplace_id, day)
            if found is None:
                continue
            if only in (None, "orders"):
                for order in found.orders.values():
                    yield "orders", {"archived_day": day.isoformat(), **order.model_dump(mode="json")}
            if only in (None, "finance_transactions"):
                for fact in found.transactions.values():
                    yield (
                        "finance_transactions",
                        {"archived_day": day.isoformat(), **codec.dump_python(fact, mode="json")},
                    )
