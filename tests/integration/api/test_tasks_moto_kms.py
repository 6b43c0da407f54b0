"""The KMS meter of the cost model (`sellerflow_dev.bench.cost_count.KmsMeter`), on real parts: moto's
KMS, DynamoDB (the template's tables under their keys), STS (the tenant data role) and Secrets Manager
(the LWA app secret under the data key), the SP-API simulator's LWA over HTTP. Two tasks of one
seller's run in containers that never served the seller each decrypt the refresh token once, and in
containers that served it an hour ago (the vault's data key cached) none; DynamoDB's table keys are
counted once per caller (the seller's tenant session, a function's own role) and table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws
from moto_api import REGION, ROOT, create_tenant_role
from pydantic import SecretStr

from sellerflow import wiring
from sellerflow.settings import Settings, reset_settings
from sellerflow.store.tables import bind_tables
from sellerflow.store.tenancy import use_tenant_sessions
from sellerflow.tenancy import acting_for
from sellerflow_dev.bench.cost_count import KmsMeter, an_hour_later, fresh_container
from sellerflow_dev.local.provision import create_dynamodb_tables
from sellerflow_dev.local.template import load_template
from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld

ENVIRONMENT = {
    "SellerDataTable": "SELLER_DATA_TABLE",
    "SellersTable": "SELLERS_TABLE",
    "AuditTable": "AUDIT_TABLE",
    "BuyerPiiTable": "PII_TABLE",
}
SECRET = "sellerflow-test/lwa-app"


@dataclass
class Deployment:
    meter: KmsMeter
    seller_id: str


@pytest.fixture
def deployment(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    world = SimWorld.generate(sellers=1, seed=3, now=datetime.now(UTC) - timedelta(minutes=5))
    sim = SimServer(world, config=SimConfig(rate_scale=1000), host="127.0.0.1", port=0)
    sim.start()
    template = load_template(ROOT / "template.yaml")
    with mock_aws():
        tables = create_dynamodb_tables(template, boto3.client("dynamodb", region_name=REGION))
        key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
        boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name=SECRET,
            KmsKeyId=key,
            SecretString=json.dumps({"client_id": world.client_id, "client_secret": world.client_secret}),
        )
        for logical, variable in ENVIRONMENT.items():
            monkeypatch.setenv(variable, tables[logical])
        for variable, value in {
            "TENANT_DATA_ROLE_ARN": create_tenant_role(tables),
            "DATA_KEY_ID": key,
            "LWA_APP_SECRET_NAME": SECRET,
            "LWA_ENDPOINT": sim.lwa_endpoint,
            "SPAPI_ENDPOINT": sim.api_endpoint,
        }.items():
            monkeypatch.setenv(variable, value)
        fresh_container()
        seller = world.sellers[0]
        wiring.seller_store().put_profile(
            seller.seller_id, name=seller.name, marketplace_ids=list(seller.marketplace_ids)
        )
        wiring.credential_vault().store_refresh_token(seller.seller_id, SecretStr(seller.refresh_token))
        meter = KmsMeter(template, {**tables, "LwaAppSecret": SECRET})
        meter.container_functions = frozenset({"SyncOrdersFunction", "SyncFinancesFunction"})
        try:
            with meter.installed():
                yield Deployment(meter, seller.seller_id)
        finally:
            sim.stop()
            monkeypatch.delenv("TENANT_DATA_ROLE_ARN")
            reset_settings()
            wiring.reset()
            use_tenant_sessions(None)
            bind_tables(Settings())  # no tenant role for the tests that follow


def a_task(deployment: Deployment, function: str) -> None:
    """What a sync task does for its seller: read its marketplaces (tenant-scoped) and call the SP-API."""
    seller = deployment.seller_id
    with deployment.meter.acting_as(function), acting_for(seller):
        assert wiring.seller_store().marketplaces_of(seller)
        assert wiring.spapi_client().get_marketplace_participations(seller)


def test_each_task_in_a_fresh_container_decrypts_the_refresh_token_once(deployment: Deployment) -> None:
    # Given every task in a container that never served the seller
    deployment.meter.on_new_container = lambda _: fresh_container()

    # When the orders task runs two pages, then the finances task one
    a_task(deployment, "SyncOrdersFunction")
    a_task(deployment, "SyncOrdersFunction")
    a_task(deployment, "SyncFinancesFunction")
    use = deployment.meter.take()

    # Then each function decrypted the refresh token once (its second page used the access token)
    assert dict(use.code) == {
        ("SyncOrdersFunction", "Decrypt", "spapi-refresh-token"): 1,
        ("SyncFinancesFunction", "Decrypt", "spapi-refresh-token"): 1,
    }
    # And DynamoDB's table key is one per caller: the seller's session, whichever function assumed it
    caller = f"seller-{deployment.seller_id}"
    assert use.seller_tables == {(caller, "SellersTable")}
    assert use.connections == {
        ("SyncOrdersFunction", caller, "SellersTable"),
        ("SyncFinancesFunction", caller, "SellersTable"),
    }
    # And each container read the LWA app secret once (Secrets Manager decrypts it with KMS)
    assert dict(use.secret_reads) == {
        ("SyncOrdersFunction", "LwaAppSecret"): 1,
        ("SyncFinancesFunction", "LwaAppSecret"): 1,
    }


def test_containers_that_served_the_seller_an_hour_ago_decrypt_nothing(deployment: Deployment) -> None:
    # Given the seller's refresh token decrypted in this (one local) container an hour ago
    deployment.meter.on_new_container = lambda _: an_hour_later(deployment.seller_id)
    wiring.credential_vault().refresh_token(deployment.seller_id)

    # When two tasks run again, their access tokens and tenant sessions expired
    a_task(deployment, "SyncOrdersFunction")
    a_task(deployment, "SyncFinancesFunction")
    use = deployment.meter.take()

    # Then KMS was not asked by the code (the cached data key), and the seller's session still used
    # the table's key (a session of its own each hour)
    assert use.code_requests() == 0
    assert use.seller_tables == {(f"seller-{deployment.seller_id}", "SellersTable")}


def test_a_call_under_the_functions_own_role_is_the_roles(deployment: Deployment) -> None:
    # When a task reads outside any seller's scope (its own role), and the harness reads too
    with deployment.meter.acting_as("StartSellerSyncFunction"):
        wiring.seller_store().marketplaces_of(deployment.seller_id)
    wiring.seller_store().marketplaces_of(deployment.seller_id)
    use = deployment.meter.take()

    # Then the table key's caller is the function's role, and the harness's call is not counted
    assert use.table_callers == {("role:StartSellerSyncFunction", "SellersTable")}
    assert use.role_tables == use.table_callers
    assert not use.seller_tables
