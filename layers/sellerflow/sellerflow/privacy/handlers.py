"""Runs one step of the erase-seller workflow with the deployment's collaborators."""

from __future__ import annotations

from pydantic import BaseModel

from sellerflow.privacy import erase
from sellerflow.privacy.models import (
    DeleteCredentialsInput,
    DeleteItemsInput,
    DeleteObjectsInput,
    RecordErasureInput,
    StopSyncingInput,
    VerifyInput,
)
from sellerflow.privacy.wiring import bound_settings, erasure_policy
from sellerflow.store.audit import AuditLog
from sellerflow.store.credentials import CredentialVault
from sellerflow.store.privacy import PartitionStore, SellerObjects, SellerStatusStore, SyncControls

Step = (
    StopSyncingInput
    | DeleteCredentialsInput
    | DeleteItemsInput
    | DeleteObjectsInput
    | VerifyInput
    | RecordErasureInput
)


def run_erase_step(step: Step) -> BaseModel:
    settings = bound_settings()
    policy = erasure_policy(settings)
    if isinstance(step, StopSyncingInput):
        return erase.stop_syncing(
            step,
            sellers=SellerStatusStore(),
            controls=SyncControls.from_settings(settings),
            audit=AuditLog(),
            policy=policy,
        )
    if isinstance(step, DeleteCredentialsInput):
        return erase.delete_credentials(step, credentials=CredentialVault(settings.data_key_id))
    if isinstance(step, DeleteItemsInput):
        return erase.delete_next_items(step, partitions=PartitionStore.from_settings(settings), policy=policy)
    if isinstance(step, DeleteObjectsInput):
        return erase.delete_next_objects(step, objects=SellerObjects.from_settings(settings), policy=policy)
    if isinstance(step, VerifyInput):
        return erase.verify_erasure(
            step,
            partitions=PartitionStore.from_settings(settings),
            objects=SellerObjects.from_settings(settings),
            policy=policy,
        )
    return erase.record_erasure(step, audit=AuditLog())
