"""The append-only, hash-chained audit log: who read, exported, changed or deleted what, and when.

Layout (audit table, partition = the seller the entry is about):

    sk = SEQ#<seq:012d>   one entry: seq, at, actor, action, resource, prev_hash, hash, expires_at
    sk = AUDITHEAD        the seller's chain head: newest seq and hash, a revision number, and
                          where the sweeper trimmed expired entries (trimmed_seq, trimmed_hash)

Appending is one DynamoDB transaction of two conditional puts: the new head (condition: the head's
revision is still the one read, or there is no head yet) and the new entry (condition: its key does
not exist). Two concurrent writers therefore never both win the same `seq`: the loser's transaction
is cancelled and it retries from the new head, so `seq` is gapless and strictly increasing per seller
and `at` never goes backwards (`at = max(now, head.at)`). Both operations are `PutItem`s: the API's
role needs no UpdateItem or DeleteItem on this table.

A log remembers the head it last wrote for each seller (a warm container serves one seller's
requests one after another), so its next append is the transaction alone, without reading the head
first. The head's condition names its revision and its hash: if anyone else appended, trimmed or
erased meanwhile, the transaction is cancelled and the append reads the head as usual. Every access
is still recorded; only a read the writer already knows the answer to is left out.

Entries expire `AUDIT_RETENTION` (400 days, > 12 months) after they were written. Expired entries
leave from the oldest end only: the sweeper (`trim_expired`) first records in the head the last entry
it removes, then deletes; `sellerflow audit verify` accepts a chain that starts right after that
record and nowhere else. The head expires with the newest entry. See `sellerflow.audit.chain`.
"""

from __future__ import annotations

import base64
import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from sellerflow.audit.chain import GENESIS_HASH, ChainEntry, ChainHead, VerifyResult, entry_hash, verify_chain
from sellerflow.audit.context import audited_action
from sellerflow.errors import AuditAppendConflict, InvalidInput
from sellerflow.observability import AUDIT_CHAIN_BROKEN, count
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.tables import SellerItem, table, transaction_connection

AUDIT_RETENTION = timedelta(days=400)
HEAD = "AUDITHEAD"
SEQ_PREFIX = "SEQ#"
MAX_APPEND_ATTEMPTS = 25
_REMEMBERED_HEADS = 10_000  # bounded: a warm container serves many sellers


def seq_key(seq: int) -> str:
    return f"{SEQ_PREFIX}{seq:012d}"


@table("audit")
class AuditEntryRecord(SellerItem):
    """SEQ#<seq:012d>: one entry of the chain (actor, action, resource, prev_hash: `ENTRIES`)."""

    seq = NumberAttribute()
    at = UTCDateTimeAttribute()
    entry_hash = UnicodeAttribute(attr_name="hash")
    expires_at = NumberAttribute()


@table("audit")
class AuditHeadRecord(SellerItem):
    # sk: AUDITHEAD
    seq = NumberAttribute()
    head_hash = UnicodeAttribute(attr_name="hash")
    at = UTCDateTimeAttribute()
    rev = NumberAttribute()
    trimmed_seq = NumberAttribute(default=0)
    trimmed_hash = UnicodeAttribute(default=GENESIS_HASH)
    expires_at = NumberAttribute()


@dataclass(frozen=True)
class AuditEntry:
    seller_id: str
    actor: str
    action: str
    resource: str
    at: datetime
    seq: int = 0
    hash: str = ""
    prev_hash: str = ""


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_token: str | None


def _utcnow() -> datetime:
    return datetime.now(UTC)


ENTRIES = RecordMapping(
    AuditEntry, AuditEntryRecord, sort_key=lambda e: seq_key(e.seq), renames={"entry_hash": "hash"}
)
CHAIN_ENTRIES = RecordMapping(
    ChainEntry,
    AuditEntryRecord,
    renames={"entry_hash": "hash"},
    read={"key_seq": lambda r: int(r.sk.removeprefix(SEQ_PREFIX))},
)
# The head's `seller_id` and `rev` (its version, for the conditional writes) are given when it is stored.
HEADS = RecordMapping(ChainHead, AuditHeadRecord, sort_key=lambda _: HEAD, renames={"head_hash": "hash"})


def encode_audit_token(seller_id: str, before_seq: int) -> str:
    payload = json.dumps({"s": seller_id, "b": before_seq}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_audit_token(token: str, seller_id: str) -> int:
    try:
        payload = json.loads(base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()))
        before = payload["b"]
        owner = payload["s"]
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("next_token is not a token this API issued") from None
    if owner != seller_id or not isinstance(before, int) or isinstance(before, bool) or before < 1:
        raise InvalidInput("next_token was issued for a different listing")
    return before


def _conflict(exc: Exception) -> bool:
    code = getattr(exc, "cause_response_code", None)
    return code in {"TransactionCanceledException", "ConditionalCheckFailedException"}


