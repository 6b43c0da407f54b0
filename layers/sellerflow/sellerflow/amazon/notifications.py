"""Amazon's SP-API notifications (Notifications API v1), as Sellerflow reads them from its queue.

Amazon writes each notification as the SQS message body, in one of two spellings: ORDER_CHANGE and
TRANSACTION_UPDATE use PascalCase (`NotificationType`, `Payload`, `NotificationMetadata`),
REPORT_PROCESSING_FINISHED and DATA_KIOSK_QUERY_PROCESSING_FINISHED camelCase. `parse_notification`
reads either into one typed `Notification`; only what Sellerflow acts on is kept (the ORDER_CHANGE
summary's postal code and the Data Kiosk query text are dropped here, at the boundary).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sellerflow.errors import InvalidInput

MERCHANT_ACCOUNT_PREFIX = "amzn1.merchant.o."


class NotificationType(StrEnum):
    ORDER_CHANGE = "ORDER_CHANGE"
    REPORT_PROCESSING_FINISHED = "REPORT_PROCESSING_FINISHED"
    TRANSACTION_UPDATE = "TRANSACTION_UPDATE"
    DATA_KIOSK_QUERY_PROCESSING_FINISHED = "DATA_KIOSK_QUERY_PROCESSING_FINISHED"


# The payload version each subscription asks for (createSubscription's required payloadVersion).
PAYLOAD_VERSIONS: dict[NotificationType, str] = {
    NotificationType.ORDER_CHANGE: "1.0",
    NotificationType.REPORT_PROCESSING_FINISHED: "2020-09-04",
    NotificationType.TRANSACTION_UPDATE: "1.0",
    NotificationType.DATA_KIOSK_QUERY_PROCESSING_FINISHED: "2023-11-15",
}


class InvalidNotification(InvalidInput):
    """A queue message that is not a notification Sellerflow understands (retrying will not help)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class OrderChange(_Frozen):
    order_id: str
    marketplace_id: str | None = None
    order_status: str | None = None
    change_type: str | None = None


class ReportFinished(_Frozen):
    report_id: str
    report_type: str
    processing_status: str  # DONE | CANCELLED | FATAL
    document_id: str | None = None


class TransactionUpdate(_Frozen):
    marketplace_id: str | None = None
    transaction_type: str | None = None
    posted_at: datetime
    order_ids: tuple[str, ...] = ()


class QueryFinished(_Frozen):
    query_id: str
    processing_status: str  # DONE | CANCELLED | FATAL
    document_id: str | None = None
    error_document_id: str | None = None
    next_token: str | None = None


class Notification(_Frozen):
    """One notification: who it is for, when it happened, and what happened."""

    notification_id: str
    notification_type: NotificationType
    seller_id: str
    subscription_id: str
    event_time: datetime
    publish_time: datetime | None = None
    detail: OrderChange | ReportFinished | TransactionUpdate | QueryFinished


def parse_notification(body: str | bytes) -> Notification:
    """The notification in an SQS message body; InvalidNotification names what is wrong (never values)."""
    try:
        raw = json.loads(body)
    except ValueError:
        raise InvalidNotification("the message body is not JSON") from None
    if not isinstance(raw, dict):
        raise InvalidNotification("the message body is not a JSON object")
    envelope = _CaseFree(raw)
    kind = envelope.text("notificationType")
    try:
        notification_type = NotificationType(kind)
    except ValueError:
        raise InvalidNotification(
            f"notification type {kind[:60]!r} is not one Sellerflow subscribes to"
        ) from None
    metadata = envelope.section("notificationMetadata")
    payload = envelope.section("payload")
    seller_id, detail = _DETAIL_READERS[notification_type](payload)
    try:
        return Notification(
            notification_id=metadata.text("notificationId"),
            notification_type=notification_type,
            seller_id=seller_id,
            subscription_id=metadata.text("subscriptionId"),
            event_time=envelope.text("eventTime"),  # type: ignore[arg-type]  # pydantic parses ISO 8601
            publish_time=metadata.optional("publishTime"),
            detail=detail,
        )
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors(include_input=False))
        raise InvalidNotification(
            f"{notification_type.value} notification has invalid fields: {fields}"
        ) from None


