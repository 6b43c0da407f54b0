"""Erasure in moto: the steps of the erase-seller workflow, run as the workflow runs them, leave zero
items of the seller in every table and zero objects under its prefixes; running them twice, or again
after a failure half-way, finishes the job; the other seller is untouched."""

from __future__ import annotations

from typing import Any

import pytest
from priv_int_support import BUCKET, OTHER, OWNER_SUB, SELLER, PrivacyAws, seed_seller

from sellerflow.domain import SellerStatus
from sellerflow.errors import CredentialsMissing
from sellerflow.privacy import erase
from sellerflow.privacy.models import (
    DeleteCredentialsInput,
    DeleteItemsInput,
    DeleteObjectsInput,
    ErasureCounts,
    RecordErasureInput,
    StopSyncingInput,
    VerifyInput,
    VerifyOutput,
)
from sellerflow.store.audit import AuditLog
from sellerflow.store.credentials import CredentialVault
from sellerflow.store.privacy import PartitionStore, SellerObjects, SellerStatusStore
from sellerflow.store.sellers import SellerStore
from sellerflow.wiring.privacy import erasure_policy


class NoControls:
    def delete_schedule(self, name: str) -> bool:
        return False  # per-seller schedules do not exist yet

    def stop_running_syncs(self, seller_id: str) -> int:
        return 0


class FailingPartitions:
    """The real store, failing once after `ok_batches` batches (a Lambda timing out half-way)."""

    def __init__(self, inner: PartitionStore, ok_batches: int) -> None:
        self.inner = inner
        self.left = ok_batches
        self.kinds = inner.kinds

    def get(self, kind: str, seller_id: str, sk: str) -> Any:
        return self.inner.get(kind, seller_id, sk)

    def count(self, kind: str, seller_id: str) -> int:
        return self.inner.count(kind, seller_id)

    def delete_batch(self, kind: str, seller_id: str, limit: int) -> int:
        if self.left <= 0:
            raise RuntimeError("Lambda timed out")
        self.left -= 1
        return self.inner.delete_batch(kind, seller_id, limit)


def run_erasure(
    aws: PrivacyAws, seller_id: str, *, partitions: Any = None, expect_loops: bool = True
) -> VerifyOutput:
    """The erase-seller workflow's states, in order, loops included."""
    policy = erasure_policy(aws.settings)
    partitions = partitions or PartitionStore.from_settings(aws.settings)
    objects = SellerObjects.from_settings(aws.settings)
    erase.stop_syncing(
        StopSyncingInput(step="stop_syncing", seller_id=seller_id, requested_by=OWNER_SUB),
        sellers=SellerStatusStore(),
        controls=NoControls(),
        audit=AuditLog(),
        policy=policy,
    )
    erase.delete_credentials(
        DeleteCredentialsInput(step="delete_credentials", seller_id=seller_id),
        credentials=CredentialVault(aws.key_arn),
    )
    counts = ErasureCounts()
    loops = 0
    while True:
        out = erase.delete_next_items(
            DeleteItemsInput(step="delete_items", seller_id=seller_id, counts=counts),
            partitions=partitions,
            policy=policy,
        )
        counts, loops = out.counts, loops + 1
        if not out.more:
            break
    while True:
        objs = erase.delete_next_objects(
            DeleteObjectsInput(step="delete_objects", seller_id=seller_id, counts=counts),
            objects=objects,
            policy=policy,
        )
        counts = objs.counts
        if not objs.more:
            break
    verification = erase.verify_erasure(
        VerifyInput(step="verify", seller_id=seller_id), partitions=partitions, objects=objects, policy=policy
    )
    assert loops > 1 or not expect_loops, "the batch size is small: the loop must have run several times"
    if verification.items_left == 0 and verification.objects_left == 0:
        erase.record_erasure(
            RecordErasureInput(
                step="record",
                seller_id=seller_id,
                requested_by=OWNER_SUB,
                counts=counts,
                verification=verification,
            ),
            audit=AuditLog(),
        )
    return verification


