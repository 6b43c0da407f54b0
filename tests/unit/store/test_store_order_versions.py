"""Which order versions the store writes, and the purchase-date index's projection (no AWS)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from template_helpers import load_template

from sellerflow.domain import Order
from sellerflow.store.orders import PURCHASE_INDEX_ATTRIBUTES, VersionChange, version_change

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
STORED = Order(
    seller_id="A1",
    order_id="111-1",
    marketplace_id="ATVPDKIKX0DER",
    created_time=T0,
    last_updated_time=T0,
    local_date=date(2026, 3, 1),
    status="UNSHIPPED",
)


@pytest.mark.parametrize(
    ("incoming", "only_if_newer", "expected"),
    [
        (
            STORED.model_copy(update={"last_updated_time": T0 + timedelta(hours=1)}),
            False,
            VersionChange.TIME_ONLY,
        ),
        (STORED, False, VersionChange.NONE),
        (STORED.model_copy(update={"status": "SHIPPED"}), False, VersionChange.CONTENT),
        (STORED.model_copy(update={"status": "SHIPPED"}), True, VersionChange.NONE),
        (
            STORED.model_copy(update={"status": "SHIPPED", "last_updated_time": T0 - timedelta(seconds=1)}),
            False,
            VersionChange.NONE,
        ),
        (
            STORED.model_copy(update={"status": "SHIPPED", "last_updated_time": T0 + timedelta(seconds=1)}),
            True,
            VersionChange.CONTENT,
        ),
    ],
)
def test_a_version_is_written_only_when_it_is_newer_and_changes_something(
    incoming: Order, only_if_newer: bool, expected: VersionChange
) -> None:
    assert version_change(STORED, incoming, only_if_newer=only_if_newer) is expected


def test_a_new_order_is_always_content() -> None:
    assert version_change(None, STORED) is VersionChange.CONTENT


def test_the_template_projects_what_the_store_filters_on() -> None:
    table = load_template()["Resources"]["SellerDataTable"]["Properties"]
    (index,) = [i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == "by_purchase_date"]
    assert index["Projection"]["ProjectionType"] == "INCLUDE"
    assert sorted(index["Projection"]["NonKeyAttributes"]) == sorted(PURCHASE_INDEX_ATTRIBUTES)
