"""The API against moto: tables from template.yaml, a moto Cognito pool issuing real ID tokens.

mock_aws has no HTTP server, so the API verifies tokens with a key source built from moto's own
public JWKS file (the keys moto signs every user pool's tokens with).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws
from moto.utilities.utils import load_resource

from sellerflow.api.app import create_app
from sellerflow.api.auth import StaticKeySource
from sellerflow.domain import Order, OrderLine, Role
from sellerflow.settings import Settings
from sellerflow.store.audit import AuditLog
from sellerflow.store.orders import OrderStore
from sellerflow.store.sellers import SellerStore
from sellerflow.store.tables import bind_tables
from sellerflow.wiring.api import api_ports
from sellerflow_dev.local.provision import create_dynamodb_tables
from sellerflow_dev.local.template import load_template
from sellerflow_dev.tenant_policy import TENANT_ROLE, template_tenant_policies

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
PASSWORD = "Correct-Horse-9-Battery!"
SELLER_A = "A1MOTOALPHA"
SELLER_B = "A2MOTOBRAVO"
NOW = datetime.now(UTC).replace(microsecond=0)


def moto_public_jwks() -> dict[str, Any]:
    jwks: dict[str, Any] = load_resource("cognitoidp/resources/jwks-public.json")
    return jwks


def moto_private_key() -> Any:
    return jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key


@dataclass
class Pool:
    cognito: Any
    pool_id: str
    client_id: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.pool_id}"

    def add_user(self, email: str) -> str:
        self.cognito.admin_create_user(
            UserPoolId=self.pool_id,
            Username=email,
            TemporaryPassword=PASSWORD,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        )
        self.cognito.admin_set_user_password(
            UserPoolId=self.pool_id, Username=email, Password=PASSWORD, Permanent=True
        )
        user = self.cognito.admin_get_user(UserPoolId=self.pool_id, Username=email)
        return next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")

    def sign_in(self, email: str, *, client_id: str | None = None) -> dict[str, str]:
        result = self.cognito.admin_initiate_auth(
            UserPoolId=self.pool_id,
            ClientId=client_id or self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
        tokens: dict[str, str] = result["AuthenticationResult"]
        return tokens

    def add_client(self, name: str) -> str:
        client = self.cognito.create_user_pool_client(
            UserPoolId=self.pool_id,
            ClientName=name,
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )
        client_id: str = client["UserPoolClient"]["ClientId"]
        return client_id


def new_pool(cognito: Any, name: str) -> Pool:
    pool_id = cognito.create_user_pool(PoolName=name, MfaConfiguration="OFF", UsernameAttributes=["email"])[
        "UserPool"
    ]["Id"]
    pool = Pool(cognito=cognito, pool_id=pool_id, client_id="")
    pool.client_id = pool.add_client(f"{name}-web")
    return pool


def order(seller_id: str, order_id: str, created: datetime, status: str = "SHIPPED") -> Order:
    return Order(
        seller_id=seller_id,
        order_id=order_id,
        marketplace_id="A1F83G8C2ARO7P",
        created_time=created,
        last_updated_time=created + timedelta(hours=1),
        local_date=date(created.year, created.month, created.day),
        status=status,
        fulfilled_by="AMAZON",
        currency="GBP",
        order_total=Decimal("19.99"),
        lines=(
            OrderLine(
                order_item_id=f"{order_id}-1",
                asin="B0MOTOASIN",
                seller_sku="SKU-BLUE-LAMP",
                title="Blue lamp",
                quantity_ordered=1,
                quantity_shipped=1,
                item_price=Decimal("19.99"),
            ),
        ),
    )


@dataclass
class Stack:
    pool: Pool
    other_pool: Pool
    member_email: str
    member_sub: str
    stranger_email: str
    orders_a: list[str]
    orders_b: list[str]
    audit: AuditLog
    client: Any

    def get(self, path: str, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.http.get(path, headers=headers)

    # Every kind of token a caller might present, made by (or, for forgeries, alongside) moto.
    def member_id_token(self) -> str:
        return self.pool.sign_in(self.member_email)["IdToken"]

    def member_access_token(self) -> str:
        return self.pool.sign_in(self.member_email)["AccessToken"]

    def stranger_id_token(self) -> str:
        return self.pool.sign_in(self.stranger_email)["IdToken"]

    def wrong_audience_token(self) -> str:
        other_client = self.pool.add_client(f"other-{uuid.uuid4().hex[:6]}")
        return self.pool.sign_in(self.member_email, client_id=other_client)["IdToken"]

    def wrong_issuer_token(self) -> str:
        email = f"{uuid.uuid4().hex[:8]}@example.com"
        self.other_pool.add_user(email)
        return self.other_pool.sign_in(email)["IdToken"]

    def expired_token(self) -> str:
        """The member's real moto claims, re-signed by moto's key with an exp an hour ago."""
        claims = jwt.decode(self.member_id_token(), options={"verify_signature": False})
        now = int(time.time())
        claims.update(iat=now - 7200, auth_time=now - 7200, exp=now - 3600)
        return jwt.encode(claims, moto_private_key(), algorithm="RS256", headers={"kid": "dummy"})

    def forged_token(self) -> str:
        """The member's real moto claims, signed by a key that is not moto's (same kid)."""
        claims = jwt.decode(self.member_id_token(), options={"verify_signature": False})
        forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return jwt.encode(claims, forger, algorithm="RS256", headers={"kid": "dummy"})


def create_tenant_role(tables: dict[str, str]) -> str:
    """TenantDataRole in moto's IAM, with the policy template.yaml declares for these tables."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    arns = {
        logical: dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
        for logical, name in tables.items()
    }
    arns |= {
        "DataKey": "arn:aws:kms:us-east-1:123456789012:key/data",
        "PiiKey": "arn:aws:kms:us-east-1:123456789012:key/pii",
    }
    template = load_template(ROOT / "template.yaml")
    iam = boto3.client("iam", region_name=REGION)
    trust = template["Resources"][TENANT_ROLE]["Properties"]["AssumeRolePolicyDocument"]
    role = iam.create_role(
        RoleName="sellerflow-test-tenant-data",
        AssumeRolePolicyDocument=json.dumps(trust, default=lambda _: "123456789012"),
    )["Role"]
    for number, document in enumerate(template_tenant_policies(template, arns)):
        iam.put_role_policy(
            RoleName=role["RoleName"], PolicyName=f"p{number}", PolicyDocument=json.dumps(document)
        )
    return str(role["Arn"])


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
def stack(aws_env: None) -> Iterator[Stack]:
    """Seller A (the member owns it, 7 orders), seller B (someone else's, 3 orders), a stranger."""
    with mock_aws():
        tables = create_dynamodb_tables(
            load_template(ROOT / "template.yaml"), boto3.client("dynamodb", region_name=REGION)
        )
        cognito = boto3.client("cognito-idp", region_name=REGION)
        pool = new_pool(cognito, "sellerflow-test")
        other_pool = new_pool(cognito, "someone-elses-pool")
        settings = Settings(
            aws_region=REGION,
            seller_data_table=tables["SellerDataTable"],
            sellers_table=tables["SellersTable"],
            audit_table=tables["AuditTable"],
            cognito_user_pool_id=pool.pool_id,
            cognito_app_client_id=pool.client_id,
        )
        bind_tables(settings)

        member_email, stranger_email = "owner@example.com", "stranger@example.com"
        member_sub = pool.add_user(member_email)
        pool.add_user(stranger_email)
        sellers = SellerStore()
        sellers.put_profile(SELLER_A, name="Alpha Lamps Ltd", marketplace_ids=["A1F83G8C2ARO7P"])
        sellers.put_profile(SELLER_B, name="Bravo Mugs Ltd", marketplace_ids=["A1F83G8C2ARO7P"])
        sellers.add_member(SELLER_A, member_sub, Role.OWNER)
        sellers.add_member(SELLER_B, "someone-else-entirely", Role.OWNER)
        orders_a = [f"202-{i:07d}-0000001" for i in range(7)]
        orders_b = [f"203-{i:07d}-0000002" for i in range(3)]
        store = OrderStore()
        store.upsert([order(SELLER_A, o, NOW - timedelta(days=i + 1)) for i, o in enumerate(orders_a)])
        store.upsert([order(SELLER_B, o, NOW - timedelta(days=i + 1)) for i, o in enumerate(orders_b)])

        audit = AuditLog()
        app = create_app(settings=settings, key_source=StaticKeySource(moto_public_jwks()), ports=api_ports)
        with Client(app) as client:
            yield Stack(
                pool=pool,
                other_pool=other_pool,
                member_email=member_email,
                member_sub=member_sub,
                stranger_email=stranger_email,
                orders_a=orders_a,
                orders_b=orders_b,
                audit=audit,
                client=client,
            )
