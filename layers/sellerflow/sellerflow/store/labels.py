"""Label data: package profiles and label settings (seller input), the last rates shown, the bought
shipments (carrier, service, price, tracking: no buyer data), and the kept label documents.

DynamoDB, each item's value one JSON document of its domain type (`body`):

    sellers table       LABELPROFILE#<sku>        a SKU's package profile (long-lived, seller input)
                        LABELSETTINGS             ship-from, label format, reprint window (long-lived)
    seller-data table   LABELQUOTE#<orderId>      the last rates shown (1 day)
                        LABEL#<orderId>           the order's label shipment (as long as orders: 540 days)

S3, the label bucket (the only place a label document is kept, and the only bucket holding buyer
data): `<sellerId>/<orderId>`, the document envelope-encrypted client side under the PII key, stored
with SSE-KMS under the same key, and its `expires-at` in the object's metadata; a read past it deletes
the object, the bucket's lifecycle rule (31 days) is the backstop. Seller erasure deletes the seller's
prefix (`LabelVault.delete_seller`).

The client-side encryption, two layouts (both read):
- since issue 13 item 5: the context {seller_id, purpose=label_document, layout=order-header/1} and the
  plaintext `{"order_id":..,"seller_id":..}\n<document>`; a data key is reused for the seller's next
  labels within `LABEL_KEY_CACHE` (a context without the order is what lets the SDK's cache hit), and
  the header, authenticated with the document, binds the ciphertext to its order: a copy under
  another order's (or seller's) key is refused as a wrong context is.
- before: the context {seller_id, order_id, purpose=label_document}, the document alone, a data key each.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from pydantic import TypeAdapter
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist

from sellerflow.errors import PiiContextMismatch
from sellerflow.labels.model import (
    LabelDocument,
    LabelFormat,
    LabelSettings,
    LabelShipment,
    PackageProfile,
    RateQuote,
    ShipmentStatus,
)
from sellerflow.store.envelope import ContextEnvelope, DecryptCache, EncryptCache
from sellerflow.store.s3 import sigv4_s3_client
from sellerflow.store.tables import SellerItem, condition_failed, table

if TYPE_CHECKING:
    from botocore.session import Session as BotocoreSession
    from mypy_boto3_s3 import S3Client

PROFILE_PREFIX = "LABELPROFILE#"
SETTINGS_KEY = "LABELSETTINGS"
QUOTE_PREFIX = "LABELQUOTE#"
SHIPMENT_PREFIX = "LABEL#"
QUOTE_TTL = timedelta(days=1)
SHIPMENT_RETENTION = timedelta(days=540)
LABEL_PURPOSE = "label_document"
# The layout of a label document's ciphertext whose order is in its plaintext's header (module docstring)
ORDER_HEADER_LAYOUT = "order-header/1"
# A label's data key serves the seller's next labels in the container for 5 minutes from its KMS call
# and 100 labels at most (a sitting's labels, not a day's); a container holds 256 sellers' keys at most
LABEL_KEY_CACHE = EncryptCache(max_age_s=300.0, max_messages=100, capacity=256)
# A reprint's decrypted data key, for the other labels that share it, within the same 5 minutes
LABEL_DECRYPT_CACHE = DecryptCache(max_age_s=300.0, capacity=256)


@table("sellers")
class PackageProfileRecord(SellerItem):
    """LABELPROFILE#<sku>: a `PackageProfile` as JSON."""

    body = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()


@table("sellers")
class LabelSettingsRecord(SellerItem):
    """LABELSETTINGS: the seller's `LabelSettings` as JSON."""

    body = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()


@table("seller_data")
class LabelQuoteRecord(SellerItem):
    """LABELQUOTE#<orderId>: the rates last shown for the order (carriers, services, prices)."""

    body = UnicodeAttribute()
    expires_at = NumberAttribute()  # epoch seconds; DynamoDB TTL


@table("seller_data")
class LabelShipmentRecord(SellerItem):
    """LABEL#<orderId>: the order's `LabelShipment` as JSON (tracking kept with the order)."""

    order_id = UnicodeAttribute()
    status = UnicodeAttribute()
    body = UnicodeAttribute()
    expires_at = NumberAttribute()  # epoch seconds; DynamoDB TTL


def _utcnow() -> datetime:
    return datetime.now(UTC)


_QUOTES: TypeAdapter[RateQuote] = TypeAdapter(RateQuote)


