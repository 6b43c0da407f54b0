"""Report bookkeeping in the sellers table: which report was asked for, how it went, what it gave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from sellerflow.domain import ReportState
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.tables import SellerItem, table

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
    expires_at = NumberAttribute()


def report_key(report_type: str, marketplace_id: str, window_key: str) -> str:
    return f"REPORT#{report_type}#{marketplace_id}#{window_key}"


def settlement_key(report_id: str) -> str:
    return f"SETTLEMENTDOC#{report_id}"


# Read only: a report's item is written in steps (requested, finished, ingested), each its own update.
REPORT_STATES = RecordMapping(ReportState, ReportRecord, read={"key": lambda r: r.sk})


class ReportStore:
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
        ReportRecord(seller_id=seller_id, sk=key).update(actions=actions)

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
            ],
        )

    @staticmethod
    def _update(seller_id: str, key: str, report_type: str, actions: list[Action]) -> None:
        expires_at = int((datetime.now(UTC) + RETENTION).timestamp())
        ReportRecord(seller_id=seller_id, sk=key).update(
            actions=[
                # A listed settlement document has no record until it is ingested: create it whole.
                ReportRecord.report_type.set(ReportRecord.report_type | report_type),
                ReportRecord.expires_at.set(ReportRecord.expires_at | expires_at),
                *actions,
            ]
        )
