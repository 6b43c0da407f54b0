"""Alert rules, recipients, sent alerts and their deliveries, in the SELLERS table (control data).

    ALERTRULE#<kind>              one rule of the seller (the owner's settings)
    ALERTRCPT#<+E164>             one WhatsApp recipient: opted in, or opted out for good
    ALERT#<alert id>              one alert: the de-duplication record (a conditional put claims it),
                                  held | publishing | published; expires after the retention
    ALERTDLV#<alert id>#<+E164>   one WhatsApp message of an alert: Twilio's sid and status

Every key begins with the seller (the table's partition key), like the rest of the table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from pydantic import TypeAdapter
from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from sellerflow.alerts.content import AlertContent, AlertKind
from sellerflow.alerts.model import (
    Alert,
    AlertRule,
    AlertRules,
    AlertStatus,
    AlertView,
    Delivery,
    DeliveryStatus,
    Recipient,
    default_rules,
)
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.tables import SellerItem, condition_failed, table

RULE_PREFIX = "ALERTRULE#"
RECIPIENT_PREFIX = "ALERTRCPT#"
ALERT_PREFIX = "ALERT#"
DELIVERY_PREFIX = "ALERTDLV#"
# AlertContent is an Annotated union, not a class: mypy's view of it as an argument depends on its
# cache state, so it goes in as Any and the annotation carries the type.
_CONTENT: TypeAdapter[AlertContent] = TypeAdapter(cast(Any, AlertContent))


@table("sellers")
class AlertRuleRecord(SellerItem):
    # sk: ALERTRULE#<kind>
    kind = UnicodeAttribute()
    rule = UnicodeAttribute()  # the AlertRule as JSON (validated on read and write)
    updated_at = UTCDateTimeAttribute()


@table("sellers")
class AlertRecipientRecord(SellerItem):
    # sk: ALERTRCPT#<+E164>
    phone = UnicodeAttribute()
    opted_in = BooleanAttribute()
    opted_out_at = UTCDateTimeAttribute(null=True)
    opted_out_reason = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute()


@table("sellers")
class AlertRecord(SellerItem):
    # sk: ALERT#<alert id>
    alert_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    scope = UnicodeAttribute()
    period = UnicodeAttribute()
    status = UnicodeAttribute()
    content = UnicodeAttribute()  # the typed content as JSON (figures, SKUs, ASINs, dates only)
    created_at = UTCDateTimeAttribute()
    claimed_at = UTCDateTimeAttribute(null=True)
    sent_at = UTCDateTimeAttribute(null=True)
    expires_at = NumberAttribute()


@table("sellers")
class AlertDeliveryRecord(SellerItem):
    # sk: ALERTDLV#<alert id>#<+E164>
    alert_id = UnicodeAttribute()
    phone = UnicodeAttribute()
    status = UnicodeAttribute()
    message_sid = UnicodeAttribute(null=True)
    provider_status = UnicodeAttribute(null=True)
    error_code = NumberAttribute(null=True)
    attempts = NumberAttribute(default=0)
    updated_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


# Recipients and deliveries are the seller's: `seller_id` is given when one is stored.
RECIPIENTS = RecordMapping(Recipient, AlertRecipientRecord, sort_key=lambda r: f"{RECIPIENT_PREFIX}{r.phone}")
DELIVERIES = RecordMapping(
    Delivery, AlertDeliveryRecord, sort_key=lambda d: f"{DELIVERY_PREFIX}{d.alert_id}#{d.phone}"
)


class AlertStore:
    """Data access for the alerts' items of the sellers table."""

    def __init__(self, *, retention: timedelta = timedelta(days=90)) -> None:
        self._retention = retention

    # --- rules ---------------------------------------------------------------------------------
    def rules(self, seller_id: str, marketplace_ids: Iterable[str]) -> AlertRules:
        """The seller's rules; a kind the owner never set has its default."""
        stored = {
            r.kind: AlertRule.model_validate_json(r.rule)
            for r in AlertRuleRecord.query(seller_id, AlertRuleRecord.sk.startswith(RULE_PREFIX))
        }
        defaults = default_rules(tuple(marketplace_ids))
        return AlertRules(rules=tuple(stored.get(d.kind.value, d) for d in defaults.rules))

    def put_rules(self, seller_id: str, rules: AlertRules, *, now: datetime | None = None) -> None:
        at = _now(now)
        for rule in rules.rules:  # PutItem only: the API role may put, never update or delete
            AlertRuleRecord(
                seller_id=seller_id,
                sk=f"{RULE_PREFIX}{rule.kind.value}",
                kind=rule.kind.value,
                rule=rule.model_dump_json(),
                updated_at=at,
            ).save()

    # --- recipients ----------------------------------------------------------------------------
    def recipients(self, seller_id: str) -> list[Recipient]:
        return RECIPIENTS.all(
            AlertRecipientRecord.query(seller_id, AlertRecipientRecord.sk.startswith(RECIPIENT_PREFIX))
        )

    def put_recipient(self, seller_id: str, recipient: Recipient, *, now: datetime | None = None) -> None:
        RECIPIENTS.to_record(recipient, seller_id=seller_id, updated_at=_now(now)).save()

    def mark_opted_out(self, seller_id: str, phone: str, *, reason: str, now: datetime | None = None) -> None:
        """The number unsubscribed (replied STOP; Twilio 21610): never messaged again."""
        at = _now(now)
        AlertRecipientRecord(seller_id=seller_id, sk=f"{RECIPIENT_PREFIX}{phone}").update(
            actions=[
                AlertRecipientRecord.phone.set(phone),
                AlertRecipientRecord.opted_in.set(False),
                AlertRecipientRecord.opted_out_at.set(at),
                AlertRecipientRecord.opted_out_reason.set(reason),
                AlertRecipientRecord.updated_at.set(at),
            ]
        )

    def _recipients_with(self, phone: str) -> list[AlertRecipientRecord]:
        """Every seller's recipient record of this number: a filtered scan (DynamoDB filters, so only
        those records come back). Only an inbound STOP/START needs it, and it is rare."""
        return list(AlertRecipientRecord.scan(AlertRecipientRecord.sk == f"{RECIPIENT_PREFIX}{phone}"))

    def opt_out_everywhere(self, phone: str, *, reason: str, now: datetime) -> int:
        """The number replied STOP: opted out for every seller that lists it, never messaged again."""
        found = self._recipients_with(phone)
        for record in found:
            self.mark_opted_out(record.seller_id, phone, reason=reason, now=now)
        return len(found)

    def opt_in_everywhere(self, phone: str, *, reason: str, now: datetime) -> int:
        """The number replied START: opted in again wherever it had opted out itself (`reason`)."""
        changed = 0
        for record in self._recipients_with(phone):
            if record.opted_out_reason != reason:
                continue  # an owner's own opt-out is the owner's to undo
            RECIPIENTS.to_record(
                Recipient(phone=phone, opted_in=True), seller_id=record.seller_id, updated_at=_now(now)
            ).save()
            changed += 1
        return changed

    # --- alerts (de-duplication and quiet hours) -----------------------------------------------
    def claim(self, alert: Alert, status: AlertStatus, *, now: datetime | None = None) -> bool:
        """Record a new alert (held or publishing); False when the same alert exists already."""
        at = _now(now)
        try:
            AlertRecord(
                seller_id=alert.seller_id,
                sk=f"{ALERT_PREFIX}{alert.alert_id}",
                alert_id=alert.alert_id,
                kind=alert.kind.value,
                scope=alert.scope,
                period=alert.period,
                status=status.value,
                content=_CONTENT.dump_json(alert.content).decode(),
                created_at=at,
                claimed_at=at if status is AlertStatus.PUBLISHING else None,
                expires_at=int((at + self._retention).timestamp()),
            ).save(condition=AlertRecord.sk.does_not_exist())
        except PutError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def reclaim(
        self, seller_id: str, alert_id: str, *, status: AlertStatus, claimed_at: datetime | None,
        now: datetime | None = None,
    ) -> bool:  # fmt: skip
        """Take over a held alert (quiet hours ended) or a stale publishing claim; one caller wins."""
        condition = AlertRecord.status == status.value
        if claimed_at is not None:
            condition &= AlertRecord.claimed_at == claimed_at
        try:
            AlertRecord(seller_id=seller_id, sk=f"{ALERT_PREFIX}{alert_id}").update(
                actions=[
                    AlertRecord.status.set(AlertStatus.PUBLISHING.value),
                    AlertRecord.claimed_at.set(_now(now)),
                ],
                condition=condition,
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def mark_published(self, seller_id: str, alert_id: str, *, now: datetime | None = None) -> None:
        AlertRecord(seller_id=seller_id, sk=f"{ALERT_PREFIX}{alert_id}").update(
            actions=[AlertRecord.status.set(AlertStatus.PUBLISHED.value), AlertRecord.sent_at.set(_now(now))]
        )

    def pending(self, seller_id: str) -> list[tuple[Alert, AlertStatus, datetime | None]]:
        """Alerts not yet published: held ones and publishing claims (with their claim time)."""
        found: list[tuple[Alert, AlertStatus, datetime | None]] = []
        for r in AlertRecord.query(
            seller_id,
            AlertRecord.sk.startswith(ALERT_PREFIX),
            filter_condition=AlertRecord.status != AlertStatus.PUBLISHED.value,
        ):
            found.append((self._alert(r, channels=None), AlertStatus(r.status), r.claimed_at))
        return found

    def status_of(self, seller_id: str, alert_id: str) -> tuple[AlertStatus, datetime | None] | None:
        try:
            r = AlertRecord.get(seller_id, f"{ALERT_PREFIX}{alert_id}", consistent_read=True)
        except DoesNotExist:
            return None
        return AlertStatus(r.status), r.claimed_at

    @staticmethod
    def _alert(r: AlertRecord, channels: object) -> Alert:
        return Alert.model_validate_json(
            json.dumps(
                {
                    "seller_id": r.seller_id,
                    "kind": r.kind,
                    "scope": r.scope,
                    "period": r.period,
                    "content": json.loads(r.content),
                    "channels": channels or ["sns", "whatsapp"],
                }
            )
        )

    def alerts(self, seller_id: str, *, limit: int = 100) -> list[AlertView]:
        """The seller's alerts, newest first, with their deliveries."""
        deliveries: dict[str, list[Delivery]] = {}
        for d in AlertDeliveryRecord.query(seller_id, AlertDeliveryRecord.sk.startswith(DELIVERY_PREFIX)):
            deliveries.setdefault(d.alert_id, []).append(DELIVERIES.to_domain(d))
        views = []
        for r in AlertRecord.query(seller_id, AlertRecord.sk.startswith(ALERT_PREFIX)):
            content = _CONTENT.validate_json(r.content)
            views.append(
                AlertView(
                    alert_id=r.alert_id,
                    kind=AlertKind(r.kind),
                    scope=r.scope,
                    period=r.period,
                    status=AlertStatus(r.status),
                    created_at=r.created_at,
                    sent_at=r.sent_at,
                    summary=content.summary(),
                    deliveries=tuple(deliveries.get(r.alert_id, ())),
                )
            )
        views.sort(key=lambda v: v.created_at, reverse=True)
        return views[:limit]

    # --- deliveries (the WhatsApp sender) ------------------------------------------------------
    def delivery(self, seller_id: str, alert_id: str, phone: str) -> Delivery | None:
        try:
            return DELIVERIES.to_domain(
                AlertDeliveryRecord.get(
                    seller_id, f"{DELIVERY_PREFIX}{alert_id}#{phone}", consistent_read=True
                )
            )
        except DoesNotExist:
            return None

    def claim_delivery(
        self, seller_id: str, alert_id: str, phone: str, *, now: datetime | None = None
    ) -> bool:
        """Claim one message (new, a failed attempt to retry, or a claim whose sender died before
        recording an outcome); False when it is sent or still in flight."""
        at = _now(now)
        record = AlertDeliveryRecord(seller_id=seller_id, sk=f"{DELIVERY_PREFIX}{alert_id}#{phone}")
        try:
            record.update(
                actions=[
                    AlertDeliveryRecord.alert_id.set(alert_id),
                    AlertDeliveryRecord.phone.set(phone),
                    AlertDeliveryRecord.status.set(DeliveryStatus.SENDING.value),
                    AlertDeliveryRecord.attempts.add(1),
                    AlertDeliveryRecord.updated_at.set(at),
                    AlertDeliveryRecord.expires_at.set(int((at + self._retention).timestamp())),
                ],
                condition=AlertDeliveryRecord.sk.does_not_exist()
                | (AlertDeliveryRecord.status == DeliveryStatus.FAILED.value)
                | (
                    (AlertDeliveryRecord.status == DeliveryStatus.SENDING.value)
                    & (AlertDeliveryRecord.updated_at < at - STALE_DELIVERY_CLAIM)
                ),
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def record_delivery(
        self, seller_id: str, alert_id: str, phone: str, status: DeliveryStatus, *,
        message_sid: str | None = None, provider_status: str | None = None, error_code: int | None = None,
        now: datetime | None = None,
    ) -> None:  # fmt: skip
        AlertDeliveryRecord(seller_id=seller_id, sk=f"{DELIVERY_PREFIX}{alert_id}#{phone}").update(
            actions=[
                AlertDeliveryRecord.status.set(status.value),
                AlertDeliveryRecord.message_sid.set(message_sid) if message_sid else AlertDeliveryRecord.message_sid.remove(),
                AlertDeliveryRecord.provider_status.set(provider_status) if provider_status else AlertDeliveryRecord.provider_status.remove(),
                AlertDeliveryRecord.error_code.set(error_code) if error_code is not None else AlertDeliveryRecord.error_code.remove(),
                AlertDeliveryRecord.updated_at.set(_now(now)),
            ]
        )  # fmt: skip

    def record_provider_status(
        self, seller_id: str, alert_id: str, phone: str, provider_status: str, *,
        error_code: int | None, now: datetime,
    ) -> None:  # fmt: skip
        """Twilio's later status of a sent message (its status callback); the record must exist."""
        actions: list[Action] = [
            AlertDeliveryRecord.provider_status.set(provider_status[:32]),
            AlertDeliveryRecord.updated_at.set(_now(now)),
        ]
        if error_code is not None:
            actions.append(AlertDeliveryRecord.error_code.set(error_code))
        try:
            AlertDeliveryRecord(seller_id=seller_id, sk=f"{DELIVERY_PREFIX}{alert_id}#{phone}").update(
                actions=actions, condition=AlertDeliveryRecord.sk.exists()
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise


# A sender Lambda runs at most 30 s; a claim still "sending" after 4x that belongs to one that died
# between claiming and recording. Its SQS message comes back after the 180 s visibility timeout, and
# the retry takes the claim over (at least once beats never for an alert nobody saw).
STALE_DELIVERY_CLAIM = timedelta(seconds=120)
