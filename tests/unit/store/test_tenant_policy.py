"""The tenant data role's policy (template.yaml), evaluated as IAM would: a seller's own partition
keys are allowed, any other seller's key is refused, and so is anything without a partition key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sellerflow_dev.iam_policy import evaluate
from sellerflow_dev.local.template import load_template
from sellerflow_dev.tenant_policy import ItemRequest, item_requests, template_tenant_policies

ROOT = Path(__file__).resolve().parents[3]
ACCOUNT = "123456789012"
TABLES = {
    "SellerDataTable": "sellerflow-dev-seller-data",
    "SellersTable": "sellerflow-dev-sellers",
    "AuditTable": "sellerflow-dev-audit",
    "BuyerPiiTable": "sellerflow-dev-buyer-pii",
}
ARNS = {logical: f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{name}" for logical, name in TABLES.items()} | {
    "DataKey": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/data",
    "PiiKey": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/pii",
}
SELLER = "A1OWNSELLER"
OTHER = "A2OTHERSELLER"
KEYS = {None: "seller_id", "by_purchase_date": "seller_id", "by_member": "member_sub"}


@pytest.fixture(scope="module")
def policies() -> list[dict[str, Any]]:
    return template_tenant_policies(load_template(ROOT / "template.yaml"), ARNS)


def decide(
    policies: list[dict[str, Any]],
    action: str,
    table: str,
    keys: list[str],
    *,
    tag: str | None = SELLER,
    index: str | None = None,
) -> bool:
    resource = ARNS[table] + (f"/index/{index}" if index else "")
    context: dict[str, Any] = {"dynamodb:LeadingKeys": keys}
    if tag is not None:
        context["aws:PrincipalTag/seller_id"] = tag
    return evaluate(policies, action, resource, context).allowed


@pytest.mark.parametrize("table", ["SellerDataTable", "SellersTable"])
@pytest.mark.parametrize(
    "action",
    ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
)
def test_the_sellers_own_partition_is_allowed_and_another_sellers_is_denied(
    policies: list[dict[str, Any]], table: str, action: str
) -> None:
    assert decide(policies, action, table, [SELLER])
    assert not decide(policies, action, table, [OTHER])


def test_the_audit_chain_stays_append_only_and_the_sellers_own(policies: list[dict[str, Any]]) -> None:
    for action in ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"):
        assert decide(policies, action, "AuditTable", [SELLER])
        assert not decide(policies, action, "AuditTable", [OTHER])
    for action in ("dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"):
        assert not decide(policies, action, "AuditTable", [SELLER])


def test_the_buyer_pii_table_is_never_reached_with_tenant_credentials(policies: list[dict[str, Any]]) -> None:
    # The general API function may assume the role: PII stays with the PII function's own role
    for action in ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"):
        assert not decide(policies, action, "BuyerPiiTable", [SELLER])
    assert not evaluate(
        policies, "kms:Decrypt", ARNS["PiiKey"], {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"}
    ).allowed


def test_a_batch_with_one_foreign_key_is_denied_as_a_whole(policies: list[dict[str, Any]]) -> None:
    assert decide(policies, "dynamodb:BatchGetItem", "SellersTable", [SELLER, SELLER])
    assert not decide(policies, "dynamodb:BatchGetItem", "SellersTable", [SELLER, OTHER])


def test_a_key_that_merely_starts_with_the_sellers_id_is_denied(policies: list[dict[str, Any]]) -> None:
    assert not decide(policies, "dynamodb:GetItem", "SellerDataTable", [SELLER + "X"])
    assert not decide(policies, "dynamodb:GetItem", "SellerDataTable", [SELLER[:-1]])


def test_scan_and_table_wide_actions_are_denied_even_without_keys(policies: list[dict[str, Any]]) -> None:
    # ForAllValues holds for an empty key set: that is why Scan is not among the allowed actions
    assert not decide(policies, "dynamodb:Scan", "SellerDataTable", [])
    assert not decide(policies, "dynamodb:DescribeTable", "SellerDataTable", [])
    assert not decide(policies, "dynamodb:DeleteTable", "SellerDataTable", [])


def test_a_session_without_the_seller_tag_reaches_nothing(policies: list[dict[str, Any]]) -> None:
    assert not decide(policies, "dynamodb:GetItem", "SellerDataTable", [SELLER], tag=None)
    assert not decide(policies, "dynamodb:GetItem", "SellerDataTable", [""], tag="")


def test_indexes_of_other_tables_and_control_indexes_are_denied(policies: list[dict[str, Any]]) -> None:
    assert decide(policies, "dynamodb:Query", "SellerDataTable", [SELLER], index="by_purchase_date")
    assert not decide(policies, "dynamodb:Query", "SellersTable", [SELLER], index="by_member")


def test_item_requests_read_partition_keys_as_dynamodb_sees_them() -> None:
    def partition_key(table: str, index: str | None) -> str:
        return KEYS[index]

    query = {
        "TableName": "t",
        "IndexName": "by_purchase_date",
        "KeyConditionExpression": "#0 = :0 AND #1 BETWEEN :1 AND :2",
        "ExpressionAttributeNames": {"#0": "seller_id", "#1": "purchase_sk"},
        "ExpressionAttributeValues": {":0": {"S": OTHER}, ":1": {"S": "a"}, ":2": {"S": "b"}},
    }
    assert item_requests("Query", query, partition_key) == [
        ItemRequest("dynamodb:Query", "t", "by_purchase_date", [OTHER])
    ]
    transaction = {
        "TransactItems": [
            {"Put": {"TableName": "audit", "Item": {"seller_id": {"S": SELLER}, "sk": {"S": "SEQ#1"}}}},
            {"Update": {"TableName": "audit", "Key": {"seller_id": {"S": OTHER}, "sk": {"S": "AUDITHEAD"}}}},
        ]
    }
    assert [
        (r.action, r.leading_keys) for r in item_requests("TransactWriteItems", transaction, partition_key)
    ] == [
        ("dynamodb:PutItem", [SELLER]),
        ("dynamodb:UpdateItem", [OTHER]),
    ]
    batch = {
        "RequestItems": {
            "t": [
                {"PutRequest": {"Item": {"seller_id": {"S": SELLER}}}},
                {"DeleteRequest": {"Key": {"seller_id": {"S": OTHER}}}},
            ]
        }
    }
    assert item_requests("BatchWriteItem", batch, partition_key)[0].leading_keys == [SELLER, OTHER]
    assert item_requests("Scan", {"TableName": "t"}, partition_key)[0].leading_keys == []


def test_an_operator_the_evaluator_does_not_know_fails_closed() -> None:
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "dynamodb:GetItem",
                "Resource": "*",
                "Condition": {"NumericLessThan": {"x": "1"}},
            }
        ]
    }
    assert not evaluate([policy], "dynamodb:GetItem", "arn:t", {"x": "0"}).allowed


def test_an_explicit_deny_wins_over_an_allow() -> None:
    allow = {"Sid": "A", "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}
    deny = {"Sid": "D", "Effect": "Deny", "Action": "dynamodb:GetItem", "Resource": "*"}
    assert not evaluate([{"Statement": [allow, deny]}], "dynamodb:GetItem", "arn:t", {}).allowed
    assert evaluate([{"Statement": [allow, deny]}], "dynamodb:Query", "arn:t", {}).allowed
