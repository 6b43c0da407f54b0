"""A buyer's deletion request in moto: everything carrying the order id goes, the restriction flag is
written, and a later upsert of the same order (a sync, a report backfill) skips it."""

from __future__ import annotations

from datetime import date

import pytest
from boto3.dynamodb.types import TypeDeserializer
from priv_int_support import CHUNK_POSTED, OTHER, OWNER_SUB, SELLER, PrivacyAws, make_order, seed_seller

from sellerflow.errors import OrderNotFound
from sellerflow.privacy.buyer import delete_buyer_order_data
from sellerflow.store.audit import AuditLog
from sellerflow.store.facts import FactStore, finance_items
from sellerflow.store.facts_control import DirtyDays
from sellerflow.store.orders import OrderStore
from sellerflow.store.privacy import PartitionStore, drop_restricted, restrict_order, restricted_order_ids

FIRST_ORDER = f"111-{SELLER[-2:]}-0000000"


def _sort_keys(aws: PrivacyAws, table: str, seller_id: str) -> set[str]:
    return {TypeDeserializer().deserialize(i["sk"]) for i in aws.partition(table, seller_id)}


def test_a_buyer_request_deletes_every_item_of_the_order_and_restricts_it(aws: PrivacyAws) -> None:
    # Given a seller whose first order has finance, settlement and PII items
    seed_seller(aws, SELLER)
    seed_seller(aws, OTHER, orders=2)
    # When the buyer's deletion request is carried out
    result = delete_buyer_order_data(
        SELLER,
        FIRST_ORDER,
        requested_by="operator:test",
        store=PartitionStore.from_settings(aws.settings),
        restrict=restrict_order,
        dirty=DirtyDays(),
        audit=AuditLog(),
        transactions=FactStore(),
        orders=OrderStore(),
    )
    # Then the order (its versions in the order chunks, its ORDERID# item), its finance transactions
    # (a legacy item, one in a chunk), its settlement line and its PII item are gone
    assert (result.orders, result.finance_transactions, result.settlement_lines, result.pii_items) == (
        1,
        2,
        1,
        1,
    )
    with pytest.raises(OrderNotFound):
        OrderStore().get(SELLER, FIRST_ORDER)
    data = _sort_keys(aws, "SellerDataTable", SELLER)
    assert "FIN#2026-03-11T10:00:00Z#T1" not in data
    assert "SETTLEMENTLINE#S1#0000001" not in data
    assert f"ORDERID#{FIRST_ORDER}" not in data
    assert FIRST_ORDER not in {o.order_id for o in OrderStore().all_for_seller(SELLER)}
    # And the facts of other orders stay
    assert {"FIN#2026-03-12T10:00:00Z#T2", "SETTLEMENTLINE#S1#0000002", "SETTLEMENT#S1"} <= data
    assert _sort_keys(aws, "BuyerPiiTable", SELLER) == set()
    # And the chunk that held its transaction holds only the other order's now, written as before
    (chunk,) = finance_items(SELLER, CHUNK_POSTED, CHUNK_POSTED, consistent=True)
    assert [(t.transaction_id, t.order_id) for t in chunk.transactions] == [("T4", "999-other")]
    (other,) = finance_items(OTHER, CHUNK_POSTED, CHUNK_POSTED)
    assert len(other.transactions) == 2
    assert ("ATVPDKIKX0DER", date(2026, 3, 13)) in {
        (d.marketplace_id, d.day) for d in DirtyDays().pending(SELLER)
    }
    # And the order is restricted, and the request audited
    assert restricted_order_ids(SELLER) == {FIRST_ORDER}
    assert restricted_order_ids(OTHER) == set()
    (entry, *_) = AuditLog().entries(SELLER)
    assert entry.action == "buyer_request.deleted"
    assert FIRST_ORDER in entry.resource


def test_a_restricted_order_is_skipped_by_a_later_upsert(aws: PrivacyAws) -> None:
    # Given an order a buyer asked to delete
    restrict_order(SELLER, "111-RESTRICTED-1", requested_by=OWNER_SUB, reason="buyer request")
    # When a sync later brings it (and another order) back in one batch
    written = OrderStore().upsert([make_order(SELLER, "111-RESTRICTED-1"), make_order(SELLER, "111-FINE-2")])
    # Then only the unrestricted order is stored
    assert written == 1
    with pytest.raises(OrderNotFound):
        OrderStore().get(SELLER, "111-RESTRICTED-1")
    assert OrderStore().get(SELLER, "111-FINE-2").order_id == "111-FINE-2"
    # And the same order id of another seller is not affected
    assert OrderStore().upsert([make_order(OTHER, "111-RESTRICTED-1")]) == 1


def test_drop_restricted_keeps_facts_without_a_restricted_order_id(aws: PrivacyAws) -> None:
    # The helper the fact store calls once per batch: one restriction read per seller
    from dataclasses import dataclass

    @dataclass
    class Fact:
        seller_id: str
        order_id: str | None

    restrict_order(SELLER, "111-GONE", requested_by=OWNER_SUB, reason="buyer request")
    batch = [Fact(SELLER, "111-GONE"), Fact(SELLER, None), Fact(SELLER, "111-KEEP"), Fact(OTHER, "111-GONE")]
    assert drop_restricted(batch) == batch[1:]
