"""Tenant-scoped credentials in the workflow tasks, against moto: while a task acts for its seller, the
stores it uses refuse another seller's key at IAM (the tenant role's policy from template.yaml, checked
as IAM checks it because moto checks none); a deliberately broken task fails there; what is app-wide
(the quota) or beyond the tenant role (buyer PII, deleting the audit chain, the erasure record) still
goes out with the function's own role."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto_api import NOW, REGION, ROOT, SELLER_A, SELLER_B, create_tenant_role, order
from pynamodb.exceptions import PynamoDBException

from sellerflow import wiring
from sellerflow.settings import Settings, reset_settings
from sellerflow.store.ads import AdCampaignDayRecord
from sellerflow.store.alerts import AlertRecord
from sellerflow.store.audit import AuditLog
from sellerflow.store.economics import EconomicsMismatchesRecord
from sellerflow.store.facts_rollups import DayRollupRecord
from sellerflow.store.notifications import NotificationLedger
from sellerflow.store.orders import OrderStore
from sellerflow.store.privacy import PartitionStore
from sellerflow.store.quota import QuotaStore
from sellerflow.store.reports import ReportStore
from sellerflow.store.sellers import SellerStore
from sellerflow.store.solicitations import ReviewRequestStore
from sellerflow.store.tables import SellerRecord, bind_tables
from sellerflow.store.tenancy import clear_tenant_client_hooks, on_tenant_client
from sellerflow.tenancy import acting_for
from sellerflow_dev.local.provision import create_dynamodb_tables
from sellerflow_dev.local.template import load_template
from sellerflow_dev.tenant_policy import TenantPolicyCheck

ENVIRONMENT = {
    "SellerDataTable": "SELLER_DATA_TABLE",
    "SellersTable": "SELLERS_TABLE",
    "AuditTable": "AUDIT_TABLE",
    "BuyerPiiTable": "PII_TABLE",
}


@dataclass
class Tenancy:
    tables: dict[str, str]
    check: TenantPolicyCheck

    def partitions(self) -> PartitionStore:
        return PartitionStore.from_settings(wiring.settings())

    def count(self, logical: str, seller_id: str) -> int:
        answer = boto3.client("dynamodb", region_name=REGION).query(
            TableName=self.tables[logical],
            KeyConditionExpression="seller_id = :s",
            ExpressionAttributeValues={":s": {"S": seller_id}},
            Select="COUNT",
        )
        return int(answer["Count"])


class _Context:
    function_name = "sellerflow-test-task"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:sellerflow-test-task"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def handler_module(function: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"{function}_tenancy_app", ROOT / f"functions/{function}/app.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def seed(seller_id: str, tables: dict[str, str]) -> None:
    """One seller's items in every table, written with the function's own credentials (no seller)."""
    SellerStore().put_profile(seller_id, name=f"Seller {seller_id}", marketplace_ids=["A1F83G8C2ARO7P"])
    OrderStore().upsert(
        [order(seller_id, f"{seller_id[:3]}-{i:07d}-0000001", NOW - timedelta(days=i + 1)) for i in range(3)]
    )
    AuditLog().record(seller_id, "owner-sub", "orders.read", f"seller/{seller_id}/orders")
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=tables["BuyerPiiTable"],
        Item={"seller_id": {"S": seller_id}, "sk": {"S": "ORDER#1#shipping"}, "ciphertext": {"B": b"x"}},
    )


@pytest.fixture
def tenancy(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Tenancy]:
    with mock_aws():
        tables = create_dynamodb_tables(
            load_template(ROOT / "template.yaml"), boto3.client("dynamodb", region_name=REGION)
        )
        role_arn = create_tenant_role(tables)
        for logical, variable in ENVIRONMENT.items():
            monkeypatch.setenv(variable, tables[logical])
        monkeypatch.setenv("TENANT_DATA_ROLE_ARN", role_arn)
        monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
        reset_settings()
        wiring.reset()
        wiring.settings()  # binds the tables and the tenant role, as a function's cold start does
        check = TenantPolicyCheck(boto3.session.Session(region_name=REGION), role_arn)
        on_tenant_client(check)
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (wiring.settings().raw_bucket, wiring.settings().label_bucket):  # erase empties both
            s3.create_bucket(Bucket=bucket)
        for seller_id in (SELLER_A, SELLER_B):
            seed(seller_id, tables)
        try:
            yield Tenancy(tables, check)
        finally:
            clear_tenant_client_hooks()
            monkeypatch.delenv("TENANT_DATA_ROLE_ARN")
            reset_settings()
            wiring.reset()
            bind_tables(Settings())  # no tenant role for the tests that follow


def refused_at_iam(call: Callable[[], Any]) -> bool:
    try:
        call()
    except PynamoDBException as exc:
        return exc.cause_response_code == "AccessDeniedException"
    except ClientError as exc:
        return exc.response["Error"]["Code"] == "AccessDeniedException"
    return False


# What each task reads or writes in a seller's partition, through the store or model it uses.
TASK_CALLS: dict[str, Callable[[str], Any]] = {
    "plan/request/check_report, plan/request/check_ads_report": lambda s: ReportStore().get(
        s, "REPORT#T#M#W"
    ),
    "ingest_ads_report": lambda s: list(AdCampaignDayRecord.query(s)),
    "compute_rollups": lambda s: list(DayRollupRecord.query(s)),
    "reconcile_economics": lambda s: list(EconomicsMismatchesRecord.query(s)),
    "request_reviews": lambda s: ReviewRequestStore().requests(s),
    "evaluate_alerts, send_whatsapp": lambda s: list(AlertRecord.query(s)),
    "record_sync_result": lambda s: list(SellerRecord.query(s)),
    "apply_notifications": lambda s: NotificationLedger().claim(s, "n-1", "ORDER_CHANGE", now=NOW),
    "export_seller_data, erase_seller": lambda s: list(
        PartitionStore.from_settings(wiring.settings()).items("seller_data", s)
    ),
}


def test_a_task_acting_for_its_seller_is_refused_another_sellers_key_at_iam(tenancy: Tenancy) -> None:
    for task, call in TASK_CALLS.items():
        denied_before = len(tenancy.check.denied)
        with acting_for(SELLER_A):
            call(SELLER_A)  # its own seller's partition: allowed
            assert len(tenancy.check.denied) == denied_before, task
            # A deliberately wrong key: the tenant session of seller A may not reach seller B
            assert refused_at_iam(partial(call, SELLER_B)), task
        assert [seller for seller, _, _ in tenancy.check.denied[denied_before:]] == [SELLER_A], task


def test_a_deliberately_broken_rollup_task_fails_at_iam(
    tenancy: Tenancy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the compute_rollups handler with a bug: it recomputes another seller than its input's
    app = handler_module("compute_rollups")
    real = app.recompute
    monkeypatch.setattr(app, "recompute", lambda _seller, **_kw: real(SELLER_B))
    # When it runs for seller A
    with pytest.raises(PynamoDBException) as refused:
        app.lambda_handler({"seller_id": SELLER_A}, _Context())
    # Then seller A's session is refused seller B's partition by IAM
    assert refused.value.cause_response_code == "AccessDeniedException"
    assert {seller for seller, _, _ in tenancy.check.denied} == {SELLER_A}


def test_the_quota_stays_app_wide_while_a_task_acts_for_a_seller(tenancy: Tenancy) -> None:
    # The sales-and-traffic budget (plan_reports) is one QUOTA# partition shared by every seller
    with acting_for(SELLER_A):
        QuotaStore().want("sales_and_traffic", SELLER_A, NOW)
        QuotaStore().slot("sales_and_traffic")
    assert tenancy.check.denied == []


def test_erasing_a_seller_deletes_its_partitions_on_its_session_and_pii_and_audit_with_its_own_role(
    tenancy: Tenancy,
) -> None:
    app = handler_module("erase_seller")
    checked_before = tenancy.check.checked
    more = True
    while more:
        more = app.lambda_handler({"step": "delete_items", "seller_id": SELLER_A}, _Context())["more"]
    verification = app.lambda_handler({"step": "verify", "seller_id": SELLER_A}, _Context())
    recorded = app.lambda_handler(
        {"step": "record", "seller_id": SELLER_A, "requested_by": "admin-sub", "verification": verification},
        _Context(),
    )
    # Seller A's items are gone from every table, seller B's are all there
    assert verification["items_left"] == 0
    for logical in ENVIRONMENT:
        assert tenancy.count(logical, SELLER_A) == 0, logical
        assert tenancy.count(logical, SELLER_B) > 0, logical
    # The seller's data went out on its tenant session, none of it refused; the erasure record is kept
    assert tenancy.check.checked > checked_before
    assert tenancy.check.denied == []
    assert recorded["erased_at"]
    assert tenancy.count("AuditTable", f"ERASED#{SELLER_A}") == 2  # the record and its chain head
