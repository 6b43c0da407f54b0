"""Seller-sync task: the reports this run asks for (or keeps polling) and the new settlement reports."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow import wiring
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.sync.reports import PlanReportsInput, plan_run
from sellerflow.tenancy import acting_for


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(PlanReportsInput, event)
    # Its reads and writes reach only this seller's partitions (tenant-scoped credentials).
    with acting_for(request.seller_id):
        plan = plan_run(
            request.seller_id,
            wiring.seller_store().marketplaces_of(request.seller_id),
            wiring.sync_plan_caps(request.seller_id),  # Billing=on: the plan's marketplaces and history depth
            api=wiring.spapi_client(),
            book=wiring.report_store(),
            now=datetime.now(UTC),
            policy=wiring.report_policy(),
            traffic_budget=wiring.traffic_budget(),
        )
        return plan.model_dump(mode="json")
