"""Tenant-scoped credentials against moto: the API's seller reads go out on a per-seller session of
the tenant data role, and a deliberately broken route that asks for another seller's key is refused
by the role's policy (template.yaml), checked as IAM checks it because moto checks none."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest
from chalice.app import Blueprint, Response
from chalice.test import Client
from moto import mock_aws
from moto_api import (
    NOW,
    REGION,
    ROOT,
    SELLER_A,
    SELLER_B,
    Pool,
    create_tenant_role,
    moto_public_jwks,
    new_pool,
    order,
)
from pynamodb.exceptions import GetError

from sellerflow.api.app import APP_NAME, ROUTE_FAMILIES
from sellerflow.api.auth import StaticKeySource
from sellerflow.api.context import ApiContext, AppFactory
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.api.models import OrderOut
from sellerflow.api.ports import DEPLOYMENT
from sellerflow.domain import Role
from sellerflow.members.permissions import Permission
from sellerflow.settings import Settings
from sellerflow.store.orders import OrderStore
from sellerflow.store.sellers import SellerStore
from sellerflow.store.tables import bind_tables
from sellerflow.store.tenancy import clear_tenant_client_hooks, on_tenant_client, tenant_sessions
from sellerflow.tenancy import acting_for
from sellerflow.wiring.api import api_ports
from sellerflow_dev.local.provision import create_dynamodb_tables
from sellerflow_dev.local.template import load_template
from sellerflow_dev.tenant_policy import TenantPolicyCheck


def broken_routes(ctx: ApiContext) -> Blueprint:
    """A route with the bug tenant isolation exists for: it checks seller A, then reads seller B."""
    bp = ApiBlueprint(__name__)

    @bp.get("/broken/sellers/{sellerId}/orders/{orderId}", RouteDoc(OrderOut))
    def read_the_wrong_sellers_order(sellerId: str, orderId: str) -> Response:
        """An order of the wrong seller (deliberately broken)."""
        ctx.member(sellerId, Permission.ORDERS_READ)
        wrong_seller = SELLER_B if sellerId == SELLER_A else SELLER_A
        order = OrderStore().get(wrong_seller, orderId)  # the bug: not the seller the caller was let into
        return Response(body={"order_id": order.order_id})

    return bp


@dataclass
class TenantStack:
    pool: Pool
    member_email: str
    orders_a: list[str]
    orders_b: list[str]
    check: TenantPolicyCheck
    client: Any

    def get(self, path: str) -> Any:
        token = self.pool.sign_in(self.member_email)["IdToken"]
        return self.client.http.get(path, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def tenant_stack(aws_env: None) -> Iterator[TenantStack]:
    with mock_aws():
        tables = create_dynamodb_tables(
            load_template(ROOT / "template.yaml"), boto3.client("dynamodb", region_name=REGION)
        )
        role_arn = create_tenant_role(tables)
        pool = new_pool(boto3.client("cognito-idp", region_name=REGION), "sellerflow-tenancy")
        settings = Settings(
            aws_region=REGION,
            seller_data_table=tables["SellerDataTable"],
            sellers_table=tables["SellersTable"],
            audit_table=tables["AuditTable"],
            pii_table=tables["BuyerPiiTable"],
            cognito_user_pool_id=pool.pool_id,
            cognito_app_client_id=pool.client_id,
            tenant_data_role_arn=role_arn,
        )
        bind_tables(settings)
        check = TenantPolicyCheck(boto3.session.Session(region_name=REGION), role_arn)
        on_tenant_client(check)
        member_email = "owner@example.com"
        member_sub = pool.add_user(member_email)
        sellers = SellerStore()  # seeding acts for no seller: the function's own credentials
        sellers.put_profile(SELLER_A, name="Alpha Lamps Ltd", marketplace_ids=["A1F83G8C2ARO7P"])
        sellers.put_profile(SELLER_B, name="Bravo Mugs Ltd", marketplace_ids=["A1F83G8C2ARO7P"])
        sellers.add_member(SELLER_A, member_sub, Role.OWNER)
        sellers.add_member(SELLER_B, "someone-else-entirely", Role.OWNER)
        orders_a = [f"202-{i:07d}-0000001" for i in range(3)]
        orders_b = [f"203-{i:07d}-0000002" for i in range(2)]
        OrderStore().upsert([order(SELLER_A, o, NOW - timedelta(days=i + 1)) for i, o in enumerate(orders_a)])
        OrderStore().upsert([order(SELLER_B, o, NOW - timedelta(days=i + 1)) for i, o in enumerate(orders_b)])
        create_app = AppFactory(APP_NAME, (*ROUTE_FAMILIES, broken_routes), lambda: DEPLOYMENT.general)
        app = create_app(settings=settings, key_source=StaticKeySource(moto_public_jwks()), ports=api_ports)
        try:
            with Client(app) as client:
                yield TenantStack(pool, member_email, orders_a, orders_b, check, client)
        finally:
            clear_tenant_client_hooks()
            bind_tables(Settings())  # no tenant role for the tests that follow


def test_a_members_reads_go_out_on_the_sellers_own_session(tenant_stack: TenantStack) -> None:
    # When seller A's member lists and reads seller A's orders
    listed = tenant_stack.get(f"/sellers/{SELLER_A}/orders")
    one = tenant_stack.get(f"/sellers/{SELLER_A}/orders/{tenant_stack.orders_a[0]}")
    # Then both answer, through seller A's tagged session (checked by the role's policy, none refused)
    assert listed.status_code == 200, listed.body
    assert sorted(o["order_id"] for o in listed.json_body["orders"]) == sorted(tenant_stack.orders_a)
    assert one.status_code == 200, one.body
    assert tenant_stack.check.checked > 0
    assert tenant_stack.check.denied == []
    sessions = tenant_sessions()
    assert sessions is not None
    assert sessions.assumed == 1  # one role session for both requests (cached)


def test_a_broken_route_asking_for_another_sellers_key_fails_at_iam(tenant_stack: TenantStack) -> None:
    # Given a route that lets the member into seller A, then (the bug) reads seller B's order
    # When seller A's member calls it with one of seller B's order ids
    response = tenant_stack.get(f"/broken/sellers/{SELLER_A}/orders/{tenant_stack.orders_b[0]}")
    # Then DynamoDB's answer is AccessDenied for seller A's session: no order of B leaves the API
    assert response.status_code == 500
    assert tenant_stack.orders_b[0] not in response.body.decode()
    assert [(seller, action) for seller, action, _ in tenant_stack.check.denied] == [
        (SELLER_A, "dynamodb:GetItem")
    ]


def test_the_store_itself_is_refused_another_sellers_key_while_acting_for_a_seller(
    tenant_stack: TenantStack,
) -> None:
    # Given the process acts for seller A (as the API after the membership check, or a sync task)
    with acting_for(SELLER_A), pytest.raises(GetError) as refused:
        # When the store asks for seller B's order
        OrderStore().get(SELLER_B, tenant_stack.orders_b[0])
    # Then IAM (the role's policy) refuses it
    assert refused.value.cause_response_code == "AccessDeniedException"
    # And seller A's own order is read on the same session
    with acting_for(SELLER_A):
        assert OrderStore().get(SELLER_A, tenant_stack.orders_a[0]).order_id == tenant_stack.orders_a[0]
