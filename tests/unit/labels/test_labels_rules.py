"""The label rules without I/O: the parcel of an order, the client reference, the kept label's expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from sellerflow.domain import Order, OrderLine
from sellerflow.labels.model import (
    MAX_REPRINT_WINDOW,
    LabelDocument,
    LabelFormat,
    Package,
    PackageProfile,
    client_reference,
    label_expiry,
)

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def _order(*lines: tuple[str, int]) -> Order:
    return Order(
        seller_id="S", order_id="111-1", marketplace_id="ATVPDKIKX0DER", created_time=NOW, last_updated_time=NOW,
        local_date=date(2026, 3, 2), status="UNSHIPPED", fulfilled_by="MERCHANT",
        lines=tuple(OrderLine(order_item_id=f"i{n}", seller_sku=sku, quantity_ordered=q) for n, (sku, q) in enumerate(lines)),
    )  # fmt: skip


def _profile(sku: str, length: int, width: int, height: int, grams: int) -> PackageProfile:
    return PackageProfile(sku=sku, length_cm=Decimal(length), width_cm=Decimal(width), height_cm=Decimal(height), weight_g=grams)  # fmt: skip


def test_the_parcel_stacks_the_lines() -> None:
    profiles = {"A": _profile("A", 30, 20, 5, 400), "B": _profile("B", 25, 22, 10, 900)}
    package = Package.of(_order(("A", 2), ("B", 1)), profiles)
    assert (package.length_cm, package.width_cm, package.height_cm, package.weight_g) == (30, 22, 20, 1700)


def test_the_client_reference_changes_with_the_parcel_and_each_void() -> None:
    profiles = {"A": _profile("A", 30, 20, 5, 400)}
    one = Package.of(_order(("A", 1)), profiles)
    two = Package.of(_order(("A", 2)), profiles)
    assert client_reference("111-1", one, 0) == client_reference("111-1", one, 0)
    assert (
        len(
            {
                client_reference("111-1", one, 0),
                client_reference("111-1", two, 0),
                client_reference("111-1", one, 1),
            }
        )
        == 3
    )


def test_a_kept_label_goes_at_the_earlier_of_the_window_and_delivery_plus_30_days() -> None:
    assert label_expiry(now=NOW, reprint_days=0, delivery_by=None, delivered_at=None) is None
    assert label_expiry(now=NOW, reprint_days=7, delivery_by=None, delivered_at=None) == NOW + timedelta(
        days=7
    )
    delivered = NOW - timedelta(days=28)
    assert label_expiry(
        now=NOW, reprint_days=7, delivery_by=None, delivered_at=delivered
    ) == delivered + timedelta(days=30)
    assert (
        label_expiry(now=NOW, reprint_days=30, delivery_by=NOW - timedelta(days=31), delivered_at=None)
        is None
    )
    assert (
        label_expiry(now=NOW, reprint_days=30, delivery_by=NOW + timedelta(days=3), delivered_at=None)
        == NOW + MAX_REPRINT_WINDOW
    )


def test_bad_profiles_are_refused_and_a_document_never_shows_its_bytes() -> None:
    with pytest.raises(ValueError):
        _profile("A", 0, 1, 1, 1)
    with pytest.raises(ValueError):
        _profile("A", 1, 1, 1, 80_000)
    assert "Jane" not in repr(LabelDocument(LabelFormat.PDF, b"%PDF Jane Doe"))
