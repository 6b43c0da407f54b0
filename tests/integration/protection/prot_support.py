"""Fixtures of the data-protection integration tests: the template's tables in moto, KMS keys, the
stores bound to them, and the simulator over real HTTP on 127.0.0.1 (httpx works under mock_aws)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from moto import mock_aws
from pydantic import SecretStr

from sellerflow.settings import Settings
from sellerflow.spapi.client import SpApiClient
from sellerflow.spapi.lwa import AppCredentials, LwaClient
from sellerflow.store.tables import bind_tables
from sellerflow_dev.local.provision import create_dynamodb_tables
from sellerflow_dev.local.template import load_template
from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
LABEL_BUCKET = "sellerflow-labels-test"
TABLES = {
    "pii": "BuyerPiiTable",
    "seller_data": "SellerDataTable",
    "sellers": "SellersTable",
    "audit": "AuditTable",
}
SETTINGS = Settings(
    seller_data_table="SellerDataTable",
    sellers_table="SellersTable",
    audit_table="AuditTable",
    pii_table="BuyerPiiTable",
)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto with every DynamoDB table of template.yaml, the models bound to them; yields a client."""
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
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_dynamodb_tables(load_template(ROOT / "template.yaml"), dynamodb)
        bind_tables(SETTINGS)
        yield dynamodb


@pytest.fixture
def s3(aws: Any) -> Any:
    """moto's S3 with the label bucket (`LABEL_BUCKET`)."""
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=LABEL_BUCKET)
    return client


@pytest.fixture
def pii_key_arn(aws: Any) -> str:
    arn: str = boto3.client("kms", region_name=REGION).create_key(Description="pii (test)")["KeyMetadata"][
        "Arn"
    ]
    return arn


def raw_items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = dynamodb.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture
def world() -> SimWorld:
    return SimWorld.generate(sellers=2, seed=11, now=datetime.now(UTC) - timedelta(minutes=5))


@pytest.fixture
def sim(world: SimWorld) -> Iterator[SimServer]:
    server = SimServer(world, config=SimConfig(rate_scale=1000), host="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()


class WorldRefreshTokens:
    def __init__(self, world: SimWorld) -> None:
        self.world = world

    def refresh_token(self, seller_id: str) -> SecretStr:
        return SecretStr(self.world.seller(seller_id).refresh_token)


class StaticApp:
    def __init__(self, world: SimWorld) -> None:
        self.world = world

    def app_credentials(self) -> AppCredentials:
        return AppCredentials(
            client_id=self.world.client_id, client_secret=SecretStr(self.world.client_secret)
        )


@pytest.fixture
def spapi(sim: SimServer, world: SimWorld) -> Iterator[SpApiClient]:
    http = httpx.Client(timeout=10)
    lwa = LwaClient(sim.lwa_endpoint, StaticApp(world), http)
    yield SpApiClient(endpoint=sim.api_endpoint, lwa=lwa, refresh_tokens=WorldRefreshTokens(world), http=http)
    http.close()
