"""The kept label documents' data keys (`store.labels.LabelVault`, issue 13 item 5), in moto's KMS and S3:
a seller's labels in one container share a data key within `LABEL_KEY_CACHE`'s thresholds (max labels,
max age), another seller never gets it, the order each document was kept for is bound in its
authenticated plaintext (a copy to another order or seller is refused, as a wrong context is), and the
documents kept before (the order in the encryption context, no header) still decrypt. Each KMS request
the vault's botocore session sends is counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aws_encryption_sdk.caches
import pytest
from kms_counting import KmsRequests
from prot_support import LABEL_BUCKET

from sellerflow.errors import PiiContextMismatch
from sellerflow.labels.model import LabelDocument, LabelFormat
from sellerflow.store.envelope import ContextEnvelope, EncryptCache
from sellerflow.store.labels import LABEL_KEY_CACHE, LabelVault

BUCKET = LABEL_BUCKET
SELLER_A, SELLER_B = "A1SELLERA", "A2SELLERB"
NOW = datetime.now(UTC)
KEPT_UNTIL = NOW + timedelta(days=7)


def label(order_id: str) -> LabelDocument:
    return LabelDocument(LabelFormat.PDF, f"%PDF ship to Jane Doe, order {order_id}".encode())


def vault(s3: Any, key_arn: str, kms: KmsRequests, key_cache: EncryptCache = LABEL_KEY_CACHE) -> LabelVault:
    """A container's vault: its own data key caches, its KMS requests counted."""
    return LabelVault(BUCKET, key_arn, client=s3, botocore_session=kms.session, key_cache=key_cache)


def test_two_labels_of_one_seller_in_one_container_make_one_generate_data_key(
    s3: Any, pii_key_arn: str, kms: KmsRequests
) -> None:
    # Given a container's vault
    labels = vault(s3, pii_key_arn, kms)

    # When seller A keeps the labels of two orders, one after the other
    labels.put(SELLER_A, "111-0000001-0000001", label("111-0000001-0000001"), expires_at=KEPT_UNTIL)
    labels.put(SELLER_A, "111-0000002-0000002", label("111-0000002-0000002"), expires_at=KEPT_UNTIL)

    # Then KMS generated one data key, and each order reads back its own label
    assert kms.count("GenerateDataKey") == 1
    for order_id in ("111-0000001-0000001", "111-0000002-0000002"):
        assert labels.get(SELLER_A, order_id, now=NOW) == label(order_id)
    # ... and the reprints of both decrypted that one key once (the decrypt cache)
    assert kms.count("Decrypt") == 1
    # ... while another container (a vault of its own) reads them with a KMS Decrypt of its own
    assert vault(s3, pii_key_arn, kms).get(SELLER_A, "111-0000001-0000001", now=NOW) is not None
    assert kms.count("Decrypt") == 2


def test_another_seller_gets_a_data_key_of_its_own(s3: Any, pii_key_arn: str, kms: KmsRequests) -> None:
    # Given seller A's data key cached in the container
    labels = vault(s3, pii_key_arn, kms)
    labels.put(SELLER_A, "111-0000001-0000001", label("A's first"), expires_at=KEPT_UNTIL)

    # When seller B keeps a label in the same container, then A another
    labels.put(SELLER_B, "222-0000001-0000001", label("B's first"), expires_at=KEPT_UNTIL)
    labels.put(SELLER_A, "111-0000002-0000002", label("A's second"), expires_at=KEPT_UNTIL)

    # Then B's label made a GenerateDataKey of its own (A's second reused A's key), under B's context
    assert kms.count("GenerateDataKey") == 2
    ciphertext = s3.get_object(Bucket=BUCKET, Key=f"{SELLER_B}/222-0000001-0000001")["Body"].read()
    assert ContextEnvelope(pii_key_arn).decrypt(ciphertext, LabelVault.context(SELLER_A)) is None
    assert ContextEnvelope(pii_key_arn).decrypt(ciphertext, LabelVault.context(SELLER_B)) is not None
    assert labels.get(SELLER_B, "222-0000001-0000001", now=NOW) == label("B's first")


def _copy(s3: Any, source: str, target: str) -> None:
    s3.copy_object(Bucket=BUCKET, Key=target, CopySource={"Bucket": BUCKET, "Key": source})


def test_a_document_copied_to_another_order_or_seller_is_refused(
    s3: Any, pii_key_arn: str, kms: KmsRequests
) -> None:
    # Given two labels of seller A under one (cached) data key, and one of seller B
    labels = vault(s3, pii_key_arn, kms)
    labels.put(SELLER_A, "111-0000001-0000001", label("111-0000001-0000001"), expires_at=KEPT_UNTIL)
    labels.put(SELLER_A, "111-0000002-0000002", label("111-0000002-0000002"), expires_at=KEPT_UNTIL)
    labels.put(SELLER_B, "222-0000001-0000001", label("222-0000001-0000001"), expires_at=KEPT_UNTIL)

    # When A's first label is copied over A's second order's, and to B's order
    _copy(s3, f"{SELLER_A}/111-0000001-0000001", f"{SELLER_A}/111-0000002-0000002")
    _copy(s3, f"{SELLER_A}/111-0000001-0000001", f"{SELLER_B}/222-0000001-0000001")

    # Then neither is served: the same seller's key decrypts the copy, its header names another order;
    # the other seller's context does not match at all
    with pytest.raises(PiiContextMismatch, match="111-0000002-0000002"):
        labels.get(SELLER_A, "111-0000002-0000002", now=NOW)
    with pytest.raises(PiiContextMismatch, match="222-0000001-0000001"):
        labels.get(SELLER_B, "222-0000001-0000001", now=NOW)
    # ... and the original still is
    assert labels.get(SELLER_A, "111-0000001-0000001", now=NOW) == label("111-0000001-0000001")


