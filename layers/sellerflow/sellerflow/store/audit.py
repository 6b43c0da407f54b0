"""The append-only audit log: who read, exported, changed or deleted what, and when.

Every entry is a new item (`PutItem` guarded by `attribute_not_exists`), keyed by the seller it is
about, so an audit trail is read per seller like everything else. There is no update or delete here:
entries only leave through DynamoDB TTL (`expires_at`, about 400 days after the event).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sellerflow.store.tables import AuditRecord

AUDIT_RETENTION = timedelta(days=400)


@dataclass(frozen=True)
class AuditEntry:
    seller_id: str
    actor: str
    action: str
    resource: str
    at: datetime


def _utcnow() -> datetime:
    return datetime.now(UTC)


def audit_sort_key(at: datetime, event_id: str) -> str:
    """`<ISO time, microseconds, Z>#<event id>`: entries sort by time, and never collide."""
    return f"{at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{event_id}"


class AuditLog:
    """Data access for the audit table: append and read, nothing else."""

    def __init__(
        self, *, retention: timedelta = AUDIT_RETENTION, clock: Callable[[], datetime] = _utcnow
    ) -> None:
        self._retention = retention
        self._clock = clock

    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> AuditEntry:
        """Append one entry; fails (never overwrites) if the key somehow exists already."""
        at = self._clock().astimezone(UTC)
        AuditRecord(
            seller_id=seller_id,
            sk=audit_sort_key(at, uuid.uuid4().hex),
            actor=actor_sub,
            action=action,
            resource=resource,
            at=at,
            expires_at=int((at + self._retention).timestamp()),
        ).save(condition=AuditRecord.sk.does_not_exist())
        return AuditEntry(seller_id=seller_id, actor=actor_sub, action=action, resource=resource, at=at)

    def entries(self, seller_id: str, *, limit: int = 100, newest_first: bool = True) -> list[AuditEntry]:
        """One seller's most recent entries (expired entries TTL has not removed yet are skipped)."""
        now = int(self._clock().timestamp())
        found: list[AuditEntry] = []
        for record in AuditRecord.query(seller_id, scan_index_forward=not newest_first):
            if int(record.expires_at) <= now:
                continue
            found.append(
                AuditEntry(
                    seller_id=record.seller_id,
                    actor=record.actor,
                    action=record.action,
                    resource=record.resource,
                    at=record.at,
                )
            )
            if len(found) >= limit:
                break
        return found
