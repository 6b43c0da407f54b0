"""The billing table (hosted deployments with `Billing=on`): accounts' plans, Stripe customer links,
and the webhook events' idempotency records (Powertools idempotency, same table).

    seller_id <seller id>                 sk BILLING#PLAN        the account's plan and Stripe state (long-lived)
    seller_id CUSTOMER#<cus_...>          sk SELLER              which seller a Stripe customer pays for
    seller_id IDEMPOTENCY#stripe-events   sk <hash of event id>  one webhook event handled (`expires_at`)

Keyed like every table (the seller first; app-wide items in their own `CUSTOMER#`/`IDEMPOTENCY#`
partitions). Stripe ids are Stripe's; the seller id never leaves this table for Stripe. Only the
billing function and the fanout (plan state) read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

from sellerflow.billing.model import BillingAccount, PlanState
from sellerflow.errors import BillingConflict

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

IDEMPOTENCY_PK = "IDEMPOTENCY#stripe-events"
PLAN_SK = "BILLING#PLAN"
EVENT_RECORD_TTL_S = 30 * 86400  # Stripe retries an event for up to three days; kept a month
_DATES = ("updated_at", "trial_ends_at", "current_period_end", "past_due_since", "cancelled_at")


def _item(account: BillingAccount) -> dict[str, Any]:
    item: dict[str, Any] = {"sk": {"S": PLAN_SK}}
    for name, value in asdict(account).items():
        if value is None:
            continue
        if isinstance(value, datetime):
            item[name] = {"S": value.isoformat()}
        elif isinstance(value, int):
            item[name] = {"N": str(value)}
        else:
            item[name] = {"S": str(value)}
    return item


def _account(item: dict[str, Any]) -> BillingAccount:
    def text(name: str) -> str | None:
        value = item.get(name)
        return None if value is None else str(value["S"])

    def when(name: str) -> datetime | None:
        value = text(name)
        return None if value is None else datetime.fromisoformat(value)

    updated_at = when("updated_at")
    assert updated_at is not None
    return BillingAccount(
        seller_id=str(text("seller_id")), plan_id=str(text("plan_id")), status=PlanState(str(text("status"))),
        updated_at=updated_at, customer_id=text("customer_id"), subscription_id=text("subscription_id"),
        trial_ends_at=when("trial_ends_at"), current_period_end=when("current_period_end"),
        past_due_since=when("past_due_since"), cancelled_at=when("cancelled_at"),
        last_event_created=int(item.get("last_event_created", {"N": "0"})["N"]),
    )  # fmt: skip


class BillingTable:
    """`sellerflow.billing.service.BillingAccounts` on DynamoDB (boto3)."""

    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self._table = table_name
        self._client = client

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            self._client = boto3.client("dynamodb")
        return self._client

    def get(self, seller_id: str) -> BillingAccount | None:
        found = self.client.get_item(
            TableName=self._table, Key={"seller_id": {"S": seller_id}, "sk": {"S": PLAN_SK}},
            ConsistentRead=True,
        )  # fmt: skip
        item = found.get("Item")
        return None if item is None else _account(dict(item))

    def put(self, account: BillingAccount) -> None:
        self.client.put_item(TableName=self._table, Item=_item(account))

    def seller_for_customer(self, customer_id: str) -> str | None:
        found = self.client.get_item(
            TableName=self._table, Key={"seller_id": {"S": f"CUSTOMER#{customer_id}"}, "sk": {"S": "SELLER"}},
            ConsistentRead=True,
        )  # fmt: skip
        item = found.get("Item")
        return None if item is None else str(item["paying_for"]["S"])

    def link_customer(self, customer_id: str, seller_id: str) -> None:
        self.client.put_item(
            TableName=self._table,
            Item={
                "seller_id": {"S": f"CUSTOMER#{customer_id}"},
                "sk": {"S": "SELLER"},
                "paying_for": {"S": seller_id},
            },
        )

    def all(self) -> list[BillingAccount]:
        accounts: list[BillingAccount] = []
        paginator = self.client.get_paginator("scan")
        for page in paginator.paginate(
            TableName=self._table,
            FilterExpression="sk = :plan",
            ExpressionAttributeValues={":plan": {"S": PLAN_SK}},
        ):
            accounts.extend(_account(dict(item)) for item in page.get("Items", []))
        return accounts


class IdempotentEvents:
    """Runs a webhook event's handling at most once per Stripe event id (Powertools idempotency): a
    replay gets the first handling's result back; one still in progress is a 409 (Stripe retries)."""

    def __init__(self, table_name: str, *, expires_after_s: int = EVENT_RECORD_TTL_S) -> None:
        self._persistence = DynamoDBPersistenceLayer(
            table_name=table_name,
            key_attr="seller_id",
            sort_key_attr="sk",
            static_pk_value=IDEMPOTENCY_PK,
            expiry_attr="expires_at",
        )
        self._config = IdempotencyConfig(
            event_key_jmespath="id", raise_on_no_idempotency_key=True, expires_after_seconds=expires_after_s
        )

    def once(
        self, event: dict[str, Any], handle: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any]:
        @idempotent_function(  # type: ignore[untyped-decorator]
            data_keyword_argument="event", persistence_store=self._persistence, config=self._config
        )
        def run(event: dict[str, Any]) -> dict[str, Any]:
            ran.append(True)
            return handle(event)

        ran: list[bool] = []
        try:
            result: dict[str, Any] = run(event=event)
        except IdempotencyAlreadyInProgressError:
            raise BillingConflict("this Stripe event is being handled already; Stripe retries it") from None
        return {**result, "replay": not ran}
