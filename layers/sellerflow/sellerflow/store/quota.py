"""The application-wide quota ledger, in the SELLERS table under one partition per quota.

    QUOTA#<name> / SLOT            the last slot granted (time, seller) and the UTC day's count
    QUOTA#<name> / LINE#<seller>   a seller in line: since when it waits, when it was last served

The slot is taken by one conditional UpdateItem (enough time since the last one, and the day's count
below the cap), so two syncs racing for one slot cannot both win. The rule itself is the domain's
(`sellerflow.sync.quota.slot_is_free`); the condition here is its atomic form.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError

from sellerflow.domain import QuotaSlot, QuotaWaiting
from sellerflow.store.tables import SellerItem, condition_failed, table

SLOT_KEY = "SLOT"
LINE_PREFIX = "LINE#"


@table("sellers")
class QuotaSlotRecord(SellerItem):
    """QUOTA#<name> / SLOT."""

    # Application-wide: the partition is a quota shared by all sellers, not a seller, so it is read and
    # written with the function's own role even while a sync task acts for one seller.
    tenant_scoped = False

    last_granted = NumberAttribute(null=True)  # epoch seconds of the last slot granted
    last_seller = UnicodeAttribute(null=True)
    day = UnicodeAttribute(null=True)  # YYYY-MM-DD (UTC) that day_count counts
    day_count = NumberAttribute(null=True)


@table("sellers")
class QuotaLineRecord(SellerItem):
    """QUOTA#<name> / LINE#<seller>."""

    tenant_scoped = False  # the line is the quota's partition (every seller waiting), as the slot

    wanted_since = UTCDateTimeAttribute(null=True)
    asked_at = UTCDateTimeAttribute(null=True)
    last_served = UTCDateTimeAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # DynamoDB TTL: LINE_TTL after the last write


LINE_TTL = timedelta(days=30)  # a seller that stopped asking leaves the line


def _line_expiry(now: datetime) -> int:
    return int((now + LINE_TTL).timestamp())


def quota_partition(quota: str) -> str:
    return f"QUOTA#{quota}"


class QuotaStore:
    """`sellerflow.sync.quota.QuotaLedger` on DynamoDB."""

    def slot(self, quota: str) -> QuotaSlot:
        try:
            record = QuotaSlotRecord.get(quota_partition(quota), SLOT_KEY, consistent_read=True)
        except DoesNotExist:
            return QuotaSlot()
        granted = record.last_granted
        return QuotaSlot(
            last_granted=datetime.fromtimestamp(granted, UTC) if granted is not None else None,
            day=record.day,
            day_count=int(record.day_count or 0),
        )

    def want(self, quota: str, seller_id: str, now: datetime) -> None:
        record = QuotaLineRecord(seller_id=quota_partition(quota), sk=f"{LINE_PREFIX}{seller_id}")
        # Keep the first wish: waiting longer must not push a seller back in line.
        record.update(
            actions=[
                QuotaLineRecord.wanted_since.set(QuotaLineRecord.wanted_since | now),
                QuotaLineRecord.asked_at.set(now),
                QuotaLineRecord.expires_at.set(_line_expiry(now)),
            ]
        )

    def line(self, quota: str) -> list[QuotaWaiting]:
        records = QuotaLineRecord.query(
            quota_partition(quota), QuotaLineRecord.sk.startswith(LINE_PREFIX), consistent_read=True
        )
        return [
            QuotaWaiting(
                seller_id=r.sk.removeprefix(LINE_PREFIX),
                wanted_since=r.wanted_since,
                asked_at=r.asked_at,
                last_served=r.last_served,
            )
            for r in records
        ]

    def take_slot(
        self, quota: str, seller_id: str, now: datetime, *, spacing: timedelta, per_day: int
    ) -> bool:
        """One conditional write per case: the same UTC day (count below the cap) or a new day."""
        stamp = int(now.timestamp())
        latest_allowed = stamp - int(spacing.total_seconds())
        spaced = QuotaSlotRecord.last_granted.does_not_exist() | (
            QuotaSlotRecord.last_granted <= latest_allowed
        )
        today = now.astimezone(UTC).strftime("%Y-%m-%d")  # the UTC day (sync.quota.day_key)
        record = QuotaSlotRecord(seller_id=quota_partition(quota), sk=SLOT_KEY)
        same_day = spaced & (QuotaSlotRecord.day == today) & (QuotaSlotRecord.day_count < per_day)
        new_day = spaced & (QuotaSlotRecord.day.does_not_exist() | (QuotaSlotRecord.day != today))
        granted = [QuotaSlotRecord.last_granted.set(stamp), QuotaSlotRecord.last_seller.set(seller_id)]
        for condition, count in (
            (same_day, QuotaSlotRecord.day_count.add(1)),
            (new_day, QuotaSlotRecord.day_count.set(1)),
        ):
            try:
                record.update(actions=[*granted, QuotaSlotRecord.day.set(today), count], condition=condition)
            except UpdateError as exc:
                if condition_failed(exc):
                    continue
                raise
            return True
        return False

    def served(self, quota: str, seller_id: str, now: datetime) -> None:
        QuotaLineRecord(seller_id=quota_partition(quota), sk=f"{LINE_PREFIX}{seller_id}").update(
            actions=[
                QuotaLineRecord.last_served.set(now),
                QuotaLineRecord.wanted_since.remove(),
                QuotaLineRecord.expires_at.set(_line_expiry(now)),
            ]
        )

    def withdraw(self, quota: str, seller_id: str) -> None:
        # Only a seller already in line: an update of a missing item would create one with no expiry.
        try:
            QuotaLineRecord(seller_id=quota_partition(quota), sk=f"{LINE_PREFIX}{seller_id}").update(
                actions=[QuotaLineRecord.wanted_since.remove()], condition=QuotaLineRecord.sk.exists()
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
