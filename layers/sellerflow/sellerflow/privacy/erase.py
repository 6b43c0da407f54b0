"""Erasing a seller (and disconnecting one): the steps of the `erase-seller` workflow.

Order matters and every step is safe to repeat, so a failed execution is finished by running the
workflow again:

1. stop syncing: profile status `erasing` (or `disconnected`), out of the active-sellers index, the
   seller's own schedule deleted if there is one, its running seller-syncs stopped, its subscriptions
   to Amazon's notifications deleted (grantless, so this works even when Amazon refuses the seller);
2. delete the refresh token;
3. delete the seller's partition in every table, a bounded batch per call (the workflow loops while
   `more`); each call starts from the partition's beginning, so there is no cursor to lose. Before the
   seller's audit chain goes, its head (newest seq and hash) is kept for the erasure record;
4. delete every object under the seller's prefixes, a bounded batch per call;
5. verify: count what is left (the workflow fails unless both counts are zero);
6. record the erasure: one audit entry, the first of a new chain in `ERASED#<sellerId>` (who,
   when, counts, and the deleted chain's head). See docs/privacy.md for why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sellerflow.domain import SellerStatus
from sellerflow.privacy.models import (
    DeleteCredentialsInput,
    DeleteCredentialsOutput,
    DeleteItemsInput,
    DeleteItemsOutput,
    DeleteObjectsInput,
    DeleteObjectsOutput,
    ErasureCounts,
    RecordErasureInput,
    RecordErasureOutput,
    StopHandedOverSyncsInput,
    StopHandedOverSyncsOutput,
    StopSyncingInput,
    StopSyncingOutput,
    VerifyInput,
    VerifyOutput,
)

ARCHIVE_PARTITION_PREFIX = "ERASED#"
AUDIT_KIND = "audit"
AUDIT_HEAD_KEY = "AUDITHEAD"  # sellerflow.store.audit.HEAD


def archive_partition(seller_id: str) -> str:
    """Where an erased seller's audit trail and its erasure record live (see docs/privacy.md)."""
    return f"{ARCHIVE_PARTITION_PREFIX}{seller_id}"


class ErasurePartitions(Protocol):
    @property
    def kinds(self) -> tuple[str, ...]: ...

    def delete_batch(self, kind: str, seller_id: str, limit: int) -> int: ...

    def get(self, kind: str, seller_id: str, sk: str) -> dict[str, Any] | None: ...

    def count(self, kind: str, seller_id: str) -> int: ...


class ErasureObjects(Protocol):
    def delete_batch(self, prefix: str, limit: int = 1000) -> int: ...

    def count(self, prefix: str) -> int: ...


class SellerStatusWriter(Protocol):
    def stop(self, seller_id: str, status: SellerStatus, *, reason: str) -> bool: ...


class SyncStopper(Protocol):
    def delete_schedule(self, name: str) -> bool: ...

    def stop_running_syncs(self, seller_id: str) -> int: ...


class PushUnsubscriber(Protocol):
    def unsubscribe(self, seller_id: str) -> int: ...


class CredentialRemover(Protocol):
    def delete_refresh_token(self, seller_id: str) -> None: ...


class AuditSink(Protocol):
    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> object: ...


@dataclass(frozen=True)
class ErasurePolicy:
    items_per_call: int = 1000
    objects_per_call: int = 1000
    prefixes: tuple[str, ...] = ("raw/", "exports/")
    schedule_name_prefix: str = "sellerflow-sync-"

    def seller_prefixes(self, seller_id: str) -> tuple[str, ...]:
        return tuple(f"{p}{seller_id}/" for p in self.prefixes)


def stop_syncing(
    request: StopSyncingInput,
    *,
    sellers: SellerStatusWriter,
    controls: SyncStopper,
    audit: AuditSink,
    policy: ErasurePolicy,
    push: PushUnsubscriber | None = None,
) -> StopSyncingOutput:
    status = SellerStatus.ERASING if request.erase_data else SellerStatus.DISCONNECTED
    reason = request.reason or ("erasure requested" if request.erase_data else "disconnected")
    found = sellers.stop(request.seller_id, status, reason=reason)
    schedule_deleted = controls.delete_schedule(f"{policy.schedule_name_prefix}{request.seller_id}")
    stopped = controls.stop_running_syncs(request.seller_id)
    unsubscribed = push.unsubscribe(request.seller_id) if push is not None else 0
    audit.record(
        request.seller_id,
        request.requested_by,
        "seller.erasure_started" if request.erase_data else "seller.disconnected",
        f"seller/{request.seller_id} reason={reason[:120]}",
    )
    return StopSyncingOutput(
        seller_id=request.seller_id,
        status=status.value,
        profile_found=found,
        schedule_deleted=schedule_deleted,
        syncs_stopped=stopped,
        subscriptions_deleted=unsubscribed,
    )


