"""Buyer messages: threads (no buyer data) in the seller-data table, message bodies and drafts
(buyer data) envelope-encrypted in the buyer-PII table, the inbound address and the seller's
drafting instructions in the sellers table.

    seller-data table   MSGTHREAD#<threadId>              the thread: state, clock, order context (JSON)
    buyer-PII table     MSG#<threadId>#<messageKey>       one message: direction, time, attachments'
                                                          metadata, and the ciphertext of its relay
                                                          address, subject, body and Message-ID
                        MSGDRAFT#<threadId>               the current draft (ciphertext)
    sellers table       MSGINBOUND                        the inbound address's token (long-lived)
                        MSGSETTINGS                       tone, policies, signature, auto-send intents,
                                                          the verified sending identity (long-lived)

Bodies are encrypted with the AWS Encryption SDK under the PII key, encryption context
{seller_id, thread_id, purpose}; decryption checks it. Every item but the two long-lived ones carries
`expires_at` (`sellerflow.messages.model.expires_for`); the sweeper deletes what TTL has not yet.
Erasure deletes the seller's partitions whole, so these go with them.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError

from sellerflow.errors import PiiContextMismatch
from sellerflow.messages.model import (
    Attachment,
    Direction,
    DraftText,
    MessageContent,
    SellerInstructions,
    StoredMessage,
    Thread,
)
from sellerflow.store.envelope import ContextEnvelope
from sellerflow.store.s3 import sigv4_s3_client
from sellerflow.store.tables import SellerItem, condition_failed, table

if TYPE_CHECKING:
    from botocore.session import Session as BotocoreSession

THREAD_PREFIX = "MSGTHREAD#"
MESSAGE_PREFIX = "MSG#"
DRAFT_PREFIX = "MSGDRAFT#"
INBOUND_KEY = "MSGINBOUND"
SETTINGS_KEY = "MSGSETTINGS"
MESSAGE_PURPOSE = "buyer_message"
DRAFT_PURPOSE = "buyer_message_draft"


@table("seller_data")
class MessageThreadRecord(SellerItem):
    """MSGTHREAD#<threadId>: a `Thread` as JSON (state, clock, non-PII order context)."""

    state = UnicodeAttribute()
    due_at = NumberAttribute(null=True)  # epoch seconds while unanswered
    body = UnicodeAttribute()
    expires_at = NumberAttribute()  # epoch seconds; DynamoDB TTL


@table("pii")
class BuyerMessageRecord(SellerItem):
    """MSG#<threadId>#<messageKey>: one message; its buyer data only in `ciphertext`."""

    tenant_scoped = False  # the buyer-PII table: the PII app's and the inbound function's roles only
    thread_id = UnicodeAttribute()
    direction = UnicodeAttribute()
    received_at = UTCDateTimeAttribute()
    intent = UnicodeAttribute(null=True)
    attachments = UnicodeAttribute(null=True)  # JSON list of {filename, content_type, size}
    ciphertext = BinaryAttribute(legacy_encoding=False)
    expires_at = NumberAttribute()


@table("pii")
class MessageDraftRecord(SellerItem):
    """MSGDRAFT#<threadId>: the thread's current draft reply (ciphertext), how it was made."""

    tenant_scoped = False
    thread_id = UnicodeAttribute()
    intent = UnicodeAttribute(null=True)
    drafter = UnicodeAttribute()  # bedrock | local | edited
    ciphertext = BinaryAttribute(legacy_encoding=False)
    updated_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


@table("sellers")
class MessageInboundRecord(SellerItem):
    """MSGINBOUND: the token of the seller's inbound address (no buyer data)."""

    # Read before the mail's seller is known (that is what it tells): the inbound function's own role.
    tenant_scoped = False
    token = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


@table("sellers")
class MessageSettingsRecord(SellerItem):
    """MSGSETTINGS: the seller's `SellerInstructions` as JSON."""

    body = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _epoch(at: datetime) -> int:
    return int(at.timestamp())


