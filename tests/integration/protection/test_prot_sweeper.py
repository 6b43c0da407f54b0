"""The expiry sweeper in moto: it deletes what TTL has not, in every table, and nothing else."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
from prot_support import REGION, TABLES, raw_items
from pydantic import SecretStr

from sellerflow.domain import Order, Role, SyncRun
from sellerflow.pii.models import ShippingLabel
from sellerflow.store.audit import HEAD, AuditLog
from sellerflow.store.credentials import CredentialVault
from sellerflow.store.facts_control import DirtyDays
from sellerflow.store.orders import OrderStore
from sellerflow.store.pii import BuyerPiiStore
from sellerflow.store.sellers import SellerStore
from sellerflow.store.sweeper import ExpirySweeper, is_long_lived

SELLER, REVOKED = "A1PROTSELLER", "A2PROTREVOKED"
NOW = datetime.now(UTC).replace(microsecond=0)
MAX_AMAZON_DATA = timedelta(days=548)
LABEL = ShippingLabel(name="Jane", address_line1="1 Main St", country_code="US")


def order(order_id: str) -> Order:
    return Order(seller_id=SELLER, order_id=order_id, marketplace_id="ATVPDKIKX0DER", created_time=NOW,
                 last_updated_time=NOW, local_date=NOW.date(), status="SHIPPED", fulfilled_by="MERCHANT")  # fmt: skip


def write_everything(at: datetime, pii_key: str, data_key: str) -> None:
    """What the stores write for two sellers (one revoked), `at` the time of writing."""
    sellers = SellerStore()
    from sellerflow.domain import SellerStatus

    for seller in (SELLER, REVOKED):
        sellers.put_profile(seller, name=seller, marketplace_ids=["ATVPDKIKX0DER"])
        sellers.add_member(seller, "user-1", Role.OWNER)
        CredentialVault(data_key).store_refresh_token(seller, SecretStr("Atzr|not-a-real-token"))
    sellers.set_status(REVOKED, SellerStatus.REVOKED, reason="revoked")
    sellers.begin_run(SELLER, SyncRun(run_id="run-1", updated_after=at - timedelta(days=1), updated_before=at), now=at)  # fmt: skip
    OrderStore(retention=timedelta(days=540)).upsert([order("111-0000001-0000001")], now=at)
    DirtyDays().mark(SELLER, [("ATVPDKIKX0DER", date(2026, 1, 1))], now=at)
    for seller in (SELLER, REVOKED):
        AuditLog(clock=lambda: at).record(seller, "user-1", "order.read", "order/1")
    BuyerPiiStore(pii_key, clock=lambda: at).put(SELLER, "111-0000001-0000001", "shipping_label", LABEL, expires_at=at + timedelta(days=30))  # fmt: skip


def keys() -> tuple[str, str]:
    kms = boto3.client("kms", region_name=REGION)
    return kms.create_key()["KeyMetadata"]["Arn"], kms.create_key()["KeyMetadata"]["Arn"]


def test_every_item_the_stores_write_expires_within_the_dpp_limits(aws: Any) -> None:
    pii_key, data_key = keys()
    write_everything(NOW, pii_key, data_key)
    for kind, table in TABLES.items():
        for item in raw_items(aws, table):
            sk = item["sk"]["S"]
            if is_long_lived(kind, sk):
                assert "expires_at" not in item, sk  # control data of a connected seller: no TTL
                continue
            expires = datetime.fromtimestamp(int(item["expires_at"]["N"]), UTC)
            limit = timedelta(days=30) if kind == "pii" else MAX_AMAZON_DATA
            assert NOW < expires <= NOW + limit, (kind, sk)
        assert raw_items(aws, table), kind


def test_the_sweeper_deletes_expired_items_of_every_table_and_reports_counts(aws: Any) -> None:
    pii_key, data_key = keys()
    # Given items written long ago (all expired now, TTL has not run) and fresh ones
    write_everything(NOW - timedelta(days=600), pii_key, data_key)
    OrderStore().upsert([order("111-0000009-0000009")], now=NOW)
    AuditLog(clock=lambda: NOW).record(SELLER, "user-1", "order.read", "order/9")
    before = {kind: len(raw_items(aws, t)) for kind, t in TABLES.items()}
    # When the sweeper runs
    sweeper = ExpirySweeper(dynamodb=aws, tables=TABLES, audit=AuditLog(clock=lambda: NOW), clock=lambda: NOW)
    assert sweeper.seller_ids() == sorted([SELLER, REVOKED])  # the revoked seller too (scan fallback)
    report = sweeper.sweep().as_dict()
    # Then every expired item is gone, and the counts say how many per table
    assert report["sellers"] == 2
    assert report["deleted"] == {
        "pii": 1,
        "seller_data": 1 + 1,  # the old order's chunk and its ORDERID# item
        "sellers": 1 + 1,
        "audit": 2 + 1,
    }  # DIRTY#, SYNC#
    assert report["total_deleted"] == 8
    after = {kind: len(raw_items(aws, t)) for kind, t in TABLES.items()}
    assert {k: before[k] - after[k] for k in before} == report["deleted"]
    for kind, table in TABLES.items():
        for item in raw_items(aws, table):
            if "expires_at" in item:
                assert int(item["expires_at"]["N"]) > int(NOW.timestamp()), (kind, item["sk"])
    # And PROFILE, CREDENTIALS and MEMBER items stay; the fresh order and audit entry stay
    sellers_left = {(i["seller_id"]["S"], i["sk"]["S"]) for i in raw_items(aws, "SellersTable")}
    assert {
        (SELLER, "PROFILE"),
        (SELLER, "CREDENTIALS"),
        (SELLER, "MEMBER#user-1"),
        (REVOKED, "PROFILE"),
    } <= sellers_left
    assert sorted(i["sk"]["S"].split("#", 2)[0] for i in raw_items(aws, "SellerDataTable")) == [
        "ORDERID",
        "ORDERS",
    ]
    assert [o.order_id for o in OrderStore().all_for_seller(SELLER)] == ["111-0000009-0000009"]
    # And the trimmed audit chain still verifies; the revoked seller's chain (all expired) is gone
    assert AuditLog(clock=lambda: NOW).verify(SELLER).ok
    assert AuditLog().verify(REVOKED).ok
    assert not [i for i in raw_items(aws, "AuditTable") if i["seller_id"]["S"] == REVOKED]
    assert HEAD in {i["sk"]["S"] for i in raw_items(aws, "AuditTable") if i["seller_id"]["S"] == SELLER}
    # And a second run finds nothing
    assert ExpirySweeper(dynamodb=aws, tables=TABLES, audit=AuditLog(), clock=lambda: NOW).sweep().as_dict()["total_deleted"] == 0  # fmt: skip


def test_the_sweeper_works_in_bounded_batches(aws: Any) -> None:
    old = NOW - timedelta(days=600)
    SellerStore().put_profile(SELLER, name=SELLER, marketplace_ids=["ATVPDKIKX0DER"])
    OrderStore().upsert([order(f"111-0000000-{i:07d}") for i in range(30)], now=old)
    sweeper = ExpirySweeper(dynamodb=aws, tables=TABLES, audit=AuditLog(), max_items_per_partition=25, clock=lambda: NOW)  # fmt: skip
    # 31 expired items: the orders' chunk and their 30 ORDERID# items
    first = sweeper.sweep().as_dict()
    assert first["deleted"]["seller_data"] == 25
    assert first["partitions_left_over"] == 1
    second = sweeper.sweep().as_dict()
    assert second["deleted"]["seller_data"] == 6
    assert second["partitions_left_over"] == 0
