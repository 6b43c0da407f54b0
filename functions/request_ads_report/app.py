"""Ads sub-flow task: ask Amazon Ads for one report (or resume a pending one; a 425 reuses its id)."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow import wiring
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.sync.ads import RequestAdsInput, request_ads_report
from sellerflow.tenancy import acting_for


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(RequestAdsInput, event)
    # Its reads and writes reach only this seller's partitions (tenant-scoped credentials).
    with acting_for(request.job.seller_id):
        progress = request_ads_report(
            request.job,
            api=wiring.ads_client(),
            book=wiring.report_store(),
            now=datetime.now(UTC),
            policy=wiring.ads_policy(),
        )
        return progress.model_dump(mode="json")
