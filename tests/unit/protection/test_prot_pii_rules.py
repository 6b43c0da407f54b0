"""Buyer-PII rules (pure): when stored PII expires, what a label holds, and redaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellerflow.errors import ShippingAddressUnavailable
from sellerflow.pii.models import ShippingLabel, label_from_order, latest_delivery
from sellerflow.pii.redaction import redact
from sellerflow.pii.retention import PII_RETENTION, pii_expires_at

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
DAYS30 = timedelta(days=30)

ORDER = {
    "orderId": "111-0000001-0000001",
    "buyer": {"buyerName": "Jane PII-CANARY-ab12", "buyerEmail": "pii-canary-ab12@marketplace.amazon.com"},
    "recipient": {
        "deliveryAddress": {
            "name": "Jane Doe PII-CANARY-ab12",
            "companyName": "Acme PII-CANARY-ab12",
            "addressLine1": "1 Main St PII-CANARY-ab12",
            "city": "Seattle PII-CANARY-ab12",
            "stateOrRegion": "WA PII-CANARY-ab12",
            "postalCode": "98101 PII-CANARY-ab12",
            "countryCode": "US",
            "phone": "+1 206 555 pii-canary-ab12",
            "addressType": "RESIDENTIAL",
        }
    },
    "fulfillment": {"deliverByWindow": {"latestDateTime": "2026-05-12T00:00:00Z"}},
}


def test_expiry_is_delivery_plus_30_days_when_delivery_is_known() -> None:
    delivered = NOW - timedelta(days=3)
    assert pii_expires_at(now=NOW, delivered_at=delivered) == delivered + DAYS30


def test_expiry_falls_back_to_the_latest_delivery_date_then_the_purchase() -> None:
    latest = NOW - timedelta(days=1)
    assert (
        pii_expires_at(now=NOW, latest_delivery=latest, purchased_at=NOW - timedelta(days=5))
        == latest + DAYS30
    )
    purchased = NOW - timedelta(days=4)
    assert pii_expires_at(now=NOW, purchased_at=purchased) == purchased + DAYS30
    assert pii_expires_at(now=NOW) == NOW + DAYS30


def test_expiry_is_never_later_than_now_plus_30_days() -> None:
    assert pii_expires_at(now=NOW, latest_delivery=NOW + timedelta(days=10)) == NOW + DAYS30


def test_pii_whose_window_has_passed_is_not_stored_at_all() -> None:
    assert pii_expires_at(now=NOW, delivered_at=NOW - timedelta(days=31)) is None


def test_a_longer_retention_is_refused() -> None:
    with pytest.raises(ValueError):
        pii_expires_at(now=NOW, retention=timedelta(days=31))


@given(
    st.one_of(st.none(), st.integers(min_value=-90, max_value=90)),
    st.one_of(st.none(), st.integers(min_value=-90, max_value=90)),
    st.one_of(st.none(), st.integers(min_value=-90, max_value=0)),
)
def test_expiry_never_exceeds_any_bound(
    delivered: int | None, latest: int | None, purchased: int | None
) -> None:
    def at(days: int | None) -> datetime | None:
        return None if days is None else NOW + timedelta(days=days)

    expires = pii_expires_at(
        now=NOW, delivered_at=at(delivered), latest_delivery=at(latest), purchased_at=at(purchased)
    )
    if expires is None:
        return
    assert NOW < expires <= NOW + PII_RETENTION
    anchor = at(delivered) or at(latest) or at(purchased) or NOW
    assert expires <= anchor + PII_RETENTION


def test_a_label_holds_only_what_a_carrier_label_needs() -> None:
    label = label_from_order(ORDER)
    assert label.name == "Jane Doe PII-CANARY-ab12"
    dumped = json.dumps(label.model_dump())
    assert "Acme" not in dumped  # company name: not needed for the label
    assert "marketplace.amazon.com" not in dumped  # the buyer's e-mail never
    assert "RESIDENTIAL" not in dumped
    assert latest_delivery(ORDER) == datetime(2026, 5, 12, tzinfo=UTC)


def test_an_order_without_an_address_has_no_label() -> None:
    with pytest.raises(ShippingAddressUnavailable):
        label_from_order({"orderId": "x"})


def test_a_label_never_prints_its_values() -> None:
    label = label_from_order(ORDER)
    for text in (repr(label), str(label), f"{label!r}"):
        assert "canary" not in text.lower()


def test_redaction_masks_every_pii_field_in_any_spelling() -> None:
    label = label_from_order(ORDER)
    redacted = redact({"ship_to": label, "order": ORDER, "order_id": "111-0000001-0000001"})
    assert "canary" not in json.dumps(redacted).lower()
    assert redacted["order_id"] == "111-0000001-0000001"
    assert redact(label)["country_code"] == "US"
    assert isinstance(label, ShippingLabel)
