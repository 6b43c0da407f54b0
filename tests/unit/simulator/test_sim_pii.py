"""Every buyer-personal value carries the canary; nothing else does."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from sellerflow_dev.simulator import PII_MARKER, SimWorld, find_pii_markers
from sellerflow_dev.simulator.pii import ADDRESS_PII_FIELDS, BUYER_PII_FIELDS, iter_strings

NON_PERSONAL_ADDRESS_FIELDS = {"countryCode", "addressType"}


@pytest.fixture(scope="module")
def orders() -> list[dict]:
    world = SimWorld.generate(sellers=3, seed=11, now=datetime(2026, 1, 15, 9, 0, tzinfo=UTC))
    return [order for seller in world.sellers for order in world.orders(seller.seller_id)]


def test_the_marker_is_the_documented_string() -> None:
    assert PII_MARKER == "pii-canary"


def test_every_buyer_and_recipient_string_carries_the_marker(orders: list[dict]) -> None:
    for order in orders:
        # Given the personal parts of an order
        address = order["recipient"]["deliveryAddress"]
        personal = {k: v for k, v in order["buyer"].items()} | {
            f"address.{k}": v for k, v in address.items() if k not in NON_PERSONAL_ADDRESS_FIELDS
        }
        # Then each value contains the marker, in some casing
        assert personal
        for field, value in personal.items():
            assert PII_MARKER in value.lower(), (field, value)
            assert field.removeprefix("address.") in BUYER_PII_FIELDS + ADDRESS_PII_FIELDS
        assert {"buyerName", "address.name", "address.addressLine1", "address.phone"} <= set(personal)


def test_fbm_orders_carry_a_canary_email(orders: list[dict]) -> None:
    fbm = [o for o in orders if o["fulfillment"]["fulfilledBy"] == "MERCHANT"]
    assert fbm
    assert all(find_pii_markers(o["buyer"]["buyerEmail"]) for o in fbm)


def test_nothing_outside_buyer_and_recipient_contains_the_marker(orders: list[dict]) -> None:
    for order in orders:
        rest = {k: v for k, v in order.items() if k not in {"buyer", "recipient"}}
        address = order["recipient"]["deliveryAddress"]
        rest["nonPersonalAddress"] = {k: address[k] for k in NON_PERSONAL_ADDRESS_FIELDS}
        assert find_pii_markers(json.dumps(rest)) == []
        assert all(PII_MARKER not in value.lower() for _, value in iter_strings(rest))


def test_find_pii_markers_lists_every_occurrence_with_its_tag() -> None:
    text = 'name="Jane Doe PII-CANARY-3f9a" mail=pii-canary-3f9a@x.com, bare Pii-Canary here'
    assert find_pii_markers(text) == ["PII-CANARY-3f9a", "pii-canary-3f9a", "Pii-Canary"]
    assert find_pii_markers("no personal data, not even pii canary") == []


def test_a_whole_order_serialised_reveals_its_canaries(orders: list[dict]) -> None:
    order = orders[0]
    found = find_pii_markers(json.dumps(order, ensure_ascii=False))
    tags = {marker.lower() for marker in found}
    # One tag per order, repeated in every personal field
    assert len(tags) == 1
    assert len(found) >= 6