class LabelDataStore:
    """Data access for package profiles, label settings, quotes and shipments (no buyer data)."""

    def __init__(self, *, clock: Callable[[], datetime] = _utcnow) -> None:
        self._clock = clock

    def profiles(self, seller_id: str, skus: Iterable[str] | None = None) -> dict[str, PackageProfile]:
        wanted = set(skus) if skus is not None else None
        found = {}
        for record in PackageProfileRecord.query(
            seller_id, PackageProfileRecord.sk.startswith(PROFILE_PREFIX)
        ):
            profile = PackageProfile.model_validate_json(record.body)
            if wanted is None or profile.sku in wanted:
                found[profile.sku] = profile
        return found

    def put_profile(self, seller_id: str, profile: PackageProfile) -> None:
        PackageProfileRecord(
            seller_id=seller_id,
            sk=f"{PROFILE_PREFIX}{profile.sku}",
            body=profile.model_dump_json(),
            updated_at=self._clock(),
        ).save()

    def settings(self, seller_id: str) -> LabelSettings | None:
        try:
            record = LabelSettingsRecord.get(seller_id, SETTINGS_KEY)
        except DoesNotExist:
            return None
        return LabelSettings.model_validate_json(record.body)

    def put_settings(self, seller_id: str, settings: LabelSettings) -> None:
        LabelSettingsRecord(
            seller_id=seller_id, sk=SETTINGS_KEY, body=settings.model_dump_json(), updated_at=self._clock()
        ).save()

    def put_quote(self, seller_id: str, quote: RateQuote) -> None:
        LabelQuoteRecord(
            seller_id=seller_id,
            sk=f"{QUOTE_PREFIX}{quote.order_id}",
            body=_QUOTES.dump_json(quote).decode(),
            expires_at=int((self._clock() + QUOTE_TTL).timestamp()),
        ).save()

    def quote(self, seller_id: str, order_id: str) -> RateQuote | None:
        try:
            record = LabelQuoteRecord.get(seller_id, f"{QUOTE_PREFIX}{order_id}", consistent_read=True)
        except DoesNotExist:
            return None
        return _QUOTES.validate_json(record.body)

    def shipment(self, seller_id: str, order_id: str) -> LabelShipment | None:
        try:
            record = LabelShipmentRecord.get(seller_id, f"{SHIPMENT_PREFIX}{order_id}", consistent_read=True)
        except DoesNotExist:
            return None
        return LabelShipment.model_validate_json(record.body)

    def shipments(self, seller_id: str, order_ids: Iterable[str]) -> dict[str, LabelShipment]:
        wanted = set(order_ids)
        if not wanted:
            return {}
        found = {}
        for record in LabelShipmentRecord.query(
            seller_id, LabelShipmentRecord.sk.startswith(SHIPMENT_PREFIX)
        ):
            if record.order_id in wanted:
                found[record.order_id] = LabelShipment.model_validate_json(record.body)
        return found

    def in_transit(self, seller_id: str) -> list[LabelShipment]:
        """The seller's purchased labels not delivered yet (the sync's tracking refresh)."""
        found = []
        for record in LabelShipmentRecord.query(
            seller_id,
            LabelShipmentRecord.sk.startswith(SHIPMENT_PREFIX),
            filter_condition=LabelShipmentRecord.status == ShipmentStatus.PURCHASED.value,
        ):
            shipment = LabelShipment.model_validate_json(record.body)
            if shipment.delivered_at is None:
                found.append(shipment)
        return found

    def put_shipment(self, shipment: LabelShipment) -> None:
        LabelShipmentRecord(
            seller_id=shipment.seller_id,
            sk=f"{SHIPMENT_PREFIX}{shipment.order_id}",
            order_id=shipment.order_id,
            status=shipment.status.value,
            body=shipment.model_dump_json(),
            expires_at=int((self._clock() + SHIPMENT_RETENTION).timestamp()),
        ).save()

    def forget_pending(self, seller_id: str, order_id: str) -> None:
        try:
            LabelShipmentRecord(seller_id=seller_id, sk=f"{SHIPMENT_PREFIX}{order_id}").delete(
                condition=LabelShipmentRecord.status == "PENDING"
            )
        except DeleteError as error:
            if not condition_failed(error):  # a condition failure means: not pending, keep it
                raise


def with_order_header(seller_id: str, order_id: str, content: bytes) -> bytes:
    """A label document's plaintext: a one-line JSON header naming its seller and order (JSON escapes
    any newline in them), then the document."""
    header = json.dumps({"order_id": order_id, "seller_id": seller_id}, sort_keys=True, separators=(",", ":"))
    return header.encode() + b"\n" + content


