"""The WhatsApp sender's logic: one alert message to each of the seller's opted-in numbers.

Idempotent per (alert, number): a delivery item is claimed (conditional write) before Twilio is
called, so a message SQS delivers twice, or an alert SNS published twice, is sent once. A number
Twilio reports as unsubscribed (21610: it replied STOP) is marked opted out and never messaged
again; a number Twilio refuses for good is recorded and not retried; a temporary failure is recorded
and raised, so the SQS record goes back to the queue (and, after maxReceiveCount, to the DLQ).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from sellerflow.alerts.content import AlertKind
from sellerflow.alerts.model import AlertMessage, Channel, DeliveryStatus, Recipient, SentMessage
from sellerflow.errors import (
    AlertDeliveryFailed,
    WhatsAppRecipientOptedOut,
    WhatsAppRecipientRejected,
)
from sellerflow.observability import logger

OPT_OUT_REASON = "unsubscribed"


class WhatsAppPort(Protocol):
    def send(
        self, to: str, kind: AlertKind, variables: dict[str, str], *, seller_id: str = "", alert_id: str = ""
    ) -> SentMessage:
        """Send one template message; with the seller and alert, Twilio reports its status back."""
        ...


class DeliveryLedger(Protocol):
    def recipients(self, seller_id: str) -> list[Recipient]: ...

    def claim_delivery(
        self, seller_id: str, alert_id: str, phone: str, *, now: datetime | None = None
    ) -> bool: ...

    def record_delivery(
        self, seller_id: str, alert_id: str, phone: str, status: DeliveryStatus, *,
        message_sid: str | None = None, provider_status: str | None = None, error_code: int | None = None,
        now: datetime | None = None,
    ) -> None: ...  # fmt: skip

    def mark_opted_out(
        self, seller_id: str, phone: str, *, reason: str, now: datetime | None = None
    ) -> None: ...


class DeliveryOutcome(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    alert_id: str
    sent: int = 0
    skipped: int = 0  # already sent, in flight, or not a WhatsApp alert
    opted_out: int = 0
    rejected: int = 0
    failed: int = 0


def deliver(
    message: AlertMessage, *, ledger: DeliveryLedger, port: WhatsAppPort, now: datetime
) -> DeliveryOutcome:
    if Channel.WHATSAPP not in message.channels:
        return DeliveryOutcome(alert_id=message.alert_id, skipped=1)
    variables = message.content.content_variables()
    counts = {"sent": 0, "skipped": 0, "opted_out": 0, "rejected": 0, "failed": 0}
    seller, alert_id = message.seller_id, message.alert_id
    for recipient in ledger.recipients(seller):
        if not recipient.reachable:
            continue
        phone = recipient.phone
        if not ledger.claim_delivery(seller, alert_id, phone, now=now):
            counts["skipped"] += 1
            continue
        try:
            sent = port.send(phone, message.kind, variables, seller_id=seller, alert_id=alert_id)
        except WhatsAppRecipientOptedOut as exc:
            ledger.mark_opted_out(seller, phone, reason=OPT_OUT_REASON, now=now)
            ledger.record_delivery(
                seller, alert_id, phone, DeliveryStatus.OPTED_OUT, error_code=exc.code, now=now
            )
            counts["opted_out"] += 1
        except WhatsAppRecipientRejected as exc:
            ledger.record_delivery(
                seller, alert_id, phone, DeliveryStatus.REJECTED, error_code=exc.code, now=now
            )
            counts["rejected"] += 1
        except Exception as exc:  # temporary: Twilio 5xx/429, network, credentials, configuration
            ledger.record_delivery(seller, alert_id, phone, DeliveryStatus.FAILED, now=now)
            logger.warning("whatsapp send failed", extra={"alert_id": alert_id, "error": type(exc).__name__})
            counts["failed"] += 1
        else:
            ledger.record_delivery(
                seller, alert_id, phone, DeliveryStatus.SENT, message_sid=sent.sid, provider_status=sent.status,
                now=now,
            )  # fmt: skip
            counts["sent"] += 1
    outcome = DeliveryOutcome(alert_id=alert_id, **counts)
    if outcome.failed:
        raise AlertDeliveryFailed(f"alert {alert_id}: {outcome.failed} WhatsApp message(s) failed; retried")
    return outcome
