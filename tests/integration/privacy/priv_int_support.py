"""moto with every table of template.yaml, the raw-documents bucket and the data key; two sellers
with one item of every kind, so tests can prove what an export holds and what an erasure leaves."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pydantic import SecretStr

from sellerflow.domain import Order, OrderLine, Role
from sellerflow.facts import FinanceTransactionFact
from sellerflow.settings import Settings
from sellerflow.store.audit import AuditLog
from sellerflow.store.credentials import CredentialVault
from sellerflow.store.facts import FactStore
from sellerflow.store.orders import OrderStore
from sellerflow.store.sellers import SellerStore
from sellerflow.store.tables import bind_tables
from sellerflow_dev.local.provision import create_dynamodb_tables
from sellerflow_dev.local.template import load_template

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
BUCKET = "sellerflow-test-raw"
SELLER = "A1PRIVSELLER01"
OTHER = "A2PRIVSELLER02"
OWNER_SUB = "11111111-aaaa-4bbb-8ccc-00000000000a"
MARKETPLACE = "ATVPDKIKX0DER"
REFRESH_TOKEN = "Atzr|test-refresh-token-for-privacy"


@dataclass
class PrivacyAws:
    settings: Settings
    dynamodb: Any
    s3: Any
    key_arn: str

    def partition(self, table: str, seller_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": table,
            "KeyConditionExpression": "seller_id = :s",
            "ExpressionAttributeValues": {":s": {"S": seller_id}},
        }
        while True:
            page = self.dynamodb.query(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def items_left(self, seller_id: str) -> dict[str, int]:
        return {
            t: len(self.partition(t, seller_id))
            for t in ("SellerDataTable", "SellersTable", "AuditTable", "BuyerPiiTable")
        }

    def objects(self, prefix: str) -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
        return [o["Key"] for o in listed.get("Contents", [])]


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def aws(aws_env: None) -> Iterator[PrivacyAws]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_dynamodb_tables(load_template(ROOT / "template.yaml"), dynamodb)
        key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        settings = Settings(
            seller_data_table="SellerDataTable",
            sellers_table="SellersTable",
            audit_table="AuditTable",
            pii_table="BuyerPiiTable",
            raw_bucket=BUCKET,
            data_key_id=key_arn,
            erase_items_per_call=7,  # small batches: every loop runs many times
        )
        bind_tables(settings)
        yield PrivacyAws(settings=settings, dynamodb=dynamodb, s3=s3, key_arn=key_arn)


def make_order(seller_id: str, order_id: str, *, updated: datetime | None = None) -> Order:
    created = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
    return Order(
        seller_id=seller_id,
        order_id=order_id,
        marketplace_id=MARKETPLACE,
        created_time=created,
        last_updated_time=updated or created + timedelta(hours=3),
        local_date=date(2026, 3, 10),
        status="Shipped",
        currency="USD",
        order_total=Decimal("42.50"),
        lines=(OrderLine(order_item_id=f"{order_id}-1", seller_sku="SKU-1", quantity_ordered=1),),
    )


CHUNK_POSTED = datetime(2026, 3, 13, 9, 15, tzinfo=UTC)


def make_transaction(seller_id: str, transaction_id: str, order_id: str) -> FinanceTransactionFact:
    return FinanceTransactionFact(
        seller_id=seller_id,
        transaction_id=transaction_id,
        transaction_type="Shipment",
        posted_at=CHUNK_POSTED,
        marketplace_id=MARKETPLACE,
        local_date=date(2026, 3, 13),
        order_id=order_id,
        sku="SKU-1",
        quantity=1,
        total=Decimal("40.00"),
        currency="USD",
        amounts=(("ProductCharges", Decimal("40.00")),),
    )


def _put(aws: PrivacyAws, table: str, item: dict[str, Any]) -> None:
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    aws.dynamodb.put_item(TableName=table, Item={k: serializer.serialize(v) for k, v in item.items()})


def seed_seller(aws: PrivacyAws, seller_id: str, *, orders: int = 12) -> dict[str, int]:
    """A connected seller with an item of every kind; returns the count per seller-data entity."""
    sellers = SellerStore()
    sellers.put_profile(seller_id, name=f"Shop {seller_id}", marketplace_ids=[MARKETPLACE])
    sellers.add_member(seller_id, OWNER_SUB, Role.OWNER)
    CredentialVault(aws.key_arn).store_refresh_token(seller_id, SecretStr(REFRESH_TOKEN))
    OrderStore().upsert([make_order(seller_id, f"111-{seller_id[-2:]}-{i:07d}") for i in range(orders)])
    first_order = f"111-{seller_id[-2:]}-{0:07d}"
    facts: list[dict[str, Any]] = [
        {"sk": f"LISTING#{MARKETPLACE}#SKU-1", "asin": "B0TEST0001", "price": "19.99", "currency": "USD"},
        {"sk": f"INV#{MARKETPLACE}#SKU-1", "fulfillable": Decimal(5)},
        {"sk": f"TRAFFIC#DATE#2026-03-10#{MARKETPLACE}", "sessions": Decimal(40)},
        {
            "sk": "FIN#2026-03-11T10:00:00Z#T1",
            "order_id": first_order,
            "marketplace_id": MARKETPLACE,
            "local_date": "2026-03-11",
            "total": "40.00",
            "currency": "USD",
        },
        {"sk": "FIN#2026-03-12T10:00:00Z#T2", "order_id": "999-other", "total": "-2.00", "currency": "USD"},
        {"sk": "SETTLEMENT#S1", "total": "38.00", "currency": "USD"},
        {"sk": "SETTLEMENTLINE#S1#0000001", "order_id": first_order, "amount": "40.00", "currency": "USD"},
        {"sk": "SETTLEMENTLINE#S1#0000002", "order_id": "999-other", "amount": "-2.00", "currency": "USD"},
        {"sk": f"RDAY#2026-03-10#{MARKETPLACE}", "units": Decimal(12), "sales": "510.00"},
        {"sk": f"RSKU#2026-03-10#{MARKETPLACE}#SKU-1", "units": Decimal(12)},
    ]
    for fact in facts:
        _put(aws, "SellerDataTable", {"seller_id": seller_id, **fact})
    # and two transactions as the fact store keeps them now: one chunk of their posting hour
    FactStore().write(
        [make_transaction(seller_id, "T3", first_order), make_transaction(seller_id, "T4", "999-other")]
    )
    _put(
        aws,
        "BuyerPiiTable",
        {"seller_id": seller_id, "sk": f"ORDER#{first_order}#shipping", "ciphertext": b"\x01\x02"},
    )
    aws.s3.put_object(Bucket=BUCKET, Key=f"raw/{seller_id}/orders/2026-03-10.json.gz", Body=b"doc")
    aws.s3.put_object(Bucket=BUCKET, Key=f"raw/{seller_id}/settlements/S1.tsv", Body=b"doc")
    AuditLog().record(seller_id, OWNER_SUB, "orders.list", "orders created ...")
    return {
        "orders": orders,
        "listings": 1,
        "inventory": 1,
        "traffic": 1,
        "finance_transactions": 4,  # two legacy items, a chunk's two transactions
        "settlements": 1,
        "settlement_lines": 2,
        "rollups_daily": 1,
        "rollups_sku": 1,
    }