def without_order_header(plaintext: bytes, seller_id: str, order_id: str) -> bytes | None:
    """The document of a plaintext whose header names `seller_id` and `order_id`; None for any other
    header or none (a document copied from another order: refused)."""
    header, newline, content = plaintext.partition(b"\n")
    try:
        named = json.loads(header)
    except ValueError:  # not JSON, or not UTF-8
        return None
    if not newline or named != {"order_id": order_id, "seller_id": seller_id}:
        return None
    return content


class LabelVault:
    """Kept label documents in the label bucket, encrypted under the PII key (client and server side)."""

    def __init__(
        self,
        bucket: str,
        pii_key_arn: str,
        *,
        client: S3Client | None = None,
        botocore_session: BotocoreSession | None = None,
        clock: Callable[[], datetime] = _utcnow,
        key_cache: EncryptCache = LABEL_KEY_CACHE,
    ) -> None:
        self._bucket = bucket
        self._key_arn = pii_key_arn
        self._client = client
        self._envelope = ContextEnvelope(
            pii_key_arn, botocore_session, decrypt_cache=LABEL_DECRYPT_CACHE, encrypt_cache=key_cache
        )
        self._clock = clock

    @property
    def client(self) -> S3Client:
        if self._client is None:
            self._client = sigv4_s3_client()
        return self._client

    @staticmethod
    def context(seller_id: str) -> dict[str, str]:
        """A label document's encryption context: the seller's, shared by its labels (their order is in
        the plaintext's header), so a cached data key never serves another seller."""
        return {"seller_id": seller_id, "purpose": LABEL_PURPOSE, "layout": ORDER_HEADER_LAYOUT}

    @staticmethod
    def legacy_context(seller_id: str, order_id: str) -> dict[str, str]:
        """The context of the label documents kept before the order header (read, never written)."""
        return {"seller_id": seller_id, "order_id": order_id, "purpose": LABEL_PURPOSE}

    @staticmethod
    def key(seller_id: str, order_id: str) -> str:
        return f"{seller_id}/{order_id}"

    def put(self, seller_id: str, order_id: str, document: LabelDocument, *, expires_at: datetime) -> None:
        plaintext = with_order_header(seller_id, order_id, document.content)
        ciphertext = self._envelope.encrypt(plaintext, self.context(seller_id))
        self.client.put_object(
            Bucket=self._bucket,
            Key=self.key(seller_id, order_id),
            Body=ciphertext,
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=self._key_arn,
            Metadata={"expires-at": str(int(expires_at.timestamp())), "format": document.format.value},
        )

    def get(self, seller_id: str, order_id: str, *, now: datetime) -> LabelDocument | None:
        try:
            answer = self.client.get_object(Bucket=self._bucket, Key=self.key(seller_id, order_id))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                return None
            raise
        metadata = answer.get("Metadata") or {}
        if int(metadata.get("expires-at", "0")) <= int(now.timestamp()):
            self.delete(seller_id, order_id)
            return None
        contexts = [self.context(seller_id), self.legacy_context(seller_id, order_id)]
        found = self._envelope.decrypt_for_any(answer["Body"].read(), contexts)
        content = None
        if found is not None:
            layout, plaintext = found
            content = without_order_header(plaintext, seller_id, order_id) if layout == 0 else plaintext
        if content is None:
            raise PiiContextMismatch(f"the kept label of order {order_id} was not encrypted for it")
        return LabelDocument(LabelFormat(metadata.get("format", "PDF")), content)

    def retain_until(self, seller_id: str, order_id: str, expires_at: datetime) -> None:
        key = self.key(seller_id, order_id)
        try:
            head = self.client.head_object(Bucket=self._bucket, Key=key)
        except ClientError:
            return
        metadata = dict(head.get("Metadata") or {})
        metadata["expires-at"] = str(int(expires_at.timestamp()))
        self.client.copy_object(
            Bucket=self._bucket,
            Key=key,
            CopySource={"Bucket": self._bucket, "Key": key},
            Metadata=metadata,
            MetadataDirective="REPLACE",
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=self._key_arn,
        )

    def delete(self, seller_id: str, order_id: str) -> None:
        self.client.delete_object(Bucket=self._bucket, Key=self.key(seller_id, order_id))

    def delete_seller(self, seller_id: str) -> int:
        """Seller erasure: every kept label of the seller; returns how many were deleted."""
        deleted = 0
        while True:
            listed = self.client.list_objects_v2(Bucket=self._bucket, Prefix=f"{seller_id}/", MaxKeys=1000)
            keys = [{"Key": item["Key"]} for item in listed.get("Contents", [])]
            if not keys:
                return deleted
            self.client.delete_objects(Bucket=self._bucket, Delete={"Objects": keys, "Quiet": True})  # type: ignore[typeddict-item]
            deleted += len(keys)
