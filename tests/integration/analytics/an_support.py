"""Fixtures of the analytics integration tests: the template's tables in moto, bound stores, facts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from sellerflow.calendar import local_day
from sellerflow.domain import Order, OrderLine
from sellerflow.facts import FinanceTransactionFact
from sellerflow.settings import Settings
from sellerflow.store.fx import forget_cached_rates
from sellerflow.store.tables import bind_tables
from sellerflow_dev.local.provision import create_dynamodb_tables
from sellerflow_dev.local.template import load_template

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
SELLER = "A1ANALYTICSSELLER"
US, DE, JP = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528"
CURRENCY = {US: "USD", DE: "EUR", JP: "JPY"}


@dataclass(frozen=True)
class Tables:
    settings: Settings


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tables]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        create_dynamodb_tables(
            load_template(ROOT / "template.yaml"), boto3.client("dynamodb", region_name=REGION)
        )
        settings = Settings(
            aws_region=REGION,
            seller_data_table="SellerDataTable",
            sellers_table="SellersTable",
            audit_table="AuditTable",
        )
        bind_tables(settings)
        forget_cached_rates()  # a container's cached reference rates belong to its tables
        yield Tables(settings=settings)


def order(
    order_id: str,
    at: datetime,
    *,
    marketplace: str = US,
    sku: str = "SKU-1",
    qty: int = 1,
    price: str = "10.00",
    status: str = "SHIPPED",
    seller: str = SELLER,
) -> Order:
    return Order(
        seller_id=seller,
        order_id=order_id,
        marketplace_id=marketplace,
        created_time=at,
        last_updated_time=at,
        local_date=local_day(marketplace, at),
        status=status,
        currency=CURRENCY[marketplace],
        lines=(
            OrderLine(
                order_item_id=f"{order_id}-1",
                seller_sku=sku,
                quantity_ordered=qty,
                item_price=Decimal(price),
                shipping_price=Decimal("1.00"),
                promotion_discount=Decimal("0.50"),
            ),
        ),
    )


def transaction(
    tx_id: str, at: datetime, kind: str, amounts: dict[str, str], *, marketplace: str = US, sku: str = "SKU-1"
) -> FinanceTransactionFact:
    parsed = tuple((k, Decimal(v)) for k, v in amounts.items())
    return FinanceTransactionFact(
        seller_id=SELLER,
        transaction_id=tx_id,
        transaction_type=kind,
        posted_at=at,
        marketplace_id=marketplace,
        local_date=local_day(marketplace, at),
        order_id=None,
        sku=sku,
        quantity=1,
        total=sum((a for _, a in parsed), Decimal(0)),
        currency=CURRENCY[marketplace],
        amounts=parsed,
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def rollup_items(seller_id: str = SELLER) -> dict[str, dict[str, object]]:
    """Every RDAY/RSKU item as stored, without its write time."""
    from sellerflow.store.facts_rollups import DayRollupRecord, SkuRollupRecord

    items = [*DayRollupRecord.query(seller_id, DayRollupRecord.sk.startswith("RDAY#"))]
    items += [*SkuRollupRecord.query(seller_id, SkuRollupRecord.sk.startswith("RSKU#"))]
    return {
        r.sk: {k: v for k, v in r.serialize().items() if k not in ("computed_at", "expires_at")}
        for r in items
    }
