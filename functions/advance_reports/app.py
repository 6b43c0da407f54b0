"""Hourly (Express) seller-sync task: move the seller's reports one step each, with no wait — plan
when due, check what an earlier run asked for, ask for what is due, ingest what is done within the
run's time budget — and carry the rest to the next run (`sellerflow.sync.carry`)."""

import time
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow import wiring
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.reports.ads_campaigns import parse_sp_advertised_products, parse_sp_campaigns
from sellerflow.reports.ingest import ingest_document
from sellerflow.sync.carry import (
    AdsReports,
    AdvanceReportsInput,
    SpApiReports,
    advance_reports,
    within_time_left,
)
from sellerflow.tenancy import acting_for
from sellerflow.wiring.ads import ads_store


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse_event(AdvanceReportsInput, event)
    # Its reads and writes reach only this seller's partitions (tenant-scoped credentials).
    with acting_for(request.seller_id):
        book = wiring.report_store()
        result = advance_reports(
            request,
            wiring.seller_store().marketplaces_of(request.seller_id),
            wiring.sync_plan_caps(request.seller_id),  # Billing=on: the plan's marketplaces and history depth
            reports=SpApiReports(
                api=wiring.spapi_client(),
                book=book,
                policy=wiring.report_policy(),
                ingest=ingest_document,
                sink=wiring.fact_store(),
                kiosk=wiring.data_kiosk_client(),
                traffic_budget=wiring.traffic_budget(),
            ),
            ads=AdsReports(
                api=wiring.ads_client(),
                policy=wiring.ads_policy(),
                parse=parse_sp_campaigns,
                parse_products=parse_sp_advertised_products,
                sink=ads_store(),
            ),
            routes=wiring.seller_store(),
            now=datetime.now(UTC),
            clock=time.monotonic,
            policy=within_time_left(wiring.carry_policy(), context.get_remaining_time_in_millis()),
        )
        return result.model_dump(mode="json")
