"""The buyer-PII table: the only place Sellerflow ever persists buyer PII (the label queue).

One item per (seller, order, purpose): `sk = ORDER#<orderId>#<purpose>`. The label's fields are
encrypted together, client side, with the AWS Encryption SDK under the PII key (a KMS key of its own,
distinct from the data key), with the encryption context {seller_id, order_id, purpose}; decryption
checks that context, so a ciphertext copied under another seller, order or purpose is refused. The
table itself is also encrypted at rest with the PII key. Nothing else of the buyer is stored in
clear: the item holds only keys, the ciphertext and timestamps.

`expires_at` (DynamoDB TTL) is at most delivery + 30 days (`sellerflow.pii.retention`). TTL is best
effort, so `get` never returns an item whose `expires_at` has passed, and the sweeper deletes it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist

from sellerflow.errors import PiiContextMismatch
from sellerflow.pii.models import PII_RETENTION, ShippingLabel, StoredLabel
from sellerflow.store.envelope import ContextEnvelope
from sellerflow.store.tables import SellerItem, table

if TYPE_CHECKING:
    from botocore.session import Session as BotocoreSession


def pii_key(order_id: str, purpose: str) -> str:
    return f"ORDER#{order_id}#{purpose}"


@table("pii")
class BuyerPiiRecord(SellerItem):
    # sk: ORDER#<orderId>#<purpose>
    # The PII function's own role reaches this table; the tenant data role (which the general API
    # function may assume too) never does, so the general API still cannot read buyer PII items.
    tenant_scoped = False
    order_id = UnicodeAttribute()
    purpose = UnicodeAttribute()
    ciphertext = BinaryAttribute(legacy_encoding=False)
    stored_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()  # epoch seconds; DynamoDB TTL


def _utcnow() -> datetime:
    return datetime.now(UTC)


class BuyerPiiStore:
    """Data access for the buyer-PII table; the only holder of the PII key's ARN in the code."""

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
    def context(seller_id: str, order_id: str, purpose: str) -> dict[str, str]:
        return {"seller_id": seller_id, "order_id": order_id, "purpose": purpose}

    def put(
        self, seller_id: str, order_id: str, purpose: str, label: ShippingLabel, *, expires_at: datetime
    ) -> None:
        now = self._clock().astimezone(UTC)
        if expires_at <= now or expires_at > now + PII_RETENTION:
            raise ValueError("buyer PII must expire after now and at most 30 days from now")
        ciphertext = self._envelope.encrypt(
            label.model_dump_json().encode("utf-8"), self.context(seller_id, order_id, purpose)
        )
        BuyerPiiRecord(
            seller_id=seller_id,
            sk=pii_key(order_id, purpose),
            order_id=order_id,
            purpose=purpose,
            ciphertext=ciphertext,
            stored_at=now,
            expires_at=int(expires_at.timestamp()),
        ).save()

    def get(self, seller_id: str, order_id: str, purpose: str) -> StoredLabel | None:
        """The stored label, or None when there is none or it has expired (TTL may lag for days)."""
        try:
            record = BuyerPiiRecord.get(seller_id, pii_key(order_id, purpose), consistent_read=True)
        except DoesNotExist:
            return None
        if int(record.expires_at) <= int(self._clock().timestamp()):
            return None
        plaintext = self._envelope.decrypt(record.ciphertext, self.context(seller_id, order_id, purpose))
        if plaintext is None:
            raise PiiContextMismatch(
                f"stored PII of seller {seller_id} order {order_id} was not encrypted for that order and purpose"
            )
        return StoredLabel(
            label=ShippingLabel.model_validate_json(plaintext),
            expires_at=datetime.fromtimestamp(int(record.expires_at), UTC),
        )

    def delete(self, seller_id: str, order_id: str, purpose: str) -> None:
        BuyerPiiRecord(seller_id=seller_id, sk=pii_key(order_id, purpose)).delete()