class AuditLog:
    """Data access for the audit table: append, read, verify, and the sweeper's trim. No update of
    an entry, ever."""

    def __init__(
        self,
        *,
        retention: timedelta = AUDIT_RETENTION,
        clock: Callable[[], datetime] = _utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._retention = retention
        self._clock = clock
        self._sleep = sleep
        self._heads: dict[str, AuditHeadRecord] = {}  # the head this log last wrote, per seller

    # --- append -------------------------------------------------------------------------------
    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> AuditEntry:
        """Append one entry to the seller's chain (retrying while other writers win the race)."""
        action = audited_action(seller_id, actor_sub, action)  # a break-glass read says so
        known = self._heads.pop(seller_id, None)
        if known is not None:  # the head this log wrote last: append without reading it first
            try:
                return self._append(seller_id, actor_sub, action, resource, known)
            except (TransactWriteError, PutError) as exc:
                if not _conflict(exc):
                    raise  # someone else moved the head: read it, as below
        for attempt in range(1, MAX_APPEND_ATTEMPTS + 1):
            head = self._head(seller_id)
            try:
                return self._append(seller_id, actor_sub, action, resource, head)
            except (TransactWriteError, PutError) as exc:
                if not _conflict(exc):
                    raise
                self._sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))
        raise AuditAppendConflict(f"audit append for seller {seller_id} lost {MAX_APPEND_ATTEMPTS} races")

    def _append(
        self, seller_id: str, actor: str, action: str, resource: str, head: AuditHeadRecord | None
    ) -> AuditEntry:
        now = self._clock().astimezone(UTC)
        condition: Condition
        if head is None:
            seq, prev_hash, at, trimmed_seq, trimmed_hash = self._restart(seller_id, now)
            condition = AuditHeadRecord.sk.does_not_exist()
            rev = 1
        else:
            seq, prev_hash = int(head.seq) + 1, head.head_hash
            at = max(now, head.at)
            trimmed_seq, trimmed_hash = int(head.trimmed_seq or 0), head.trimmed_hash or GENESIS_HASH
            # the revision and the hash: a head erased and begun again is never taken for this one
            condition = (AuditHeadRecord.rev == int(head.rev)) & (AuditHeadRecord.head_hash == head.head_hash)
            rev = int(head.rev) + 1
        digest = entry_hash(
            seller_id=seller_id,
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            resource=resource,
            prev_hash=prev_hash,
        )
        expires_at = int((at + self._retention).timestamp())
        appended = AuditEntry(
            seller_id=seller_id, actor=actor, action=action, resource=resource, at=at, seq=seq,
            hash=digest, prev_hash=prev_hash,
        )  # fmt: skip
        entry = ENTRIES.to_record(appended, expires_at=expires_at)
        new_head = HEADS.to_record(
            ChainHead(seq=seq, hash=digest, at=at, trimmed_seq=trimmed_seq, trimmed_hash=trimmed_hash),
            seller_id=seller_id,
            rev=rev,
            expires_at=expires_at,  # the head lives exactly as long as the newest entry
        )
        with TransactWrite(connection=transaction_connection(AuditHeadRecord)) as tx:
            tx.save(new_head, condition=condition)
            tx.save(entry, condition=AuditEntryRecord.sk.does_not_exist())
        if len(self._heads) >= _REMEMBERED_HEADS:
            self._heads.clear()
        self._heads[seller_id] = new_head
        return appended

    def _restart(self, seller_id: str, now: datetime) -> tuple[int, str, datetime, int, str]:
        """No head: a new chain, or one whose head expired (then the entries left behind are expired
        ones the sweeper has not removed yet: they count as trimmed). A head that vanished while
        live entries remain was deleted by someone: the chain continues, untrimmed, so that a
        verify still walks (and flags) what is left."""
        newest = next(
            AuditEntryRecord.query(
                seller_id,
                AuditEntryRecord.sk.startswith(SEQ_PREFIX),
                scan_index_forward=False,
                limit=1,
                consistent_read=True,
            ),
            None,
        )
        if newest is None:
            return 1, GENESIS_HASH, now, 0, GENESIS_HASH
        seq, digest, at = int(newest.seq) + 1, newest.entry_hash, max(now, newest.at)
        if int(newest.expires_at) <= int(now.timestamp()):
            return seq, digest, at, int(newest.seq), newest.entry_hash
        return seq, digest, at, 0, GENESIS_HASH

    @staticmethod
    def _head(seller_id: str) -> AuditHeadRecord | None:
        try:
            return AuditHeadRecord.get(seller_id, HEAD, consistent_read=True)
        except DoesNotExist:
            return None

    # --- read ---------------------------------------------------------------------------------
    def entries(self, seller_id: str, *, limit: int = 100, newest_first: bool = True) -> list[AuditEntry]:
        """One seller's most recent entries (expired entries TTL has not removed yet are skipped)."""
        now = int(self._clock().timestamp())
        found: list[AuditEntry] = []
        for record in AuditEntryRecord.query(
            seller_id, AuditEntryRecord.sk.startswith(SEQ_PREFIX), scan_index_forward=not newest_first
        ):
            if int(record.expires_at) <= now:
                continue
            found.append(ENTRIES.to_domain(record))
            if len(found) >= limit:
                break
        return found

    def page(
        self,
        seller_id: str,
        *,
        at_from: datetime | None = None,
        at_to: datetime | None = None,
        limit: int = 50,
        next_token: str | None = None,
    ) -> AuditPage:
        """Newest first, `at_from <= at <= at_to`, at most `limit` entries and a cursor for the rest.

        `at` grows with `seq`, so the walk stops at the first entry older than `at_from`."""
        now = int(self._clock().timestamp())
        before = decode_audit_token(next_token, seller_id) if next_token else None
        condition = (
            AuditEntryRecord.sk.between(seq_key(0), seq_key(before - 1))
            if before is not None
            else AuditEntryRecord.sk.startswith(SEQ_PREFIX)
        )
        found: list[AuditEntry] = []
        more = False
        for record in AuditEntryRecord.query(seller_id, condition, scan_index_forward=False, page_size=100):
            if at_from is not None and record.at < at_from:
                break
            if int(record.expires_at) <= now or (at_to is not None and record.at > at_to):
                continue
            if len(found) >= limit:
                more = True
                break
            found.append(ENTRIES.to_domain(record))
        token = encode_audit_token(seller_id, found[-1].seq) if more and found else None
        return AuditPage(entries=found, next_token=token)

    # --- verify -------------------------------------------------------------------------------
    def chain(self, seller_id: str) -> tuple[list[ChainEntry], ChainHead | None]:
        """Every stored entry (expired ones too) and the head, exactly as stored."""
        entries = CHAIN_ENTRIES.all(
            AuditEntryRecord.query(
                seller_id, AuditEntryRecord.sk.startswith(SEQ_PREFIX), consistent_read=True
            )
        )
        record = self._head(seller_id)
        head = None if record is None else HEADS.to_domain(record)
        return entries, head

    def verify(self, seller_id: str) -> VerifyResult:
        entries, head = self.chain(seller_id)
        result = verify_chain(seller_id, entries, head)
        if not result.ok:
            count(AUDIT_CHAIN_BROKEN)
        return result

    # --- the sweeper's trim -------------------------------------------------------------------
    def trim_expired(self, seller_id: str, *, now: datetime, limit: int) -> int:
        """Delete up to `limit` expired entries from the oldest end of the chain (the head first
        records the last one removed). The head goes only once no entry is left and it expired."""
        cutoff = int(now.timestamp())
        expired: list[AuditEntryRecord] = []
        for record in _oldest_first(seller_id):
            if int(record.expires_at) > cutoff or len(expired) >= limit:
                break
            expired.append(record)
        deleted = 0
        if expired:
            self._record_trim(seller_id, expired[-1])
            with AuditEntryRecord.batch_write() as batch:
                for record in expired:
                    batch.delete(record)
            deleted = len(expired)
        head = self._head(seller_id)
        if (
            head is not None
            and int(head.expires_at) <= cutoff
            and next(_oldest_first(seller_id), None) is None
        ):
            try:
                head.delete(condition=AuditHeadRecord.rev == int(head.rev))
                deleted += 1
            except Exception as exc:  # a writer appended meanwhile: the head lives on
                if not _conflict(exc):
                    raise
        return deleted

    def _record_trim(self, seller_id: str, last: AuditEntryRecord) -> None:
        for _ in range(MAX_APPEND_ATTEMPTS):
            head = self._head(seller_id)
            if head is None or int(head.trimmed_seq or 0) >= int(last.seq):
                return
            try:
                head.update(
                    actions=[
                        AuditHeadRecord.trimmed_seq.set(int(last.seq)),
                        AuditHeadRecord.trimmed_hash.set(last.entry_hash),
                        AuditHeadRecord.rev.set(int(head.rev) + 1),
                    ],
                    condition=AuditHeadRecord.rev == int(head.rev),
                )
                return
            except UpdateError as exc:
                if not _conflict(exc):
                    raise
        raise AuditAppendConflict(f"could not record the audit trim of seller {seller_id}")


def _oldest_first(seller_id: str) -> Iterator[AuditEntryRecord]:
    return iter(
        AuditEntryRecord.query(
            seller_id,
            AuditEntryRecord.sk.startswith(SEQ_PREFIX),
            scan_index_forward=True,
            consistent_read=True,
        )
    )