class MessageSettingsStore:
    """The sellers-table items: inbound token and drafting instructions (no buyer data, no key)."""

    def __init__(self, *, clock: Callable[[], datetime] = _utcnow) -> None:
        self._clock = clock

    def inbound_token(self, seller_id: str, *, create: bool = False) -> str | None:
        try:
            return str(MessageInboundRecord.get(seller_id, INBOUND_KEY, consistent_read=True).token)
        except DoesNotExist:
            if not create:
                return None
        token = secrets.token_hex(6)
        MessageInboundRecord(seller_id=seller_id, sk=INBOUND_KEY, token=token, created_at=self._clock()).save(
            condition=MessageInboundRecord.sk.does_not_exist()
        )
        return token

    def instructions(self, seller_id: str) -> SellerInstructions:
        try:
            record = MessageSettingsRecord.get(seller_id, SETTINGS_KEY)
        except DoesNotExist:
            return SellerInstructions()
        return SellerInstructions.model_validate_json(record.body)

    def put_instructions(self, seller_id: str, instructions: SellerInstructions) -> None:
        MessageSettingsRecord(
            seller_id=seller_id,
            sk=SETTINGS_KEY,
            body=instructions.model_dump_json(),
            updated_at=self._clock(),
        ).save()


class ThreadStore:
    """Threads in the seller-data table (the general API's tenant role reaches them: no buyer data)."""

    def get(self, seller_id: str, thread_id: str) -> Thread | None:
        try:
            record = MessageThreadRecord.get(seller_id, f"{THREAD_PREFIX}{thread_id}", consistent_read=True)
        except DoesNotExist:
            return None
        return Thread.model_validate_json(record.body)

    def put(self, thread: Thread) -> None:
        MessageThreadRecord(
            seller_id=thread.seller_id,
            sk=f"{THREAD_PREFIX}{thread.thread_id}",
            state=thread.state.value,
            due_at=_epoch(thread.due_at) if thread.due_at else None,
            body=thread.model_dump_json(),
            expires_at=_epoch(thread.expires_at),
        ).save()

    def due_times(self, seller_id: str) -> list[datetime]:
        """When each unanswered thread is due (the alert rule's input: no text, no buyer)."""
        return [
            datetime.fromtimestamp(int(record.due_at), UTC)
            for record in MessageThreadRecord.query(
                seller_id,
                MessageThreadRecord.sk.startswith(THREAD_PREFIX),
                filter_condition=MessageThreadRecord.due_at.exists(),
            )
            if record.due_at is not None and record.state in ("new", "drafted")
        ]

    def list(self, seller_id: str) -> Iterator[Thread]:
        for record in MessageThreadRecord.query(seller_id, MessageThreadRecord.sk.startswith(THREAD_PREFIX)):
            yield Thread.model_validate_json(record.body)


