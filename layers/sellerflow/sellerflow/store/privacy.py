"""Data access of the seller's data rights: whole-partition reads and deletes, export objects, the
seller's schedule and running syncs, workflow starts, and buyer-request restrictions.

Everything here is keyed by one seller: a partition is read or deleted with `Query` on the hash key
(never `Scan`), objects are listed under the seller's own prefixes. Items travel as plain Python
values (boto3's deserializer: numbers are `Decimal`, sets are `set`, binary is `bytes`).

    RESTRICT#ORDER#<orderId>   (sellers table) a buyer asked for this order's data to be deleted:
                               the pipelines must never store it again (`restricted_order_ids`)
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import IO, TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import ClientError
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import UpdateError

from sellerflow.domain import SellerStatus
from sellerflow.settings import Settings
from sellerflow.store.s3 import sigv4_s3_client
from sellerflow.store.sellers import SellerStore
from sellerflow.store.tables import SellerItem, condition_failed, table
from sellerflow.store.tenancy import acting_seller_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import WriteRequestOutputTypeDef, WriteRequestTypeDef
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_stepfunctions import SFNClient

RESTRICT_ORDER_PREFIX = "RESTRICT#ORDER#"
# A restriction outlives any Amazon data that could bring the order back (kept at most 18 months).
RESTRICTION_RETENTION = timedelta(days=548)
BATCH_WRITE_LIMIT = 25  # DynamoDB BatchWriteItem takes at most 25 requests

# The tables of a deployment, by the kind `sellerflow.store.tables.table` names them.
TABLE_KINDS = ("seller_data", "pii", "sellers", "audit")
# While acting for a seller, these tables are read and written with the seller's tenant credentials
# (sellerflow.store.tenancy); the audit chain only read (the tenant role keeps it append-only: erasure
# deletes it with the erase function's own role); buyer PII never (the tenant role cannot reach it).
TENANT_KINDS = frozenset({"seller_data", "sellers"})
TENANT_READ_KINDS = TENANT_KINDS | {"audit"}

T = TypeVar("T")


def _boto3_client(service: str, **kwargs: Any) -> Any:
    """A boto3 client, boto3 imported on first use (~150 ms): the handlers that import this module
    for its `restricted_order_ids` (every store of orders) never call AWS through boto3 here."""
    import boto3

    return boto3.client(service, **kwargs)  # type: ignore[call-overload]


@cache
def _codecs() -> tuple[Any, Any]:
    """boto3's DynamoDB (de)serializer, imported on first use."""
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeDeserializer(), TypeSerializer()


# --- buyer-request restrictions ------------------------------------------------------------------
@table("sellers")
class RestrictionRecord(SellerItem):
    # sk: RESTRICT#ORDER#<orderId>
    order_id = UnicodeAttribute()
    reason = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    restricted_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


def restricted_order_ids(seller_id: str) -> set[str]:
    """The order ids of a seller that must never be stored again (one Query; call once per batch)."""
    return {
        record.order_id
        for record in RestrictionRecord.query(
            seller_id, RestrictionRecord.sk.startswith(RESTRICT_ORDER_PREFIX), consistent_read=True
        )
    }


def drop_restricted(batch: Sequence[T]) -> list[T]:
    """The batch without the facts (or orders) whose `order_id` a buyer asked to delete.

    Reads each seller's restrictions once; items without an order id always stay.
    """
    restricted: dict[str, set[str]] = {}
    kept: list[T] = []
    for item in batch:
        order_id = getattr(item, "order_id", None)
        seller_id = getattr(item, "seller_id", None)
        if order_id and isinstance(seller_id, str):
            if seller_id not in restricted:
                restricted[seller_id] = restricted_order_ids(seller_id)
            if order_id in restricted[seller_id]:
                continue
        kept.append(item)
    return kept


def restrict_order(seller_id: str, order_id: str, *, requested_by: str, reason: str) -> None:
    """Record that an order's data must not be stored again (idempotent: a repeat refreshes it)."""
    now = datetime.now(UTC)
    RestrictionRecord(
        seller_id=seller_id,
        sk=f"{RESTRICT_ORDER_PREFIX}{order_id}",
        order_id=order_id,
        reason=reason[:200],
        requested_by=requested_by,
        restricted_at=now,
        expires_at=int((now + RESTRICTION_RETENTION).timestamp()),
    ).save()


