"""The history archive and the seller's rights: the export holds the archived orders and
transactions, and an erasure deletes the seller's history objects (another seller's stay)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from priv_int_support import BUCKET, MARKETPLACE, OTHER, OWNER_SUB, SELLER, PrivacyAws, seed_seller
from test_priv_erase_int import run_erasure

from sellerflow.errors import OrderNotFound
from sellerflow.facts import FinanceTransactionFact
from sellerflow.privacy.buyer import BuyerDeletionResult, delete_buyer_order_data
from sellerflow.privacy.export import build_export, export_id_for
from sellerflow.privacy.models import ExportInput
from sellerflow.store.audit import AuditLog
from sellerflow.store.facts import FactStore
from sellerflow.store.facts_control import DirtyDays
from sellerflow.store.history import HistoryArchive, HistoryObjects
from sellerflow.store.history_archiver import HistoryArchiver
from sellerflow.store.history_index import OrderIndex
from sellerflow.store.orders import OrderIdRecord, OrderStore
from sellerflow.store.privacy import PartitionStore, SellerObjects, restrict_order
from sellerflow.wiring.privacy import ExportedPartitions, archived_history

NOW = datetime(2026, 3, 10, tzinfo=UTC) + timedelta(days=200)  # the seeded orders are past the window


def _archive(aws: PrivacyAws, seller_id: str) -> HistoryObjects:
    objects = HistoryObjects(BUCKET, kms_key_id=aws.key_arn)
    HistoryArchiver(objects, hot_days=aws.settings.history_hot_days).run(seller_id, now=NOW)
    return objects


def _buyer_request(
    aws: PrivacyAws, order_id: str, objects: HistoryObjects, *, orders: OrderStore | None = None
) -> BuyerDeletionResult:
    """A buyer's deletion request for one of SELLER's orders, the archive's objects given."""
    return delete_buyer_order_data(
        SELLER,
        order_id,
        requested_by="operator:test",
        store=PartitionStore.from_settings(aws.settings),
        restrict=restrict_order,
        dirty=DirtyDays(),
        audit=AuditLog(),
        archive=objects,
        orders=orders,
    )


def test_the_export_holds_the_archived_orders_and_transactions(aws: PrivacyAws) -> None:
    # Given a seller whose orders were archived
    expected = seed_seller(aws, SELLER, orders=6)
    seed_seller(aws, OTHER, orders=2)
    posted = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
    FactStore().write(
        [
            FinanceTransactionFact(
                *(SELLER, "TX-ARCH", "Shipment", posted, MARKETPLACE, date(2026, 3, 10), None, None, None),
                total=Decimal("5.00"),
                currency="USD",
            )
        ],
        now=posted,
    )
    _archive(aws, SELLER)
    _archive(aws, OTHER)
    # When its export is built as the export function builds it
    result = build_export(
        ExportInput(seller_id=SELLER, export_id=export_id_for(SELLER, "r"), requested_by=OWNER_SUB),
        source=ExportedPartitions(PartitionStore.from_settings(aws.settings)),
        sink=SellerObjects.from_settings(aws.settings),
        prefix=aws.settings.exports_prefix,
        extras=archived_history(aws.settings, SELLER),
    )
    archive = zipfile.ZipFile(io.BytesIO(aws.s3.get_object(Bucket=BUCKET, Key=result.key)["Body"].read()))
    # Then the archived orders are there (none left in the table), and only the seller's
    orders = json.loads(archive.read("seller_data/orders_archived.json"))
    assert len(orders) == expected["orders"]
    assert {o["seller_id"] for o in orders} == {SELLER}
    assert "seller_data/orders.json" not in archive.namelist()
    transactions = json.loads(archive.read("seller_data/finance_transactions_archived.json"))
    assert {t["transaction_id"] for t in transactions} == {"TX-ARCH", "T3", "T4"}  # the seed's chunk too