def test_erasure_leaves_nothing_of_the_seller_and_keeps_one_record_of_it(aws: PrivacyAws) -> None:
    # Given two sellers with data in every table and objects under their prefixes
    seed_seller(aws, SELLER, orders=30)
    seed_seller(aws, OTHER, orders=5)
    aws.s3.put_object(Bucket=BUCKET, Key=f"exports/{SELLER}/old.zip", Body=b"zip")
    before_other = aws.items_left(OTHER)
    # When the seller is erased
    verification = run_erasure(aws, SELLER)
    # Then the verification reports nothing left, and the tables and bucket agree
    assert (verification.items_left, verification.objects_left) == (0, 0)
    assert aws.items_left(SELLER) == {t: 0 for t in aws.items_left(SELLER)}
    assert aws.objects(f"raw/{SELLER}/") == aws.objects(f"exports/{SELLER}/") == []
    # And one audit entry records the erasure, outside the seller's partition, in a verifiable chain
    (record,) = AuditLog().entries(erase.archive_partition(SELLER))
    assert record.action == "seller.erased"
    assert record.actor == OWNER_SUB
    assert "seller_data=" in record.resource
    assert "seq=" in record.resource
    assert AuditLog().verify(erase.archive_partition(SELLER)).ok
    # And the other seller is untouched
    assert aws.items_left(OTHER) == before_other
    assert len(aws.objects(f"raw/{OTHER}/")) == 2
    assert CredentialVault(aws.key_arn).refresh_token(OTHER).get_secret_value()


def test_erasure_stops_syncing_and_deletes_the_token_first(aws: PrivacyAws) -> None:
    seed_seller(aws, SELLER)
    policy = erasure_policy(aws.settings)
    out = erase.stop_syncing(
        StopSyncingInput(step="stop_syncing", seller_id=SELLER, requested_by=OWNER_SUB),
        sellers=SellerStatusStore(),
        controls=NoControls(),
        audit=AuditLog(),
        policy=policy,
    )
    erase.delete_credentials(
        DeleteCredentialsInput(step="delete_credentials", seller_id=SELLER),
        credentials=CredentialVault(aws.key_arn),
    )
    assert out.status == "erasing"
    assert out.profile_found
    assert SellerStore().get_profile(SELLER).status is SellerStatus.ERASING
    assert SELLER not in SellerStore().active_seller_ids()
    with pytest.raises(CredentialsMissing):
        CredentialVault(aws.key_arn).refresh_token(SELLER)


def test_erasure_run_twice_is_harmless(aws: PrivacyAws) -> None:
    seed_seller(aws, SELLER)
    assert run_erasure(aws, SELLER).items_left == 0
    # A second run finds no profile, no token, nothing to delete, and still verifies clean
    second = run_erasure(aws, SELLER, expect_loops=False)
    assert (second.items_left, second.objects_left) == (0, 0)
    assert aws.items_left(SELLER) == {t: 0 for t in aws.items_left(SELLER)}


def test_erasure_resumed_after_a_failure_half_way_finishes_the_job(aws: PrivacyAws) -> None:
    # Given an erasure whose item deletion fails after three batches
    seed_seller(aws, SELLER, orders=40)
    seed_seller(aws, OTHER, orders=5)
    failing = FailingPartitions(PartitionStore.from_settings(aws.settings), ok_batches=3)
    with pytest.raises(RuntimeError, match="timed out"):
        run_erasure(aws, SELLER, partitions=failing)
    # Then some, not all, is gone
    left = sum(aws.items_left(SELLER).values())
    assert left > 0
    # When the workflow is run again from the start
    verification = run_erasure(aws, SELLER)
    # Then it finishes: nothing left
    assert (verification.items_left, verification.objects_left) == (0, 0)
    assert sum(aws.items_left(SELLER).values()) == 0
    assert sum(aws.items_left(OTHER).values()) > 0


def test_a_disconnect_without_erasure_stops_syncing_but_keeps_the_data(aws: PrivacyAws) -> None:
    seed_seller(aws, SELLER)
    erase.stop_syncing(
        StopSyncingInput(
            step="stop_syncing", seller_id=SELLER, requested_by=OWNER_SUB, reason="moving", erase_data=False
        ),
        sellers=SellerStatusStore(),
        controls=NoControls(),
        audit=AuditLog(),
        policy=erasure_policy(aws.settings),
    )
    profile = SellerStore().get_profile(SELLER)
    assert profile.status is SellerStatus.DISCONNECTED
    assert profile.status_reason == "moving"
    assert SELLER not in SellerStore().active_seller_ids()
    assert aws.items_left(SELLER)["SellerDataTable"] > 0
