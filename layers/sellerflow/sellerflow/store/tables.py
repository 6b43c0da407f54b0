"""The tables: the keys every item shares, the sellers table's shared item, and table binding.

Each store module declares the records of its own item kinds (`@table(kind)`), next to their mapping.

Every key of Amazon data begins with the seller: the hash key of each table is `seller_id`, so one
seller's data can never be read for another, and IAM can pin a caller to its partition
(`dynamodb:LeadingKeys`). Table names and endpoint come from the settings at bind time, not import.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, ClassVar, TypeVar

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.connection import Connection, TableConnection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from sellerflow.settings import Settings
from sellerflow.store.tenancy import TenantConnection, configure_tenant_role


class _BoundMeta:
    table_name = "unbound"
    region = "us-east-1"
    host: str | None = None


class SellerItem(Model):
    """An item of one of the deployment's tables: the seller is the hash key, `sk` tells the seller's
    items apart. Each model gets a `Meta` of its own when `table` registers it."""

    class Meta(_BoundMeta):
        pass

    seller_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)

    # A seller's item: while the process acts for a seller, its calls use that seller's credentials
    # (sellerflow.store.tenancy). False for control items whose partition is not a seller.
    tenant_scoped: ClassVar[bool] = True

    @classmethod
    def _get_connection(cls) -> TableConnection:
        connection = super()._get_connection()
        if cls.tenant_scoped and not isinstance(connection.connection, TenantConnection):
            meta: Any = cls.Meta
            scoped = TenantConnection(
                region=meta.region,
                host=meta.host,
                connect_timeout_seconds=meta.connect_timeout_seconds,
                read_timeout_seconds=meta.read_timeout_seconds,
                max_retry_attempts=meta.max_retry_attempts,
                max_pool_connections=meta.max_pool_connections,
                extra_headers=meta.extra_headers,
            )
            scoped.add_meta_table(connection.connection.get_meta_table(connection.table_name))
            connection.connection = scoped
        return connection


class AmazonFactItem(SellerItem):
    """An item of Amazon data: when it was written, and its TTL (at most 18 months later)."""

    written_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()  # epoch seconds; DynamoDB TTL


def all_attributes_index() -> type:
    """The `Meta` of a global secondary index that projects every attribute; the index is named as
    the model's attribute that holds it (`by_member = MembersByUser()` is the index `by_member`)."""
    return type("Meta", (), {"projection": AllProjection()})


# --- Sellers table: profile, credentials, sync state, memberships ----------------------------
class MembersByUser(GlobalSecondaryIndex["SellerRecord"]):
    Meta = all_attributes_index()
    member_sub = UnicodeAttribute(hash_key=True)
    seller_id = UnicodeAttribute(range_key=True)


class ActiveSellers(GlobalSecondaryIndex["SellerRecord"]):
    Meta = all_attributes_index()
    active_partition = UnicodeAttribute(hash_key=True)
    seller_id = UnicodeAttribute(range_key=True)