class SellerStatusStore:
    """Stops a seller's syncs at the source: its profile's status, and the active-sellers index."""

    def __init__(self, sellers: SellerStore | None = None) -> None:
        self._sellers = sellers or SellerStore()

    def stop(self, seller_id: str, status: SellerStatus, *, reason: str) -> bool:
        """Set a non-active status (which drops the seller from the index); False if no profile exists."""
        if status is SellerStatus.ACTIVE:
            raise ValueError("stop() never makes a seller active")
        try:
            self._sellers.set_status(seller_id, status, reason=reason)
        except UpdateError as exc:
            if condition_failed(exc):
                return False  # already erased (a re-run), or never connected
            raise
        return True


# --- DynamoDB partitions -------------------------------------------------------------------------
def _plain(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _codecs()[0].deserialize(v) for k, v in item.items()}


class PartitionStore:
    """One seller's partition in each table of the deployment, through the low-level DynamoDB API."""

    def __init__(self, tables: Mapping[str, str], *, client: DynamoDBClient | None = None) -> None:
        unknown = set(tables) - set(TABLE_KINDS)
        if unknown:
            raise ValueError(f"unknown table kinds {sorted(unknown)}")
        self._tables = dict(tables)
        self._client = client

    @classmethod
    def from_settings(cls, settings: Settings, *, client: DynamoDBClient | None = None) -> PartitionStore:
        return cls(
            {
                "seller_data": settings.seller_data_table,
                "pii": settings.pii_table,
                "sellers": settings.sellers_table,
                "audit": settings.audit_table,
            },
            client=client,
        )

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k in TABLE_KINDS if k in self._tables)

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            self._client = _boto3_client("dynamodb")
        return self._client

    def _client_for(self, kind: str, *, writing: bool = False) -> DynamoDBClient:
        """The acting seller's tenant client where its role reaches `kind`, else the function's own."""
        if kind in (TENANT_KINDS if writing else TENANT_READ_KINDS):
            tenant: DynamoDBClient | None = acting_seller_client()
            if tenant is not None:
                return tenant
        return self.client

    def _query(
        self, kind: str, seller_id: str, *, prefix: str | None = None, keys_only: bool = False, **extra: Any
    ) -> Iterator[dict[str, Any]]:
        condition = "seller_id = :s"
        values: dict[str, Any] = {":s": {"S": seller_id}}
        if prefix:
            condition += " AND begins_with(sk, :p)"
            values[":p"] = {"S": prefix}
        kwargs: dict[str, Any] = {
            "TableName": self._tables[kind],
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
            **extra,
        }
        if keys_only:
            kwargs["ProjectionExpression"] = "seller_id, sk"
        if "FilterExpression" in extra and "ExpressionAttributeValues" in extra:
            kwargs["ExpressionAttributeValues"] = {**values, **extra["ExpressionAttributeValues"]}
        while True:
            page = self._client_for(kind).query(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page or "Limit" in kwargs:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def items(self, kind: str, seller_id: str) -> Iterator[dict[str, Any]]:
        """Every item of the seller in one table, in sort-key order, one page in memory at a time."""
        for item in self._query(kind, seller_id):
            yield _plain(item)

    def count(self, kind: str, seller_id: str) -> int:
        kwargs: dict[str, Any] = {
            "TableName": self._tables[kind],
            "KeyConditionExpression": "seller_id = :s",
            "ExpressionAttributeValues": {":s": {"S": seller_id}},
            "Select": "COUNT",
            "ConsistentRead": True,
        }
        total = 0
        while True:
            page = self._client_for(kind).query(**kwargs)
            total += int(page.get("Count", 0))
            if "LastEvaluatedKey" not in page:
                return total
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def delete_batch(self, kind: str, seller_id: str, limit: int) -> int:
        """Delete up to `limit` items of the seller's partition in one table; how many were deleted.

        Always starts from the partition's beginning: what is deleted is gone, so the next call
        (or a re-run after a failure) simply finds the next items. Deleting a key twice is harmless.
        """
        deleted = 0
        while deleted < limit:
            keys = list(self._query(kind, seller_id, keys_only=True, Limit=min(limit - deleted, 100)))
            if not keys:
                break
            self._delete_keys(kind, keys)
            deleted += len(keys)
        return deleted

    def put(self, kind: str, item: Mapping[str, Any]) -> None:
        """Write one item given as plain values (a new key only: an existing item is never replaced)."""
        self._client_for(kind, writing=True).put_item(
            TableName=self._tables[kind],
            Item={k: _codecs()[1].serialize(v) for k, v in item.items()},
            ConditionExpression="attribute_not_exists(sk)",
        )

    def get(self, kind: str, seller_id: str, sk: str) -> dict[str, Any] | None:
        found = (
            self._client_for(kind)
            .get_item(
                TableName=self._tables[kind],
                Key={"seller_id": {"S": seller_id}, "sk": {"S": sk}},
                ConsistentRead=True,
            )
            .get("Item")
        )
        return None if found is None else _plain(found)

    def with_attribute(
        self, kind: str, seller_id: str, prefix: str, name: str, value: str
    ) -> list[dict[str, Any]]:
        """The seller's items under a sort-key prefix whose attribute `name` equals `value`."""
        return [
            _plain(item)
            for item in self._query(
                kind,
                seller_id,
                prefix=prefix,
                FilterExpression="#a = :v",
                ExpressionAttributeNames={"#a": name},
                ExpressionAttributeValues={":v": {"S": value}},
            )
        ]

    def under_prefix(self, kind: str, seller_id: str, prefix: str) -> list[dict[str, Any]]:
        return [_plain(item) for item in self._query(kind, seller_id, prefix=prefix)]

    def delete(self, kind: str, seller_id: str, sort_keys: Sequence[str]) -> int:
        keys = [{"seller_id": {"S": seller_id}, "sk": {"S": sk}} for sk in dict.fromkeys(sort_keys)]
        self._delete_keys(kind, keys)
        return len(keys)

    def _delete_keys(self, kind: str, keys: Sequence[Mapping[str, Any]]) -> None:
        self._write(
            kind, [{"DeleteRequest": {"Key": {"seller_id": k["seller_id"], "sk": k["sk"]}}} for k in keys]
        )

    def _write(self, kind: str, requests: Sequence[WriteRequestTypeDef]) -> None:
        name = self._tables[kind]
        for start in range(0, len(requests), BATCH_WRITE_LIMIT):
            pending: list[WriteRequestTypeDef | WriteRequestOutputTypeDef] = list(
                requests[start : start + BATCH_WRITE_LIMIT]
            )
            for _attempt in range(8):
                if not pending:
                    break
                answer = self._client_for(kind, writing=True).batch_write_item(RequestItems={name: pending})
                pending = list(answer.get("UnprocessedItems", {}).get(name, []))
            if pending:
                raise RuntimeError(f"DynamoDB left {len(pending)} writes to {name} unprocessed")


# --- S3: exports and the seller's prefixes --------------------------------------------------------
class SellerObjects:
    """Objects of the raw-documents bucket under one seller's prefixes."""

    def __init__(self, bucket: str, *, kms_key_id: str, client: S3Client | None = None) -> None:
        self._bucket = bucket
        self._kms_key_id = kms_key_id
        self._client = client

    @classmethod
    def from_settings(cls, settings: Settings, *, client: S3Client | None = None) -> SellerObjects:
        return cls(settings.raw_bucket, kms_key_id=settings.data_key_id, client=client)

    @property
    def client(self) -> S3Client:
        if self._client is None:
            self._client = sigv4_s3_client()
        return self._client

    def upload(self, key: str, body: IO[bytes], *, content_type: str = "application/zip") -> None:
        """Upload a file object (multipart when large) with SSE-KMS under the data key."""
        self.client.upload_fileobj(
            body,
            self._bucket,
            key,
            ExtraArgs={
                "ServerSideEncryption": "aws:kms",
                "SSEKMSKeyId": self._kms_key_id,
                "ContentType": content_type,
            },
        )

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def presigned_get(self, key: str, *, expires_in: int) -> str:
        url: str = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_in
        )
        return url

    def delete_batch(self, prefix: str, limit: int = 1000) -> int:
        """Delete up to `limit` objects under a prefix; how many were deleted."""
        listed = self.client.list_objects_v2(Bucket=self._bucket, Prefix=prefix, MaxKeys=min(limit, 1000))
        keys: list[ObjectIdentifierTypeDef] = [{"Key": o["Key"]} for o in listed.get("Contents", [])]
        if not keys:
            return 0
        answer = self.client.delete_objects(Bucket=self._bucket, Delete={"Objects": keys, "Quiet": True})
        errors = answer.get("Errors") or []
        if errors:
            raise RuntimeError(f"S3 refused to delete {len(errors)} objects under {prefix}")
        return len(keys)

    def count(self, prefix: str) -> int:
        total = 0
        kwargs: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix}
        while True:
            page = self.client.list_objects_v2(**kwargs)
            total += int(page.get("KeyCount", 0))
            if not page.get("IsTruncated"):
                return total
            kwargs["ContinuationToken"] = page["NextContinuationToken"]


