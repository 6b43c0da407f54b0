"""The history archive's order-id index: the (marketplace, local day) of each order from its day's
settlement on, so that an order is found by its id alone (`OrderStore.get`, a buyer's deletion) once
its `ORDERID#` item is gone: in that day's chunks while they are hot, in the day's object after.

Per seller, a few gzip JSON shard objects beside the day objects (so the seller's erasure, the
bucket's `history/` lifecycle rule and the archive's IAM grants cover them):

    <history_prefix><sellerId>/index/shards.json                      {"shards": N}
    <history_prefix><sellerId>/index/<N>/<shard:04d>.json.gz          {marketplace: {day: [orderId, …]}}

an order's shard being a stable hash of its id modulo N (a power of two). The archive job adds a day's
orders once the day has settled (`SETTLED_DAYS` old, its chunks still in DynamoDB: the order's
`ORDERID#` item may expire after), and again before it deletes the day's items (a shard that already
holds them is read, not written); it updates the shards the orders fall into (read, merge, write,
SSE-KMS with the data key), then rewrites the manifest (the same bytes: it only keeps the bucket's lifecycle rule
from expiring it while the shards live). A shard drops the entries past the retention, and the orders
a buyer asked to delete, each time it is written; the same entries give the same bytes (sorted, gzip
mtime 0), so a rerun writes identical objects. At the end of its run the job also rewrites the shards
it did not write that hold entries past the retention (`expire`: a seller with nothing archived lately).

N grows with the seller: one shard at first, doubled when a shard written holds more than
`MAX_ENTRIES` (~190 KB): every entry rewritten under the new N, the manifest switched to it, then the
old shards deleted. A crash before the switch leaves the old N complete and in use; after it, old
shards no reader looks at (deleted by the next split; the lifecycle rule ends them anyway). So a get
reads the manifest and one shard of at most ~200 KB, and the daily job writes only the shards its
orders touch: ~4 at 100 orders a day, 32 at 1,000, 256 at 10,000 (docs/data-model.md, docs/cost.md).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

INDEX_DIR = "index/"
MANIFEST = "shards.json"
SHARD_SUFFIX = ".json.gz"
MAX_ENTRIES = 20_000  # a shard's entries before the index splits: ~9-13 bytes each, compressed
MAX_SHARDS = 4_096  # 80 million archived orders


def shard_of(order_id: str, shards: int) -> int:
    """The order's shard among `shards`: the first 8 bytes of the id's SHA-256, modulo the count."""
    return int.from_bytes(hashlib.sha256(order_id.encode()).digest()[:8], "big") % shards


def shards_needed(order_ids: Iterable[str], shards: int) -> int:
    """`shards`, doubled until no shard would hold more than `MAX_ENTRIES` of these orders."""
    ids = list(order_ids)
    while shards < MAX_SHARDS:
        sizes: dict[int, int] = {}
        for order_id in ids:
            shard = shard_of(order_id, shards)
            sizes[shard] = sizes.get(shard, 0) + 1
        if max(sizes.values(), default=0) <= MAX_ENTRIES:
            break
        shards *= 2
    return shards


@dataclass
class IndexShard:
    """One shard: settled or archived order id → (marketplace, local day of purchase)."""

    entries: dict[str, tuple[str, date]] = field(default_factory=dict)

    def encode(self) -> bytes:
        grouped: dict[str, dict[str, list[str]]] = {}
        for order_id, (marketplace_id, day) in self.entries.items():
            grouped.setdefault(marketplace_id, {}).setdefault(day.isoformat(), []).append(order_id)
        for days in grouped.values():
            for ids in days.values():
                ids.sort()
        text = json.dumps(grouped, sort_keys=True, separators=(",", ":"))
        # mtime 0: the same entries, the same bytes; level 6: half level 9's time, 1 % larger
        return gzip.compress(text.encode(), compresslevel=6, mtime=0)

    @classmethod
    def decode(cls, body: bytes) -> IndexShard:
        grouped = json.loads(gzip.decompress(body))
        return cls(
            {
                order_id: (marketplace_id, date.fromisoformat(day))
                for marketplace_id, days in grouped.items()
                for day, ids in days.items()
                for order_id in ids
            }
        )

    def updated(
        self, added: dict[str, tuple[str, date]], *, oldest_kept: date, leave_out: set[str]
    ) -> IndexShard:
        """These entries added (the newer wins), those past the retention or left out dropped."""
        merged = {**self.entries, **added}
        return IndexShard({k: v for k, v in merged.items() if v[1] >= oldest_kept and k not in leave_out})


class ArchiveObjects(Protocol):
    """The archive's S3 adapter (`store/history.py` `HistoryObjects`), as the index uses it."""

    prefix: str

    def put_bytes(self, key: str, body: bytes, content_type: str, *, encoding: str = ...) -> None: ...

    def get_bytes(self, key: str) -> bytes | None: ...

    def keys(self, prefix: str) -> list[str]: ...

    def delete_keys(self, keys: Sequence[str]) -> int: ...


