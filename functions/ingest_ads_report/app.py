"""Ads sub-flow task: download one completed Ads report (gzip JSON), stream-parse it, upsert campaign days
(spCampaigns) or advertised-product days (spAdvertisedProduct)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow import wiring
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.reports.ads_campaigns import parse_sp_advertised_products, parse_sp_campaigns
from sellerflow.sync.ads import IngestAdsInput, ingest_ads_report
from sellerflow.tenancy import acting_for
from sellerflow.wiring.ads import ads_store


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(IngestAdsInput, event)
    # Its reads and writes reach only this seller's partitions (tenant-scoped credentials).
    with acting_for(request.job.seller_id):
        result = ingest_ads_report(
            request,
            api=wiring.ads_client(),
            book=wiring.report_store(),
            parse=parse_sp_campaigns,
            parse_products=parse_sp_advertised_products,
            sink=ads_store(),
        )
        return result.model_dump(mode="json")
