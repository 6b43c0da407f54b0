"""Inbound buyer mail: accept it into a thread, or reject it (counted by the caller, never stored).

1. parse the raw MIME (`parser.parse`); bytes that are not mail are rejected (`unparseable`);
2. the seller: the first recipient at the inbound domain whose local part decodes to a seller
   and whose token matches the seller's stored one; none: `unknown_recipient`;
3. Amazon's relay address in Reply-To/From; none: `not_from_relay`;
4. the thread per (seller, relay address, order id), the order's non-PII context from the
   seller's own tables (status, items, dates, fulfilment channel, tracking of a bought label);
5. the message stored encrypted (idempotent: the same mail twice is one message), the thread's
   state back to `new` and its 24-hour clock from this message, its expiry recomputed.
"""

from __future__ import annotations

import enum
import hmac
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sellerflow.domain import Order
from sellerflow.errors import OrderNotFound
from sellerflow.labels.model import LabelShipment
from sellerflow.messages import intents
from sellerflow.messages.model import (
    RESPONSE_WINDOW,
    Direction,
    MessageContent,
    OrderContext,
    StoredMessage,
    Thread,
    ThreadState,
    expires_for,
    inbound_local_part,
    message_key,
    parse_inbound_local_part,
    thread_id_for,
)
from sellerflow.messages.parser import NotParseable, ParsedMessage, parse


class Rejection(enum.StrEnum):
    UNPARSEABLE = "unparseable"
    UNKNOWN_RECIPIENT = "unknown_recipient"
    NOT_FROM_RELAY = "not_from_relay"
    SPAM_OR_VIRUS = "spam_or_virus"


@dataclass(frozen=True)
class InboundOutcome:
    seller_id: str | None = None
    thread_id: str | None = None
    rejected: Rejection | None = None
    duplicate: bool = False

    @property
    def accepted(self) -> bool:
        return self.rejected is None


class InboundTokens(Protocol):
    def inbound_token(self, seller_id: str, *, create: bool = False) -> str | None: ...


class Orders(Protocol):
    def get(self, seller_id: str, order_id: str) -> Order: ...


class Shipments(Protocol):
    def shipment(self, seller_id: str, order_id: str) -> LabelShipment | None: ...


class Threads(Protocol):
    def get(self, seller_id: str, thread_id: str) -> Thread | None: ...

    def put(self, thread: Thread) -> None: ...


class Messages(Protocol):
    def put_message(
        self, message: StoredMessage, content: MessageContent, *, expires_at: datetime
    ) -> bool: ...

    def extend(self, seller_id: str, thread_id: str, expires_at: datetime) -> None: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


def order_context(order: Order | None, shipment: LabelShipment | None, order_id: str) -> OrderContext:
    """The order as the thread shows it and a drafter may see it: no buyer data."""
    if order is None:
        return OrderContext(order_id=order_id, known=False)
    channel = "AFN" if (order.fulfilled_by or "").upper() == "AMAZON" else "MFN"
    return OrderContext(
        order_id=order_id,
        status=order.status,
        purchased_at=order.created_time,
        ship_by=order.ship_by,
        fulfilment_channel=channel,
        items=tuple(
            f"{line.quantity_ordered} x {line.title or line.seller_sku or line.asin or 'item'}"
            for line in order.lines
        ),
        order_total=order.order_total,
        currency=order.currency,
        carrier=shipment.carrier_name if shipment else None,
        tracking_id=shipment.tracking_id if shipment else None,
        tracking_status=shipment.tracking_status if shipment else None,
        delivered_at=shipment.delivered_at if shipment else None,
    )


