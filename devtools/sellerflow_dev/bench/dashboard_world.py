"""Benchmark: how many DynamoDB requests one 90-day dashboard costs (served from the rollups).

`dashboard_90d_ddb_requests()` builds the template's tables in moto, writes 180 days × 3
marketplaces of day rollups, serves one `GET /sellers/{id}/dashboard?range=last90` through the
Chalice app (a real signed token, the real membership check and audit) and returns the number of
DynamoDB requests it made, not counting the membership check and the audit write.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pynamodb.connection.base import Connection

SELLER = "A1BENCHSELLER"
MEMBER = "bench-member-0001"
MARKETPLACES = ("ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528")  # US, DE, JP
REGION = "us-east-1"
POOL_ID = f"{REGION}_BenchPool"
CLIENT_ID = "benchclient"


@dataclass(frozen=True)
class DdbCall:
    operation: str
    table: str
    key: dict[str, Any]
    partition: str = ""  # a Query's partition key value


def _partition(operation_kwargs: dict[str, Any]) -> str:
    if "KeyConditionExpression" not in operation_kwargs:
        return ""
    first = operation_kwargs.get("ExpressionAttributeValues", {}).get(":0", {})
    return str(first.get("S", ""))


def reference_rate_reads(calls: list[DdbCall]) -> list[DdbCall]:
    """The reads of the app-wide reference rates (partition FX#ECB), cached per container."""
    return [c for c in calls if c.operation == "Query" and c.partition == "FX#ECB"]


def _tables_of(kwargs: dict[str, Any]) -> set[str]:
    """The tables one request touches (batch and transaction requests name theirs inside)."""
    tables = {str(kwargs["TableName"])} if "TableName" in kwargs else set()
    tables |= set(kwargs.get("RequestItems", {}))
    for item in kwargs.get("TransactItems", []):
        tables |= {str(action["TableName"]) for action in item.values() if "TableName" in action}
    return tables


@contextmanager
def count_ddb_requests() -> Iterator[list[DdbCall]]:
    """Every DynamoDB request PynamoDB makes inside the block (one per HTTP request, pages included)."""
    calls: list[DdbCall] = []
    # PynamoDB's one request path; it has no public hook to count requests with.
    original = Connection._make_api_call  # noqa: SLF001

    def counting(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> dict[str, Any]:
        calls.append(
            DdbCall(
                operation=operation_name,
                table=",".join(sorted(_tables_of(operation_kwargs))),
                key=dict(operation_kwargs.get("Key", {})),
                partition=_partition(operation_kwargs),
            )
        )
        return original(self, operation_name, operation_kwargs)

    Connection._make_api_call = counting  # type: ignore[method-assign]  # noqa: SLF001
    try:
        yield calls
    finally:
        Connection._make_api_call = original  # type: ignore[method-assign]  # noqa: SLF001


def excluding_access_and_audit(
    calls: list[DdbCall], *, sellers_table: str, audit_table: str
) -> list[DdbCall]:
    """The calls left after the membership check (GetItem MEMBER#) and the audit write (every call
    that touches only the audit table: the hash-chained log reads its head, then appends)."""

    def is_membership(c: DdbCall) -> bool:
        sk = c.key.get("sk", {}).get("S", "")
        return c.operation == "GetItem" and c.table == sellers_table and sk.startswith("MEMBER#")

    def is_audit(c: DdbCall) -> bool:  # reading the chain head and appending the entry
        return c.table == audit_table

    return [c for c in calls if not is_membership(c) and not is_audit(c)]


def _repo_root() -> Path:
    for folder in (Path(__file__).resolve(), Path.cwd()):
        for candidate in (folder, *folder.parents):
            if (candidate / "template.yaml").is_file():
                return candidate
    raise FileNotFoundError("template.yaml not found: run from the Sellerflow checkout")


def signing_material() -> tuple[Any, dict[str, Any]]:
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "bench", "alg": "RS256", "use": "sig"})
    return key, {"keys": [jwk]}


