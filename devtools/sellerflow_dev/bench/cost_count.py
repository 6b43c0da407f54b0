"""Count what the cost model would otherwise assume: DynamoDB write units and stored bytes per order.

Runs the real `OrderStore.upsert` against the template's tables in moto on a simulator seller's
orders (mapped by the sync's own `to_order`), in pages of 100 as the sync writes them, and sizes
every write request as DynamoDB bills it: ceil(item bytes / 1 KB) per item, once for the table and
once for each global secondary index whose key the item carries (both seller-data indexes project
ALL). A conditional put that fails still costs its units. Item bytes follow DynamoDB's rule:
attribute name lengths plus value sizes (strings UTF-8, numbers ~1 byte per 2 digits + 1, maps and
lists 3 bytes + their elements).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pynamodb.connection.base import Connection

REGION = "us-east-1"
ROOT = Path(__file__).resolve().parents[3]


def attribute_bytes(value: Mapping[str, Any]) -> int:
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        digits = str(inner).lstrip("-").replace(".", "").lstrip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_bytes({kind[0]: v}) for v in inner)
    if kind == "M":
        return 3 + item_bytes(inner)
    if kind == "L":
        return 3 + sum(1 + attribute_bytes(v) for v in inner)
    raise ValueError(kind)


def item_bytes(item: Mapping[str, Mapping[str, Any]]) -> int:
    return sum(len(name.encode()) + attribute_bytes(value) for name, value in item.items())


@dataclass
class WriteCount:
    wru: int = 0
    requests: int = 0
    stored_bytes: list[int] = field(default_factory=list)


@contextmanager
def counting_writes(index_keys: Mapping[str, list[str]]) -> Iterator[WriteCount]:
    """WRU of every PutItem/UpdateItem/BatchWriteItem PynamoDB sends inside the block.

    `index_keys`: table name -> the partition-key attribute of each of its GSIs."""
    count = WriteCount()
    original = Connection._make_api_call  # noqa: SLF001 - PynamoDB's one request path

    def units(table: str, item: Mapping[str, Any]) -> int:
        size = item_bytes(item)
        count.stored_bytes.append(size)
        copies = 1 + sum(1 for key in index_keys.get(table, []) if key in item)
        return math.ceil(size / 1024) * copies

    def counting(self: Connection, operation_name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        if operation_name == "PutItem":
            count.wru += units(kwargs["TableName"], kwargs["Item"])
        elif operation_name == "UpdateItem":
            count.wru += 1  # bookkeeping updates are small items (the key and a few attributes)
        elif operation_name == "BatchWriteItem":
            for table, writes in kwargs["RequestItems"].items():
                for write in writes:
                    count.wru += units(table, write["PutRequest"]["Item"]) if "PutRequest" in write else 1
        if operation_name in ("PutItem", "UpdateItem", "BatchWriteItem", "DeleteItem"):
            count.requests += 1
        return original(self, operation_name, kwargs)

    Connection._make_api_call = counting  # type: ignore[method-assign,assignment]  # noqa: SLF001
    try:
        yield count
    finally:
        Connection._make_api_call = original  # type: ignore[method-assign]  # noqa: SLF001


@dataclass(frozen=True)
class OrderWrites:
    orders: int
    wru_per_order_version: float
    kb_per_order: float


def count_order_writes(seed: int = 5) -> OrderWrites:
    """Write one simulator seller's orders twice (a new version each time) and count the units."""
    import boto3
    from moto import mock_aws

    from sellerflow.settings import Settings
    from sellerflow.store.orders import OrderStore
    from sellerflow.store.tables import bind_tables
    from sellerflow.sync.mapping import to_order
    from sellerflow_dev.local.provision import create_dynamodb_tables
    from sellerflow_dev.local.template import load_template
    from sellerflow_dev.simulator import SimWorld

    template = load_template(ROOT / "template.yaml")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        os.environ.setdefault(name, "testing")  # moto's; never real credentials
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        tables = create_dynamodb_tables(template, boto3.client("dynamodb", region_name=REGION))
        # the stores read their table names from the environment, as a function's settings do
        names = {
            "SELLER_DATA_TABLE": "SellerDataTable",
            "SELLERS_TABLE": "SellersTable",
            "AUDIT_TABLE": "AuditTable",
        }
        os.environ.update({variable: tables[logical] for variable, logical in names.items()})
        bind_tables(Settings())
        index_keys = {
            tables[logical]: [
                index["KeySchema"][0]["AttributeName"]
                for index in template["Resources"][logical]["Properties"].get("GlobalSecondaryIndexes", [])
            ]
            for logical in tables
        }
        world = SimWorld.generate(sellers=1, seed=seed, now=datetime.now(UTC))
        seller = world.sellers[0].seller_id
        orders = [to_order(seller, document) for document in world.orders(seller)]
        store = OrderStore()
        with counting_writes(index_keys) as count:
            for version in range(2):
                later = [o.model_copy(update={"last_updated_time": o.last_updated_time.replace(
                    microsecond=version)}) for o in orders]  # fmt: skip
                for start in range(0, len(later), 100):
                    store.upsert(later[start : start + 100])
        per_version = count.wru / (2 * len(orders))
        stored = sorted(count.stored_bytes)[len(count.stored_bytes) // 2] if count.stored_bytes else 0
        return OrderWrites(orders=len(orders), wru_per_order_version=per_version, kb_per_order=stored / 1024)
