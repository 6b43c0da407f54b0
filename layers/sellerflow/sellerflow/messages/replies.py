"""Replies: draft (redacted prompt → drafter), edit, approve and send, close; auto-send only for the
intents the seller named. (The "nearing 24 hours unanswered" alert is `alerts.rules.message_unanswered`,
over `ThreadStore.due_times`.)

Sending goes through the `Mailer` port (SES `SendEmail` from the seller's verified identity to the
thread's relay address, subject with the order id, In-Reply-To/References of the buyer's last
message); each send is audited (`message.sent`, or `message.auto_sent` with actor `auto-send`),
naming the thread, never its text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sellerflow.errors import InvalidInput, SellerflowError
from sellerflow.messages.drafting import Drafter, build_prompt
from sellerflow.messages.model import (
    Direction,
    DraftText,
    MessageContent,
    SellerInstructions,
    StoredMessage,
    Thread,
    ThreadState,
    expires_for,
    message_key,
)
from sellerflow.messages.redaction import Redactor


class ThreadNotFound(SellerflowError):
    """No such thread for this seller (or it has expired)."""


class SendRefused(SellerflowError):
    """The thread cannot be answered (closed, no draft, no verified sending identity)."""


class Threads(Protocol):
    def get(self, seller_id: str, thread_id: str) -> Thread | None: ...

    def put(self, thread: Thread) -> None: ...

    def list(self, seller_id: str) -> Iterable[Thread]: ...


class Vault(Protocol):
    def messages(self, seller_id: str, thread_id: str, *, decrypt: bool) -> list[StoredMessage]: ...

    def put_message(
        self, message: StoredMessage, content: MessageContent, *, expires_at: datetime
    ) -> bool: ...

    def put_draft(self, seller_id: str, draft: DraftText, *, expires_at: datetime) -> None: ...

    def draft(self, seller_id: str, thread_id: str) -> DraftText | None: ...

    def delete_draft(self, seller_id: str, thread_id: str) -> None: ...

    def extend(self, seller_id: str, thread_id: str, expires_at: datetime) -> None: ...


class Instructions(Protocol):
    def instructions(self, seller_id: str) -> SellerInstructions: ...


class KnownBuyerValues(Protocol):
    """What Sellerflow holds of an order's buyer (the label queue), to redact before any drafter."""

    def values(self, seller_id: str, order_id: str) -> list[str]: ...


@dataclass(frozen=True)
class OutgoingMail:
    """A reply as the `Mailer` sends it: to Amazon's relay, threaded under the buyer's message."""

    from_address: str
    to_address: str
    subject: str
    body: str
    in_reply_to: str | None
    references: str | None


class Mailer(Protocol):
    def send(self, mail: OutgoingMail) -> str:
        """Sends `mail`; returns its Message-ID."""
        ...


