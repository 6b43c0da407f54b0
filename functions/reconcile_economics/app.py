"""Seller-sync task after the rollups: Amazon's per-SKU economics (Data Kiosk) against the rollups;
mismatches are stored and counted, never adjusted, and never fail the sync."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.sync.economics import ReconcileEconomicsInput
from sellerflow.tenancy import acting_for
from sellerflow.wiring.economics import reconcile_economics


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(ReconcileEconomicsInput, event)
    # Its reads and writes reach only this seller's partitions (tenant-scoped credentials).
    with acting_for(request.seller_id):
        return reconcile_economics(request.seller_id).model_dump(mode="json")
