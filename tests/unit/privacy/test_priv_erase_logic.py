"""The erase-seller steps with fakes: bounded batches, a `more` flag the workflow loops on, counts
carried from batch to batch, resumption after a failure, and the verification."""

from __future__ import annotations

import pytest
from priv_fakes import OTHER, OWNER_SUB, SELLER, FakeAudit, FakeObjects, FakePartitions

from sellerflow.domain import SellerStatus
from sellerflow.privacy import erase
from sellerflow.privacy.models import (
    DeleteItemsInput,
    DeleteObjectsInput,
    ErasureCounts,
    RecordErasureInput,
    StopSyncingInput,
    VerifyInput,
    VerifyOutput,
)

POLICY = erase.ErasurePolicy(items_per_call=10, objects_per_call=3)


def _seed(parts: FakePartitions, seller_id: str) -> None:
    parts.fill("seller_data", seller_id, "ORDER#", 23)
    parts.fill("pii", seller_id, "ORDER#1#", 2)
    parts.add("sellers", seller_id, "PROFILE")
    parts.add("sellers", seller_id, "CREDENTIALS")
    parts.add("audit", seller_id, "AUDITHEAD", seq=4, hash="ab" * 32)
    parts.fill("audit", seller_id, "SEQ#", 4)


def _delete_all(parts: FakePartitions, counts: ErasureCounts | None = None) -> tuple[ErasureCounts, int]:
    counts = counts or ErasureCounts()
    calls = 0
    while True:
        out = erase.delete_next_items(
            DeleteItemsInput(step="delete_items", seller_id=SELLER, counts=counts),
            partitions=parts,
            policy=POLICY,
        )
        counts, calls = out.counts, calls + 1
        if not out.more:
            return counts, calls


def test_items_are_deleted_in_bounded_batches_until_none_is_left() -> None:
    # Given 32 items of the seller across four tables, and another seller
    parts = FakePartitions()
    _seed(parts, SELLER)
    _seed(parts, OTHER)
    # When the workflow loops over delete_items with 10 items per call
    counts, calls = _delete_all(parts)
    # Then it took 4 calls (10, 10, 10, 2 + the empty check folded in), every table is empty
    assert calls == 4
    assert counts.items == {"seller_data": 23, "pii": 2, "sellers": 2, "audit": 5}
    assert all(parts.count(k, SELLER) == 0 for k in parts.kinds)
    # And the other seller kept everything
    assert sum(parts.count(k, OTHER) for k in parts.kinds) == 32


def test_a_full_batch_always_asks_for_another_call() -> None:
    parts = FakePartitions()
    parts.fill("seller_data", SELLER, "ORDER#", 10)
    first = erase.delete_next_items(
        DeleteItemsInput(step="delete_items", seller_id=SELLER), partitions=parts, policy=POLICY
    )
    assert first.more is True  # exactly a full batch: the table may hold more
    second = erase.delete_next_items(
        DeleteItemsInput(step="delete_items", seller_id=SELLER, counts=first.counts),
        partitions=parts,
        policy=POLICY,
    )
    assert second.more is False
    assert second.counts.items["seller_data"] == 10


def test_the_audit_chain_head_is_kept_for_the_record_before_the_chain_is_deleted() -> None:
    parts = FakePartitions()
    _seed(parts, SELLER)
    counts, _ = _delete_all(parts)
    assert counts.audit_chain == f"seq=4 hash={'ab' * 32}"


def test_an_erasure_resumed_after_a_failure_finishes_without_a_cursor() -> None:
    # Given a deletion that fails on its third batch
    parts = FakePartitions()
    _seed(parts, SELLER)
    parts.fail_after = 2
    with pytest.raises(RuntimeError):
        _delete_all(parts)
    left = sum(parts.count(k, SELLER) for k in parts.kinds)
    assert 0 < left < 32
    # When the workflow runs again from the start (new counts, no cursor)
    parts.fail_after = None
    counts, _ = _delete_all(parts)
    # Then everything is gone, and the second run counted only what it deleted itself
    assert all(parts.count(k, SELLER) == 0 for k in parts.kinds)
    assert sum(counts.items.values()) == left


