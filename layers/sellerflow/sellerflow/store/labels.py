"""Label data: package profiles and label settings (seller input), the last rates shown, the bought
shipments (carrier, service, price, tracking: no buyer data), and the kept label documents.

DynamoDB, each item's value one JSON document of its domain type (`body`):

    sellers table       LABELPROFILE#<sku>        a SKU's package profile (long-lived, seller input)
                        LABELSETTINGS             ship-from, label format, reprint window (long-lived)
    seller-data table   LABELQUOTE#<orderId>      the last rates shown (1 day)
                        LABEL#<orderId>           the order's label shipment (as long as orders: 540 days)

S3, the label bucket (the only place a label document is kept, and the only bucket holding buyer
data): `<sellerId>/<orderId>`, the document envelope-encrypted client side under the PII key with the
context {seller_id, order_id, purpose=label_document}, stored with SSE-KMS under the same key, and its
`expires-at` in the object's metadata; a read past it deletes the object, the bucket's lifecycle rule
(31 days) is the backstop. Seller erasure deletes the seller's prefix (`LabelVault.delete_seller`).
"""

from __future__ import annotations

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
from sellerflow.store.envelope import ContextEnvelope
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
    ) -> None:
        self._bucket = bucket
        self._key_arn = pii_key_arn
        self._client = client
        self._envelope = ContextEnvelope(pii_key_arn, botocore_session)
        self._clock = clock

    @property
    def client(self) -> S3Client:
        if self._client is None:
            self._client = sigv4_s3_client()
        return self._client

    @staticmethod
    def context(seller_id: str, order_id: str) -> dict[str, str]:
        return {"seller_id": seller_id, "order_id": order_id, "purpose": LABEL_PURPOSE}

    @staticmethod
    def key(seller_id: str, order_id: str) -> str:
        return f"{seller_id}/{order_id}"

    def put(self, seller_id: str, order_id: str, document: LabelDocument, *, expires_at: datetime) -> None:
        ciphertext = self._envelope.encrypt(document.content, self.context(seller_id, order_id))
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
        plaintext = self._envelope.decrypt(answer["Body"].read(), self.context(seller_id, order_id))
        if plaintext is None:
            raise PiiContextMismatch(f"the kept label of order {order_id} was not encrypted for it")
        return LabelDocument(LabelFormat(metadata.get("format", "PDF")), plaintext)

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
