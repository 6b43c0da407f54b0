"""Seller-sync task: FBA inventory summaries of every marketplace of the seller."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow import wiring
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.reports import inventory_fact_from_summary
from sellerflow.sync.inventory import InventoryInput, sync_inventory
from sellerflow.tenancy import acting_for


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(InventoryInput, event)
    # Its reads and writes reach only this seller's partitions (tenant-scoped credentials).
    with acting_for(request.seller_id):
        result = sync_inventory(
            request,
            api=wiring.spapi_client(),
            sink=wiring.fact_store(),
            marketplace_ids=wiring.seller_store().marketplaces_of(request.seller_id),
            to_fact=lambda seller, marketplace, summary, at: inventory_fact_from_summary(
                seller, marketplace, summary, as_of=at
            ),
        )
    return result.model_dump(mode="json")