def stop_handed_over_syncs(
    request: StopHandedOverSyncsInput, *, controls: SyncStopper
) -> StopHandedOverSyncsOutput:
    """The seller's running Standard seller-syncs once more, after the drain wait (`erase-seller`'s
    WaitForHourlySyncs): an hourly Express run cannot be listed or stopped, and the one in flight when
    syncing stopped may have handed its window over to Standard just before."""
    return StopHandedOverSyncsOutput(
        seller_id=request.seller_id, syncs_stopped=controls.stop_running_syncs(request.seller_id)
    )


def delete_credentials(
    request: DeleteCredentialsInput, *, credentials: CredentialRemover
) -> DeleteCredentialsOutput:
    credentials.delete_refresh_token(request.seller_id)
    return DeleteCredentialsOutput(seller_id=request.seller_id)


def delete_next_items(
    request: DeleteItemsInput, *, partitions: ErasurePartitions, policy: ErasurePolicy
) -> DeleteItemsOutput:
    """Delete at most `items_per_call` items of the seller; `more` while any may be left."""
    budget = policy.items_per_call
    items = dict(request.counts.items)
    chain = request.counts.audit_chain
    for kind in partitions.kinds:
        if kind == AUDIT_KIND and not chain:
            chain = _chain_head(partitions.get(kind, request.seller_id, AUDIT_HEAD_KEY))
        done = partitions.delete_batch(kind, request.seller_id, budget)
        items[kind] = items.get(kind, 0) + done
        budget -= done
        if budget <= 0:  # a full batch: this table may hold more
            break
    counts = request.counts.model_copy(update={"items": items, "audit_chain": chain})
    return DeleteItemsOutput(more=budget <= 0, counts=counts)


def _chain_head(head: dict[str, Any] | None) -> str:
    if not head:
        return "none"
    return f"seq={head.get('seq', '?')} hash={head.get('hash', '?')}"


def delete_next_objects(
    request: DeleteObjectsInput, *, objects: ErasureObjects, policy: ErasurePolicy
) -> DeleteObjectsOutput:
    budget = policy.objects_per_call
    deleted = request.counts.objects
    for prefix in policy.seller_prefixes(request.seller_id):
        done = objects.delete_batch(prefix, budget)
        deleted += done
        budget -= done
        if budget <= 0:
            return DeleteObjectsOutput(
                more=True, counts=request.counts.model_copy(update={"objects": deleted})
            )
    return DeleteObjectsOutput(more=False, counts=request.counts.model_copy(update={"objects": deleted}))


def verify_erasure(
    request: VerifyInput, *, partitions: ErasurePartitions, objects: ErasureObjects, policy: ErasurePolicy
) -> VerifyOutput:
    by_table = {kind: partitions.count(kind, request.seller_id) for kind in partitions.kinds}
    objects_left = sum(objects.count(p) for p in policy.seller_prefixes(request.seller_id))
    return VerifyOutput(items_left=sum(by_table.values()), objects_left=objects_left, by_table=by_table)


def record_erasure(request: RecordErasureInput, *, audit: AuditSink) -> RecordErasureOutput:
    """The one audit entry that outlives the seller's data: who erased it, when, and how much."""
    counts = request.counts
    deleted = ", ".join(f"{k}={v}" for k, v in sorted(counts.items.items())) or "none"
    entry = audit.record(
        archive_partition(request.seller_id),
        request.requested_by,
        "seller.erased",
        f"seller/{request.seller_id} deleted items [{deleted}] deleted audit chain [{counts.audit_chain or 'none'}] "
        f"objects={counts.objects} items_left={request.verification.items_left} "
        f"objects_left={request.verification.objects_left} reason={request.reason[:80] or '-'}",
    )
    at = getattr(entry, "at", None)
    return RecordErasureOutput(
        seller_id=request.seller_id,
        erased_at=at.strftime("%Y-%m-%dT%H:%M:%SZ") if at is not None else "",
        items_left=request.verification.items_left,
        objects_left=request.verification.objects_left,
    )


def total_items(counts: ErasureCounts, kinds: Sequence[str] = ()) -> int:
    return sum(v for k, v in counts.items.items() if not kinds or k in kinds)