class OrderIndex:
    """The index's objects, beside the day objects of `objects` (same bucket, prefix, key)."""

    def __init__(self, objects: ArchiveObjects) -> None:
        self._objects = objects
        # the shards this instance wrote or found up to date (`expire` skips them)
        self._written: set[str] = set()

    def _dir(self, seller_id: str) -> str:
        return f"{self._objects.prefix}{seller_id}/{INDEX_DIR}"

    def _shard_key(self, seller_id: str, shards: int, shard: int) -> str:
        return f"{self._dir(seller_id)}{shards}/{shard:04d}{SHARD_SUFFIX}"

    def shards(self, seller_id: str) -> int | None:
        """The seller's shard count, None before its first archived order."""
        body = self._objects.get_bytes(f"{self._dir(seller_id)}{MANIFEST}")
        return int(json.loads(body)["shards"]) if body is not None else None

    def _read(self, seller_id: str, shards: int, shard: int) -> IndexShard | None:
        body = self._objects.get_bytes(self._shard_key(seller_id, shards, shard))
        return IndexShard.decode(body) if body is not None else None

    def _write(self, seller_id: str, shards: int, shard: int, found: IndexShard) -> None:
        key = self._shard_key(seller_id, shards, shard)
        self._objects.put_bytes(key, found.encode(), "application/json", encoding="gzip")
        self._written.add(key)

    def _switch(self, seller_id: str, shards: int) -> None:
        body = json.dumps({"shards": shards}, separators=(",", ":")).encode()
        self._objects.put_bytes(f"{self._dir(seller_id)}{MANIFEST}", body, "application/json")

    def locate(self, seller_id: str, order_id: str) -> tuple[str, date] | None:
        """(marketplace, local day) of an archived order: the manifest, then one shard."""
        shards = self.shards(seller_id)
        if shards is None:
            return None
        found = self._read(seller_id, shards, shard_of(order_id, shards))
        if found is None and (now := self.shards(seller_id)) not in (None, shards):
            # the index was split between the two reads: its new shard
            assert now is not None
            found = self._read(seller_id, now, shard_of(order_id, now))
        return found.entries.get(order_id) if found is not None else None

    def add(
        self, seller_id: str, entries: dict[str, tuple[str, date]], *, oldest_kept: date, leave_out: set[str]
    ) -> int:
        """Write these entries into their shards (each shard read, merged, written), then the manifest;
        split the index when a shard grew past `MAX_ENTRIES`. The objects written."""
        if not entries:
            return 0
        shards = self.shards(seller_id) or 1
        groups: dict[int, dict[str, tuple[str, date]]] = {}
        for order_id, where in entries.items():
            groups.setdefault(shard_of(order_id, shards), {})[order_id] = where
        written, largest = 0, 0
        for shard, added in sorted(groups.items()):
            found = self._read(seller_id, shards, shard)
            updated = (found or IndexShard()).updated(added, oldest_kept=oldest_kept, leave_out=leave_out)
            if found is not None and updated.entries == found.entries:
                # already there (the archive adds the orders its run indexed at their day's settlement)
                self._written.add(self._shard_key(seller_id, shards, shard))
            else:
                self._write(seller_id, shards, shard, updated)
                written += 1
            largest = max(largest, len(updated.entries))
        if largest > MAX_ENTRIES:
            return written + self._split(seller_id, shards, oldest_kept=oldest_kept, leave_out=leave_out)
        self._switch(seller_id, shards)
        return written + 1

    def _split(self, seller_id: str, shards: int, *, oldest_kept: date, leave_out: set[str]) -> int:
        """Every entry rewritten under a doubled count, then the manifest switched, then the old
        shards (and any left by a split that stopped) deleted. The objects written."""
        every = IndexShard()
        for shard in range(shards):
            every.entries.update((self._read(seller_id, shards, shard) or IndexShard()).entries)
        kept = every.updated({}, oldest_kept=oldest_kept, leave_out=leave_out).entries
        more = shards_needed(kept, shards)
        if more == shards:  # at `MAX_SHARDS`, or the entries past the retention made room
            self._switch(seller_id, shards)
            return 1
        groups: dict[int, dict[str, tuple[str, date]]] = {}
        for order_id, where in kept.items():
            groups.setdefault(shard_of(order_id, more), {})[order_id] = where
        for shard, part in sorted(groups.items()):
            self._write(seller_id, more, shard, IndexShard(part))
        self._switch(seller_id, more)
        current = f"{self._dir(seller_id)}{more}/"
        stale = [
            k
            for k in self._objects.keys(self._dir(seller_id))
            if k.endswith(SHARD_SUFFIX) and not k.startswith(current)
        ]
        self._objects.delete_keys(stale)
        return len(groups) + 1

    def expire(self, seller_id: str, *, oldest_kept: date) -> int:
        """Rewrite the shards this instance has not written that hold entries past the retention (a
        seller with no order archived lately: its shards are not rewritten by `add`); how many."""
        shards = self.shards(seller_id)
        rewritten = 0
        for shard in range(shards or 0):
            assert shards is not None
            if self._shard_key(seller_id, shards, shard) in self._written:
                continue
            found = self._read(seller_id, shards, shard)
            if found is None or all(day >= oldest_kept for _, day in found.entries.values()):
                continue
            self._write(seller_id, shards, shard, found.updated({}, oldest_kept=oldest_kept, leave_out=set()))
            rewritten += 1
        return rewritten

    def remove(self, seller_id: str, order_id: str) -> bool:
        """A buyer's deletion request: the id out of its shard (the shard rewritten); whether it was in."""
        shards = self.shards(seller_id)
        if shards is None:
            return False
        shard = shard_of(order_id, shards)
        found = self._read(seller_id, shards, shard)
        if found is None or order_id not in found.entries:
            return False
        del found.entries[order_id]
        self._write(seller_id, shards, shard, found)
        return True