def id_token(key: Any, sub: str) -> str:
    import jwt

    now = int(time.time())
    claims = {
        "sub": sub,
        "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}",
        "aud": CLIENT_ID,
        "token_use": "id",
        "iat": now,
        "auth_time": now,
        "exp": now + 600,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "bench"})


def seed_day_rollups(seller_id: str, days: int, now: datetime) -> int:
    """`days` days × the 3 marketplaces of day rollups ending today (local), for benchmarks and tests."""
    from sellerflow.analytics.model import DayRollup
    from sellerflow.calendar import local_today
    from sellerflow.marketplaces import MARKETPLACES as KNOWN
    from sellerflow.store.facts_rollups import RollupStore

    rollups = []
    for m in MARKETPLACES:
        today = local_today(m, now)
        for back in range(days):
            rollups.append(
                DayRollup(
                    seller_id=seller_id,
                    marketplace_id=m,
                    day=today - timedelta(days=back),
                    currency=KNOWN[m].currency,
                    orders=10 + back % 7,
                    units=14 + back % 5,
                    gross_sales=Decimal("312.45"),
                    shipping=Decimal("12.00"),
                    promotions=Decimal("5.50"),
                    refunds=Decimal("20.00"),
                    amazon_fees=Decimal("61.23"),
                    fees_by_type={"FBAFulfillmentFee": Decimal("30.00"), "ReferralFee": Decimal("31.23")},
                    cogs=Decimal("80.00"),
                )
            )
    RollupStore().put_days(rollups, now=now)
    return len(rollups)


def offline_aws_environment() -> None:
    """Credentials and region for moto in process (kept when already set)."""
    import os

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        os.environ.setdefault(name, value)


def dashboard_90d_ddb_requests() -> int:
    """The DynamoDB requests of one 90-day dashboard, membership check and audit write excluded."""

    import boto3
    from chalice.test import Client
    from moto import mock_aws

    from sellerflow.api.app import create_app
    from sellerflow.api.auth import StaticKeySource
    from sellerflow.domain import Role
    from sellerflow.settings import Settings
    from sellerflow.store.sellers import SellerStore
    from sellerflow.store.tables import bind_tables
    from sellerflow.wiring.api import api_ports
    from sellerflow_dev.local.provision import create_dynamodb_tables
    from sellerflow_dev.local.template import load_template

    offline_aws_environment()
    with mock_aws():
        tables = create_dynamodb_tables(
            load_template(_repo_root() / "template.yaml"), boto3.client("dynamodb", region_name=REGION)
        )
        settings = Settings(
            aws_region=REGION,
            aws_endpoint_url=None,
            seller_data_table=tables["SellerDataTable"],
            sellers_table=tables["SellersTable"],
            audit_table=tables["AuditTable"],
            cognito_user_pool_id=POOL_ID,
            cognito_app_client_id=CLIENT_ID,
        )
        bind_tables(settings)
        now = datetime.now(UTC)
        SellerStore().put_profile(SELLER, name="Bench Seller", marketplace_ids=list(MARKETPLACES))
        SellerStore().add_member(SELLER, MEMBER, Role.OWNER)
        seed_day_rollups(SELLER, 180, now)
        key, jwks = signing_material()
        app = create_app(
            settings=settings, key_source=StaticKeySource(jwks), clock=lambda: now, ports=api_ports
        )
        with Client(app) as client, count_ddb_requests() as calls:
            response = client.http.get(
                f"/sellers/{SELLER}/dashboard?range=last90",
                headers={"Authorization": f"Bearer {id_token(key, MEMBER)}"},
            )
        if response.status_code != 200:
            raise RuntimeError(f"the dashboard answered {response.status_code}: {response.body[:200]!r}")
        counted = excluding_access_and_audit(
            calls, sellers_table=settings.sellers_table, audit_table=settings.audit_table
        )
        # the home-currency total's one read of the app-wide rates is not the seller's data (and a
        # warm container keeps it 15 minutes): counted apart, by the test that asks for it
        return len([c for c in counted if c not in reference_rate_reads(counted)])


if __name__ == "__main__":
    print(f"BENCH dashboard_90d_ddb_requests {dashboard_90d_ddb_requests()} requests")