def test_objects_are_deleted_under_both_prefixes_in_batches() -> None:
    objects = FakeObjects()
    objects.keys = {f"raw/{SELLER}/r{i}" for i in range(4)} | {f"exports/{SELLER}/e{i}.zip" for i in range(2)}
    objects.keys |= {f"raw/{OTHER}/r0", f"raw/{SELLER}X/r0"}
    counts, calls = ErasureCounts(), 0
    while True:
        out = erase.delete_next_objects(
            DeleteObjectsInput(step="delete_objects", seller_id=SELLER, counts=counts),
            objects=objects,
            policy=POLICY,
        )
        counts, calls = out.counts, calls + 1
        if not out.more:
            break
    assert counts.objects == 6
    assert calls >= 2
    # A seller id that merely starts with this one is another seller: untouched
    assert objects.keys == {f"raw/{OTHER}/r0", f"raw/{SELLER}X/r0"}


def test_verification_counts_what_is_left_in_every_table_and_prefix() -> None:
    parts = FakePartitions()
    parts.add("seller_data", SELLER, "ORDER#late")  # a sync that wrote after the batches
    objects = FakeObjects()
    objects.keys = {f"exports/{SELLER}/x.zip"}
    out = erase.verify_erasure(
        VerifyInput(step="verify", seller_id=SELLER), partitions=parts, objects=objects, policy=POLICY
    )
    assert (out.items_left, out.objects_left) == (1, 1)
    assert out.by_table["seller_data"] == 1


class _Sellers:
    def __init__(self, found: bool) -> None:
        self.found = found
        self.stopped: list[tuple[str, SellerStatus, str]] = []

    def stop(self, seller_id: str, status: SellerStatus, *, reason: str) -> bool:
        self.stopped.append((seller_id, status, reason))
        return self.found


class _Controls:
    def __init__(self) -> None:
        self.schedules: list[str] = []

    def delete_schedule(self, name: str) -> bool:
        self.schedules.append(name)
        return False

    def stop_running_syncs(self, seller_id: str) -> int:
        return 2


@pytest.mark.parametrize(
    ("erase_data", "status"), [(True, SellerStatus.ERASING), (False, SellerStatus.DISCONNECTED)]
)
def test_stop_syncing_sets_the_status_deletes_the_schedule_and_stops_running_syncs(
    erase_data: bool, status: SellerStatus
) -> None:
    sellers, controls, audit = _Sellers(found=True), _Controls(), FakeAudit()
    out = erase.stop_syncing(
        StopSyncingInput(
            step="stop_syncing", seller_id=SELLER, requested_by=OWNER_SUB, erase_data=erase_data
        ),
        sellers=sellers,
        controls=controls,
        audit=audit,
        policy=erase.ErasurePolicy(schedule_name_prefix="sellerflow-dev-sync-"),
    )
    assert sellers.stopped[0][1] is status
    assert controls.schedules == [f"sellerflow-dev-sync-{SELLER}"]  # absent: handled, not an error
    assert (out.schedule_deleted, out.syncs_stopped) == (False, 2)
    assert audit.entries[0][:3] == (
        SELLER,
        OWNER_SUB,
        "seller.erasure_started" if erase_data else "seller.disconnected",
    )


def test_after_the_drain_wait_the_erasure_stops_a_handed_over_sync_and_audits_nothing_twice() -> None:
    from sellerflow.privacy.models import EraseTask, StopHandedOverSyncsInput

    task = EraseTask.model_validate({"task": {"step": "stop_handed_over_syncs", "seller_id": SELLER}}).task
    assert isinstance(task, StopHandedOverSyncsInput)
    controls = _Controls()
    out = erase.stop_handed_over_syncs(task, controls=controls)
    assert (out.seller_id, out.syncs_stopped) == (SELLER, 2)
    assert controls.schedules == []  # the status, the schedule and the audit entry were done before


def test_the_erasure_record_lands_outside_the_erased_partition_with_who_and_counts() -> None:
    audit = FakeAudit()
    out = erase.record_erasure(
        RecordErasureInput(
            step="record",
            seller_id=SELLER,
            requested_by=OWNER_SUB,
            counts=ErasureCounts(
                items={"seller_data": 23, "audit": 5}, audit_chain="seq=4 hash=ab", objects=6
            ),
            verification=VerifyOutput(items_left=0, objects_left=0, by_table={}),
        ),
        audit=audit,
    )
    ((partition, actor, action, resource),) = audit.entries
    assert partition == f"ERASED#{SELLER}"
    assert (actor, action) == (OWNER_SUB, "seller.erased")
    assert "seller_data=23" in resource
    assert "objects=6" in resource
    assert "seq=4" in resource
    assert out.items_left == out.objects_left == 0