class _CaseFree:
    """One JSON object read by field name regardless of the first letter's case (Amazon uses both)."""

    def __init__(self, value: object, where: str = "notification") -> None:
        if not isinstance(value, dict):
            raise InvalidNotification(f"{where} is not an object")
        self._fields = {str(k)[:1].lower() + str(k)[1:]: v for k, v in value.items()}
        self._where = where

    def optional(self, name: str) -> Any:
        return self._fields.get(name)

    def text(self, name: str) -> str:
        value = self._fields.get(name)
        if not isinstance(value, str) or not value:
            raise InvalidNotification(f"{self._where}.{name} is missing or not a string")
        return value

    def section(self, name: str) -> _CaseFree:
        return _CaseFree(self._fields.get(name), f"{self._where}.{name}")

    def items(self, name: str) -> list[_CaseFree]:
        values = self._fields.get(name) or []
        if not isinstance(values, list):
            raise InvalidNotification(f"{self._where}.{name} is not a list")
        return [_CaseFree(v, f"{self._where}.{name}[]") for v in values]


def _order_change(payload: _CaseFree) -> tuple[str, OrderChange]:
    change = payload.section("orderChangeNotification")
    summary = change.optional("summary") or {}
    status = summary.get("OrderStatus") if isinstance(summary, dict) else None
    marketplace = summary.get("MarketplaceId") if isinstance(summary, dict) else None
    return change.text("sellerId"), OrderChange(
        order_id=change.text("amazonOrderId"),
        marketplace_id=marketplace if isinstance(marketplace, str) else None,
        order_status=status if isinstance(status, str) else None,
        change_type=change.optional("orderChangeType"),
    )


def _report_finished(payload: _CaseFree) -> tuple[str, ReportFinished]:
    report = payload.section("reportProcessingFinishedNotification")
    seller_id = report.optional("sellerId") or _merchant(report.text("accountId"))
    return seller_id, ReportFinished(
        report_id=report.text("reportId"),
        report_type=report.text("reportType"),
        processing_status=report.text("processingStatus"),
        document_id=report.optional("reportDocumentId"),
    )


def _transaction_update(payload: _CaseFree) -> tuple[str, TransactionUpdate]:
    update = payload.section("transactionUpdateNotification")
    partner = update.section("sellingPartnerMetadata")
    order_ids = tuple(
        identifier.text("relatedIdentifierValue")
        for identifier in update.items("relatedIdentifiers")
        if identifier.text("relatedIdentifierName").replace("_", "").lower() == "orderid"
    )
    return partner.text("sellingPartnerId"), TransactionUpdate(
        marketplace_id=partner.optional("marketplaceId"),
        transaction_type=update.optional("transactionType"),
        posted_at=update.text("postedDate"),  # type: ignore[arg-type]  # pydantic parses ISO 8601
        order_ids=order_ids,
    )


def _query_finished(payload: _CaseFree) -> tuple[str, QueryFinished]:
    pagination = payload.optional("pagination")
    next_token = pagination.get("nextToken") if isinstance(pagination, dict) else None
    return _merchant(payload.text("accountId")), QueryFinished(
        query_id=payload.text("queryId"),
        processing_status=payload.text("processingStatus"),
        document_id=payload.optional("dataDocumentId"),
        error_document_id=payload.optional("errorDocumentId"),
        next_token=next_token if isinstance(next_token, str) else None,
    )


def _merchant(account_id: str) -> str:
    """The seller id in a merchant account id; a vendor group (amzn1.vg.…) is not a seller of ours."""
    if not account_id.startswith(MERCHANT_ACCOUNT_PREFIX):
        raise InvalidNotification("the notification is for an account that is not a seller (a vendor group?)")
    return account_id[len(MERCHANT_ACCOUNT_PREFIX) :]


Detail = OrderChange | ReportFinished | TransactionUpdate | QueryFinished
_DETAIL_READERS: dict[NotificationType, Callable[[_CaseFree], tuple[str, Detail]]] = {
    NotificationType.ORDER_CHANGE: _order_change,
    NotificationType.REPORT_PROCESSING_FINISHED: _report_finished,
    NotificationType.TRANSACTION_UPDATE: _transaction_update,
    NotificationType.DATA_KIOSK_QUERY_PROCESSING_FINISHED: _query_finished,
}


# --- the Notifications API's own resources ----------------------------------------------------
class _ApiModel(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True, populate_by_name=True)


class Destination(_ApiModel):
    """Where Amazon delivers notifications: Sellerflow's SQS queue (one per application)."""

    destination_id: str = Field(alias="destinationId")
    name: str
    queue_arn: str | None = None

    @classmethod
    def of(cls, payload: dict[str, Any]) -> Destination:
        sqs = (payload.get("resource") or {}).get("sqs") or {}
        return cls.model_validate({**payload, "queue_arn": sqs.get("arn")})


class Subscription(_ApiModel):
    """One seller's subscription to one notification type."""

    subscription_id: str = Field(alias="subscriptionId")
    destination_id: str = Field(alias="destinationId")
    payload_version: str = Field(alias="payloadVersion")
