"""The tenant data role's policy, checked on every DynamoDB call of a tenant client (moto checks none).

`item_requests` turns one DynamoDB call into what IAM authorizes: one (action, resource, partition
keys) per table or per transaction item, with `dynamodb:LeadingKeys` as IAM sees them. `TenantPolicyCheck`
reads the role's policies from IAM (moto's copy of what template.yaml declares) and, hooked on a tenant
client (`sellerflow.store.tenancy.on_tenant_client`), refuses a call the role would not allow with
the `AccessDeniedException` DynamoDB answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import ClientError

from sellerflow.store.tenancy import SELLER_TAG
from sellerflow_dev.iam_policy import Decision, evaluate

_KEY_EQUALS = re.compile(r"([#\w]+)\s*=\s*(:\w+)")
_TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}

PartitionKeyOf = Callable[[str, str | None], str]  # (table, index or None) -> its partition key attribute


@dataclass(frozen=True)
class ItemRequest:
    action: str  # e.g. dynamodb:GetItem
    table: str
    index: str | None
    leading_keys: list[str]


def _key_value(item: Mapping[str, Any], attribute: str) -> str:
    value = item.get(attribute) or {}
    return str(value.get("S", value.get("N", value.get("B", ""))))


def _query_keys(params: Mapping[str, Any], attribute: str) -> list[str]:
    names: Mapping[str, str] = params.get("ExpressionAttributeNames") or {}
    values: Mapping[str, Mapping[str, Any]] = params.get("ExpressionAttributeValues") or {}
    for name, placeholder in _KEY_EQUALS.findall(params.get("KeyConditionExpression") or ""):
        if names.get(name, name) == attribute:
            return [_key_value({attribute: values.get(placeholder, {})}, attribute)]
    return []


def item_requests(
    operation: str, params: Mapping[str, Any], partition_key: PartitionKeyOf
) -> list[ItemRequest]:
    """What IAM authorizes for one DynamoDB call."""
    if operation in ("GetItem", "PutItem", "UpdateItem", "DeleteItem"):
        table = params["TableName"]
        item = params.get("Key") or params.get("Item") or {}
        return [
            ItemRequest(f"dynamodb:{operation}", table, None, [_key_value(item, partition_key(table, None))])
        ]
    if operation == "Query":
        table, index = params["TableName"], params.get("IndexName")
        return [ItemRequest("dynamodb:Query", table, index, _query_keys(params, partition_key(table, index)))]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        requests = []
        for table, batch in (params.get("RequestItems") or {}).items():
            attribute = partition_key(table, None)
            items = (
                batch.get("Keys", [])
                if operation == "BatchGetItem"
                else [
                    w.get("PutRequest", {}).get("Item") or w.get("DeleteRequest", {}).get("Key")
                    for w in batch
                ]
            )
            requests.append(
                ItemRequest(
                    f"dynamodb:{operation}", table, None, [_key_value(i or {}, attribute) for i in items]
                )
            )
        return requests
    if operation in ("TransactWriteItems", "TransactGetItems"):
        requests = []
        for entry in params.get("TransactItems") or []:
            ((kind, item),) = entry.items()
            table = item["TableName"]
            key = item.get("Key") or item.get("Item") or {}
            requests.append(
                ItemRequest(
                    f"dynamodb:{_TRANSACT_ACTIONS[kind]}",
                    table,
                    None,
                    [_key_value(key, partition_key(table, None))],
                )
            )
        return requests
    table = params.get("TableName", "*")
    return [ItemRequest(f"dynamodb:{operation}", table, params.get("IndexName"), [])]


class TenantPolicyCheck:
    """Checks each call of a tenant client against the tenant data role's policies, as IAM would."""

    def __init__(self, session: Any, role_arn: str) -> None:
        self._session = session
        self._role_arn = role_arn
        self._role_name = role_arn.rsplit("/", 1)[-1]
        self._policies: list[Mapping[str, Any]] | None = None
        self._key_schemas: dict[tuple[str, str | None], str] = {}
        self._table_arns: dict[str, str] = {}
        self.checked = 0
        self.denied: list[tuple[str, str, Decision]] = []  # (seller, action, decision) of each refusal

    def policies(self) -> list[Mapping[str, Any]]:
        if self._policies is None:
            iam = self._session.client("iam")
            documents = []
            for name in iam.list_role_policies(RoleName=self._role_name)["PolicyNames"]:
                document = iam.get_role_policy(RoleName=self._role_name, PolicyName=name)["PolicyDocument"]
                documents.append(json.loads(unquote(document)) if isinstance(document, str) else document)
            self._policies = documents
        return self._policies

    def partition_key(self, table: str, index: str | None) -> str:
        if (table, index) not in self._key_schemas:
            description = self._session.client("dynamodb").describe_table(TableName=table)["Table"]
            self._table_arns[table] = description["TableArn"]
            schemas = {None: description["KeySchema"]} | {
                i["IndexName"]: i["KeySchema"] for i in description.get("GlobalSecondaryIndexes", [])
            }
            for name, schema in schemas.items():
                self._key_schemas[(table, name)] = next(
                    k["AttributeName"] for k in schema if k["KeyType"] == "HASH"
                )
        return self._key_schemas[(table, index)]

    def resource(self, request: ItemRequest) -> str:
        if request.table not in self._table_arns:
            self.partition_key(request.table, None)
        arn = self._table_arns[request.table]
        return f"{arn}/index/{request.index}" if request.index else arn

    def decide(self, seller_id: str, request: ItemRequest) -> Decision:
        context = {f"aws:PrincipalTag/{SELLER_TAG}": seller_id, "dynamodb:LeadingKeys": request.leading_keys}
        return evaluate(self.policies(), request.action, self.resource(request), context)

    def __call__(self, client: Any, seller_id: str) -> None:
        def check(params: dict[str, Any], model: Any, **_: Any) -> None:
            self.checked += 1
            for request in item_requests(model.name, params, self.partition_key):
                decision = self.decide(seller_id, request)
                if not decision.allowed:
                    self.denied.append((seller_id, request.action, decision))
                    raise ClientError(
                        {
                            "Error": {
                                "Code": "AccessDeniedException",
                                "Message": (
                                    f"User: {self._role_arn} (session seller-{seller_id}) is not authorized to perform: {request.action} on "
                                    f"resource: {self.resource(request)} ({decision.reason})"
                                ),
                            }
                        },
                        model.name,
                    )

        client.meta.events.register("before-parameter-build.dynamodb", check)


TENANT_ROLE = "TenantDataRole"


def template_tenant_policies(
    template: Mapping[str, Any],
    arns: Mapping[str, str],
    *,
    region: str = "us-east-1",
    account_id: str = "123456789012",
) -> list[dict[str, Any]]:
    """The tenant data role's policy documents as template.yaml declares them, with `arns` (logical id ->
    ARN) standing for the tables' and keys' `Fn::GetAtt ... .Arn`."""
    from sellerflow_dev.local.template import Resolver

    parameters = {
        name: "unused" for name, spec in (template.get("Parameters") or {}).items() if "Default" not in spec
    }
    resolver = Resolver(template, parameters, region=region, account_id=account_id)
    resolver.attrs.update({(logical_id, "Arn"): arn for logical_id, arn in arns.items()})
    properties = template["Resources"][TENANT_ROLE]["Properties"]
    return [policy["PolicyDocument"] for policy in resolver.resolve(properties["Policies"])]
