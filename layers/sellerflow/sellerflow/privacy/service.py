"""The seller's rights as the API (and the operator's CLI) exercise them: who may, what starts, what
is audited. Only an owner of the seller may export, erase or disconnect it (DATA_EXPORT, SELLER_ERASE,
CONNECTION_MANAGE in `sellerflow.members.permissions`); another member gets 403, a non-member 404
(exactly as for a seller that does not exist).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sellerflow.domain import Membership
from sellerflow.errors import ConfigurationError, ExportNotFound
from sellerflow.members.permissions import Permission
from sellerflow.principal import Principal
from sellerflow.privacy.export import export_execution_name, export_id_for, export_key
from sellerflow.privacy.models import (
    DisconnectIn,
    ErasureStartedOut,
    ExportStartedOut,
    ExportStatusOut,
    is_export_id,
)

FAILED_STATUSES = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})


class MembershipCheck(Protocol):
    def require(self, caller: Principal, seller_id: str, permission: Permission) -> Membership: ...


class Execution(Protocol):
    @property
    def status(self) -> str: ...

    @property
    def input(self) -> dict[str, Any]: ...


class WorkflowPort(Protocol):
    def start(self, state_machine_arn: str, *, name: str, payload: Mapping[str, Any]) -> str: ...

    def describe(self, state_machine_arn: str, name: str) -> Execution | None: ...


class ExportObjects(Protocol):
    def exists(self, key: str) -> bool: ...

    def presigned_get(self, key: str, *, expires_in: int) -> str: ...


class AuditSink(Protocol):
    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> object: ...


@dataclass(frozen=True)
class PrivacyConfig:
    export_state_machine_arn: str
    erase_state_machine_arn: str
    exports_prefix: str = "exports/"
    url_ttl_s: int = 900


def erasure_execution_name(kind: str, seller_id: str, request_id: str) -> str:
    """`<erase|disconnect>-<request hash>-<sellerId>`: one execution per request (a retry starts nothing)."""
    digest = hashlib.sha256(f"{seller_id}\x00{request_id}".encode()).hexdigest()[:16]
    return f"{kind}-{digest}-{seller_id}"[:80]


def erasure_payload(seller_id: str, *, requested_by: str, reason: str, erase_data: bool) -> dict[str, Any]:
    """The erase-seller workflow's input (no secret, no PII: ids and a short reason)."""
    return {
        "seller_id": seller_id,
        "requested_by": requested_by,
        "reason": reason[:200],
        "erase_data": erase_data,
    }


def start_erasure(
    workflows: WorkflowPort,
    state_machine_arn: str,
    seller_id: str,
    *,
    requested_by: str,
    request_id: str,
    reason: str,
    erase_data: bool = True,
) -> str:
    """Start the erase-seller workflow (also from the CLI); the execution ARN."""
    if not state_machine_arn:
        raise ConfigurationError("ERASE_STATE_MACHINE_ARN is not configured")
    kind = "erase" if erase_data else "disconnect"
    return workflows.start(
        state_machine_arn,
        name=erasure_execution_name(kind, seller_id, request_id),
        payload=erasure_payload(seller_id, requested_by=requested_by, reason=reason, erase_data=erase_data),
    )


class SellerRights:
    """Export, erasure and disconnection of one seller, for its owners."""

    def __init__(
        self,
        *,
        members: MembershipCheck,
        workflows: WorkflowPort,
        objects: ExportObjects,
        audit: AuditSink,
        config: PrivacyConfig,
    ) -> None:
        self._members = members
        self._workflows = workflows
        self._objects = objects
        self._audit = audit
        self._config = config

    def require(self, caller: Principal, seller_id: str, permission: Permission) -> Membership:
        """The permission table decides (only owners hold these permissions): 404 / 403 otherwise."""
        return self._members.require(caller, seller_id, permission)

    # --- export ---------------------------------------------------------------------------------
    def request_export(self, caller: Principal, seller_id: str, *, request_id: str) -> ExportStartedOut:
        self.require(caller, seller_id, Permission.DATA_EXPORT)
        if not self._config.export_state_machine_arn:
            raise ConfigurationError("EXPORT_STATE_MACHINE_ARN is not configured")
        export_id = export_id_for(seller_id, request_id)
        self._audit.record(seller_id, caller.sub, "export.requested", f"exports/{export_id}")
        self._workflows.start(
            self._config.export_state_machine_arn,
            name=export_execution_name(seller_id, export_id),
            payload={"seller_id": seller_id, "export_id": export_id, "requested_by": caller.sub},
        )
        return ExportStartedOut(export_id=export_id, status="running")

    def export_status(self, caller: Principal, seller_id: str, export_id: str) -> ExportStatusOut:
        self.require(caller, seller_id, Permission.DATA_EXPORT)
        missing = ExportNotFound(f"export {export_id[:32]!r} not found")
        if not is_export_id(export_id) or not self._config.export_state_machine_arn:
            raise missing
        execution = self._workflows.describe(
            self._config.export_state_machine_arn, export_execution_name(seller_id, export_id)
        )
        if execution is None or execution.input.get("seller_id") != seller_id:
            raise missing
        if execution.status in FAILED_STATUSES:
            return ExportStatusOut(export_id=export_id, status="failed")
        if execution.status != "SUCCEEDED":
            return ExportStatusOut(export_id=export_id, status="running")
        key = export_key(self._config.exports_prefix, seller_id, export_id)
        if not self._objects.exists(key):  # expired by the bucket's lifecycle, or erased
            raise ExportNotFound(f"export {export_id!r} is no longer available")
        ttl = min(self._config.url_ttl_s, 900)
        url = self._objects.presigned_get(key, expires_in=ttl)
        self._audit.record(seller_id, caller.sub, "export.downloaded", f"exports/{export_id} url_ttl={ttl}s")
        return ExportStatusOut(export_id=export_id, status="ready", url=url, expires_in=ttl)

    # --- erasure and disconnection ------------------------------------------------------------
    def request_erasure(self, caller: Principal, seller_id: str, *, request_id: str) -> ErasureStartedOut:
        self.require(caller, seller_id, Permission.SELLER_ERASE)
        self._audit.record(seller_id, caller.sub, "seller.erase_requested", f"seller/{seller_id}")
        start_erasure(
            self._workflows,
            self._config.erase_state_machine_arn,
            seller_id,
            requested_by=caller.sub,
            request_id=request_id,
            reason="owner requested erasure (DELETE /sellers/{sellerId})",
        )
        return ErasureStartedOut(seller_id=seller_id, status="erasing", erase_data=True)

    def disconnect(
        self, caller: Principal, seller_id: str, request: DisconnectIn, *, request_id: str
    ) -> ErasureStartedOut:
        self.require(caller, seller_id, Permission.CONNECTION_MANAGE)
        if request.erase_data:
            self.require(caller, seller_id, Permission.SELLER_ERASE)
        reason = request.reason.strip() or "owner disconnected the seller"
        self._audit.record(
            seller_id,
            caller.sub,
            "seller.disconnect_requested",
            f"seller/{seller_id} erase_data={str(request.erase_data).lower()} reason={reason[:120]}",
        )
        start_erasure(
            self._workflows,
            self._config.erase_state_machine_arn,
            seller_id,
            requested_by=caller.sub,
            request_id=request_id,
            reason=reason,
            erase_data=request.erase_data,
        )
        return ErasureStartedOut(
            seller_id=seller_id,
            status="erasing" if request.erase_data else "disconnecting",
            erase_data=request.erase_data,
        )
