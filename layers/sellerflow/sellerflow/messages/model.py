"""The buyer-message types: threads, messages, the order's non-PII context, the inbound address.

A thread is one buyer (Amazon's anonymised relay address) about one order (or no order), per
seller. Its id is a hash of (seller, relay address, order id): the relay address itself is buyer
data and is kept only inside the encrypted message bodies, never in a key or a plain attribute.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Amazon answers a buyer within 24 hours (Seller Central's "response time" metric).
RESPONSE_WINDOW = timedelta(hours=24)
# Buyer messages are buyer data: kept at most 30 days after the order's delivery (or after the
# thread closes when there is no order); never less than the time to answer one.
MESSAGE_RETENTION = timedelta(days=30)
MIN_RETENTION = timedelta(days=3)
ORDER_ID_RE = re.compile(r"\b(\d{3}-\d{7}-\d{7})\b")
# Amazon's relay: <token>@marketplace.amazon.com / .co.uk / .de / .co.jp / .com.au ...
RELAY_RE = re.compile(r"^[A-Za-z0-9._+-]+@marketplace\.amazon\.[a-z]{2,3}(?:\.[a-z]{2})?$", re.IGNORECASE)
REDACTED = "***"


class _Frozen(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class ThreadState(enum.StrEnum):
    NEW = "new"
    DRAFTED = "drafted"
    SENT = "sent"
    CLOSED = "closed"


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class Attachment(_Frozen):
    """An attachment's metadata; its bytes are never kept."""

    filename: str | None = None
    content_type: str
    size: int


class MessageContent(_Frozen):
    """What is encrypted of a message: every field here is (or may be) buyer data."""

    relay_address: str
    subject: str
    body: str
    message_id: str | None = None

    def __repr_args__(self) -> Any:
        return [(name, REDACTED) for name in type(self).model_fields]


class StoredMessage(_Frozen):
    """A message of a thread as read back (decrypted only for an authorised caller)."""

    seller_id: str
    thread_id: str
    message_key: str
    direction: Direction
    received_at: datetime
    intent: str | None = None
    attachments: tuple[Attachment, ...] = ()
    content: MessageContent | None = None  # None: not decrypted for this caller


class OrderContext(_Frozen):
    """The order as a drafter may see it: no buyer data, only what Sellerflow's own tables hold."""

    order_id: str
    status: str | None = None
    purchased_at: datetime | None = None
    ship_by: datetime | None = None
    fulfilment_channel: str | None = None  # AFN (Amazon) | MFN (the seller)
    items: tuple[str, ...] = ()  # "2 x <title or SKU>"
    order_total: Decimal | None = None
    currency: str | None = None
    carrier: str | None = None
    tracking_id: str | None = None
    tracking_status: str | None = None
    delivered_at: datetime | None = None
    known: bool = True  # False: the order id is not one of the seller's synced orders


class Thread(_Frozen):
    seller_id: str
    thread_id: str
    order_id: str | None
    state: ThreadState
    first_received_at: datetime
    last_received_at: datetime
    due_at: datetime | None  # last buyer message + 24 h while unanswered; None once answered
    messages: int = 0
    intent: str | None = None
    order: OrderContext | None = None
    auto_sent: bool = False
    closed_at: datetime | None = None
    answered_at: datetime | None = None
    expires_at: datetime
    alerted_due_at: datetime | None = None  # the due time the "nearing 24 h" alert last fired for


class SellerInstructions(_Frozen):
    """What the seller tells the drafter (their own words: no buyer data), and auto-send intents."""

    tone: str = Field(default="friendly and professional", max_length=200)
    policies: str = Field(default="", max_length=2000)
    signature: str = Field(default="", max_length=300)
    auto_send_intents: tuple[str, ...] = ()
    from_address: str | None = Field(default=None, max_length=254)  # the seller's verified SES identity


@dataclass(frozen=True)
class DraftText:
    """A thread's stored reply draft (its text is PII-free: drafted from the redacted thread).

    Here rather than with the reply service, so the message store reads and writes drafts without
    importing the service and its redaction patterns (the mail receiver's cold start)."""

    thread_id: str
    text: str
    intent: str | None
    drafter: str
    updated_at: datetime

    def __repr__(self) -> str:
        return f"DraftText(thread_id={self.thread_id!r}, drafter={self.drafter!r}, chars={len(self.text)})"


def thread_id_for(seller_id: str, relay_address: str, order_id: str | None) -> str:
    """Stable, opaque: the relay address never appears in a key."""
    raw = f"{seller_id}\x00{relay_address.strip().lower()}\x00{order_id or '-'}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def message_key(received_at: datetime, message_id: str | None, body: str) -> str:
    """Sortable and idempotent: the same mail delivered twice lands on the same key."""
    digest = hashlib.sha256((message_id or body).encode("utf-8", "replace")).hexdigest()[:12]
    return f"{received_at.strftime('%Y%m%dT%H%M%SZ')}-{digest}"


def expires_for(
    *, now: datetime, delivered_at: datetime | None = None, closed_at: datetime | None = None
) -> datetime:
    """30 days after delivery (known), else 30 days after close, else 30 days from the last message;
    never sooner than `MIN_RETENTION` from now (a buyer writing after the window still gets an answer)."""
    anchor = delivered_at or closed_at or now
    return max(anchor + MESSAGE_RETENTION, now + MIN_RETENTION)


# --- the inbound address -------------------------------------------------------------------------
def inbound_local_part(seller_id: str, token: str) -> str:
    """`s<base32 of the seller id>-<token>`: routes without a lookup table, accepted only with the
    seller's stored token (so guessing a seller id is not enough to write into its inbox)."""
    encoded = base64.b32encode(seller_id.encode()).decode().rstrip("=").lower()
    return f"s{encoded}-{token}"


def parse_inbound_local_part(local_part: str) -> tuple[str, str] | None:
    """(seller id, token) of an inbound address's local part, or None when it is not one."""
    match = re.fullmatch(r"s([a-z2-7]+)-([a-z0-9]{8,32})", local_part.strip().lower())
    if not match:
        return None
    encoded = match.group(1).upper()
    try:
        seller_id = base64.b32decode(encoded + "=" * (-len(encoded) % 8)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return (seller_id, match.group(2)) if seller_id.isalnum() else None
