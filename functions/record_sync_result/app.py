"""Seller-sync task: record the run's outcome; a revoked authorization stops the seller's syncs."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow import wiring
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.sync.models import RecordSyncResultInput
from sellerflow.sync.results import record_sync_result
from sellerflow.tenancy import acting_for


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(RecordSyncResultInput, event)
    # Its reads and writes reach only this seller's partitions (tenant-scoped credentials).
    with acting_for(request.seller_id):
        return record_sync_result(
            request,
            store=wiring.seller_store(),
            credentials=wiring.credential_vault(),
            audit=wiring.audit_log(),
            routes=wiring.seller_store(),
        ).model_dump(mode="json")