def test_erasure_deletes_the_sellers_history_objects(aws: PrivacyAws) -> None:
    # Given two archived sellers
    seed_seller(aws, SELLER, orders=6)
    seed_seller(aws, OTHER, orders=2)
    _archive(aws, SELLER)
    _archive(aws, OTHER)
    assert aws.objects(f"history/{SELLER}/")
    other_before = aws.objects(f"history/{OTHER}/")
    # When the seller is erased
    verification = run_erasure(aws, SELLER)
    # Then none of its history objects is left, and the verification counted them
    assert (verification.items_left, verification.objects_left) == (0, 0)
    assert aws.objects(f"history/{SELLER}/") == []
    assert aws.objects(f"history/{OTHER}/") == other_before != []


def test_a_buyer_request_for_an_archived_order_erases_it_from_the_archive(aws: PrivacyAws) -> None:
    # Given a seller whose orders were archived
    seed_seller(aws, SELLER, orders=6)
    objects = _archive(aws, SELLER)
    order_id = f"111-{SELLER[-2:]}-0000003"
    kept = {o for m, d in objects.days(SELLER) for o in objects.get(SELLER, m, d).orders} - {order_id}  # type: ignore[union-attr]
    by_id = OrderStore(
        history=HistoryArchive(objects, hot_days=aws.settings.history_hot_days), clock=lambda: NOW
    )
    assert by_id.get(SELLER, order_id).order_id == order_id  # found by its id alone, through the index
    # When the buyer's deletion request for one of them is carried out
    result = _buyer_request(aws, order_id, objects)
    # Then no archived object holds it any more, and the other orders stay
    assert result.archived_days == 1
    left = {o for m, d in objects.days(SELLER) for o in objects.get(SELLER, m, d).orders}  # type: ignore[union-attr]
    assert left == kept
    assert order_id not in left
    # and its id leads nowhere: its entry left the order-id index, the other orders' stayed
    index = OrderIndex(objects)
    assert index.locate(SELLER, order_id) is None
    assert all(index.locate(SELLER, o) is not None for o in kept)
    with pytest.raises(OrderNotFound):
        by_id.get(SELLER, order_id)


def test_a_buyer_request_erases_a_hot_order_whose_orderid_item_expired(aws: PrivacyAws) -> None:
    # Given a seller whose orders' day has settled: the archive run put them in the order-id index
    # (their chunks stay in DynamoDB until the hot window ends)
    seed_seller(aws, SELLER, orders=6)
    objects = HistoryObjects(BUCKET, kms_key_id=aws.key_arn)
    settled_at = datetime(2026, 3, 10, 12, tzinfo=UTC) + timedelta(days=15)
    result = HistoryArchiver(objects, hot_days=aws.settings.history_hot_days).run(SELLER, now=settled_at)
    assert (result.orders_archived, result.index_objects_written > 0) == (0, True)
    # and whose ORDERID# items have since expired (DynamoDB's TTL; moto keeps them: deleted here)
    order_id = f"111-{SELLER[-2:]}-0000003"
    for number in range(6):
        OrderIdRecord(SELLER, f"ORDERID#111-{SELLER[-2:]}-{number:07d}").delete()
    archive = HistoryArchive(objects, hot_days=aws.settings.history_hot_days)
    later = settled_at + timedelta(days=40)
    store = OrderStore(history=archive, clock=lambda: later)
    assert store.get(SELLER, order_id).order_id == order_id  # found by the index, read from its chunks
    # When the buyer's deletion request for one of them is carried out, as the privacy CLI wires it
    deleted = _buyer_request(aws, order_id, objects, orders=store)
    # Then no chunk in DynamoDB holds it any more, nor the index, and the other orders stay
    assert deleted.orders == 1
    assert order_id not in {o.order_id for o in store.all_for_seller(SELLER)}
    assert len(list(store.all_for_seller(SELLER))) == 5
    assert OrderIndex(objects).locate(SELLER, order_id) is None
    with pytest.raises(OrderNotFound):
        store.get(SELLER, order_id)
    # And a later archive run does not bring it back
    HistoryArchiver(objects, hot_days=aws.settings.history_hot_days).run(SELLER, now=NOW)
    assert OrderIndex(objects).locate(SELLER, order_id) is None
    assert order_id not in {o for m, d in objects.days(SELLER) for o in objects.get(SELLER, m, d).orders}  # type: ignore[union-attr]
