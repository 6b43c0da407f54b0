"""The buyer-PII table in moto: encryption context, copy attacks, expiry on read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prot_support import raw_items

from sellerflow.errors import PiiContextMismatch
from sellerflow.pii.models import ShippingLabel
from sellerflow.store.pii import BuyerPiiRecord, BuyerPiiStore

SELLER, OTHER_SELLER = "A1PROTSELLER", "A2PROTOTHER"
ORDER, OTHER_ORDER = "111-0000001-0000001", "111-0000002-0000002"
PURPOSE = "shipping_label"
LABEL = ShippingLabel(
    name="Jane Doe PII-CANARY-ab12", address_line1="1 Main St PII-CANARY-ab12", city="Seattle", state_or_region="WA",
    postal_code="98101", country_code="US", phone="+1 206 555 0100",
)  # fmt: skip


def test_a_stored_label_round_trips_under_its_encryption_context(aws: Any, pii_key_arn: str) -> None:
    store = BuyerPiiStore(pii_key_arn)
    expires = datetime.now(UTC) + timedelta(days=10)
    store.put(SELLER, ORDER, PURPOSE, LABEL, expires_at=expires)
    found = BuyerPiiStore(pii_key_arn).get(SELLER, ORDER, PURPOSE)
    assert found is not None
    assert found.label == LABEL
    assert found.expires_at == datetime.fromtimestamp(int(expires.timestamp()), UTC)
    # The raw item holds no buyer value in clear, only keys, ciphertext and times
    (item,) = raw_items(aws, "BuyerPiiTable")
    assert "canary" not in repr(item).lower()
    assert set(item) == {"seller_id", "sk", "order_id", "purpose", "ciphertext", "stored_at", "expires_at"}
    assert item["sk"]["S"] == f"ORDER#{ORDER}#{PURPOSE}"


def test_a_ciphertext_copied_to_another_order_does_not_decrypt(aws: Any, pii_key_arn: str) -> None:
    store = BuyerPiiStore(pii_key_arn)
    store.put(SELLER, ORDER, PURPOSE, LABEL, expires_at=datetime.now(UTC) + timedelta(days=10))
    original = BuyerPiiRecord.get(SELLER, f"ORDER#{ORDER}#{PURPOSE}")
    for seller, order in ((SELLER, OTHER_ORDER), (OTHER_SELLER, ORDER)):
        BuyerPiiRecord(
            seller_id=seller, sk=f"ORDER#{order}#{PURPOSE}", order_id=order, purpose=PURPOSE,
            ciphertext=original.ciphertext, stored_at=original.stored_at, expires_at=original.expires_at,
        ).save()  # fmt: skip
        with pytest.raises(PiiContextMismatch):
            store.get(seller, order, PURPOSE)


def test_expired_pii_is_never_returned(aws: Any, pii_key_arn: str) -> None:
    # Given a label stored for 2 days, and TTL that has not deleted it (moto never does)
    now = datetime.now(UTC)
    BuyerPiiStore(pii_key_arn, clock=lambda: now).put(
        SELLER, ORDER, PURPOSE, LABEL, expires_at=now + timedelta(days=2)
    )
    # When it is read three days later
    later = BuyerPiiStore(pii_key_arn, clock=lambda: now + timedelta(days=3))
    # Then nothing is returned, although the item is still in the table
    assert later.get(SELLER, ORDER, PURPOSE) is None
    assert len(raw_items(aws, "BuyerPiiTable")) == 1


def test_pii_cannot_be_stored_for_more_than_30_days(aws: Any, pii_key_arn: str) -> None:
    now = datetime.now(UTC)
    with pytest.raises(ValueError):
        BuyerPiiStore(pii_key_arn).put(SELLER, ORDER, PURPOSE, LABEL, expires_at=now + timedelta(days=31))
    with pytest.raises(ValueError):
        BuyerPiiStore(pii_key_arn).put(SELLER, ORDER, PURPOSE, LABEL, expires_at=now - timedelta(seconds=1))
    assert raw_items(aws, "BuyerPiiTable") == []