class InboundService:
    def __init__(
        self,
        *,
        inbound_domain: str,
        tokens: InboundTokens,
        orders: Orders,
        shipments: Shipments,
        threads: Threads,
        messages: Messages,
        acting_for: Callable[[str], AbstractContextManager[object]] = lambda _seller: nullcontext(),
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._acting_for = acting_for
        self._domain = inbound_domain.strip().lower()
        self._tokens = tokens
        self._orders = orders
        self._shipments = shipments
        self._threads = threads
        self._messages = messages
        self._clock = clock

    def inbound_address(self, seller_id: str) -> str:
        token = self._tokens.inbound_token(seller_id, create=True)
        return f"{inbound_local_part(seller_id, token or '')}@{self._domain}"

    def seller_for(self, recipients: list[str] | tuple[str, ...]) -> str | None:
        for recipient in recipients:
            local, _, domain = recipient.strip().lower().rpartition("@")
            if domain != self._domain:
                continue
            decoded = parse_inbound_local_part(local)
            if decoded is None:
                continue
            seller_id, token = decoded
            stored = self._tokens.inbound_token(seller_id)
            if stored and hmac.compare_digest(stored, token):
                return seller_id
        return None

    def receive(self, raw: bytes, *, recipients: list[str] | tuple[str, ...] = ()) -> InboundOutcome:
        try:
            parsed = parse(raw)
        except NotParseable:
            return InboundOutcome(rejected=Rejection.UNPARSEABLE)
        seller_id = self.seller_for([*recipients, *parsed.recipients])
        if seller_id is None:
            return InboundOutcome(rejected=Rejection.UNKNOWN_RECIPIENT)
        if parsed.relay_address is None:
            return InboundOutcome(seller_id=seller_id, rejected=Rejection.NOT_FROM_RELAY)
        with self._acting_for(seller_id):  # the seller's items on that seller's credentials
            return self._store(seller_id, parsed, parsed.relay_address)

    def _context(self, seller_id: str, order_id: str | None) -> OrderContext | None:
        if order_id is None:
            return None
        try:
            order: Order | None = self._orders.get(seller_id, order_id)
        except OrderNotFound:
            order = None
        shipment = self._shipments.shipment(seller_id, order_id) if order is not None else None
        return order_context(order, shipment, order_id)

    def _store(self, seller_id: str, parsed: ParsedMessage, relay: str) -> InboundOutcome:
        now = self._clock().astimezone(UTC)
        thread_id = thread_id_for(seller_id, relay, parsed.order_id)
        context = self._context(seller_id, parsed.order_id)
        intent = intents.classify(f"{parsed.subject}\n{parsed.buyer_text}")
        previous = self._threads.get(seller_id, thread_id)
        delivered = context.delivered_at if context else None
        expires_at = expires_for(now=now, delivered_at=delivered)
        message = StoredMessage(
            seller_id=seller_id,
            thread_id=thread_id,
            message_key=message_key(parsed.sent_at or now, parsed.message_id, parsed.text),
            direction=Direction.IN,
            received_at=now,
            intent=intent,
            attachments=parsed.attachments,
        )
        content = MessageContent(
            relay_address=relay, subject=parsed.subject, body=parsed.text, message_id=parsed.message_id
        )
        if not self._messages.put_message(message, content, expires_at=expires_at):
            return InboundOutcome(seller_id=seller_id, thread_id=thread_id, duplicate=True)
        if previous is not None and previous.expires_at > expires_at:
            expires_at = previous.expires_at
        thread = Thread(
            seller_id=seller_id,
            thread_id=thread_id,
            order_id=parsed.order_id,
            state=ThreadState.NEW,
            first_received_at=previous.first_received_at if previous else now,
            last_received_at=now,
            due_at=now + RESPONSE_WINDOW,
            messages=(previous.messages if previous else 0) + 1,
            intent=intent if intent != intents.OTHER or previous is None else previous.intent,
            order=context,
            expires_at=expires_at,
            answered_at=previous.answered_at if previous else None,
        )
        self._threads.put(thread)
        if previous is not None:
            self._messages.extend(seller_id, thread_id, expires_at)
        return InboundOutcome(seller_id=seller_id, thread_id=thread_id)


class RawMail(Protocol):
    """Where SES put the raw MIME (the inbound bucket)."""

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...


@dataclass(frozen=True)
class SesMail:
    """What an SES receipt event (Lambda action) says of one mail: no content, only where it is."""

    message_id: str
    recipients: tuple[str, ...]
    verdicts_failed: bool

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> SesMail:
        ses = record.get("ses") or {}
        mail, receipt = ses.get("mail") or {}, ses.get("receipt") or {}
        failed = any(
            ((receipt.get(verdict) or {}).get("status") or "").upper() == "FAIL"
            for verdict in ("spamVerdict", "virusVerdict")
        )
        return cls(
            message_id=str(mail.get("messageId") or ""),
            recipients=tuple(str(r) for r in receipt.get("recipients") or mail.get("destination") or ()),
            verdicts_failed=failed,
        )


def receive_from_ses(
    mail: SesMail, *, raw: RawMail, inbound: InboundService, prefix: str = "inbound/"
) -> InboundOutcome:
    """One SES-received mail: read the raw MIME, accept or reject it, delete the raw object.

    The object is deleted once the mail is stored or rejected; when storing fails the object stays
    (the async retry reads it again; the bucket's one-day lifecycle is the backstop).
    """
    key = f"{prefix}{mail.message_id}"
    if mail.verdicts_failed:
        raw.delete(key)
        return InboundOutcome(rejected=Rejection.SPAM_OR_VIRUS)
    body = raw.get(key)
    if body is None:  # already handled by an earlier delivery of the same event
        return InboundOutcome(duplicate=True)
    outcome = inbound.receive(body, recipients=mail.recipients)
    raw.delete(key)
    return outcome
