"""Seller-sync task: the Amazon Ads report of each advertising profile this run (or one to resume)."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow import wiring
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.sync.ads import PlanAdsInput, plan_ads_reports
from sellerflow.tenancy import acting_for


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(PlanAdsInput, event)
    # Its reads and writes reach only this seller's partitions (tenant-scoped credentials).
    with acting_for(request.seller_id):
        plan = plan_ads_reports(
            request.seller_id,
            wiring.seller_store().marketplaces_of(request.seller_id),
            api=wiring.ads_client(),
            book=wiring.report_store(),
            now=datetime.now(UTC),
            policy=wiring.ads_policy(),
        )
        return plan.model_dump(mode="json")
