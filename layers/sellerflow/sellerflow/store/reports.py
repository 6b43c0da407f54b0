"""Report bookkeeping in the sellers table: which report was asked for, how it went, what it gave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from sellerflow.domain import ReportCarry, ReportState
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.tables import SellerItem, condition_failed, table

RETENTION = timedelta(days=540)


@table("sellers")
class ReportRecord(SellerItem):
    # sk: REPORT#<type>#<marketplace>#<window key> | SETTLEMENTDOC#<reportId>
    report_type = UnicodeAttribute()
    marketplace_id = UnicodeAttribute(null=True)
    window_start = UTCDateTimeAttribute(null=True)
    window_end = UTCDateTimeAttribute(null=True)
    report_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute(
        null=True
    )  # IN_QUEUE | IN_PROGRESS | DONE | CANCELLED | FATAL | TIMED_OUT | INGESTED | FAILED
    requested_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)
    document_id = UnicodeAttribute(null=True)
    ingested_at = UTCDateTimeAttribute(null=True)
    rows = NumberAttribute(null=True)
    rejected = NumberAttribute(null=True)
    errors = ListAttribute[str](null=True)  # first row errors: report, line, column, reason (never values)
    undecodable = NumberAttribute(null=True)  # rows rejected because their bytes are not valid in `encoding`
    encoding = UnicodeAttribute(null=True)  # the codec the document was read with
    cooldown_until = UTCDateTimeAttribute(null=True)
    # The document one ingestion has claimed, and until when (epoch s): the workflow's download and a
    # REPORT_PROCESSING_FINISHED notification may reach the same document at once; one reads it.
    ingest_claim = UnicodeAttribute(null=True)
    ingest_claimed_until = NumberAttribute(null=True)
    # Who holds the claim when it is a workflow execution: its Retry of a task that died (a runtime
    # gone, a timeout) takes the claim back at once instead of waiting out the lease.
    ingest_claimant = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()


CARRY_KEY = "REPORTCARRY"
# A carry nobody advanced for this long is stale (the seller stopped syncing); the next plan starts over
# from the report records, which keep every request (`ReportBook`).
CARRY_TTL = timedelta(days=3)


@table("sellers")
class ReportCarryRecord(SellerItem):
    """REPORTCARRY: the reports an hourly run left for the next one (sellerflow.sync.carry)."""

    planned_at = UTCDateTimeAttribute(null=True)
    body = UnicodeAttribute()  # the carried jobs as JSON: keys, report and document ids, statuses (no PII)
    updated_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()  # epoch seconds; DynamoDB TTL (rewritten by every run)


def report_key(report_type: str, marketplace_id: str, window_key: str) -> str:
    return f"REPORT#{report_type}#{marketplace_id}#{window_key}"


def settlement_key(report_id: str) -> str:
    return f"SETTLEMENTDOC#{report_id}"


def _not_ingested(document_id: str) -> Any:
    """The record does not hold this very document INGESTED (the condition of DONE and of a claim)."""
    return (
        ReportRecord.status.does_not_exist()
        | (ReportRecord.status != "INGESTED")
        | ReportRecord.document_id.does_not_exist()
        | (ReportRecord.document_id != document_id)
    )


# Read only: a report's item is written in steps (requested, finished, ingested), each its own update.
REPORT_STATES = RecordMapping(ReportState, ReportRecord, read={"key": lambda r: r.sk})


class ReportStore:
    def carry(self, seller_id: str) -> ReportCarry | None:
        try:
            record = ReportCarryRecord.get(seller_id, CARRY_KEY, consistent_read=True)
        except DoesNotExist:
            return None
        return ReportCarry(seller_id=seller_id, planned_at=record.planned_at, body=record.body)

    def keep_carry(self, carry: ReportCarry, *, now: datetime) -> None:
        ReportCarryRecord(
            seller_id=carry.seller_id,
            sk=CARRY_KEY,
            planned_at=carry.planned_at,
            body=carry.body,
            updated_at=now,
            expires_at=int((now + CARRY_TTL).timestamp()),
        ).save()

    def get(self, seller_id: str, key: str) -> ReportState | None:
        try:
            return REPORT_STATES.to_domain(ReportRecord.get(seller_id, key, consistent_read=True))
        except DoesNotExist:
            return None

    def all(self, seller_id: str, prefix: str = "REPORT#") -> list[ReportState]:
        return REPORT_STATES.all(ReportRecord.query(seller_id, ReportRecord.sk.startswith(prefix)))

    def requested(
        self,
        seller_id: str,
        key: str,
        *,
        report_type: str,
        marketplace_id: str | None,
        window: tuple[datetime, datetime] | None,
        report_id: str,
        status: str = "IN_QUEUE",
    ) -> None:
        now = datetime.now(UTC)
        ReportRecord(
            seller_id=seller_id,
            sk=key,
            report_type=report_type,
            marketplace_id=marketplace_id,
            window_start=window[0] if window else None,
            window_end=window[1] if window else None,
            report_id=report_id,
            status=status,
            requested_at=now,
            expires_at=int((now + RETENTION).timestamp()),
        ).save()

    def finished(
        self,
        seller_id: str,
        key: str,
        *,
        status: str,
        document_id: str | None = None,
        cooldown_until: datetime | None = None,
    ) -> None:
        actions: list[Action] = [
            ReportRecord.status.set(status),
            ReportRecord.finished_at.set(datetime.now(UTC)),
        ]
        if document_id:
            actions.append(ReportRecord.document_id.set(document_id))
        if cooldown_until:
            actions.append(ReportRecord.cooldown_until.set(cooldown_until))
        if not (status == "DONE" and document_id):
            ReportRecord(seller_id=seller_id, sk=key).update(actions=actions)
            return
        # DONE never overwrites the same document INGESTED (the other path may have got there first).
        not_ingested = _not_ingested(document_id)
        try:
            ReportRecord(seller_id=seller_id, sk=key).update(actions=actions, condition=not_ingested)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise

    def claim_ingest(
        self,
        seller_id: str,
        key: str,
        *,
        report_type: str,
        document_id: str,
        now: datetime,
        lease: timedelta,
        claimant: str | None = None,
    ) -> bool:
        """Claim one document for ingestion: refused when that very document is ingested already or
        another ingestion holds it and its lease has not run out. One conditional write, so of two
        racing ingestions exactly one reads the document. A `claimant` (the workflow execution) gets
        back a claim it holds itself: its earlier attempt died, it is not reading any more."""
        stamp = int(now.timestamp())
        not_ingested = _not_ingested(document_id)
        free = (
            ReportRecord.ingest_claim.does_not_exist()
            | (ReportRecord.ingest_claim != document_id)
            | (ReportRecord.ingest_claimed_until <= stamp)
        )
        if claimant is not None:
            free = free | (ReportRecord.ingest_claimant == claimant)
        try:
            self._update(
                seller_id,
                key,
                report_type,
                [
                    ReportRecord.ingest_claim.set(document_id),
                    ReportRecord.ingest_claimed_until.set(stamp + int(lease.total_seconds())),
                    ReportRecord.ingest_claimant.set(claimant)
                    if claimant is not None
                    else ReportRecord.ingest_claimant.remove(),
                ],
                condition=not_ingested & free,
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def release_ingest(self, seller_id: str, key: str, document_id: str) -> None:
        """Give a claim back (the ingestion stopped on an error): a retry may claim it at once."""
        try:
            ReportRecord(seller_id=seller_id, sk=key).update(
                actions=[
                    ReportRecord.ingest_claim.remove(),
                    ReportRecord.ingest_claimed_until.remove(),
                    ReportRecord.ingest_claimant.remove(),
                ],
                condition=ReportRecord.ingest_claim == document_id,
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise

    def ingested(
        self,
        seller_id: str,
        key: str,
        *,
        rows: int,
        rejected: int,
        errors: list[str],
        report_type: str,
        undecodable: int = 0,
        encoding: str | None = None,
    ) -> None:
        actions: list[Action] = [
            ReportRecord.status.set("INGESTED"),
            ReportRecord.ingested_at.set(datetime.now(UTC)),
            ReportRecord.rows.set(rows),
            ReportRecord.rejected.set(rejected),
            ReportRecord.errors.set(errors[:20]),
            ReportRecord.undecodable.set(undecodable),
            ReportRecord.ingest_claim.remove(),
            ReportRecord.ingest_claimed_until.remove(),
            ReportRecord.ingest_claimant.remove(),
        ]
        if encoding:
            actions.append(ReportRecord.encoding.set(encoding))
        self._update(seller_id, key, report_type, actions)

    def failed(self, seller_id: str, key: str, *, report_type: str, reason: str) -> None:
        """The document could not be read (a typed report error, `reason` names no cell's value)."""
        self._update(
            seller_id,
            key,
            report_type,
            [
                ReportRecord.status.set("FAILED"),
                ReportRecord.finished_at.set(datetime.now(UTC)),
                ReportRecord.errors.set([reason]),
                ReportRecord.ingest_claim.remove(),
                ReportRecord.ingest_claimed_until.remove(),
                ReportRecord.ingest_claimant.remove(),
            ],
        )

    @staticmethod
    def _update(
        seller_id: str, key: str, report_type: str, actions: list[Action], condition: Any = None
    ) -> None:
        expires_at = int((datetime.now(UTC) + RETENTION).timestamp())
        ReportRecord(seller_id=seller_id, sk=key).update(
            actions=[
                # A listed settlement document has no record until it is ingested: create it whole.
                ReportRecord.report_type.set(ReportRecord.report_type | report_type),
                ReportRecord.expires_at.set(ReportRecord.expires_at | expires_at),
                *actions,
            ],
            condition=condition,
        )