class SellerRecord(SellerItem):
    """One table, several item kinds told apart by `sk` (PROFILE, CREDENTIALS, SYNC#orders, SYNC#route,
    MEMBER#<sub>)."""

    # PROFILE
    name = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)  # active | revoked | disconnected
    status_reason = UnicodeAttribute(null=True)
    marketplace_ids = ListAttribute[str](null=True)
    active_partition = UnicodeAttribute(null=True)  # "ACTIVE" while syncing: sparse index of due sellers
    # the Amazon authorization (sellerflow.connect): not `expires_at`, which is this table's TTL
    authorized_at = UTCDateTimeAttribute(null=True)
    authorization_expires_at = UTCDateTimeAttribute(null=True)
    sync_every_minutes = NumberAttribute(null=True)  # the seller's sync cadence; null: every tick
    home_currency = UnicodeAttribute(null=True)  # the owner's choice; null: the main marketplace's
    ads_connected_at = UTCDateTimeAttribute(null=True)  # when an owner last granted Amazon Ads access
    created_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    # CREDENTIALS (envelope-encrypted; only the SP-API port's credential provider decrypts)
    refresh_token_ciphertext = BinaryAttribute(null=True, legacy_encoding=False)
    # SYNC#<source>
    watermark = UTCDateTimeAttribute(null=True)
    run_id = UnicodeAttribute(null=True)
    run_updated_after = UTCDateTimeAttribute(null=True)
    run_updated_before = UTCDateTimeAttribute(null=True)
    run_pages = NumberAttribute(null=True)
    run_orders = NumberAttribute(null=True)
    run_next_token = UnicodeAttribute(null=True)
    last_outcome = UnicodeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    last_run_at = UTCDateTimeAttribute(null=True)
    consecutive_failures = NumberAttribute(null=True)
    # SYNC#route (sellerflow.sync.routing): the window last started, what the last Standard run planned
    claimed_window = UnicodeAttribute(null=True)
    reports_run_at = UTCDateTimeAttribute(null=True)
    reports_pending = BooleanAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # SYNC# only (refreshed on every write); control data has none
    # MEMBER#<sub>
    member_sub = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)
    member_email = UnicodeAttribute(null=True)  # the member's sign-in email (control data, not buyer PII)
    added_at = UTCDateTimeAttribute(null=True)

    by_member = MembersByUser()
    active_sellers = ActiveSellers()


_REGISTRY: dict[type[Model], str] = {}
_BOUND_TO: list[Settings] = []
M = TypeVar("M", bound=type[Model])


def table(kind: str) -> Callable[[M], M]:
    """Register a model as an item kind of one of the deployment's tables, for `bind_tables`.

    kind: "seller_data" | "sellers" | "audit" | "pii". Several models may share a table (one per
    item kind); each declares only the attributes of its kind.
    """

    def register(model: M) -> M:
        if "Meta" not in vars(model):  # an inherited Meta would bind every heir to one table
            inherited: type = model.Meta  # type: ignore[assignment]
            setattr(model, "Meta", type("Meta", (inherited,), {}))  # noqa: B010
        _REGISTRY[model] = kind
        if _BOUND_TO:  # a model imported after binding joins the tables already bound
            _bind(model, kind, _BOUND_TO[-1])
        return model

    return register


table("sellers")(SellerRecord)


def bind_tables(settings: Settings) -> None:
    """Point every registered model at the deployment's tables (and at moto when running locally)."""
    _BOUND_TO[:] = [settings]
    configure_tenant_role(
        settings.tenant_data_role_arn, region=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )
    for model, kind in _REGISTRY.items():
        _bind(model, kind, settings)


def _bind(model: type[Model], kind: str, settings: Settings) -> None:
    names = {
        "seller_data": settings.seller_data_table,
        "sellers": settings.sellers_table,
        "audit": settings.audit_table,
        "pii": settings.pii_table,
    }
    meta: Any = model.Meta
    meta.table_name = names[kind]
    meta.region = settings.aws_region
    meta.host = settings.aws_endpoint_url
    # Drop a connection bound to the previous table/endpoint: PynamoDB has no public way to, and its
    # indexes query through their model's connection (they hold none of their own).
    model._connection = None  # noqa: SLF001


def transaction_connection(model: type[Model]) -> Connection:
    """The connection a `TransactWrite`/`TransactGet` over `model`'s table runs on, one per endpoint.

    Each new `Connection` builds its own botocore client on first use (tens of milliseconds, far more
    on a busy machine), and the audit log writes one transaction per audited call.
    """
    meta: Any = model.Meta
    return _connection_to(meta.region, meta.host)


@lru_cache(maxsize=8)
def _connection_to(region: str | None, host: str | None) -> Connection:
    return TenantConnection(region=region, host=host)  # audited transactions are the seller's too


def condition_failed(exc: Exception) -> bool:
    """Whether a PynamoDB write failed only because its condition did not hold (not a fault)."""
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"
