"""The privacy workflows' collaborators (export, erase) and the privacy routes' configuration."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from sellerflow.privacy.models import (
    DeleteCredentialsInput,
    DeleteItemsInput,
    DeleteObjectsInput,
    ExportInput,
    ExportOutput,
    RecordErasureInput,
    StopHandedOverSyncsInput,
    StopSyncingInput,
    VerifyInput,
)
from sellerflow.settings import Settings
from sellerflow.store.audit import AuditLog
from sellerflow.store.credentials import CredentialVault
from sellerflow.store.privacy import PartitionStore, SellerObjects, SellerStatusStore, SyncControls
from sellerflow.wiring import bound_settings

# Each workflow imports its own steps: the export function not the erasure's, the erasure not the
# export's; the push subscriptions (and their SP-API client) only for the erasure's first step.
if TYPE_CHECKING:
    from sellerflow.privacy.erase import ErasurePolicy
    from sellerflow.privacy.service import PrivacyConfig

EraseStep = (
    StopSyncingInput
    | StopHandedOverSyncsInput
    | DeleteCredentialsInput
    | DeleteItemsInput
    | DeleteObjectsInput
    | VerifyInput
    | RecordErasureInput
)


def erasure_policy(settings: Settings) -> ErasurePolicy:
    from sellerflow.privacy.erase import ErasurePolicy

    return ErasurePolicy(
        items_per_call=settings.erase_items_per_call,
        objects_per_call=1000,
        prefixes=(settings.raw_prefix, settings.exports_prefix, settings.history_prefix),
        schedule_name_prefix=settings.seller_schedule_name_prefix,
    )


def privacy_config(settings: Settings) -> PrivacyConfig:
    from sellerflow.privacy.service import PrivacyConfig

    return PrivacyConfig(
        export_state_machine_arn=settings.export_state_machine_arn,
        erase_state_machine_arn=settings.erase_state_machine_arn,
        exports_prefix=settings.exports_prefix,
        url_ttl_s=settings.export_url_ttl_s,
    )


def run_export(request: ExportInput) -> ExportOutput:
    """Writes one seller's export with the deployment's partitions and bucket."""
    settings = bound_settings()
    from sellerflow.privacy.export import build_export
    from sellerflow.store.messages import MessageVault

    messages = MessageVault(settings.pii_key_id).export_messages(request.seller_id)
    return build_export(
        request,
        source=ExportedPartitions(PartitionStore.from_settings(settings)),
        sink=SellerObjects.from_settings(settings),
        prefix=settings.exports_prefix,
        extras={("messages", "buyer_messages"): messages, **archived_history(settings, request.seller_id)},
    )


class ExportedPartitions:
    """The seller's partitions as the export reads them: each finance chunk of the seller-data table
    as one row per transaction (`store.facts.finance_export_rows`), a day's order chunks as one row
    per order (`store.orders.order_export_rows`), each packed report day as one row per report row
    (`store.report_days.export_rows`), like the legacy items."""

    def __init__(self, partitions: PartitionStore) -> None:
        self._partitions = partitions

    def items(self, kind: str, seller_id: str) -> Iterable[dict[str, Any]]:
        items = self._partitions.items(kind, seller_id)
        if kind != "seller_data":
            return items
        from sellerflow.store.ads import CAMPAIGN_DAY_PACKS, PRODUCT_DAY_PACKS
        from sellerflow.store.facts import TRAFFIC_ASIN_DAYS, finance_export_rows
        from sellerflow.store.orders import order_export_rows
        from sellerflow.store.report_days import export_rows

        days = (TRAFFIC_ASIN_DAYS, CAMPAIGN_DAY_PACKS, PRODUCT_DAY_PACKS)
        return order_export_rows(finance_export_rows(dict(row) for row in export_rows(days, items)))


def archived_history(settings: Settings, seller_id: str) -> dict[tuple[str, str], Iterable[dict[str, Any]]]:
    """The seller's archived orders and transactions (the history objects), as the export's
    `seller_data/orders_archived` and `seller_data/finance_transactions_archived`: each streamed one
    object at a time (the export spools rows to files; the archive is read once per entity)."""
    from sellerflow.wiring import history_archive

    archive = history_archive(settings)

    def rows(entity: str) -> Iterator[dict[str, Any]]:
        return (row for kind, row in archive.export_rows(seller_id, only=entity) if kind == entity)

    return {
        ("seller_data", f"{entity}_archived"): rows(entity) for entity in ("orders", "finance_transactions")
    }


class SellerObjectsAndLabels:
    """The seller's objects in the raw-documents bucket and, counted with its first prefix, the
    seller's kept shipping labels in the label bucket (`<sellerId>/`): erasure deletes both."""

    def __init__(self, settings: Settings, seller_id: str, first_prefix: str) -> None:
        self._raw = SellerObjects.from_settings(settings)
        self._labels = SellerObjects(settings.label_bucket, kms_key_id=settings.pii_key_id)
        self._label_prefix = f"{seller_id}/"
        self._first = first_prefix

    def delete_batch(self, prefix: str, limit: int = 1000) -> int:
        done = self._labels.delete_batch(self._label_prefix, limit) if prefix == self._first else 0
        return done + (self._raw.delete_batch(prefix, limit - done) if done < limit else 0)

    def count(self, prefix: str) -> int:
        labels = self._labels.count(self._label_prefix) if prefix == self._first else 0
        return labels + self._raw.count(prefix)


def run_erase_step(step: EraseStep) -> BaseModel:
    """Runs one step of the erase-seller workflow with the deployment's collaborators."""
    from sellerflow.privacy import erase

    settings = bound_settings()
    policy = erasure_policy(settings)
    if isinstance(step, StopSyncingInput):
        from sellerflow.wiring.notifications import push_subscriptions

        return erase.stop_syncing(
            step,
            sellers=SellerStatusStore(),
            controls=SyncControls.from_settings(settings),
            audit=AuditLog(),
            policy=policy,
            push=push_subscriptions(),
        )
    if isinstance(step, StopHandedOverSyncsInput):
        return erase.stop_handed_over_syncs(step, controls=SyncControls.from_settings(settings))
    if isinstance(step, DeleteCredentialsInput):
        return erase.delete_credentials(step, credentials=CredentialVault(settings.data_key_id))
    if isinstance(step, DeleteItemsInput):
        return erase.delete_next_items(step, partitions=PartitionStore.from_settings(settings), policy=policy)
    if isinstance(step, DeleteObjectsInput):
        objects = SellerObjectsAndLabels(settings, step.seller_id, policy.seller_prefixes(step.seller_id)[0])
        return erase.delete_next_objects(step, objects=objects, policy=policy)
    if isinstance(step, VerifyInput):
        return erase.verify_erasure(
            step,
            partitions=PartitionStore.from_settings(settings),
            objects=SellerObjectsAndLabels(
                settings, step.seller_id, policy.seller_prefixes(step.seller_id)[0]
            ),
            policy=policy,
        )
    return erase.record_erasure(step, audit=AuditLog())
