"""The history archive's order-id index, its shard codec and its shard rules (no I/O: the objects in
memory): the bytes a shard is stored as, which entries a rewrite keeps, which shard an order id falls
into, which shards an add writes."""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Sequence
from datetime import date

import pytest

from sellerflow.store import history_index
from sellerflow.store.history import parse_history_key
from sellerflow.store.history_index import IndexShard, OrderIndex, shard_of, shards_needed

US, UK = "ATVPDKIKX0DER", "A1F83G8C2ARO7P"


def _ids(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [
        f"11{rng.randint(1, 4)}-{rng.randint(0, 9_999_999):07d}-{rng.randint(0, 9_999_999):07d}"
        for _ in range(count)
    ]


def test_a_shard_decodes_to_the_entries_it_was_encoded_from_grouped_by_marketplace_and_day() -> None:
    ids = _ids(6)
    entries = {o: (US if n % 2 else UK, date(2026, 1, 1 + n % 3)) for n, o in enumerate(ids)}
    body = IndexShard(entries).encode()
    assert IndexShard.decode(body).entries == entries
    grouped = json.loads(gzip.decompress(body))
    assert set(grouped) == {US, UK}
    assert sorted(o for days in grouped.values() for ids_ in days.values() for o in ids_) == sorted(ids)


def test_the_same_entries_give_the_same_bytes_whatever_their_order() -> None:
    entries = {o: (US, date(2026, 1, 1 + n % 5)) for n, o in enumerate(_ids(50))}
    shuffled = list(entries.items())
    random.Random(1).shuffle(shuffled)
    assert IndexShard(dict(shuffled)).encode() == IndexShard(entries).encode()


def test_a_rewrite_keeps_the_newest_entry_and_drops_those_past_the_retention_and_left_out() -> None:
    kept, expired, restricted, moved = _ids(4)
    shard = IndexShard(
        {
            kept: (US, date(2026, 3, 1)),
            expired: (US, date(2024, 8, 1)),
            restricted: (US, date(2026, 3, 2)),
            moved: (US, date(2026, 3, 3)),
        }
    )
    updated = shard.updated(
        {moved: (UK, date(2026, 3, 3))}, oldest_kept=date(2024, 9, 1), leave_out={restricted}
    )
    assert updated.entries == {kept: (US, date(2026, 3, 1)), moved: (UK, date(2026, 3, 3))}
    assert len(shard.entries) == 4  # the shard read is left as it was


def test_an_order_id_always_falls_into_the_same_shard_and_the_shards_are_even() -> None:
    # the hash is part of the stored format: these must never change (a changed hash loses every order)
    assert [shard_of(o, 256) for o in ("111-0000000-0000001", "114-5678901-2345678")] == [96, 54]
    ids = _ids(25_600)
    sizes = [0] * 256
    for order_id in ids:
        sizes[shard_of(order_id, 256)] += 1
    assert min(sizes) > 50
    assert max(sizes) < 160
    # a doubled count splits a shard in two: shard s of n goes to s or s + n of 2n
    assert all(shard_of(o, 512) % 256 == shard_of(o, 256) for o in ids[:1000])


def test_the_shard_count_doubles_until_no_shard_holds_more_than_the_maximum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(history_index, "MAX_ENTRIES", 100)
    assert shards_needed(_ids(80), 1) == 1
    grown = shards_needed(_ids(1_000), 1)
    assert grown >= 16
    assert grown & (grown - 1) == 0
    sizes: dict[int, int] = {}
    for order_id in _ids(1_000):
        sizes[shard_of(order_id, grown)] = sizes.get(shard_of(order_id, grown), 0) + 1
    assert max(sizes.values()) <= 100
    assert shards_needed(_ids(1_000), 4096) == 4096  # never past MAX_SHARDS


def test_a_shard_of_10000_orders_a_day_over_the_retention_stays_near_200_kb() -> None:
    # 10,000 orders a day, 448 archived days (548 - 100 hot): the deployed count and a shard's bytes
    entries_per_shard = 10_000 * 448 // 256
    assert entries_per_shard <= history_index.MAX_ENTRIES
    rng = random.Random(3)
    ids = _ids(entries_per_shard, seed=11)
    shard = IndexShard(
        {
            o: (rng.choice([US, UK]), date.fromordinal(date(2025, 1, 1).toordinal() + rng.randrange(448)))
            for o in ids
        }
    )
    assert len(shard.encode()) < 220_000


def test_index_objects_are_not_taken_for_days() -> None:
    assert parse_history_key("history/", "history/A1SELLER/index/32/0007.json.gz") is None
    assert parse_history_key("history/", "history/A1SELLER/index/shards.json") is None


class _Bucket:
    """The archive's objects in memory (`history_index.ArchiveObjects`), counting the puts."""

    prefix = "history/"

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.puts: list[str] = []

    def put_bytes(self, key: str, body: bytes, content_type: str, *, encoding: str = "") -> None:
        self.objects[key] = body
        self.puts.append(key)

    def get_bytes(self, key: str) -> bytes | None:
        return self.objects.get(key)

    def keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(prefix))

    def delete_keys(self, keys: Sequence[str]) -> int:
        for key in keys:
            self.objects.pop(key, None)
        return len(keys)


def test_entries_added_again_leave_their_shards_unwritten_and_a_restricted_one_is_dropped() -> None:
    # Given a day's orders added at its settlement
    bucket = _Bucket()
    ids = _ids(40)
    entries = {o: (US, date(2026, 3, 1)) for o in ids}
    assert OrderIndex(bucket).add("S1", entries, oldest_kept=date(2024, 9, 1), leave_out=set()) == 2
    before = dict(bucket.objects)
    # When the archive adds them again as it moves the day: the shard is read, only the manifest written
    bucket.puts.clear()
    again = OrderIndex(bucket)
    assert again.add("S1", entries, oldest_kept=date(2024, 9, 1), leave_out=set()) == 1
    assert bucket.puts == ["history/S1/index/shards.json"]
    assert bucket.objects == before
    assert again.expire("S1", oldest_kept=date(2024, 9, 1)) == 0
    # And an order a buyer asked to delete since then leaves its shard (that one is written)
    assert again.add("S1", entries, oldest_kept=date(2024, 9, 1), leave_out={ids[0]}) == 2
    assert OrderIndex(bucket).locate("S1", ids[0]) is None
    assert OrderIndex(bucket).locate("S1", ids[1]) == (US, date(2026, 3, 1))
