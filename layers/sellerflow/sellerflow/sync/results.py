"""The end of a seller-sync run: record how it went; a revoked authorization stops future syncs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from sellerflow.domain import SellerStatus, SyncState
from sellerflow.observability import logger, metrics
from sellerflow.sync.models import RecordSyncResultInput, RecordSyncResultOutput


class SyncResultStore(Protocol):
    def finish_run(
        self, seller_id: str, *, outcome: str, error: str | None, source: str = "orders"
    ) -> SyncState: ...
    def set_status(self, seller_id: str, status: SellerStatus, *, reason: str | None = None) -> None: ...


class ReportsRunRecorder(Protocol):
    def record_reports_run(self, seller_id: str, *, at: datetime, pending: bool) -> None: ...


class RefreshTokenRemover(Protocol):
    def delete_refresh_token(self, seller_id: str) -> None: ...


class AuditTrail(Protocol):
    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> object: ...


SYSTEM_ACTOR = "system:seller-sync"
# One run per cadence: this many failed runs in a row is a seller with no successful sync for that
# many cadences. Each such run counts once in SYNC_LAGGING, which the operator alarm watches
# (template.yaml SyncLaggingAlarm, docs/operations.md); the metric names no seller.
SYNC_LAG_RUNS = 2
SYNC_LAGGING = "SellerSyncLagging"


def record_sync_result(
    request: RecordSyncResultInput,
    *,
    store: SyncResultStore,
    credentials: RefreshTokenRemover | None = None,
    audit: AuditTrail | None = None,
    routes: ReportsRunRecorder | None = None,
) -> RecordSyncResultOutput:
    """`routes`: a successful Standard run records when it planned reports and whether it planned
    any, which the next start's routing reads (`sellerflow.sync.routing`)."""
    error = None
    if request.outcome != "succeeded":
        error = f"{request.error or 'Unknown'}: {_cause_message(request.cause)}"
    state = store.finish_run(request.seller_id, outcome=request.outcome, error=error)
    if request.outcome == "revoked":
        store.set_status(
            request.seller_id,
            SellerStatus.REVOKED,
            reason="LWA answered invalid_grant: authorization revoked",
        )
        if credentials is not None:  # a revoked token is useless and still a secret: keep none
            credentials.delete_refresh_token(request.seller_id)
        if audit is not None:  # a revocation is a connection change: it belongs in the seller's trail
            audit.record(
                request.seller_id, SYSTEM_ACTOR, "connection.revoked", f"run/{request.run_id} invalid_grant"
            )
        metrics.add_metric(name="SellersRevoked", unit="Count", value=1)
    if request.outcome == "succeeded":
        if routes is not None and request.machine == "standard":
            pending = (request.reports_planned or 0) > 0
            routes.record_reports_run(request.seller_id, at=datetime.now(UTC), pending=pending)
        metrics.add_metric(name="SyncSucceeded", unit="Count", value=1)
    else:
        metrics.add_metric(name="SyncFailed", unit="Count", value=1)
        if state.consecutive_failures >= SYNC_LAG_RUNS:
            metrics.add_metric(name=SYNC_LAGGING, unit="Count", value=1)
        logger.warning("seller sync failed", extra={"seller_id": request.seller_id, "error": request.error})
    return RecordSyncResultOutput(
        seller_id=request.seller_id, outcome=request.outcome, consecutive_failures=state.consecutive_failures
    )


def _cause_message(cause: str | None) -> str:
    """Step Functions passes the Lambda's error payload as JSON text; keep only its message."""
    if not cause:
        return ""
    import json

    try:
        parsed = json.loads(cause)
    except ValueError:
        return cause[:300]
    if isinstance(parsed, dict):
        return str(parsed.get("errorMessage", ""))[:300]
    return str(parsed)[:300]