class Audit(Protocol):
    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> object: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ReplyService:
    def __init__(
        self,
        *,
        threads: Threads,
        vault: Vault,
        instructions: Instructions,
        drafter: Drafter,
        redactor: Redactor,
        known: KnownBuyerValues | None,
        mailer: Mailer,
        audit: Audit,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._threads = threads
        self._vault = vault
        self._instructions = instructions
        self._drafter = drafter
        self._redactor = redactor
        self._known = known
        self._mailer = mailer
        self._audit = audit
        self._clock = clock

    def thread(self, seller_id: str, thread_id: str) -> Thread:
        found = self._threads.get(seller_id, thread_id)
        if found is None or found.expires_at <= self._clock():
            raise ThreadNotFound(f"thread {thread_id} not found")
        return found

    def threads(self, seller_id: str) -> list[Thread]:
        now = self._clock()
        return [t for t in self._threads.list(seller_id) if t.expires_at > now]

    def conversation(self, seller_id: str, thread_id: str) -> tuple[list[StoredMessage], DraftText | None]:
        """The thread's messages and draft, decrypted (the caller audits the read)."""
        return self._vault.messages(seller_id, thread_id, decrypt=True), self._vault.draft(
            seller_id, thread_id
        )

    # --- drafting --------------------------------------------------------------------------------
    def draft(self, seller_id: str, thread_id: str, *, auto_send: bool = True) -> DraftText:
        """A new draft from the thread (replacing any); sent at once when the seller turned on
        auto-send for the thread's intent."""
        thread = self.thread(seller_id, thread_id)
        if thread.state is ThreadState.CLOSED:
            raise SendRefused(f"thread {thread_id} is closed")
        messages = self._vault.messages(seller_id, thread_id, decrypt=True)
        instructions = self._instructions.instructions(seller_id)
        known = [m.content.relay_address for m in messages if m.content is not None]
        if self._known is not None and thread.order_id:
            known += self._known.values(seller_id, thread.order_id)
        intent = thread.intent or "other"
        prompt = build_prompt(
            messages,
            order=thread.order,
            instructions=instructions,
            intent=intent,
            redactor=self._redactor,
            known=known,
        )
        now = self._clock()
        draft = DraftText(thread_id, self._drafter.draft(prompt), intent, self._drafter.name, now)
        self._vault.put_draft(seller_id, draft, expires_at=thread.expires_at)
        if thread.state is ThreadState.NEW:
            thread = thread.model_copy(update={"state": ThreadState.DRAFTED})
            self._threads.put(thread)
        if auto_send and intent in instructions.auto_send_intents and instructions.from_address:
            self.send(seller_id, thread_id, actor_sub="auto-send", auto=True)
        return draft

    def edit(self, seller_id: str, thread_id: str, text: str, *, actor_sub: str) -> DraftText:
        thread = self.thread(seller_id, thread_id)
        if thread.state is ThreadState.CLOSED:
            raise SendRefused(f"thread {thread_id} is closed")
        text = text.strip()
        if not text or len(text) > 10_000:
            raise InvalidInput("a reply is 1 to 10000 characters")
        draft = DraftText(thread_id, text, thread.intent, "edited", self._clock())
        self._vault.put_draft(seller_id, draft, expires_at=thread.expires_at)
        if thread.state is ThreadState.NEW:
            self._threads.put(thread.model_copy(update={"state": ThreadState.DRAFTED}))
        self._audit.record(seller_id, actor_sub, "message.draft_edited", f"thread/{thread_id}")
        return draft

    # --- sending ---------------------------------------------------------------------------------
    def send(self, seller_id: str, thread_id: str, *, actor_sub: str, auto: bool = False) -> Thread:
        """Approve the current draft and send it; the thread is `sent` and its clock stops."""
        thread = self.thread(seller_id, thread_id)
        if thread.state is ThreadState.CLOSED:
            raise SendRefused(f"thread {thread_id} is closed")
        draft = self._vault.draft(seller_id, thread_id)
        if draft is None:
            raise SendRefused(f"thread {thread_id} has no draft to send")
        instructions = self._instructions.instructions(seller_id)
        if not instructions.from_address:
            raise SendRefused("no verified sending address is set for this seller (message settings)")
        messages = self._vault.messages(seller_id, thread_id, decrypt=True)
        last_in = next((m for m in reversed(messages) if m.direction is Direction.IN and m.content), None)
        if last_in is None or last_in.content is None:
            raise SendRefused(f"thread {thread_id} has no buyer message to answer")
        subject = last_in.content.subject or ""
        if thread.order_id and thread.order_id not in subject:
            subject = f"{subject} (Order: {thread.order_id})".strip()
        if not subject.lower().startswith("re:"):
            subject = f"Re: {subject}"
        references = (
            " ".join(m.content.message_id for m in messages if m.content and m.content.message_id) or None
        )
        sent_id = self._mailer.send(
            OutgoingMail(
                from_address=instructions.from_address,
                to_address=last_in.content.relay_address,
                subject=subject,
                body=draft.text,
                in_reply_to=last_in.content.message_id,
                references=references,
            )
        )
        now = self._clock()
        self._vault.put_message(
            StoredMessage(
                seller_id=seller_id,
                thread_id=thread_id,
                message_key=message_key(now, sent_id, draft.text),
                direction=Direction.OUT,
                received_at=now,
                intent=thread.intent,
            ),
            MessageContent(
                relay_address=last_in.content.relay_address,
                subject=subject,
                body=draft.text,
                message_id=sent_id,
            ),
            expires_at=thread.expires_at,
        )
        self._vault.delete_draft(seller_id, thread_id)
        updated = thread.model_copy(
            update={"state": ThreadState.SENT, "due_at": None, "answered_at": now, "auto_sent": auto}
        )
        self._threads.put(updated)
        self._audit.record(
            seller_id, actor_sub, "message.auto_sent" if auto else "message.sent", f"thread/{thread_id}"
        )
        return updated

    def close(self, seller_id: str, thread_id: str, *, actor_sub: str) -> Thread:
        thread = self.thread(seller_id, thread_id)
        now = self._clock()
        delivered = thread.order.delivered_at if thread.order else None
        expires_at = expires_for(now=now, delivered_at=delivered, closed_at=now)
        updated = thread.model_copy(
            update={"state": ThreadState.CLOSED, "due_at": None, "closed_at": now, "expires_at": expires_at}
        )
        self._threads.put(updated)
        self._vault.extend(seller_id, thread_id, expires_at)
        self._audit.record(seller_id, actor_sub, "message.thread_closed", f"thread/{thread_id}")
        return updated
