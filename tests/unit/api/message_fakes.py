"""In-memory stand-ins for the buyer-message ports: a real `ReplyService` and `InboundService`
over them answer the message routes in the API's unit tests (no AWS, no model)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from api_fakes import NOW

from sellerflow.api.ports import MessagesPorts
from sellerflow.errors import OrderNotFound
from sellerflow.messages.drafting import TemplateDrafter
from sellerflow.messages.model import (
    Direction,
    DraftText,
    MessageContent,
    OrderContext,
    SellerInstructions,
    StoredMessage,
    Thread,
    ThreadState,
)
from sellerflow.messages.redaction import Redactor
from sellerflow.messages.replies import OutgoingMail, ReplyService
from sellerflow.messages.service import InboundService

THREAD_ID = "5f2c0a9e41b7d3c86e0a1f42"
RELAY = "q8x2buyer@marketplace.amazon.com"
CANARY = "Jane Doe PII-CANARY-0b0b"


@dataclass
class FakeThreads:
    by_key: dict[tuple[str, str], Thread] = field(default_factory=dict)

    def get(self, seller_id: str, thread_id: str) -> Thread | None:
        return self.by_key.get((seller_id, thread_id))

    def put(self, thread: Thread) -> None:
        self.by_key[(thread.seller_id, thread.thread_id)] = thread

    def list(self, seller_id: str) -> list[Thread]:
        return [t for (s, _), t in self.by_key.items() if s == seller_id]


@dataclass
class FakeVault:
    messages_by_thread: dict[tuple[str, str], list[tuple[StoredMessage, MessageContent]]] = field(
        default_factory=dict
    )
    drafts: dict[tuple[str, str], DraftText] = field(default_factory=dict)

    def put_message(self, message: StoredMessage, content: MessageContent, *, expires_at: datetime) -> bool:
        self.messages_by_thread.setdefault((message.seller_id, message.thread_id), []).append(
            (message, content)
        )
        return True

    def messages(self, seller_id: str, thread_id: str, *, decrypt: bool) -> list[StoredMessage]:
        found = self.messages_by_thread.get((seller_id, thread_id), [])
        return [m.model_copy(update={"content": c if decrypt else None}) for m, c in found]

    def put_draft(self, seller_id: str, draft: DraftText, *, expires_at: datetime) -> None:
        self.drafts[(seller_id, draft.thread_id)] = draft

    def draft(self, seller_id: str, thread_id: str) -> DraftText | None:
        return self.drafts.get((seller_id, thread_id))

    def delete_draft(self, seller_id: str, thread_id: str) -> None:
        self.drafts.pop((seller_id, thread_id), None)

    def extend(self, seller_id: str, thread_id: str, expires_at: datetime) -> None:
        return None


@dataclass
class FakeSettings:
    by_seller: dict[str, SellerInstructions] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def instructions(self, seller_id: str) -> SellerInstructions:
        return self.by_seller.get(seller_id, SellerInstructions())

    def put_instructions(self, seller_id: str, instructions: SellerInstructions) -> None:
        self.by_seller[seller_id] = instructions

    def inbound_token(self, seller_id: str, *, create: bool = False) -> str | None:
        if create:
            self.tokens.setdefault(seller_id, "0a1b2c3d4e5f")
        return self.tokens.get(seller_id)


@dataclass
class FakeMailer:
    sent: list[dict[str, Any]] = field(default_factory=list)

    def send(self, mail: OutgoingMail) -> str:
        self.sent.append(asdict(mail))
        return f"<sent-{len(self.sent)}@sellerflow.test>"


class NoOrders:
    def get(self, seller_id: str, order_id: str) -> Any:
        raise OrderNotFound(order_id)

    def shipment(self, seller_id: str, order_id: str) -> None:
        return None


class FakeIdentities:
    """SES's verified identities: addresses and whole domains."""

    def __init__(self, *verified: str) -> None:
        self.identities = set(verified)

    def verified(self, address: str) -> bool | None:
        return address in self.identities or address.rpartition("@")[2] in self.identities


def message_ports(seller_id: str, order_id: str, audit: Any) -> tuple[MessagesPorts, FakeMailer, FakeVault]:
    """Ports with one thread (a buyer message with canary PII in it, and a draft), and a sending address."""
    threads, vault, settings, mailer = FakeThreads(), FakeVault(), FakeSettings(), FakeMailer()
    settings.put_instructions(
        seller_id, SellerInstructions(signature="Alpha Mugs", from_address="help@alpha.test")
    )
    threads.put(
        Thread(
            seller_id=seller_id, thread_id=THREAD_ID, order_id=order_id, state=ThreadState.DRAFTED,
            first_received_at=NOW - timedelta(hours=2), last_received_at=NOW - timedelta(hours=2),
            due_at=NOW + timedelta(hours=22), messages=1, intent="where_is_my_order",
            order=OrderContext(order_id=order_id, status="Shipped"), expires_at=NOW + timedelta(days=30),
        )
    )  # fmt: skip
    vault.put_message(
        StoredMessage(seller_id=seller_id, thread_id=THREAD_ID, message_key="k1", direction=Direction.IN,
                      received_at=NOW - timedelta(hours=2), intent="where_is_my_order"),
        MessageContent(relay_address=RELAY, subject=f"Order {order_id}", body=f"Where is it?\nThanks,\n{CANARY}",
                       message_id="<m1@amazon.com>"),
        expires_at=NOW + timedelta(days=30),
    )  # fmt: skip
    vault.put_draft(
        seller_id, DraftText(THREAD_ID, "It ships today.", "where_is_my_order", "local", NOW), expires_at=NOW
    )
    replies = ReplyService(
        threads=threads, vault=vault, instructions=settings, drafter=TemplateDrafter(), redactor=Redactor(),
        known=None, mailer=mailer, audit=audit, clock=lambda: NOW,
    )  # fmt: skip
    inbound = InboundService(
        inbound_domain="inbound.test", tokens=settings, orders=NoOrders(), shipments=NoOrders(),
        threads=threads, messages=vault, clock=lambda: NOW,
    )  # fmt: skip
    identities = FakeIdentities("help@alpha.test", "alpha.example")
    return (
        MessagesPorts(replies=replies, inbound=inbound, settings=settings, identities=identities),
        mailer,
        vault,
    )
