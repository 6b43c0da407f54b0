"""Data access of `sellerflow.connect`: the seller's authorization dates and schedule (on its
PROFILE item), the single-use connect-state nonces, and the state-signing key (Secrets Manager).

The Amazon Ads grant: its refresh token is the CREDENTIALS#ADS item (`sellerflow.store.credentials`);
when an owner granted it is `ads_connected_at` on the PROFILE.

Nonces live in the sellers table under their own partition (`CONNECT#<nonce>`, sk `STATE`): control
data, never seller data, with a DynamoDB TTL (`expires_at`). They are consumed by a conditional
delete, so a state is used at most once even when two callbacks race.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import SecretBytes
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from sellerflow.amazon.ads import ADS_REGIONS
from sellerflow.domain import AdsAuthorization, ScheduledSeller, SellerConnection, SellerProfile, SellerStatus
from sellerflow.errors import ConfigurationError, SellerNotFound
from sellerflow.store.app_secrets import JsonSecret
from sellerflow.store.credentials import ADS_CREDENTIALS, ads_credentials_key
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.sellers import ACTIVE, PROFILE, SellerStore, seller_status
from sellerflow.store.tables import SellerRecord, _BoundMeta, table

STATE_PREFIX = "CONNECT#"
STATE_SK = "STATE"


@table("sellers")
class ConnectStateRecord(Model):
    """A connect state's nonce, waiting for its callback (deleted by it, or by TTL)."""

    class Meta(_BoundMeta):
        pass

    seller_id = UnicodeAttribute(hash_key=True)  # CONNECT#<nonce>: not a seller; control data
    sk = UnicodeAttribute(range_key=True)
    user_binding = UnicodeAttribute()
    expires_at = NumberAttribute()  # epoch seconds; the table's TTL attribute


def _conditional_failure(error: Exception) -> bool:
    cause: Any = getattr(error, "cause", None)
    code = getattr(cause, "response", {}).get("Error", {}).get("Code") if cause is not None else None
    return code == "ConditionalCheckFailedException" or "ConditionalCheckFailed" in str(error)


class ConnectStateStore:
    def put_nonce(self, nonce: str, *, user_binding: str, expires_at: datetime) -> None:
        record = ConnectStateRecord(
            seller_id=f"{STATE_PREFIX}{nonce}",
            sk=STATE_SK,
            user_binding=user_binding,
            expires_at=int(expires_at.timestamp()),
        )
        record.save(condition=ConnectStateRecord.seller_id.does_not_exist())

    def consume_nonce(self, nonce: str, *, user_binding: str, now: datetime) -> bool:
        """Delete the nonce if it is still there, unexpired and the user's; False otherwise."""
        record = ConnectStateRecord(seller_id=f"{STATE_PREFIX}{nonce}", sk=STATE_SK)
        try:
            record.delete(
                condition=ConnectStateRecord.seller_id.exists()
                & (ConnectStateRecord.user_binding == user_binding)
                & (ConnectStateRecord.expires_at > int(now.timestamp()))
            )
        except DeleteError as error:
            if _conditional_failure(error):
                return False
            raise
        return True


def _cadence(record: SellerRecord) -> int | None:
    """The seller's sync cadence in minutes; none (or 0): every schedule tick."""
    return int(record.sync_every_minutes) if record.sync_every_minutes else None


CONNECTIONS = RecordMapping(
    SellerConnection, SellerRecord, read={"status": seller_status, "sync_every_minutes": _cadence}
)
SCHEDULES = RecordMapping(ScheduledSeller, SellerRecord, read={"sync_every_minutes": _cadence})


