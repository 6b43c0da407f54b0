"""The expiry sweeper: deletes what DynamoDB TTL has not deleted yet (TTL is best effort, often days
late), seller partition by seller partition, in bounded batches.

Which sellers: every seller with a PROFILE item. Active sellers come from the sellers table's
sparse `active_sellers` index; revoked and disconnected sellers are not in that index but still
have data that expires, so a scan of the sellers table (keys only, `sk = PROFILE`, paged) completes
the list. The scan reads control data only (one small item per seller) and never aggregates
seller data; each seller is then swept in its own partition with `Query` (partition key =
seller). A partition whose PROFILE is gone (an erased seller) is the erasure workflow's to empty;
the sweeper does not scan data tables.

What is deleted, per seller and table, at most `max_items_per_partition` items per run:

- buyer-PII, seller-data and sellers tables: every item whose `expires_at` is at or before now.
  Each delete is conditional on `expires_at` still being past, so an item re-written meanwhile
  (a re-synced order) survives. The long-lived control data (`LONG_LIVED`) carries no
  `expires_at` and is never deleted here, whatever it carries.
- audit table: expired entries from the oldest end of the hash chain, through
  `AuditLog.trim_expired`, which records the trim in the chain head first (so `audit verify`
  stays OK); the head goes with the last entry. Other expired items (the unchained first format)
  are deleted like the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sellerflow.store.access_review import REVIEW_PREFIX
from sellerflow.store.alerts import RECIPIENT_PREFIX, RULE_PREFIX
from sellerflow.store.audit import HEAD, SEQ_PREFIX, AuditLog
from sellerflow.store.credentials import ADS_CREDENTIALS
from sellerflow.store.facts_control import COGS_PREFIX
from sellerflow.store.fx import FX_RATE_PREFIX
from sellerflow.store.labels import PROFILE_PREFIX as LABEL_PROFILE_PREFIX
from sellerflow.store.labels import SETTINGS_KEY as LABEL_SETTINGS
from sellerflow.store.messages import INBOUND_KEY as MESSAGE_INBOUND
from sellerflow.store.messages import SETTINGS_KEY as MESSAGE_SETTINGS
from sellerflow.store.notifications import SUBSCRIPTION_PREFIX
from sellerflow.store.quota import SLOT_KEY
from sellerflow.store.restock import RESTOCK_KEY
from sellerflow.store.sellers import ACTIVE, CREDENTIALS, MEMBER_PREFIX, PROFILE
from sellerflow.store.solicitations import SETTINGS_KEY as REVIEW_SETTINGS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TABLE_KINDS = ("pii", "seller_data", "sellers", "audit")

# The one list of long-lived control data: every stored item carries `expires_at` except these,
# per table (an entry ending in "#" names every sort key it begins; any other, one sort key). They
# live as long as the seller's account (erasure deletes them) and the sweeper never deletes them.
# docs/data-model.md ("Expiry") prints this list, and tests/e2e/test_e2e_analytics.py fails on any
# item a sync writes with no `expires_at` that is not in it.
LONG_LIVED: dict[str, tuple[str, ...]] = {
    "sellers": (
        PROFILE,  # the seller: name, status, marketplaces, authorization
        CREDENTIALS,  # the LWA refresh token (envelope-encrypted)
        ADS_CREDENTIALS,  # the Amazon Ads refresh token (NA)
        f"{ADS_CREDENTIALS}#",  # the Amazon Ads refresh tokens of the EU and FE regions
        MEMBER_PREFIX,  # who may see the seller, and with which role
        COGS_PREFIX,  # unit costs the seller entered
        LABEL_PROFILE_PREFIX,  # package weights and dimensions per SKU the seller entered (labels)
        LABEL_SETTINGS,  # ship-from address, label format and reprint window the seller chose
        REVIEW_SETTINGS,  # review requests on/off and the delay after delivery the seller chose
        RULE_PREFIX,  # alert rules the owner set
        RESTOCK_KEY,  # lead times and safety stock the owner set (default and per SKU)
        RECIPIENT_PREFIX,  # WhatsApp recipients and their opt-in / opt-out
        SUBSCRIPTION_PREFIX,  # push subscriptions at Amazon (deleted on disconnect and erasure)
        REVIEW_PREFIX,  # completed access reviews: the evidence of the control, kept with the seller
        MESSAGE_INBOUND,  # the token of the seller's inbound address for buyer messages
        MESSAGE_SETTINGS,  # the seller's drafting instructions (tone, policies, signature, auto-send)
        SLOT_KEY,  # an app-wide quota's slot (partition QUOTA#<name>): a time and a count, no seller data
        FX_RATE_PREFIX,  # a day's ECB reference rates (partition FX#ECB): app-wide, no seller data
    ),
}


def is_long_lived(kind: str, sk: str) -> bool:
    """Whether an item of table `kind` with sort key `sk` is declared long-lived (`LONG_LIVED`)."""
    return any(sk.startswith(e) if e.endswith("#") else sk == e for e in LONG_LIVED.get(kind, ()))


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class SweepReport:
    sellers: int = 0
    deleted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLE_KINDS, 0))
    partitions_left_over: int = 0  # partitions that still held expired items past the per-run bound

    def as_dict(self) -> dict[str, Any]:
        return {
            "sellers": self.sellers,
            "deleted": dict(self.deleted),
            "total_deleted": sum(self.deleted.values()),
            "partitions_left_over": self.partitions_left_over,
        }


def _protected(kind: str, sk: str) -> bool:
    if is_long_lived(kind, sk):
        return True
    if kind == "audit":
        return sk == HEAD or sk.startswith(SEQ_PREFIX)  # the chain is trimmed by AuditLog only
    return False


class ExpirySweeper:
    def __init__(
        self,
        *,
        dynamodb: DynamoDBClient,
        tables: Mapping[str, str],
        audit: AuditLog,
        max_items_per_partition: int = 5000,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        missing = set(TABLE_KINDS) - set(tables)
        if missing:
            raise ValueError(f"the sweeper needs every table; missing {sorted(missing)}")
        self._db = dynamodb
        self._tables = dict(tables)
        self._audit = audit
        self._limit = max_items_per_partition
        self._clock = clock

    # --- which sellers --------------------------------------------------------------------------
    def seller_ids(self) -> list[str]:
        found: dict[str, None] = {}
        for item in self._pages(
            "query",
            TableName=self._tables["sellers"],
            IndexName="active_sellers",
            KeyConditionExpression="active_partition = :active",
            ExpressionAttributeValues={":active": {"S": ACTIVE}},
            ProjectionExpression="seller_id",
        ):
            found[item["seller_id"]["S"]] = None
        # Fallback: revoked / disconnected sellers are not in the sparse index.
        for item in self._pages(
            "scan",
            TableName=self._tables["sellers"],
            FilterExpression="sk = :profile",
            ExpressionAttributeValues={":profile": {"S": PROFILE}},
            ProjectionExpression="seller_id",
        ):
            found[item["seller_id"]["S"]] = None
        return sorted(found)

    # --- sweeping -------------------------------------------------------------------------------
    def sweep(self, seller_ids: list[str] | None = None) -> SweepReport:
        report = SweepReport()
        now = self._clock().astimezone(UTC)
        for seller_id in seller_ids if seller_ids is not None else self.seller_ids():
            report.sellers += 1
            for kind in TABLE_KINDS:
                deleted, left_over = self._sweep_partition(kind, seller_id, now)
                report.deleted[kind] += deleted
                report.partitions_left_over += int(left_over)
        return report

    def _sweep_partition(self, kind: str, seller_id: str, now: datetime) -> tuple[int, bool]:
        deleted = 0
        if kind == "audit":
            deleted += self._audit.trim_expired(seller_id, now=now, limit=self._limit)
        cutoff = str(int(now.timestamp()))
        for item in self._pages(
            "query",
            TableName=self._tables[kind],
            KeyConditionExpression="seller_id = :seller",
            FilterExpression="expires_at <= :now",
            ExpressionAttributeValues={":seller": {"S": seller_id}, ":now": {"N": cutoff}},
            ProjectionExpression="seller_id, sk",
        ):
            sk = item["sk"]["S"]
            if _protected(kind, sk):
                continue
            if deleted >= self._limit:
                return deleted, True
            try:
                self._db.delete_item(
                    TableName=self._tables[kind],
                    Key={"seller_id": {"S": seller_id}, "sk": {"S": sk}},
                    ConditionExpression="expires_at <= :now",
                    ExpressionAttributeValues={":now": {"N": cutoff}},
                )
                deleted += 1
            except self._db.exceptions.ConditionalCheckFailedException:
                continue  # re-written since the query: no longer expired
        return deleted, False

    def _pages(self, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        call = getattr(self._db, operation)
        while True:
            page = call(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
