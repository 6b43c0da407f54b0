"""A per-seller hash chain over audit entries, and its verification.

Every entry of a seller's audit log has a sequence number `seq` (1, 2, 3, ... with no gaps) and

    hash = sha256(canonical JSON of {seller_id, seq, at, actor, action, resource, prev_hash})

where `prev_hash` is the hash of entry `seq - 1` (`GENESIS_HASH` for the first entry). Canonical JSON
is `json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False)` in UTF-8, with `at`
written as `YYYY-MM-DDTHH:MM:SS.ffffffZ`. A head record per seller holds the newest `seq` and
`hash`, so deleting the newest entries is detected too; it also holds the last entry the sweeper
removed after it expired (`trimmed_seq`, `trimmed_hash`), so the chain may legitimately start later
than 1, but only where the sweeper says it does.

`verify_chain` reports the first broken link: an entry whose content no longer matches its hash
(tampered), a missing sequence number (deleted), an entry that does not link to its predecessor or
sits under another sequence number's key (reordered), or entries missing after the last one seen.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64


def format_at(at: datetime) -> str:
    """The one textual form of an entry's time inside the hash (UTC, microseconds, Z)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(
    *, seller_id: str, seq: int, at: datetime, actor: str, action: str, resource: str, prev_hash: str
) -> bytes:
    document = {
        "seller_id": seller_id,
        "seq": seq,
        "at": format_at(at),
        "actor": actor,
        "action": action,
        "resource": resource,
        "prev_hash": prev_hash,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(
    *, seller_id: str, seq: int, at: datetime, actor: str, action: str, resource: str, prev_hash: str
) -> str:
    return hashlib.sha256(
        canonical_json(
            seller_id=seller_id,
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            resource=resource,
            prev_hash=prev_hash,
        )
    ).hexdigest()


@dataclass(frozen=True)
class ChainEntry:
    """One stored audit entry as the chain sees it. `key_seq` is the sequence number of the key the
    entry is stored under (`SEQ#<seq:012d>`); `seq` is the one stored inside it."""

    seller_id: str
    seq: int
    at: datetime
    actor: str
    action: str
    resource: str
    prev_hash: str
    hash: str
    key_seq: int | None = None

    def computed_hash(self) -> str:
        return entry_hash(
            seller_id=self.seller_id,
            seq=self.seq,
            at=self.at,
            actor=self.actor,
            action=self.action,
            resource=self.resource,
            prev_hash=self.prev_hash,
        )


@dataclass(frozen=True)
class ChainHead:
    """The seller's head record: the newest entry, and where the sweeper trimmed the chain."""

    seq: int
    hash: str
    at: datetime | None = None
    trimmed_seq: int = 0
    trimmed_hash: str = GENESIS_HASH


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str  # tampered | deleted | reordered | forged | foreign | head_missing

    detail: str = ""


@dataclass(frozen=True)
class VerifyResult:
    seller_id: str
    checked: int
    head_seq: int
    first_break: ChainBreak | None = None

    @property
    def ok(self) -> bool:
        return self.first_break is None

    def summary(self) -> str:
        if self.first_break is None:
            return f"OK seller={self.seller_id} entries={self.checked} head_seq={self.head_seq}"
        b = self.first_break
        return f"BROKEN seller={self.seller_id} seq={b.seq} reason={b.reason}: {b.detail}"


def verify_chain(seller_id: str, entries: Iterable[ChainEntry], head: ChainHead | None) -> VerifyResult:
    """Walk a seller's entries (any order; sorted here by key) against the head record."""
    ordered = sorted(entries, key=lambda e: e.key_seq if e.key_seq is not None else e.seq)
    if head is None:
        if not ordered:
            return VerifyResult(seller_id, 0, 0)
        first = ordered[0]
        return VerifyResult(
            seller_id,
            0,
            0,
            ChainBreak(first.seq, "head_missing", "entries exist but the seller's chain head is gone"),
        )
    live = [e for e in ordered if (e.key_seq if e.key_seq is not None else e.seq) > head.trimmed_seq]
    expected_seq = head.trimmed_seq + 1
    expected_prev = head.trimmed_hash if head.trimmed_seq else GENESIS_HASH
    previous_at: datetime | None = None
    checked = 0
    for entry in live:
        key_seq = entry.key_seq if entry.key_seq is not None else entry.seq
        problem = _link_problem(entry, key_seq, expected_seq, expected_prev, previous_at, seller_id)
        if problem is not None:
            return VerifyResult(seller_id, checked, head.seq, problem)
        previous_at = entry.at
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
    if expected_seq - 1 != head.seq:
        return VerifyResult(
            seller_id,
            checked,
            head.seq,
            ChainBreak(
                expected_seq,
                "deleted" if expected_seq - 1 < head.seq else "forged",
                f"the head says the newest entry is {head.seq}, the chain ends at {expected_seq - 1}",
            ),
        )
    if head.seq and head.hash != expected_prev:
        return VerifyResult(
            seller_id,
            checked,
            head.seq,
            ChainBreak(head.seq, "tampered", "the newest entry does not match the head's hash"),
        )
    return VerifyResult(seller_id, checked, head.seq)


def _link_problem(
    entry: ChainEntry,
    key_seq: int,
    expected_seq: int,
    expected_prev: str,
    previous_at: datetime | None,
    seller_id: str,
) -> ChainBreak | None:
    """What is wrong with one link of the chain, if anything (most telling reason first)."""
    if key_seq > expected_seq:
        return ChainBreak(expected_seq, "deleted", f"entry {expected_seq} is missing (next found: {key_seq})")
    if entry.seller_id != seller_id:
        return ChainBreak(key_seq, "foreign", f"entry {key_seq} names another seller")
    if entry.seq != key_seq:
        return ChainBreak(key_seq, "reordered", f"entry stored as seq {key_seq} says it is seq {entry.seq}")
    if entry.computed_hash() != entry.hash:
        return ChainBreak(key_seq, "tampered", f"entry {key_seq} does not match its hash")
    if entry.prev_hash != expected_prev:
        return ChainBreak(key_seq, "reordered", f"entry {key_seq} does not link to entry {key_seq - 1}")
    if previous_at is not None and entry.at < previous_at:
        return ChainBreak(key_seq, "reordered", f"entry {key_seq} is older than entry {key_seq - 1}")
    return None