# --- Scheduler and Step Functions -----------------------------------------------------------------
@dataclass(frozen=True)
class ExecutionState:
    status: str  # RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED | PENDING_REDRIVE
    input: dict[str, Any]


class SyncControls:
    """What stops a seller's syncs besides its profile: its own schedule and its running executions."""

    def __init__(
        self,
        *,
        schedule_group: str,
        seller_sync_state_machine_arn: str,
        scheduler: EventBridgeSchedulerClient | None = None,
        sfn: SFNClient | None = None,
    ) -> None:
        self._group = schedule_group
        self._sync_arn = seller_sync_state_machine_arn
        self._scheduler = scheduler
        self._sfn = sfn

    @classmethod
    def from_settings(cls, settings: Settings) -> SyncControls:
        return cls(
            schedule_group=settings.seller_schedule_group,
            seller_sync_state_machine_arn=settings.seller_sync_state_machine_arn,
        )

    def delete_schedule(self, name: str) -> bool:
        """Delete a schedule; False when there is none (per-seller schedules are optional)."""
        scheduler = self._scheduler or _boto3_client("scheduler")
        try:
            scheduler.delete_schedule(Name=name, GroupName=self._group)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return False
            raise
        return True

    def stop_running_syncs(self, seller_id: str) -> int:
        """Stop the seller's running seller-sync executions (named `<sellerId>-<window>`); how many."""
        if not self._sync_arn:
            return 0
        sfn = self._sfn or _boto3_client("stepfunctions")
        stopped = 0
        kwargs: dict[str, Any] = {"stateMachineArn": self._sync_arn, "statusFilter": "RUNNING"}
        while True:
            page = sfn.list_executions(**kwargs)
            for execution in page.get("executions", []):
                if str(execution["name"]).startswith(f"{seller_id}-"):
                    sfn.stop_execution(
                        executionArn=execution["executionArn"],
                        error="SellerStopped",
                        cause="the seller is being disconnected or erased",
                    )
                    stopped += 1
            if not page.get("nextToken"):
                return stopped
            kwargs["nextToken"] = page["nextToken"]


class Workflows:
    """Starting and reading Step Functions executions of the privacy workflows."""

    def __init__(self, *, client: SFNClient | None = None) -> None:
        self._client = client

    @property
    def client(self) -> SFNClient:
        if self._client is None:
            self._client = _boto3_client("stepfunctions")
        return self._client

    def start(self, state_machine_arn: str, *, name: str, payload: Mapping[str, Any]) -> str:
        """Start (or find, for the same name and input) an execution; its ARN."""
        try:
            started = self.client.start_execution(
                stateMachineArn=state_machine_arn, name=name, input=json.dumps(dict(payload))
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                raise
            return execution_arn(state_machine_arn, name)
        return str(started["executionArn"])

    def describe(self, state_machine_arn: str, name: str) -> ExecutionState | None:
        try:
            described = self.client.describe_execution(executionArn=execution_arn(state_machine_arn, name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("ExecutionDoesNotExist", "InvalidArn"):
                return None
            raise
        try:
            payload = json.loads(described.get("input") or "{}")
        except ValueError:
            payload = {}
        return ExecutionState(
            status=str(described["status"]), input=payload if isinstance(payload, dict) else {}
        )


def execution_arn(state_machine_arn: str, name: str) -> str:
    return state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
