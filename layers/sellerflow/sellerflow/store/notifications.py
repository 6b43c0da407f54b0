"""Push notifications in the SELLERS table (control data, never Amazon's payload):

SUBSCRIPTION#<notification type>   the seller's subscription to one type (Amazon's subscription id)
NOTIFICATION#<notification id>     one notification Sellerflow received: the idempotency record.
                                   A conditional update claims it (new, failed before, or a claim
                                   whose worker died); applied | ignored | rejected settle it.
                                   Expires after `retention` (well past SQS's 4-day retention, so
                                   a redelivered duplicate always finds it).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import UpdateError

from sellerflow.amazon.notifications import NotificationType, Subscription
from sellerflow.store.tables import SellerItem, condition_failed, table

SUBSCRIPTION_PREFIX = "SUBSCRIPTION#"
NOTIFICATION_PREFIX = "NOTIFICATION#"
PROCESSING = "processing"
FAILED = "failed"
# A claim older than this whose worker never settled it (the Lambda timed out or died) may be retaken.
STALE_CLAIM = timedelta(minutes=5)


@table("sellers")
class SubscriptionRecord(SellerItem):
    # sk: SUBSCRIPTION#<notification type>
    notification_type = UnicodeAttribute()
    subscription_id = UnicodeAttribute()
    destination_id = UnicodeAttribute()
    payload_version = UnicodeAttribute()
    subscribed_at = UTCDateTimeAttribute()


@table("sellers")
class NotificationRecord(SellerItem):
    # sk: NOTIFICATION#<notification id>
    notification_type = UnicodeAttribute()
    status = UnicodeAttribute()  # processing | applied | ignored | rejected | failed
    outcome = UnicodeAttribute(null=True)  # what was done, in a few words (ids and counts, never PII)
    attempts = NumberAttribute()
    received_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()  # epoch seconds; the table's TTL


class SubscriptionStore:
    def put(self, seller_id: str, notification_type: NotificationType, subscription: Subscription) -> None:
        SubscriptionRecord(
            seller_id=seller_id,
            sk=f"{SUBSCRIPTION_PREFIX}{notification_type.value}",
            notification_type=notification_type.value,
            subscription_id=subscription.subscription_id,
            destination_id=subscription.destination_id,
            payload_version=subscription.payload_version,
            subscribed_at=datetime.now(UTC),
        ).save()

    def subscriptions(self, seller_id: str) -> dict[NotificationType, Subscription]:
        found: dict[NotificationType, Subscription] = {}
        for record in SubscriptionRecord.query(
            seller_id, SubscriptionRecord.sk.startswith(SUBSCRIPTION_PREFIX)
        ):
            found[NotificationType(record.notification_type)] = Subscription.model_validate(
                {
                    "subscriptionId": record.subscription_id,
                    "destinationId": record.destination_id,
                    "payloadVersion": record.payload_version,
                }
            )
        return found

    def forget(self, seller_id: str, notification_type: NotificationType) -> None:
        SubscriptionRecord(seller_id=seller_id, sk=f"{SUBSCRIPTION_PREFIX}{notification_type.value}").delete()


class NotificationLedger:
    def __init__(self, *, retention: timedelta = timedelta(days=14)) -> None:
        self._retention = retention

    def claim(
        self, seller_id: str, notification_id: str, notification_type: str, *, now: datetime | None = None
    ) -> bool:
        """Claim the notification for this worker; False when it was handled or is being handled."""
        at = now or datetime.now(UTC)
        record = NotificationRecord(seller_id=seller_id, sk=f"{NOTIFICATION_PREFIX}{notification_id}")
        try:
            record.update(
                actions=[
                    NotificationRecord.notification_type.set(notification_type),
                    NotificationRecord.status.set(PROCESSING),
                    NotificationRecord.attempts.add(1),
                    NotificationRecord.received_at.set(NotificationRecord.received_at | at),
                    NotificationRecord.updated_at.set(at),
                    NotificationRecord.expires_at.set(int((at + self._retention).timestamp())),
                ],
                condition=NotificationRecord.sk.does_not_exist()
                | (NotificationRecord.status == FAILED)
                | (
                    (NotificationRecord.status == PROCESSING)
                    & (NotificationRecord.updated_at < at - STALE_CLAIM)
                ),
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def settle(
        self, seller_id: str, notification_id: str, status: str, outcome: str, *, now: datetime | None = None
    ) -> None:
        """Record how the claimed notification ended (`failed` lets a redelivery claim it again)."""
        NotificationRecord(seller_id=seller_id, sk=f"{NOTIFICATION_PREFIX}{notification_id}").update(
            actions=[
                NotificationRecord.status.set(status),
                NotificationRecord.outcome.set(outcome[:200]),
                NotificationRecord.updated_at.set(now or datetime.now(UTC)),
            ]
        )

    def statuses(self, seller_id: str) -> Counter[str]:
        """How many of the seller's notifications ended each way (applied, ignored, ...)."""
        return Counter(
            record.status
            for record in NotificationRecord.query(
                seller_id, NotificationRecord.sk.startswith(NOTIFICATION_PREFIX), consistent_read=True
            )
        )