def test_a_document_encrypted_under_the_sellers_context_without_its_header_is_refused(
    s3: Any, pii_key_arn: str, kms: KmsRequests
) -> None:
    # Given a ciphertext under seller A's label context whose plaintext names no order (only a writer
    # with the PII key could make one; the vault never does)
    bare = ContextEnvelope(pii_key_arn).encrypt(b"%PDF no header", LabelVault.context(SELLER_A))
    s3.put_object(Bucket=BUCKET, Key=f"{SELLER_A}/111-0000001-0000001", Body=bare,
                  Metadata={"expires-at": str(int(KEPT_UNTIL.timestamp())), "format": "PDF"})  # fmt: skip

    # When it is read as the order's label, then it is refused
    with pytest.raises(PiiContextMismatch):
        vault(s3, pii_key_arn, kms).get(SELLER_A, "111-0000001-0000001", now=NOW)


def test_max_messages_ends_a_data_key(s3: Any, pii_key_arn: str, kms: KmsRequests) -> None:
    # Given a vault whose data key serves at most 2 labels
    labels = vault(s3, pii_key_arn, kms, EncryptCache(max_age_s=300, max_messages=2, capacity=8))

    # When seller A keeps 5 labels
    orders = [f"111-000000{n}-000000{n}" for n in range(1, 6)]
    for order_id in orders:
        labels.put(SELLER_A, order_id, label(order_id), expires_at=KEPT_UNTIL)

    # Then KMS generated ceil(5 / 2) = 3 data keys, and every label reads back
    assert kms.count("GenerateDataKey") == 3
    assert [labels.get(SELLER_A, o, now=NOW) for o in orders] == [label(o) for o in orders]


def test_max_age_ends_a_data_key(
    s3: Any, pii_key_arn: str, kms: KmsRequests, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given seller A's label kept, its data key cached by the deployment's thresholds
    labels = vault(s3, pii_key_arn, kms)
    labels.put(SELLER_A, "111-0000001-0000001", label("first"), expires_at=KEPT_UNTIL)

    # When A keeps another label just within max age, and one just past it (the SDK's clock)
    real = aws_encryption_sdk.caches.time.time
    monkeypatch.setattr(
        aws_encryption_sdk.caches.time, "time", lambda: real() + LABEL_KEY_CACHE.max_age_s - 5
    )
    labels.put(SELLER_A, "111-0000002-0000002", label("second"), expires_at=KEPT_UNTIL)
    within = kms.count("GenerateDataKey")
    monkeypatch.setattr(
        aws_encryption_sdk.caches.time, "time", lambda: real() + LABEL_KEY_CACHE.max_age_s + 5
    )
    labels.put(SELLER_A, "111-0000003-0000003", label("third"), expires_at=KEPT_UNTIL)

    # Then the second reused the key, the third asked KMS for a new one
    assert within == 1
    assert kms.count("GenerateDataKey") == 2
    assert labels.get(SELLER_A, "111-0000003-0000003", now=NOW) == label("third")


def _keep_as_before(s3: Any, key_arn: str, seller_id: str, order_id: str, document: LabelDocument) -> None:
    """A label document kept by the vault before the order header: the document alone, encrypted under
    {seller_id, order_id, purpose=label_document}."""
    ciphertext = ContextEnvelope(key_arn).encrypt(
        document.content, LabelVault.legacy_context(seller_id, order_id)
    )
    s3.put_object(
        Bucket=BUCKET, Key=f"{seller_id}/{order_id}", Body=ciphertext, ServerSideEncryption="aws:kms",
        SSEKMSKeyId=key_arn, Metadata={"expires-at": str(int(KEPT_UNTIL.timestamp())), "format": "PNG"},
    )  # fmt: skip


def test_label_documents_kept_before_the_order_header_still_decrypt(
    s3: Any, pii_key_arn: str, kms: KmsRequests
) -> None:
    # Given a label kept by the previous version (the order in the context), and one kept now
    before = LabelDocument(LabelFormat.PNG, b"\x89PNG ship to Jane Doe\n(two lines)")
    _keep_as_before(s3, pii_key_arn, SELLER_A, "111-0000001-0000001", before)
    labels = vault(s3, pii_key_arn, kms)
    labels.put(SELLER_A, "111-0000002-0000002", label("now"), expires_at=KEPT_UNTIL)

    # When both are reprinted, then each reads back whole
    assert labels.get(SELLER_A, "111-0000001-0000001", now=NOW) == before
    assert labels.get(SELLER_A, "111-0000002-0000002", now=NOW) == label("now")

    # ... and the old one copied to another order or seller is refused as before
    _copy(s3, f"{SELLER_A}/111-0000001-0000001", f"{SELLER_A}/111-0000003-0000003")
    _copy(s3, f"{SELLER_A}/111-0000001-0000001", f"{SELLER_B}/111-0000001-0000001")
    with pytest.raises(PiiContextMismatch):
        labels.get(SELLER_A, "111-0000003-0000003", now=NOW)
    with pytest.raises(PiiContextMismatch):
        labels.get(SELLER_B, "111-0000001-0000001", now=NOW)