class MessageVault:
    """Message bodies and drafts in the buyer-PII table, encrypted under the PII key."""

    def __init__(
        self,
        pii_key_arn: str,
        *,
        botocore_session: BotocoreSession | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._envelope = ContextEnvelope(pii_key_arn, botocore_session)
        self._clock = clock

    @staticmethod
    def context(seller_id: str, thread_id: str, purpose: str) -> dict[str, str]:
        return {"seller_id": seller_id, "thread_id": thread_id, "purpose": purpose}

    def _encrypt(self, plaintext: str, context: dict[str, str]) -> bytes:
        return self._envelope.encrypt(plaintext.encode("utf-8"), context)

    def _decrypt(self, ciphertext: bytes, context: dict[str, str]) -> str:
        plaintext = self._envelope.decrypt(ciphertext, context)
        if plaintext is None:
            raise PiiContextMismatch(
                f"a stored message of seller {context['seller_id']} was not encrypted for its thread"
            )
        return plaintext.decode("utf-8")

    # --- messages -----------------------------------------------------------------------------
    def put_message(
        self,
        message: StoredMessage,
        content: MessageContent,
        *,
        expires_at: datetime,
    ) -> bool:
        """Store one message; False when the same message (same key) is already stored."""
        context = self.context(message.seller_id, message.thread_id, MESSAGE_PURPOSE)
        record = BuyerMessageRecord(
            seller_id=message.seller_id,
            sk=f"{MESSAGE_PREFIX}{message.thread_id}#{message.message_key}",
            thread_id=message.thread_id,
            direction=message.direction.value,
            received_at=message.received_at,
            intent=message.intent,
            attachments=json.dumps([a.model_dump() for a in message.attachments])
            if message.attachments
            else None,
            ciphertext=self._encrypt(content.model_dump_json(), context),
            expires_at=_epoch(expires_at),
        )
        try:
            record.save(condition=BuyerMessageRecord.sk.does_not_exist())
        except PutError as error:
            if condition_failed(error):  # the same message, already stored
                return False
            raise
        return True

    def messages(self, seller_id: str, thread_id: str, *, decrypt: bool) -> list[StoredMessage]:
        now = _epoch(self._clock())
        context = self.context(seller_id, thread_id, MESSAGE_PURPOSE)
        found = []
        for record in BuyerMessageRecord.query(
            seller_id, BuyerMessageRecord.sk.startswith(f"{MESSAGE_PREFIX}{thread_id}#"), consistent_read=True
        ):
            if int(record.expires_at) <= now:
                continue
            content = (
                MessageContent.model_validate_json(self._decrypt(bytes(record.ciphertext), context))
                if decrypt
                else None
            )
            found.append(
                StoredMessage(
                    seller_id=seller_id,
                    thread_id=thread_id,
                    message_key=str(record.sk).rsplit("#", 1)[1],
                    direction=Direction(record.direction),
                    received_at=record.received_at,
                    intent=record.intent,
                    attachments=tuple(Attachment(**a) for a in json.loads(record.attachments or "[]")),
                    content=content,
                )
            )
        return found

    def extend(self, seller_id: str, thread_id: str, expires_at: datetime) -> None:
        """Move every item of the thread to one expiry (delivery became known, the thread closed)."""
        for record in BuyerMessageRecord.query(
            seller_id, BuyerMessageRecord.sk.startswith(f"{MESSAGE_PREFIX}{thread_id}#")
        ):
            record.update(actions=[BuyerMessageRecord.expires_at.set(_epoch(expires_at))])
        try:
            draft = MessageDraftRecord.get(seller_id, f"{DRAFT_PREFIX}{thread_id}")
        except DoesNotExist:
            return
        draft.update(actions=[MessageDraftRecord.expires_at.set(_epoch(expires_at))])

    # --- drafts -------------------------------------------------------------------------------
    def put_draft(self, seller_id: str, draft: DraftText, *, expires_at: datetime) -> None:
        context = self.context(seller_id, draft.thread_id, DRAFT_PURPOSE)
        MessageDraftRecord(
            seller_id=seller_id,
            sk=f"{DRAFT_PREFIX}{draft.thread_id}",
            thread_id=draft.thread_id,
            intent=draft.intent,
            drafter=draft.drafter,
            ciphertext=self._encrypt(draft.text, context),
            updated_at=draft.updated_at,
            expires_at=_epoch(expires_at),
        ).save()

    def draft(self, seller_id: str, thread_id: str) -> DraftText | None:
        try:
            record = MessageDraftRecord.get(seller_id, f"{DRAFT_PREFIX}{thread_id}", consistent_read=True)
        except DoesNotExist:
            return None
        if int(record.expires_at) <= _epoch(self._clock()):
            return None
        text = self._decrypt(bytes(record.ciphertext), self.context(seller_id, thread_id, DRAFT_PURPOSE))
        return DraftText(thread_id, text, record.intent, str(record.drafter), record.updated_at)

    def delete_draft(self, seller_id: str, thread_id: str) -> None:
        MessageDraftRecord(seller_id=seller_id, sk=f"{DRAFT_PREFIX}{thread_id}").delete()

    def export_messages(self, seller_id: str) -> Iterator[dict[str, object]]:
        """Every live message of the seller, decrypted, for the seller's own data export."""
        now = _epoch(self._clock())
        for record in BuyerMessageRecord.query(seller_id, BuyerMessageRecord.sk.startswith(MESSAGE_PREFIX)):
            if int(record.expires_at) <= now:
                continue
            thread_id = str(record.thread_id)
            content = MessageContent.model_validate_json(
                self._decrypt(bytes(record.ciphertext), self.context(seller_id, thread_id, MESSAGE_PURPOSE))
            )
            yield {
                "thread_id": thread_id,
                "direction": record.direction,
                "received_at": record.received_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "intent": record.intent,
                "subject": content.subject,
                "body": content.body,
                "relay_address": content.relay_address,
                "attachments": json.loads(record.attachments or "[]"),
            }


class InboundMailObjects:
    """The raw MIME SES wrote to the inbound bucket (PII key, SSE-KMS), read once and deleted."""

    def __init__(self, bucket: str, *, client: Any | None = None) -> None:
        self._bucket = bucket
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = sigv4_s3_client()
        return self._client

    def get(self, key: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                return None
            raise
        return bytes(answer["Body"].read())

    def put(self, key: str, body: bytes) -> None:
        """What SES does (the local stack's `sellerflow local inbound-email` and tests)."""
        self.client.put_object(Bucket=self._bucket, Key=key, Body=body)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self._bucket, Key=key)