class ConnectionStore:
    """The seller's connection: profile, authorization dates, schedule; and the fanout's view of them."""

    def connection(self, seller_id: str) -> SellerConnection:
        try:
            return CONNECTIONS.to_domain(SellerRecord.get(seller_id, PROFILE, consistent_read=True))
        except DoesNotExist:
            raise SellerNotFound(f"seller {seller_id} not found") from None

    def find(self, seller_id: str) -> SellerConnection | None:
        try:
            return self.connection(seller_id)
        except SellerNotFound:
            return None

    def record_authorization(
        self,
        seller_id: str,
        *,
        name: str,
        marketplace_ids: list[str],
        authorized_at: datetime,
        expires_at: datetime,
        sync_every_minutes: int,
    ) -> SellerProfile:
        """Create or update the seller's PROFILE as connected now: active, dated, scheduled.

        An existing profile keeps its creation date and its own cadence; a revoked, lapsed or
        disconnected seller becomes active again."""
        now = datetime.now(UTC)
        actions: list[Action] = [
            SellerRecord.name.set(name),
            SellerRecord.status.set(SellerStatus.ACTIVE.value),
            SellerRecord.status_reason.remove(),
            SellerRecord.marketplace_ids.set(list(marketplace_ids)),
            SellerRecord.active_partition.set(ACTIVE),
            SellerRecord.authorized_at.set(authorized_at),
            SellerRecord.authorization_expires_at.set(expires_at),
            SellerRecord.sync_every_minutes.set(
                SellerRecord.sync_every_minutes | sync_every_minutes  # if_not_exists
            ),
            SellerRecord.created_at.set(SellerRecord.created_at | now),
            SellerRecord.updated_at.set(now),
        ]
        SellerRecord(seller_id=seller_id, sk=PROFILE).update(actions=actions)
        return SellerStore().get_profile(seller_id)

    def record_ads_authorization(self, seller_id: str, *, connected_at: datetime) -> None:
        """Date the seller's Amazon Ads grant (its refresh token is stored by the vault)."""
        try:
            SellerRecord(seller_id=seller_id, sk=PROFILE).update(
                actions=[
                    SellerRecord.ads_connected_at.set(connected_at),
                    SellerRecord.updated_at.set(connected_at),
                ],
                condition=SellerRecord.seller_id.exists(),
            )
        except UpdateError as error:
            if _conditional_failure(error):
                raise SellerNotFound(f"seller {seller_id} not found") from None
            raise

    def ads_authorization(self, seller_id: str) -> AdsAuthorization:
        """Connected while an ads refresh token of any region is stored (a disconnection or erasure
        deletes them all); `regions` the Amazon Ads regions whose grant is stored."""
        granted = SellerRecord.query(
            seller_id,
            SellerRecord.sk.startswith(ADS_CREDENTIALS),
            consistent_read=True,
            attributes_to_get=["sk"],
        )
        keys = {record.sk for record in granted}
        regions = tuple(region for region in ADS_REGIONS if ads_credentials_key(region) in keys)
        if not regions:
            return AdsAuthorization(seller_id=seller_id, connected=False)
        try:
            profile = SellerRecord.get(
                seller_id, PROFILE, consistent_read=True, attributes_to_get=["ads_connected_at"]
            )
        except DoesNotExist:
            return AdsAuthorization(seller_id=seller_id, connected=True, regions=regions)
        return AdsAuthorization(
            seller_id=seller_id, connected=True, connected_at=profile.ads_connected_at, regions=regions
        )

    def set_schedule(self, seller_id: str, sync_every_minutes: int) -> None:
        try:
            SellerRecord(seller_id=seller_id, sk=PROFILE).update(
                actions=[SellerRecord.sync_every_minutes.set(sync_every_minutes)],
                condition=SellerRecord.seller_id.exists(),
            )
        except UpdateError as error:
            if _conditional_failure(error):
                raise SellerNotFound(f"seller {seller_id} not found") from None
            raise

    def scheduled_sellers(self) -> list[ScheduledSeller]:
        """Every active seller with its cadence and authorization end (the fanout's one read)."""
        return SCHEDULES.all(SellerRecord.active_sellers.query(ACTIVE))

    def mark_lapsed(self, seller_id: str, *, now: datetime, reason: str) -> bool:
        """Mark an active seller whose authorization has ended as lapsed (it leaves the due index).

        Conditional on the authorization still being over: a reconnect that raced in wins."""
        try:
            SellerRecord(seller_id=seller_id, sk=PROFILE).update(
                actions=[
                    SellerRecord.status.set(SellerStatus.LAPSED.value),
                    SellerRecord.status_reason.set(reason),
                    SellerRecord.active_partition.remove(),
                    SellerRecord.updated_at.set(now),
                ],
                condition=(SellerRecord.status == SellerStatus.ACTIVE.value)
                & (SellerRecord.authorization_expires_at <= now),
            )
        except UpdateError as error:
            if _conditional_failure(error):
                return False
            raise
        return True


class SecretsManagerStateKey(JsonSecret):
    """The connect-state signing key: a Secrets Manager secret `{"key": "<random text>"}` (cached)."""

    def state_key(self) -> SecretBytes:
        (text,) = self._fields("key")
        key = text.encode()
        if len(key) < 32:
            raise ConfigurationError(f"secret {self._secret_name} holds a key shorter than 32 characters")
        return SecretBytes(key)
